using System.Buffers.Binary;
using System.Text;
using KojiNet.Rpm.Format;

namespace KojiNet.Hub.Api.Rpms;

/// <summary>
/// RPM header fields by rpm's tag names (<c>name</c>, <c>sourcerpm</c>, <c>requirename</c>...) as
/// Python's rpm bindings return them for a package read from disk: the signature header merged
/// into the main one, strings, ints, lists for array tags, bytes for binary tags.
/// </summary>
internal static class RpmHeaderFields
{
    /// <summary>rpm's <c>RPMTAG_FILENAMES</c>, computed rather than stored.</summary>
    private const int FileNamesTag = 5000;

    /// <summary>Region tags, which rpm does not list among a header's keys.</summary>
    private static bool IsRegion(int tag) => tag is >= 61 and <= 64;

    public static bool TryGetTag(string name, out int tag) => RpmTagTable.ByName.TryGetValue(name.ToLowerInvariant(), out tag);

    /// <summary>
    /// The main-header tag a signature-header tag lands on when rpm loads a package (the shared
    /// 256–999 range keeps its numbers), or null for signature tags rpm does not merge.
    /// </summary>
    private static int? MergedTag(int sigTag) => sigTag switch
    {
        1000 => 257,  // SIZE → SIGSIZE
        1002 => 259,  // PGP → SIGPGP
        1004 => 261,  // MD5 → SIGMD5
        1005 => 262,  // GPG → SIGGPG
        1007 => 1046, // PAYLOADSIZE → ARCHIVESIZE
        274 => 5090,  // FILESIGNATURES
        275 => 5091,  // FILESIGNATURELENGTH
        >= 256 and < 1000 => sigTag,
        _ => null,
    };

    /// <summary>Where a tag's value lives: the main header, else the signature header (merged as rpm does).</summary>
    private static (RpmHeader Header, int Tag)? Locate(RpmHeader header, RpmHeader? signature, int tag)
    {
        if (header.Contains(tag))
        {
            return (header, tag);
        }
        if (signature is not null)
        {
            foreach (var e in signature.Entries)
            {
                if (MergedTag(e.Tag) == tag)
                {
                    return (signature, e.Tag);
                }
            }
        }
        return null;
    }

