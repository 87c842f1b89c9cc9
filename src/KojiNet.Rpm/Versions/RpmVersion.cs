namespace KojiNet.Rpm.Versions;

/// <summary>
/// Version ordering exactly as rpm 4.18 defines it: <c>rpmvercmp</c> for a single version or
/// release string and <c>rpm.labelCompare</c> for epoch/version/release triples.
/// </summary>
public static class RpmVersion
{
    /// <summary>
    /// Compares two version (or release) strings like rpm's <c>rpmvercmp</c>.
    /// </summary>
    /// <remarks>
    /// Both strings are split into runs of ASCII digits or ASCII letters; any other character
    /// separates runs. Runs are compared pairwise: digits compare numerically (leading zeros
    /// ignored) and are newer than letters; letters compare byte-wise. A <c>~</c> sorts before
    /// everything, the end of the string included; a <c>^</c> sorts after the end of the string
    /// but before anything else. When all pairs are equal the string with runs left over is newer.
    /// </remarks>
    /// <returns>-1 when <paramref name="a"/> is older, 0 when equal, 1 when newer.</returns>
    public static int Compare(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return 0;
        }

        int i = 0;
        int j = 0;
        while (i < a.Length || j < b.Length)
        {
            while (i < a.Length && IsSeparator(a[i]))
            {
                i++;
            }
            while (j < b.Length && IsSeparator(b[j]))
            {
                j++;
            }

            char ca = i < a.Length ? a[i] : '\0';
            char cb = j < b.Length ? b[j] : '\0';

            // A tilde sorts before anything, including the end of the string.
            if (ca == '~' || cb == '~')
            {
                if (ca != '~')
                {
                    return 1;
                }
                if (cb != '~')
                {
                    return -1;
                }
                i++;
                j++;
                continue;
            }

            // A caret sorts after the end of the string but before any other segment.
            if (ca == '^' || cb == '^')
            {
                if (i >= a.Length)
                {
                    return -1;
                }
                if (j >= b.Length)
                {
                    return 1;
                }
                if (ca != '^')
                {
                    return 1;
                }
                if (cb != '^')
                {
                    return -1;
                }
                i++;
                j++;
                continue;
            }

            if (i >= a.Length || j >= b.Length)
            {
                break;
            }

            bool numeric = char.IsAsciiDigit(ca);
            int endA = SegmentEnd(a, i, numeric);
            int endB = SegmentEnd(b, j, numeric);

            // The segment types differ: a number is newer than letters.
            if (endB == j)
            {
                return numeric ? 1 : -1;
            }

            var segA = a.AsSpan(i, endA - i);
            var segB = b.AsSpan(j, endB - j);
            int rc;
            if (numeric)
            {
                segA = segA.TrimStart('0');
                segB = segB.TrimStart('0');
                rc = segA.Length != segB.Length
                    ? segA.Length.CompareTo(segB.Length)
                    : segA.SequenceCompareTo(segB);
            }
            else
            {
                rc = segA.SequenceCompareTo(segB);
            }
            if (rc != 0)
            {
                return rc < 0 ? -1 : 1;
            }

            i = endA;
            j = endB;
        }

        if (i >= a.Length && j >= b.Length)
        {
            return 0;
        }
        return i >= a.Length ? -1 : 1;
    }

    /// <summary>
    /// Compares two epoch/version/release triples like python3-rpm's <c>rpm.labelCompare</c>:
    /// a missing (null) epoch counts as <c>"0"</c>; epochs, versions and releases are each
    /// compared with <see cref="Compare(string, string)"/>, and a missing release sorts before
    /// any present one, the empty string included (two missing ones are equal).
    /// </summary>
    /// <returns>-1, 0 or 1.</returns>
    /// <exception cref="ArgumentException">A version is null or empty (rpm's "invalid version").</exception>
    public static int LabelCompare(string? epoch1, string version1, string? release1,
        string? epoch2, string version2, string? release2)
    {
        if (string.IsNullOrEmpty(version1))
        {
            throw new ArgumentException("invalid version: the version is empty", nameof(version1));
        }
        if (string.IsNullOrEmpty(version2))
        {
            throw new ArgumentException("invalid version: the version is empty", nameof(version2));
        }
        int rc = Compare(epoch1 ?? "0", epoch2 ?? "0");
        if (rc == 0)
        {
            rc = Compare(version1, version2);
        }
        if (rc == 0)
        {
            rc = CompareValues(release1, release2);
        }
        return rc;
    }

    /// <summary>Compares two <see cref="Evr"/> values like <c>rpm.labelCompare</c>.</summary>
    /// <returns>-1, 0 or 1.</returns>
    /// <exception cref="ArgumentException">A version is empty (rpm's "invalid version").</exception>
    public static int LabelCompare(Evr left, Evr right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return LabelCompare(left.Epoch, left.Version, left.Release, right.Epoch, right.Version, right.Release);
    }

    private static int CompareValues(string? a, string? b)
    {
        if (a is null)
        {
            return b is null ? 0 : -1;
        }
        return b is null ? 1 : Compare(a, b);
    }

    private static bool IsSeparator(char c) => !char.IsAsciiLetterOrDigit(c) && c != '~' && c != '^';

    private static int SegmentEnd(string s, int start, bool numeric)
    {
        int k = start;
        while (k < s.Length && (numeric ? char.IsAsciiDigit(s[k]) : char.IsAsciiLetter(s[k])))
        {
            k++;
        }
        return k;
    }
}
