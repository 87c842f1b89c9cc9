namespace KojiNet.Repodata;

/// <summary>Checks that a package's metadata is complete and can be written as repodata.</summary>
public static class RepoPackageValidation
{
    private static readonly Dictionary<string, int> ChecksumLengths = new(StringComparer.Ordinal)
    {
        ["md5"] = 32,
        ["sha1"] = 40,
        ["sha"] = 40,
        ["sha224"] = 56,
        ["sha256"] = 64,
        ["sha384"] = 96,
        ["sha512"] = 128,
    };

    /// <summary>
    /// Throws <see cref="RepodataException"/> naming the package when a required field is empty
    /// (name, arch, version, release, package id, checksum type, location), the epoch is not a
    /// number, the package id is not a hex digest of the checksum type, sizes or the header range
    /// are inconsistent, or a field holds an ASCII control character (which createrepo_c refuses
    /// as well).
    /// </summary>
    public static void Validate(RepoPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        Require(package, package.Name, "name");
        Require(package, package.Arch, "arch");
        Require(package, package.Version, "version");
        Require(package, package.Release, "release");
        Require(package, package.PkgId, "package checksum (pkgid)");
        Require(package, package.ChecksumType, "checksum type");
        Require(package, package.LocationHref, "location href");
        if (package.Epoch is null || package.Epoch.Length == 0 || !package.Epoch.All(char.IsAsciiDigit))
        {
            Fail(package, $"epoch '{package.Epoch}' is not a number");
        }
        if (!package.PkgId.All(char.IsAsciiHexDigit))
        {
            Fail(package, $"package checksum '{package.PkgId}' is not hexadecimal");
        }
        if (ChecksumLengths.TryGetValue(package.ChecksumType, out var length) && package.PkgId.Length != length)
        {
            Fail(package, $"package checksum has {package.PkgId.Length} hex digits, {package.ChecksumType} has {length}");
        }
        if (package.PackageSize < 0 || package.InstalledSize < 0 || package.ArchiveSize < 0)
        {
            Fail(package, "negative size");
        }
        if (package.HeaderStart < 0 || package.HeaderEnd < package.HeaderStart
            || (package.PackageSize > 0 && package.HeaderEnd > package.PackageSize))
        {
            Fail(package, $"header range {package.HeaderStart}-{package.HeaderEnd} does not fit a {package.PackageSize}-byte package");
        }
        CheckText(package, "name", package.Name);
        CheckText(package, "arch", package.Arch);
        CheckText(package, "version", package.Version);
        CheckText(package, "release", package.Release);
        CheckText(package, "summary", package.Summary);
        CheckText(package, "description", package.Description);
        CheckText(package, "url", package.Url);
        CheckText(package, "license", package.License);
        CheckText(package, "vendor", package.Vendor);
        CheckText(package, "group", package.Group);
        CheckText(package, "buildhost", package.BuildHost);
        CheckText(package, "sourcerpm", package.SourceRpm);
        CheckText(package, "packager", package.Packager);
        CheckText(package, "location href", package.LocationHref);
        CheckText(package, "location base", package.LocationBase);
        CheckDependencies(package, "provides", package.Provides);
        CheckDependencies(package, "requires", package.Requires);
        CheckDependencies(package, "conflicts", package.Conflicts);
        CheckDependencies(package, "obsoletes", package.Obsoletes);
        CheckDependencies(package, "recommends", package.Recommends);
        CheckDependencies(package, "suggests", package.Suggests);
        CheckDependencies(package, "supplements", package.Supplements);
        CheckDependencies(package, "enhances", package.Enhances);
        foreach (var f in package.Files ?? [])
        {
            if (f is null || string.IsNullOrEmpty(f.Path))
            {
                Fail(package, "a file list entry has no path");
            }
            CheckText(package, "file name", f.Path);
        }
        foreach (var c in package.Changelog ?? [])
        {
            if (c is null)
            {
                Fail(package, "a changelog entry is missing");
            }
            CheckText(package, "changelog author", c.Author);
            CheckText(package, "changelog text", c.Text);
        }
    }

    private static void Require(RepoPackage package, string? value, string field)
    {
        if (string.IsNullOrEmpty(value))
        {
            Fail(package, $"no {field}");
        }
    }

    private static void CheckText(RepoPackage package, string field, string? value)
    {
        if (RepodataRules.HasForbiddenControlCharacter(value))
        {
            Fail(package, $"{field} contains a control character (ASCII below 32 other than tab, LF, CR)");
        }
    }

    private static void CheckDependencies(RepoPackage package, string kind, List<RepoDependency>? deps)
    {
        foreach (var d in deps ?? [])
        {
            if (d is null)
            {
                Fail(package, $"a {kind} entry is missing");
            }
            if (d.Flags is not (null or "" or "EQ" or "LT" or "LE" or "GT" or "GE"))
            {
                Fail(package, $"{kind} entry '{d.Name}' has unknown flags '{d.Flags}'");
            }
            CheckText(package, kind, d.Name);
            CheckText(package, kind, d.Epoch);
            CheckText(package, kind, d.Version);
            CheckText(package, kind, d.Release);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void Fail(RepoPackage package, string problem) =>
        throw new RepodataException($"package {Describe(package)}: {problem}");

    private static string Describe(RepoPackage package)
    {
        var name = string.IsNullOrEmpty(package.Name) ? "(no name)" : package.Name;
        var nevra = $"{name}-{package.Version}-{package.Release}.{package.Arch}";
        return string.IsNullOrEmpty(package.LocationHref) ? nevra : $"{nevra} ({package.LocationHref})";
    }
}
