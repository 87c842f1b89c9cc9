using System.Text.Json.Serialization;

namespace KojiNet.Repodata;

/// <summary>
/// One package as repository metadata describes it: everything <c>primary.xml</c>,
/// <c>filelists.xml</c> and <c>other.xml</c> say about it. A plain data class: it can be filled
/// from an RPM file (<see cref="FromRpm(KojiNet.Rpm.RpmPackage, string, long, long, string, string?)"/>), from stored metadata, or from existing
/// repodata (<see cref="RepodataReader"/>); nothing here needs the package file.
/// </summary>
/// <remarks>
/// Dependencies are held as repodata lists them, after createrepo_c's filtering (no
/// <c>rpmlib(…)</c> requires, no requires the package satisfies itself, one <c>libc.so.6</c>
/// require, <see cref="RepoDependency.Pre"/> set). Changelog entries are held newest first with
/// the dates of the package header; the writer applies the changelog limit and orders them
/// oldest first as repodata does.
/// </remarks>
public sealed partial class RepoPackage
{
    /// <summary>Package name.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Architecture; <c>src</c> for source packages.</summary>
    public string Arch { get; set; } = string.Empty;

    /// <summary>Epoch as a decimal number; <c>0</c> when the package sets none.</summary>
    public string Epoch { get; set; } = "0";

    /// <summary>Version.</summary>
    public string Version { get; set; } = string.Empty;

    /// <summary>Release.</summary>
    public string Release { get; set; } = string.Empty;

    /// <summary>Checksum of the whole package file in lowercase hex: the package id (<c>pkgid</c>).</summary>
    public string PkgId { get; set; } = string.Empty;

    /// <summary>Algorithm of <see cref="PkgId"/> as repodata names it (<c>sha256</c>).</summary>
    public string ChecksumType { get; set; } = "sha256";

    /// <summary>Summary.</summary>
    public string Summary { get; set; } = string.Empty;

    /// <summary>Description.</summary>
    public string Description { get; set; } = string.Empty;

    /// <summary>Packager.</summary>
    public string Packager { get; set; } = string.Empty;

    /// <summary>Upstream URL.</summary>
    public string Url { get; set; } = string.Empty;

    /// <summary>Modification time of the package file, seconds since the Unix epoch (<c>time file</c>).</summary>
    public long FileTime { get; set; }

    /// <summary>Build time, seconds since the Unix epoch (<c>time build</c>).</summary>
    public long BuildTime { get; set; }

    /// <summary>Size of the package file in bytes (<c>size package</c>).</summary>
    public long PackageSize { get; set; }

    /// <summary>Installed size in bytes (<c>size installed</c>).</summary>
    public long InstalledSize { get; set; }

    /// <summary>Uncompressed payload size in bytes (<c>size archive</c>).</summary>
    public long ArchiveSize { get; set; }

    /// <summary>Path of the package relative to the repository (or to <see cref="LocationBase"/>).</summary>
    public string LocationHref { get; set; } = string.Empty;

    /// <summary>Base URL the <see cref="LocationHref"/> is relative to (<c>xml:base</c>), or null.</summary>
    public string? LocationBase { get; set; }

    /// <summary>License.</summary>
    public string License { get; set; } = string.Empty;

    /// <summary>Vendor.</summary>
    public string Vendor { get; set; } = string.Empty;

    /// <summary>Group.</summary>
    public string Group { get; set; } = string.Empty;

    /// <summary>Build host.</summary>
    public string BuildHost { get; set; } = string.Empty;

    /// <summary>File name of the source package; empty for source packages.</summary>
    public string SourceRpm { get; set; } = string.Empty;

    /// <summary>File offset of the main header (<c>rpm:header-range start</c>).</summary>
    public long HeaderStart { get; set; }

    /// <summary>File offset just past the main header (<c>rpm:header-range end</c>).</summary>
    public long HeaderEnd { get; set; }

    /// <summary>Provides.</summary>
    public List<RepoDependency> Provides { get; set; } = [];

    /// <summary>Requires, with <see cref="RepoDependency.Pre"/> set for install-time requires.</summary>
    public List<RepoDependency> Requires { get; set; } = [];

