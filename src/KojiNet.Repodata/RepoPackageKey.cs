using KojiNet.Repodata.Cache;

namespace KojiNet.Repodata;

/// <summary>
/// What identifies a package's rendered metadata for reuse: where the repository points at the
/// package file and that file's checksum, size and modification time. Two packages with equal keys
/// have the same XML.
/// </summary>
/// <param name="LocationHref">Path of the package relative to the repository.</param>
/// <param name="LocationBase">Base URL of <paramref name="LocationHref"/> (<c>xml:base</c>), or null.</param>
/// <param name="FileTime">Modification time of the package file, seconds since the Unix epoch.</param>
/// <param name="PackageSize">Size of the package file in bytes.</param>
/// <param name="ChecksumType">Algorithm of <paramref name="PkgId"/> (<c>sha256</c>).</param>
/// <param name="PkgId">Lowercase hex checksum of the package file.</param>
public sealed record RepoPackageKey(string LocationHref, string? LocationBase, long FileTime, long PackageSize, string ChecksumType, string PkgId)
{
    /// <summary>The key of <paramref name="package"/>.</summary>
    public static RepoPackageKey Of(RepoPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return new(package.LocationHref, package.LocationBase, package.FileTime, package.PackageSize, package.ChecksumType, package.PkgId);
    }

    internal PackageIdentity Identity => new(LocationHref, LocationBase, FileTime, PackageSize, ChecksumType, PkgId);
}
