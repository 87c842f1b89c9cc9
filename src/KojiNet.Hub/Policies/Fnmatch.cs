using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;

namespace KojiNet.Hub.Policies;

/// <summary>
/// Shell-style glob matching as Python's <c>fnmatch</c> does it on Linux: case-sensitive,
/// <c>*</c> any run of characters (slashes included), <c>?</c> one character, <c>[seq]</c> and
/// <c>[!seq]</c> sets where a leading <c>]</c> is literal, and an unclosed <c>[</c> a literal
/// bracket. Compiled patterns are cached; policies reuse a small set of them.
/// </summary>
internal static class Fnmatch
{
    private static readonly ConcurrentDictionary<string, Regex> Cache = new(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="name"/> matches <paramref name="pattern"/>.</summary>
    public static bool IsMatch(string name, string pattern) => Cache.GetOrAdd(pattern, Compile).IsMatch(name);

    /// <summary>Whether <paramref name="name"/> matches any of <paramref name="patterns"/>.</summary>
    public static bool IsMatchAny(string name, IEnumerable<string> patterns)
    {
        foreach (var pattern in patterns)
        {
            if (IsMatch(name, pattern))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The regular expression equivalent to a glob.</summary>
    public static string Translate(string pattern)
    {
        var sb = new StringBuilder(@"\A(?:");
        var i = 0;
        var n = pattern.Length;
        while (i < n)
        {
            var c = pattern[i++];
            switch (c)
            {
                case '*':
                    while (i < n && pattern[i] == '*')
                    {
                        i++;
                    }
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
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
                        break;
                    }
                    var set = pattern[i..j];
                    i = j + 1;
                    var negate = set.StartsWith('!');
                    if (negate)
                    {
                        set = set[1..];
                    }
                    sb.Append('[');
                    if (negate)
                    {
                        sb.Append('^');
                    }
                    foreach (var s in set)
                    {
                        // Inside a .NET class '\', '[', ']' and '^' are escaped; '-' keeps its range meaning.
                        if (s is '\\' or '[' or ']' or '^')
                        {
                            sb.Append('\\');
                        }
                        sb.Append(s);
                    }
                    sb.Append(']');
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        sb.Append(@")\z");
        return sb.ToString();
    }

    private static Regex Compile(string pattern)
    {
        try
        {
            return new Regex(Translate(pattern), RegexOptions.Singleline | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
        catch (ArgumentException)
        {
            // A set Python accepts but .NET does not (a reversed range such as [z-a]) matches nothing.
            return new Regex("(?!)", RegexOptions.CultureInvariant);
        }
    }
}
