using System.Diagnostics.CodeAnalysis;

namespace KojiNet.Rpm.Versions;

/// <summary>
/// An rpm epoch/version/release triple. Ordering follows <see cref="RpmVersion.LabelCompare(Evr, Evr)"/>.
/// </summary>
/// <param name="Epoch">The epoch, or null when absent (compares as <c>"0"</c>).</param>
/// <param name="Version">The version.</param>
/// <param name="Release">The release, or null when absent (sorts before any release).</param>
public sealed record Evr(string? Epoch, string Version, string? Release) : IComparable<Evr>
{
    /// <summary>
    /// Parses <c>[epoch:]version[-release]</c> the way rpm splits an EVR: the epoch is a run of
    /// leading digits followed by <c>:</c> (an empty epoch before <c>:</c> means <c>"0"</c>);
    /// the release is whatever follows the last <c>-</c> after the epoch. Like <c>rpm.ver</c>
    /// this accepts an empty version, which <see cref="RpmVersion.LabelCompare(Evr, Evr)"/> then refuses.
    /// </summary>
    public static Evr Parse(string evr)
    {
        ArgumentNullException.ThrowIfNull(evr);
        int s = 0;
        while (s < evr.Length && char.IsAsciiDigit(evr[s]))
        {
            s++;
        }
        int dash = evr.LastIndexOf('-');
        if (dash < s)
        {
            dash = -1;
        }

        string? epoch = null;
        int versionStart = 0;
        if (s < evr.Length && evr[s] == ':')
        {
            epoch = s == 0 ? "0" : evr[..s];
            versionStart = s + 1;
        }
        if (dash >= 0)
        {
            return new Evr(epoch, evr[versionStart..dash], evr[(dash + 1)..]);
        }
        return new Evr(epoch, evr[versionStart..], null);
    }

    /// <summary>Parses like <see cref="Parse(string)"/>; never fails for a non-null input.</summary>
    public static bool TryParse([NotNullWhen(true)] string? evr, [NotNullWhen(true)] out Evr? result)
    {
        result = evr is null ? null : Parse(evr);
        return result is not null;
    }

    /// <summary>Orders by <see cref="RpmVersion.LabelCompare(Evr, Evr)"/>; null sorts first.</summary>
    /// <exception cref="ArgumentException">A version is empty.</exception>
    public int CompareTo(Evr? other) => other is null ? 1 : RpmVersion.LabelCompare(this, other);

    /// <summary>Formats as <c>[epoch:]version[-release]</c>.</summary>
    public override string ToString() =>
        (Epoch is null ? "" : Epoch + ":") + Version + (Release is null ? "" : "-" + Release);
}
