using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace KojiNet.Builder.Scm;

/// <summary>
/// Python's <c>fnmatch</c> globs (what allowed_scms uses): <c>*</c> any run of characters
/// including <c>/</c>, <c>?</c> one character, <c>[seq]</c> and <c>[!seq]</c> sets with ranges;
/// an unclosed <c>[</c> is literal. Case-sensitive, matched against the whole string. Compiled
/// to a non-backtracking regex, so no pattern can make matching slow.
/// </summary>
internal sealed class Fnmatch
{
    private readonly Regex _regex;

    public Fnmatch(string pattern)
    {
        Pattern = pattern;
        _regex = new Regex(Translate(pattern),
            RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | RegexOptions.Singleline);
    }

    public string Pattern { get; }

    public bool IsMatch(string text) => _regex.IsMatch(text);

    internal static string Translate(string pattern)
    {
        var sb = new StringBuilder(@"\A(?:");
        var i = 0;
        var n = pattern.Length;
        var lastWasStar = false;
        while (i < n)
        {
            var c = pattern[i++];
            if (c == '*')
            {
                if (!lastWasStar)
                {
                    sb.Append(".*");
                }
                lastWasStar = true;
                continue;
            }
            lastWasStar = false;
            if (c == '?')
            {
                sb.Append('.');
            }
            else if (c == '[')
            {
                var j = i;
                if (j < n && pattern[j] == '!')
                {
                    j++;
                }
                if (j < n && pattern[j] == ']')
                {
                    j++;
                }
                while (j < n && pattern[j] != ']')
                {
                    j++;
                }
                if (j >= n)
                {
                    sb.Append(@"\[");
                }
                else
                {
                    AppendSet(sb, pattern[i..j]);
                    i = j + 1;
                }
            }
            else
            {
                AppendChar(sb, c);
            }
        }
        sb.Append(@")\z");
        return sb.ToString();
    }

    private static void AppendSet(StringBuilder sb, string stuff)
    {
        var negate = stuff.Length > 1 && stuff[0] == '!';
        if (stuff == "!")
        {
            sb.Append('.');
            return;
        }
        var body = negate ? stuff[1..] : stuff;
        var ranges = new List<(char Lo, char Hi)>();
        var p = 0;
        while (p < body.Length)
        {
            if (p + 2 < body.Length && body[p + 1] == '-')
            {
                // A reversed range matches nothing (Python drops it).
                if (body[p] <= body[p + 2])
                {
                    ranges.Add((body[p], body[p + 2]));
                }
                p += 3;
            }
            else
            {
                ranges.Add((body[p], body[p]));
                p++;
            }
        }
        if (ranges.Count == 0)
        {
            // An empty set never matches; negated, it matches any character.
            sb.Append(negate ? "." : @"[^\u0000-\uFFFF]");
            return;
        }
        sb.Append(negate ? "[^" : "[");
        foreach (var (lo, hi) in ranges)
        {
            AppendClassChar(sb, lo);
            if (hi != lo)
            {
                sb.Append('-');
                AppendClassChar(sb, hi);
            }
        }
        sb.Append(']');
    }

    private static void AppendChar(StringBuilder sb, char c)
    {
        if (char.IsAsciiLetterOrDigit(c))
        {
            sb.Append(c);
        }
        else
        {
            AppendClassChar(sb, c);
        }
    }

    private static void AppendClassChar(StringBuilder sb, char c) =>
        sb.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:X4}");
}