    /// <summary>Conflicts.</summary>
    public List<RepoDependency> Conflicts { get; set; } = [];

    /// <summary>Obsoletes.</summary>
    public List<RepoDependency> Obsoletes { get; set; } = [];

    /// <summary>Recommends.</summary>
    public List<RepoDependency> Recommends { get; set; } = [];

    /// <summary>Suggests.</summary>
    public List<RepoDependency> Suggests { get; set; } = [];

    /// <summary>Supplements.</summary>
    public List<RepoDependency> Supplements { get; set; } = [];

    /// <summary>Enhances.</summary>
    public List<RepoDependency> Enhances { get; set; } = [];

    /// <summary>Every file, directory and ghost of the package, in header order.</summary>
    public List<RepoFile> Files { get; set; } = [];

    /// <summary>Changelog entries, newest first, with the dates of the package header.</summary>
    public List<RepoChangelogEntry> Changelog { get; set; } = [];

    /// <summary><c>name-[epoch:]version-release.arch</c>, the epoch shown only when not 0.</summary>
    [JsonIgnore]
    public string Nevra => Epoch is "0" or ""
        ? $"{Name}-{Version}-{Release}.{Arch}"
        : $"{Name}-{Epoch}:{Version}-{Release}.{Arch}";

    /// <summary>How error messages name the package: its NEVRA and location.</summary>
    public override string ToString() =>
        string.IsNullOrEmpty(LocationHref) ? Nevra : $"{Nevra} ({LocationHref})";
}

/// <summary>One dependency entry (<c>rpm:entry</c>).</summary>
public sealed class RepoDependency
{
    /// <summary>Capability name, or a rich dependency expression.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>Comparison: <c>EQ</c>, <c>LT</c>, <c>LE</c>, <c>GT</c>, <c>GE</c>, or null for none.</summary>
    public string? Flags { get; set; }

    /// <summary>Epoch of the compared version (<c>0</c> when the version has none), or null.</summary>
    public string? Epoch { get; set; }

    /// <summary>Compared version, or null.</summary>
    public string? Version { get; set; }

    /// <summary>Compared release, or null.</summary>
    public string? Release { get; set; }

    /// <summary>An install-time require (<c>pre="1"</c>): Requires(pre), Requires(post) or legacy PreReq.</summary>
    public bool Pre { get; set; }

    /// <summary>The dependency as rpm prints it: <c>name [op [epoch:]version[-release]]</c>.</summary>
    public override string ToString()
    {
        if (Flags is null)
        {
            return Name;
        }
        var op = Flags switch
        {
            "EQ" => "=",
            "LT" => "<",
            "LE" => "<=",
            "GT" => ">",
            "GE" => ">=",
            _ => Flags,
        };
        var evr = Epoch is null or "0" ? Version : $"{Epoch}:{Version}";
        if (!string.IsNullOrEmpty(Release))
        {
            evr = $"{evr}-{Release}";
        }
        return $"{Name} {op} {evr}";
    }
}

/// <summary>The kind of a file list entry.</summary>
public enum RepoFileType
{
    /// <summary>A file (or symlink, device...): no <c>type</c> attribute.</summary>
    File,

    /// <summary>A directory (<c>type="dir"</c>).</summary>
    Dir,

    /// <summary>A %ghost file that is not a directory (<c>type="ghost"</c>).</summary>
    Ghost,
}

/// <summary>One entry of a package's file list.</summary>
public sealed class RepoFile
{
    /// <summary>Full path.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>Kind of entry.</summary>
    public RepoFileType Type { get; set; }

    /// <summary>The path.</summary>
    public override string ToString() => Path;
}

/// <summary>One changelog entry.</summary>
public sealed class RepoChangelogEntry
{
    /// <summary>Author line, e.g. <c>Jane Doe &lt;jane@example.org&gt; - 1.0-1</c>.</summary>
    public string Author { get; set; } = string.Empty;

    /// <summary>Date, seconds since the Unix epoch.</summary>
    public long Date { get; set; }

    /// <summary>Entry text.</summary>
    public string Text { get; set; } = string.Empty;
}
