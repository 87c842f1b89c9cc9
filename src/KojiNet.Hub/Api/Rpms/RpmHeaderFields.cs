using System.Buffers.Binary;
using System.Reflection;
using System.Text;
using KojiNet.Rpm.Format;

namespace KojiNet.Hub.Api.Rpms;

/// <summary>
/// RPM header fields by rpm's tag names (<c>name</c>, <c>sourcerpm</c>, <c>requirename</c>...) as
/// Python's rpm bindings return them: strings, ints, lists for array tags, bytes for binary tags.
/// </summary>
internal static class RpmHeaderFields
{
    /// <summary>rpm's <c>RPMTAG_FILENAMES</c>, computed rather than stored.</summary>
    private const int FileNamesTag = 5000;

    private static readonly Dictionary<string, int> ByName = BuildNames();

    private static readonly Dictionary<int, string> ByTag = ByName
        .GroupBy(kv => kv.Value).ToDictionary(g => g.Key, g => g.First().Key);

    private static readonly string[] ArrayPrefixes =
    [
        "file", "require", "provide", "conflict", "obsolete", "changelog", "dir", "basenames", "oldfilenames",
        "trigger", "recommend", "suggest", "supplement", "enhance", "order", "prefixes", "classdict", "longfilesizes",
        "exclusive", "exclude", "buildarchs", "pubkeys", "nosource", "nopatch", "source", "patch",
    ];

    /// <summary>Array-returning tags (rpm's <c>RPM_ARRAY_RETURN_TYPE</c>) that the prefixes above miss.</summary>
    private static readonly HashSet<string> ArrayNames = new(StringComparer.Ordinal)
    {
        "dependsdict", "fscontexts", "headeri18ntable", "instfilenames", "instprefixes", "oldenhances", "oldenhancesflags",
        "oldenhancesname", "oldenhancesversion", "oldsuggests", "oldsuggestsflags", "oldsuggestsname", "oldsuggestsversion",
        "origbasenames", "origdirindexes", "origdirnames", "origfilenames", "payloaddigest", "payloaddigestalt", "policies",
        "policyflags", "policynames", "policytypes", "policytypesindexes", "postinprog", "posttransprog", "postunprog",
        "preinprog", "pretransprog", "preunprog", "recontexts", "transfiletriggerconds", "transfiletriggerflags",
        "transfiletriggerindex", "transfiletriggername", "transfiletriggerpriorities", "transfiletriggerscriptflags",
        "transfiletriggerscriptprog", "transfiletriggerscripts", "transfiletriggertype", "transfiletriggerversion",
        "verifyscriptprog", "veritysignatures",
    };

    private static Dictionary<string, int> BuildNames()
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var f in typeof(RpmTag).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
        {
            names[f.Name.ToLowerInvariant()] = (int)f.GetRawConstantValue()!;
        }
        // rpm's aliases.
        names["filemd5s"] = RpmTag.FileDigests;
        names["requires"] = RpmTag.RequireName;
        names["provides"] = RpmTag.ProvideName;
        names["conflicts"] = RpmTag.ConflictName;
        names["obsoletes"] = RpmTag.ObsoleteName;
        names["serial"] = RpmTag.Epoch;
        names["copyright"] = RpmTag.License;
        // rpm's extension tag: full paths built from dirnames/dirindexes/basenames.
        names["filenames"] = FileNamesTag;
        return names;
    }

    public static bool TryGetTag(string name, out int tag) => ByName.TryGetValue(name.ToLowerInvariant(), out tag);

    /// <summary>Every field present in <paramref name="header"/> whose tag has a name, keyed by that name.</summary>
    public static Dictionary<string, object?> All(RpmHeader header)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var e in header.Entries)
        {
            if (ByTag.TryGetValue(e.Tag, out var name) && e.Tag >= 1000)
            {
                result[name] = Value(header, e.Tag, name);
            }
        }
        return result;
    }

    /// <summary>The value of a field, as rpm's Python bindings give it (null when absent).</summary>
    public static object? Value(RpmHeader header, int tag, string name)
    {
        var isArray = ArrayNames.Contains(name)
            || (ArrayPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal))
                && name is not ("sourcerpm" or "sourcepackage" or "sourcepkgid" or "filedigestalgo" or "filesignaturelength"));
        if (tag == FileNamesTag)
        {
            return FileNames(header);
        }
        if (!header.TryGetEntry(tag, out var e))
        {
            return isArray ? new List<object?>() : null;
        }
        var data = header.GetData(e);
        switch (e.Type)
        {
            case RpmTagType.String:
                // A single string stored for an array tag (e.g. PREINPROG) still comes back as a list.
                return isArray ? new List<object?> { Utf8Z(data) } : Utf8Z(data);
            case RpmTagType.I18NString:
                return header.GetStringArray(tag) is { Length: > 0 } i18n ? i18n[0] : null;
            case RpmTagType.StringArray:
                return header.GetStringArray(tag)!.Cast<object?>().ToList();
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
