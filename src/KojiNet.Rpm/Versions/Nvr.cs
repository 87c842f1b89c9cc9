using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace KojiNet.Rpm.Versions;

/// <summary>
/// A build's name-version-release, split the way Koji's <c>parse_NVR</c> splits it.
/// </summary>
/// <param name="Name">The package name.</param>
/// <param name="Version">The version.</param>
/// <param name="Release">The release.</param>
/// <param name="Epoch">The epoch text, <c>""</c> when absent (Koji's convention). Not validated.</param>
public sealed record Nvr(string Name, string Version, string Release, string Epoch = "")
{
    /// <summary>The epoch as a number, or null when it is empty or not a decimal integer.</summary>
    public int? EpochNumber => NvrParsing.EpochNumber(Epoch);

    /// <summary>
    /// Parses <c>[epoch:]name-version-release</c> like Koji's <c>parse_NVR</c>: the release
    /// follows the last <c>-</c>, the version the one before it, and an <c>epoch:</c> prefix
    /// (up to the first <c>:</c>) is split off the name. A colon elsewhere is left in place:
    /// <c>name-1:2.0-3</c> has version <c>1:2.0</c>, as in Koji.
    /// </summary>
    /// <exception cref="NvrFormatException">The release or version is missing or empty.</exception>
    public static Nvr Parse(string nvr)
    {
        ArgumentNullException.ThrowIfNull(nvr);
        return NvrParsing.TryParseNvr(nvr, out var result)
            ? result
            : throw new NvrFormatException(nvr);
    }

    /// <summary>Parses like <see cref="Parse(string)"/>, returning false instead of throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? nvr, [NotNullWhen(true)] out Nvr? result)
    {
        result = null;
        return nvr is not null && NvrParsing.TryParseNvr(nvr, out result);
    }

    /// <summary>The Koji <c>nvr</c> form <c>name-version-release</c> (no epoch).</summary>
    public override string ToString() => $"{Name}-{Version}-{Release}";

    /// <summary>
    /// <c>epoch:name-version-release</c> when an epoch is set, otherwise
    /// <c>name-version-release</c>; <see cref="Parse(string)"/> reads both back.
    /// </summary>
    public string ToEpochString() => Epoch.Length == 0 ? ToString() : $"{Epoch}:{this}";

    /// <summary>The version and release as an <see cref="Evr"/> (empty epoch becomes null).</summary>
    public Evr ToEvr() => new(Epoch.Length == 0 ? null : Epoch, Version, Release);
}

/// <summary>
/// An rpm's name-version-release.arch, split the way Koji's <c>parse_NVRA</c> splits it.
/// </summary>
/// <param name="Name">The package name.</param>
/// <param name="Version">The version.</param>
/// <param name="Release">The release.</param>
/// <param name="Arch">The architecture (<c>src</c> for source rpms).</param>
/// <param name="Epoch">The epoch text, <c>""</c> when absent (Koji's convention). Not validated.</param>
/// <param name="Location">The <c>@location</c> suffix (external repository name), or null.</param>
public sealed record Nvra(string Name, string Version, string Release, string Arch, string Epoch = "",
    string? Location = null)
{
    /// <summary>True for source rpms (arch <c>src</c>), Koji's <c>src</c> flag.</summary>
    public bool IsSource => string.Equals(Arch, "src", StringComparison.Ordinal);

    /// <summary>The epoch as a number, or null when it is empty or not a decimal integer.</summary>
    public int? EpochNumber => NvrParsing.EpochNumber(Epoch);

    /// <summary>The rpm file name Koji derives: <c>name-version-release.arch.rpm</c>.</summary>
    public string FileName => $"{Name}-{Version}-{Release}.{Arch}.rpm";

    /// <summary>The name-version-release part.</summary>
    public Nvr Nvr => new(Name, Version, Release, Epoch);

    /// <summary>
    /// Parses <c>[epoch:]name-version-release.arch[.rpm][@location]</c> like Koji's
    /// <c>parse_NVRA</c>: everything after the first <c>@</c> is the location, one trailing
    /// <c>.rpm</c> is removed, the arch follows the last <c>.</c>, and the rest is parsed by
    /// <see cref="Versions.Nvr.Parse(string)"/>.
    /// </summary>
    /// <exception cref="NvrFormatException">The arch, release or version is missing or empty.</exception>
    public static Nvra Parse(string nvra)
    {
        ArgumentNullException.ThrowIfNull(nvra);
        return NvrParsing.TryParseNvra(nvra, out var result, out var invalid)
            ? result
            : throw new NvrFormatException(invalid);
    }

    /// <summary>Parses like <see cref="Parse(string)"/>, returning false instead of throwing.</summary>
    public static bool TryParse([NotNullWhen(true)] string? nvra, [NotNullWhen(true)] out Nvra? result)
    {
        result = null;
        return nvra is not null && NvrParsing.TryParseNvra(nvra, out result, out _);
    }

    /// <summary>The Koji form <c>name-version-release.arch</c> (no epoch, no location).</summary>
    public override string ToString() => $"{Name}-{Version}-{Release}.{Arch}";

    /// <summary>
    /// rpm's NEVRA form: <c>name-epoch:version-release.arch</c> when an epoch is set,
    /// otherwise <c>name-version-release.arch</c>.
    /// </summary>
    public string ToNevraString() =>
        Epoch.Length == 0 ? ToString() : $"{Name}-{Epoch}:{Version}-{Release}.{Arch}";
}

