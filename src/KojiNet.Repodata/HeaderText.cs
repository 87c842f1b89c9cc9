using System.Text;
using KojiNet.Rpm;
using KojiNet.Rpm.Format;

namespace KojiNet.Repodata;

/// <summary>
/// Header strings decoded as createrepo_c sees them: UTF-8 when the bytes are valid UTF-8,
/// otherwise read as ISO-8859-1 with the bytes 0x80–0xBF dropped (they are almost always
/// mis-encoded CP-1252, not Latin-1). ASCII control characters are kept so that validation can
/// refuse them, as createrepo_c refuses them.
/// </summary>
internal static class HeaderText
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return string.Empty;
        }
        if (System.Text.Unicode.Utf8.IsValid(bytes))
        {
            return StrictUtf8.GetString(bytes);
        }
        var sb = new StringBuilder(bytes.Length);
        foreach (var b in bytes)
        {
            if (b < 0x80)
            {
                sb.Append((char)b);
            }
            else if (b >= 0xC0)
            {
                sb.Append((char)b);
            }
        }
        return sb.ToString();
    }

    /// <summary>The first string of a STRING, I18NSTRING or STRING_ARRAY entry, or null when absent.</summary>
    public static string? GetString(RpmHeader header, int tag)
    {
        if (!header.TryGetEntry(tag, out var entry))
        {
            return null;
        }
        CheckStringType(entry);
        var data = header.GetData(entry);
        var nul = data.IndexOf((byte)0);
        return Decode(nul < 0 ? data : data[..nul]);
    }

    /// <summary>All strings of a STRING, I18NSTRING or STRING_ARRAY entry, or null when absent.</summary>
    public static string[]? GetStringArray(RpmHeader header, int tag)
    {
        if (!header.TryGetEntry(tag, out var entry))
        {
            return null;
        }
        CheckStringType(entry);
        var data = header.GetData(entry);
        var result = new string[entry.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var nul = data.IndexOf((byte)0);
            if (nul < 0)
            {
                throw new RpmFormatException($"header tag {entry.Tag}: string {i} of {entry.Count} is not terminated");
            }
            result[i] = Decode(data[..nul]);
            data = data[(nul + 1)..];
        }
        return result;
    }

    private static void CheckStringType(in RpmHeaderEntry entry)
    {
        if (entry.Type is not (RpmTagType.String or RpmTagType.I18NString or RpmTagType.StringArray))
        {
            throw new RpmFormatException($"header tag {entry.Tag} has type {entry.Type}, expected a string");
        }
    }
}
