using KojiNet.Rpm.Versions;

namespace KojiNet.Repodata;

/// <summary>The rules createrepo_c applies when it turns a package header into repodata.</summary>
public static class RepodataRules
{
    /// <summary>
    /// True for the files primary.xml lists besides filelists.xml: anything under <c>/etc/</c>,
    /// any path containing <c>bin/</c>, and <c>/usr/lib/sendmail</c>.
    /// </summary>
    public static bool IsPrimaryFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.StartsWith("/etc/", StringComparison.Ordinal)
            || path.Contains("bin/", StringComparison.Ordinal)
            || string.Equals(path, "/usr/lib/sendmail", StringComparison.Ordinal);
    }

    /// <summary>
    /// Splits a dependency's <c>[epoch:]version[-release]</c> as createrepo_c does: the epoch is
    /// <c>0</c> when absent, the release starts at the first <c>-</c> after the epoch and is null
    /// when empty. An empty input gives nulls. False when the epoch is not a number.
    /// </summary>
    public static bool TrySplitEvr(string? evr, out string? epoch, out string? version, out string? release)
    {
        epoch = version = release = null;
        if (string.IsNullOrEmpty(evr))
        {
            return true;
        }
        var colon = evr.IndexOf(':', StringComparison.Ordinal);
        var rest = evr;
        if (colon >= 0)
        {
            // strtol's view: blanks, an optional sign, digits; the number must end at the colon.
            var p = 0;
            while (p < colon && evr[p] is ' ' or '\t' or '\n' or '\v' or '\f' or '\r')
            {
                p++;
            }
            if (p < colon && evr[p] is '+' or '-')
            {
                p++;
            }
            var digitsStart = p;
            while (p < colon && char.IsAsciiDigit(evr[p]))
            {
                p++;
            }
            var end = p > digitsStart ? p : 0;
            if (end != colon)
            {
                return false;
            }
            epoch = colon > 0 ? evr[..colon] : "0";
            rest = evr[(colon + 1)..];
        }
        else
        {
            epoch = "0";
        }
        var dash = rest.IndexOf('-', StringComparison.Ordinal);
        if (dash >= 0)
        {
            version = rest[..dash];
            release = dash + 1 < rest.Length ? rest[(dash + 1)..] : null;
        }
        else
        {
            version = rest;
        }
        return true;
    }

    /// <summary>
    /// Orders two <c>libc.so.6…</c> requires by the symbol version in their first parentheses,
    /// as createrepo_c does to keep only the highest: 0 when equal, 1 when the first is higher,
    /// 2 when the second is higher.
    /// </summary>
    public static int CompareLibcDependency(string first, string second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var open1 = first.IndexOf('(', StringComparison.Ordinal);
        var open2 = second.IndexOf('(', StringComparison.Ordinal);
        if (open1 < 0 && open2 < 0)
        {
            return 0;
        }
        if (open1 < 0)
        {
            return 2;
        }
        if (open2 < 0)
        {
            return 1;
        }
        var close1 = first.IndexOf(')', open1);
        var close2 = second.IndexOf(')', open2);
        if (close1 < 0 && close2 < 0)
        {
            return 0;
        }
        if (close1 < 0)
        {
            return 2;
        }
        if (close2 < 0)
        {
            return 1;
        }
        var v1 = open1 + 1;
        var v2 = open2 + 1;
        if (v1 == close1 && v2 == close2)
        {
            return 0;
        }
        if (v1 == close1)
        {
            return 2;
        }
        if (v2 == close2)
        {
            return 1;
        }
        while (v1 < first.Length && !char.IsAsciiDigit(first[v1]))
        {
            v1++;
        }
        while (v2 < second.Length && !char.IsAsciiDigit(second[v2]))
        {
            v2++;
        }
        if (v1 > close1 && v2 > close2)
        {
            return 0;
        }
        if (v1 > close1)
        {
            return 2;
        }
        if (v2 > close2)
        {
            return 1;
        }
        var cmp = RpmVersion.Compare(first[v1..Math.Max(v1, close1)], second[v2..Math.Max(v2, close2)]);
        return cmp < 0 ? 2 : cmp;
    }

    /// <summary>True when <paramref name="value"/> has an ASCII control character other than tab, LF and CR, which repodata cannot carry.</summary>
    public static bool HasForbiddenControlCharacter(string? value)
    {
        if (value is null)
        {
            return false;
        }
        foreach (var c in value)
        {
            if (c < ' ' && c is not ('\t' or '\n' or '\r'))
            {
                return true;
            }
        }
        return false;
    }
}
