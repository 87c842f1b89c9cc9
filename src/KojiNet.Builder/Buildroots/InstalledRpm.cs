using System.Globalization;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// One package installed in a buildroot, as <c>host.setBuildRootList</c> and
/// <c>host.updateBuildRootList</c> take it (the hub matches it to its rpm records).
/// </summary>
/// <param name="Name">Package name.</param>
/// <param name="Version">Version.</param>
/// <param name="Release">Release.</param>
/// <param name="Epoch">Epoch, null when the package has none.</param>
/// <param name="Arch">Arch.</param>
/// <param name="PayloadHash">The header+payload MD5 (<c>SIGMD5</c>) in lower-case hex.</param>
/// <param name="Size">Installed size in bytes.</param>
/// <param name="BuildTime">Build time, seconds since the epoch.</param>
public sealed record InstalledRpm(
    string Name,
    string Version,
    string Release,
    int? Epoch,
    string Arch,
    string PayloadHash,
    long Size,
    long BuildTime)
{
    /// <summary>The package's <c>N-V-R.A</c>.</summary>
    public string Nvra => $"{Name}-{Version}-{Release}.{Arch}";

    /// <summary>The struct kojid sends to the hub: <c>name, version, release, epoch, arch, payloadhash, size, buildtime</c>.</summary>
    public Dictionary<string, object?> ToHubStruct() => new(StringComparer.Ordinal)
    {
        ["name"] = Name,
        ["version"] = Version,
        ["release"] = Release,
        ["epoch"] = Epoch,
        ["arch"] = Arch,
        ["payloadhash"] = PayloadHash,
        ["size"] = Size,
        ["buildtime"] = BuildTime,
    };

    /// <summary>The <c>rpm --queryformat</c> whose lines <see cref="ParseQueryLine"/> reads.</summary>
    public const string QueryFormat = "%{NAME}\\t%{VERSION}\\t%{RELEASE}\\t%{EPOCH}\\t%{ARCH}\\t%{SIGMD5}\\t%{LONGSIZE}\\t%{BUILDTIME}\\n";

    /// <summary>Parses one line of <c>rpm -qa --qf <see cref="QueryFormat"/></c> output.</summary>
    /// <exception cref="FormatException">The line is not in that format.</exception>
    public static InstalledRpm ParseQueryLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var f = line.Split('\t');
        if (f.Length != 8)
        {
            throw new FormatException($"unexpected rpm query output line: '{line}'");
        }
        int? epoch = f[3] == "(none)" ? null : int.Parse(f[3], NumberStyles.None, CultureInfo.InvariantCulture);
        return new InstalledRpm(f[0], f[1], f[2], epoch, f[4],
            f[5] == "(none)" ? string.Empty : f[5],
            long.Parse(f[6], NumberStyles.None, CultureInfo.InvariantCulture),
            long.Parse(f[7], NumberStyles.None, CultureInfo.InvariantCulture));
    }
}