/// <summary>
/// A string that is not a valid NVR or NVRA; the message matches Koji's
/// <c>invalid format: …</c> GenericError text.
/// </summary>
public sealed class NvrFormatException : FormatException
{
    /// <summary>Creates the exception for the offending text.</summary>
    public NvrFormatException(string value) : base("invalid format: " + value)
    {
        Value = value;
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public NvrFormatException(string message, Exception innerException) : base(message, innerException)
    {
        Value = "";
    }

    /// <summary>Creates the exception with no specific value.</summary>
    public NvrFormatException() : base("invalid format")
    {
        Value = "";
    }

    /// <summary>The text that failed to parse (after Koji's <c>.rpm</c>/location stripping for NVRAs).</summary>
    public string Value { get; }
}

internal static class NvrParsing
{
    public static bool TryParseNvr(string nvr, [NotNullWhen(true)] out Nvr? result)
    {
        result = null;
        int p2 = nvr.LastIndexOf('-');
        if (p2 < 0 || p2 == nvr.Length - 1)
        {
            return false;
        }
        int p1 = p2 == 0 ? -1 : nvr.LastIndexOf('-', p2 - 1);
        if (p1 < 0 || p1 == p2 - 1)
        {
            return false;
        }
        string name = nvr[..p1];
        string epoch = "";
        int colon = name.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            epoch = name[..colon];
            name = name[(colon + 1)..];
        }
        result = new Nvr(name, nvr[(p1 + 1)..p2], nvr[(p2 + 1)..], epoch);
        return true;
    }

    public static bool TryParseNvra(string nvra, [NotNullWhen(true)] out Nvra? result, out string invalid)
    {
        result = null;
        string? location = null;
        int at = nvra.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            location = nvra[(at + 1)..];
            nvra = nvra[..at];
            if (location.Length == 0)
            {
                location = null;
            }
        }
        if (nvra.EndsWith(".rpm", StringComparison.Ordinal))
        {
            nvra = nvra[..^4];
        }
        invalid = nvra;
        int p3 = nvra.LastIndexOf('.');
        if (p3 < 0 || p3 == nvra.Length - 1)
        {
            return false;
        }
        string head = nvra[..p3];
        if (!TryParseNvr(head, out var nvr))
        {
            invalid = head;
            return false;
        }
        result = new Nvra(nvr.Name, nvr.Version, nvr.Release, nvra[(p3 + 1)..], nvr.Epoch, location);
        return true;
    }

    public static int? EpochNumber(string epoch) =>
        epoch.Length > 0 && epoch.All(char.IsAsciiDigit)
        && int.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out int e)
            ? e
            : null;
}
