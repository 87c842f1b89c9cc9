using System.Collections;
using System.Globalization;
using System.Text;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// Renders values the way Python 3's <c>repr()</c> and <c>str()</c> do. Mock configs are Python
/// source, and kojid writes every value into them with <c>%r</c>, so byte-identical configs need
/// Python's quoting and escaping rules, not JSON's or C#'s.
/// </summary>
public static class PythonLiteral
{
    /// <summary>
    /// Python's <c>repr(value)</c> for the value types a tag extra or a mock option can hold:
    /// null (<c>None</c>), strings, booleans, integers, doubles, lists (any non-string
    /// sequence), dictionaries with string keys, and two-element value tuples.
    /// </summary>
    /// <exception cref="ArgumentException">The value has no Python literal form (a date, binary data...).</exception>
    public static string Repr(object? value)
    {
        var sb = new StringBuilder();
        AppendRepr(sb, value);
        return sb.ToString();
    }

    /// <summary>Python's <c>str(value)</c>: a string as is, anything else as <see cref="Repr"/>.</summary>
    public static string Str(object? value) => value as string ?? Repr(value);

    /// <summary>
    /// Python's truth value of <paramref name="value"/>: None, False, zero, and empty strings,
    /// lists and dictionaries are false; everything else is true.
    /// </summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        string s => s.Length > 0,
        int i => i != 0,
        long l => l != 0,
        double d => d != 0,
        ICollection c => c.Count > 0,
        IEnumerable e => e.GetEnumerator().MoveNext(),
        _ => true,
    };

    private static void AppendRepr(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null:
                sb.Append("None");
                break;
            case string s:
                AppendString(sb, s);
                break;
            case bool b:
                sb.Append(b ? "True" : "False");
                break;
            case int or long or short or sbyte or byte or ushort or uint or ulong:
                sb.Append(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case double d:
                sb.Append(PythonFloat.Format(d));
                break;
            case float f:
                sb.Append(PythonFloat.Format(f));
                break;
            case ValueTuple<string, string> t:
                sb.Append('(');
                AppendString(sb, t.Item1);
                sb.Append(", ");
                AppendString(sb, t.Item2);
                sb.Append(')');
                break;
            case IDictionary dict:
                AppendDict(sb, dict);
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                AppendDict(sb, pairs.Select(p => new DictionaryEntry(p.Key, p.Value)));
                break;
            case byte[]:
            case DateTime:
            case DateTimeOffset:
                throw new ArgumentException($"a {value.GetType().Name} has no Python literal form", nameof(value));
            case IEnumerable seq:
                sb.Append('[');
                var first = true;
                foreach (var item in seq)
                {
                    if (!first)
                    {
                        sb.Append(", ");
                    }
                    first = false;
                    AppendRepr(sb, item);
                }
                sb.Append(']');
                break;
            default:
                throw new ArgumentException($"a {value.GetType().Name} has no Python literal form", nameof(value));
        }
    }

    private static void AppendDict(StringBuilder sb, IDictionary dict)
    {
        // The dictionary enumerator gives key and value whatever the collection's own item type.
        var entries = new List<DictionaryEntry>();
        var e = dict.GetEnumerator();
        while (e.MoveNext())
        {
            entries.Add(new DictionaryEntry(e.Key, e.Value));
        }
        AppendDict(sb, entries);
    }

    private static void AppendDict(StringBuilder sb, IEnumerable<DictionaryEntry> entries)
    {
        sb.Append('{');
        var first = true;
        foreach (var entry in entries)
        {
            if (!first)
            {
                sb.Append(", ");
            }
            first = false;
            AppendRepr(sb, entry.Key);
            sb.Append(": ");
            AppendRepr(sb, entry.Value);
        }
        sb.Append('}');
    }

    // Python picks single quotes unless the text has a single quote and no double quote.
    private static void AppendString(StringBuilder sb, string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        sb.Append(quote);
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == quote || c == '\\')
            {
                sb.Append('\\').Append(c);
                continue;
            }
            switch (c)
            {
                case '\t':
                    sb.Append("\\t");
                    continue;
                case '\n':
                    sb.Append("\\n");
                    continue;
                case '\r':
                    sb.Append("\\r");
                    continue;
            }
            if (c is >= ' ' and < '\x7f')
            {
                sb.Append(c);
                continue;
            }
            int codePoint;
            if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                codePoint = char.ConvertToUtf32(c, s[i + 1]);
            }
            else if (char.IsSurrogate(c))
            {
                // A lone surrogate: Python escapes it like any other unprintable code point.
                sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                continue;
            }
            else
            {
                codePoint = c;
            }
            var rune = new Rune(codePoint);
            if (IsPrintable(rune))
            {
                sb.Append(s, i, rune.Utf16SequenceLength);
            }
            else if (codePoint <= 0xff)
            {
                sb.Append("\\x").Append(codePoint.ToString("x2", CultureInfo.InvariantCulture));
            }
            else if (codePoint <= 0xffff)
            {
                sb.Append("\\u").Append(codePoint.ToString("x4", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append("\\U").Append(codePoint.ToString("x8", CultureInfo.InvariantCulture));
            }
            i += rune.Utf16SequenceLength - 1;
        }
        sb.Append(quote);
    }

    // Python's str.isprintable for one code point: not "Other" (Cc, Cf, Cs, Co, Cn) and not a
    // separator (Zl, Zp, Zs), the ASCII space excepted.
    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate
            or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned
            or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator => false,
        UnicodeCategory.SpaceSeparator => rune.Value == ' ',
        _ => true,
    };
}