    /// <summary>Every field of the merged header keyed by rpm's name for it (<c>rpm.tagnames</c>, upper case), in tag order.</summary>
    public static Dictionary<string, object?> All(RpmHeader header, RpmHeader? signature)
    {
        var tags = new SortedSet<int>(header.Entries.Select(e => e.Tag).Where(t => !IsRegion(t)));
        if (signature is not null)
        {
            foreach (var e in signature.Entries)
            {
                if (MergedTag(e.Tag) is { } t && !IsRegion(t))
                {
                    tags.Add(t);
                }
            }
        }
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            if (RpmTagTable.CanonicalName.TryGetValue(tag, out var name))
            {
                result[name] = Value(header, signature, tag, name);
            }
        }
        return result;
    }

    /// <summary>The value of a field, as rpm's Python bindings give it (null, or [] for array tags, when absent).</summary>
    public static object? Value(RpmHeader header, RpmHeader? signature, int tag, string name)
    {
        var upper = name.ToUpperInvariant();
        var value = RawValue(header, signature, tag);
        // Packages over 4 GiB carry LONG* variants instead of these.
        if (upper is "SIZE" or "ARCHIVESIZE" or "FILESIZES" or "SIGSIZE" && value is null or List<object?> { Count: 0 }
            && RpmTagTable.ByName.TryGetValue("long" + upper.ToLowerInvariant(), out var longTag))
        {
            var longValue = RawValue(header, signature, longTag);
            if (longValue is not null and not List<object?> { Count: 0 })
            {
                return longValue;
            }
        }
        return value;
    }

    private static object? RawValue(RpmHeader header, RpmHeader? signature, int tag)
    {
        var isArray = RpmTagTable.ArrayTags.Contains(tag);
        if (tag == FileNamesTag)
        {
            return FileNames(header);
        }
        if (tag == RpmTag.FileClass && header.GetUInt32Array(tag) is { } classes && header.GetStringArray(RpmTag.ClassDict) is { } dict)
        {
            // rpm answers FILECLASS with the CLASSDICT entries the indexes point at; a symlink without one
            // is described by its target.
            var modes = header.GetUInt32Array(RpmTag.FileModes) ?? [];
            var links = header.GetStringArray(RpmTag.FileLinkTos) ?? [];
            return classes.Select((c, i) =>
            {
                var text = c < dict.Length ? dict[c] : "";
                if (text.Length == 0 && i < modes.Length && (modes[i] & 0xF000) == 0xA000 && i < links.Length)
                {
                    text = $"symbolic link to `{links[i]}'";
                }
                return (object?)text;
            }).ToList();
        }
        if (Locate(header, signature, tag) is not var (source, sourceTag) || !source.TryGetEntry(sourceTag, out var e))
        {
            return isArray ? new List<object?>() : null;
        }
        var data = source.GetData(e);
        switch (e.Type)
        {
            case RpmTagType.String:
                // A single string stored for an array tag (e.g. PREINPROG) still comes back as a list.
                return isArray ? new List<object?> { Utf8Z(data) } : Utf8Z(data);
            case RpmTagType.I18NString:
                return source.GetStringArray(sourceTag) is { Length: > 0 } i18n ? i18n[0] : null;
            case RpmTagType.StringArray:
                var strings = source.GetStringArray(sourceTag)!;
                return isArray || strings.Length != 1 ? strings.Cast<object?>().ToList() : strings[0];
            case RpmTagType.Bin:
                return data.ToArray();
            case RpmTagType.Char or RpmTagType.Int8 or RpmTagType.Int16 or RpmTagType.Int32 or RpmTagType.Int64:
                var values = new List<object?>(e.Count);
                for (var i = 0; i < e.Count; i++)
                {
                    values.Add(e.Type switch
                    {
                        RpmTagType.Char or RpmTagType.Int8 => (object)(int)data[i],
                        RpmTagType.Int16 => (int)BinaryPrimitives.ReadUInt16BigEndian(data[(i * 2)..]),
                        RpmTagType.Int32 => Narrow(BinaryPrimitives.ReadUInt32BigEndian(data[(i * 4)..])),
                        _ => Narrow(BinaryPrimitives.ReadUInt64BigEndian(data[(i * 8)..])),
                    });
                }
                return isArray || e.Count != 1 ? values : values[0];
            default:
                return null;
        }
    }

    private static List<object?> FileNames(RpmHeader header)
    {
        if (header.GetStringArray(RpmTag.BaseNames) is { } bases)
        {
            var dirs = header.GetStringArray(RpmTag.DirNames) ?? [];
            var indexes = header.GetUInt32Array(RpmTag.DirIndexes) ?? [];
            return bases.Select((b, i) => (object?)(dirs[(int)indexes[i]] + b)).ToList();
        }
        return header.GetStringArray(RpmTag.OldFileNames)?.Cast<object?>().ToList() ?? [];
    }

    private static object Narrow(ulong v) => v <= int.MaxValue ? (int)v : (long)v;

    private static string Utf8Z(ReadOnlySpan<byte> data)
    {
        var nul = data.IndexOf((byte)0);
        return Encoding.UTF8.GetString(nul >= 0 ? data[..nul] : data);
    }

    /// <summary>rpm's names of file digest algorithms (<c>RPM_FILEDIGESTALGO_IDS</c>).</summary>
    public static string DigestAlgoName(int algo) => algo switch
    {
        0 or 1 => "MD5",
        2 => "SHA1",
        3 => "RIPEMD160",
        8 => "SHA256",
        9 => "SHA384",
        10 => "SHA512",
        11 => "SHA224",
        _ => "UNKNOWN",
    };
}
