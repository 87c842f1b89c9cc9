using KojiNet.Configuration;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// The builder settings buildroots use, bound from the <c>[kojid]</c> section of kojid.conf with
/// kojid's option names (defaults as kojid's), plus a few Koji.NET options for the backend choice
/// and the rpmbuild sandbox. Bind with <see cref="IniBinder"/>, ignoring the other kojid options.
/// </summary>
public sealed class BuildrootOptions
{
    /// <summary>
    /// Which backend builds: <c>mock</c>, <c>rpmbuild</c> (bubblewrap sandbox), or <c>auto</c>
    /// (mock when <see cref="MockPath"/> exists, else rpmbuild). Koji.NET option.
    /// </summary>
    [IniOption("buildroot_backend")]
    public string Backend { get; set; } = "auto";

    /// <summary>kojid's <c>mockdir</c>: where buildroots live (<c>&lt;mockdir&gt;/&lt;name&gt;</c>), for both backends.</summary>
    [IniOption("mockdir")]
    public string MockDir { get; set; } = "/var/lib/mock";

    /// <summary>kojid's <c>mockuser</c>: mock runs as this user (group <c>mock</c>) when the builder runs as root.</summary>
    [IniOption("mockuser")]
    public string MockUser { get; set; } = "kojibuilder";

    /// <summary>kojid's <c>mockhost</c>: the <c>%_host</c> macro is <c>&lt;arch&gt;-&lt;mockhost&gt;</c>.</summary>
    [IniOption("mockhost")]
    public string MockHost { get; set; } = "koji-linux-gnu";

    /// <summary>kojid's <c>vendor</c> (the <c>%vendor</c> macro).</summary>
    [IniOption("vendor")]
    public string Vendor { get; set; } = "Koji";

    /// <summary>kojid's <c>packager</c> (the <c>%packager</c> macro).</summary>
    [IniOption("packager")]
    public string Packager { get; set; } = "Koji";

    /// <summary>kojid's <c>distribution</c> (the <c>%distribution</c> macro).</summary>
    [IniOption("distribution")]
    public string Distribution { get; set; } = "Koji";

    /// <summary>kojid's <c>rpmbuild_timeout</c> in seconds.</summary>
    [IniOption("rpmbuild_timeout")]
    public int RpmbuildTimeout { get; set; } = 86400;

    /// <summary>kojid's <c>yum_proxy</c>.</summary>
    [IniOption("yum_proxy")]
    public string? YumProxy { get; set; }

    /// <summary>kojid's <c>mock_bootstrap_image</c>: tags may choose a bootstrap image.</summary>
    [IniOption("mock_bootstrap_image")]
    public bool MockBootstrapImage { get; set; }

    /// <summary>kojid's <c>topdir</c>.</summary>
    [IniOption("topdir")]
    public string TopDir { get; set; } = "/mnt/koji";

    /// <summary>kojid's <c>topurl</c>: one or more space-separated URLs of the Koji file tree.</summary>
    [IniOption("topurl")]
    public string? TopUrl { get; set; }

    /// <summary>kojid's <c>chroot_tmpdir</c>: the buildroot path for data kept between steps of a task.</summary>
    [IniOption("chroot_tmpdir")]
    public string ChrootTmpDir { get; set; } = "/chroot_tmpdir";

    /// <summary>The mock executable (kojid always uses <c>/usr/bin/mock</c>). Koji.NET option.</summary>
    [IniOption("mock_path")]
    public string MockPath { get; set; } = "/usr/bin/mock";

    /// <summary>Mock's config directory; buildroot configs go to its <c>koji/</c> subdirectory. Koji.NET option.</summary>
    [IniOption("mock_config_dir")]
    public string MockConfigDir { get; set; } = "/etc/mock";

    /// <summary>Run mock as <see cref="MockUser"/> when the builder runs as root, as kojid does. Koji.NET option.</summary>
    [IniOption("mock_as_mockuser")]
    public bool MockAsMockUser { get; set; } = true;

    /// <summary>The bubblewrap executable of the rpmbuild backend. Koji.NET option.</summary>
    [IniOption("bwrap_path")]
    public string BwrapPath { get; set; } = "/usr/bin/bwrap";

    /// <summary>
    /// Space-separated host paths the rpmbuild sandbox hides behind an empty tmpfs (secrets such
    /// as the builder's certificate and keytab). Koji.NET option.
    /// </summary>
    [IniOption("sandbox_hidden_paths")]
    public string SandboxHiddenPaths { get; set; } = "/root /home /etc/kojid /etc/koji-hub /etc/pki/koji /etc/kojinet";

    /// <summary>
    /// The rpm database the rpmbuild backend lists as the buildroot's installed packages (null: the
    /// host's default database, which the sandbox sees). Koji.NET option.
    /// </summary>
    [IniOption("sandbox_rpmdb")]
    public string? SandboxRpmDb { get; set; }

    /// <summary>
    /// Where the rpmbuild backend gets the buildroot's packages (the install group and the
    /// BuildRequires): <c>repo</c> (from the build tag's repo, see <see cref="RepoInstaller"/>;
    /// a missing repo fails the buildroot), <c>host</c> (nothing is installed, builds use the
    /// host's tools: <see cref="HostToolsInstaller"/>), or <c>auto</c> (the repo when it is
    /// found under <see cref="TopDir"/> or <see cref="TopUrl"/>, else the host's tools).
    /// Koji.NET option.
    /// </summary>
    [IniOption("rpmbuild_install")]
    public string RpmbuildInstall { get; set; } = "auto";

    /// <summary>
    /// What the builder host provides to rpmbuild buildroots, so it is not installed from the
    /// repo: capabilities separated by commas or newlines, each a name (<c>make</c>,
    /// <c>pkgconfig(zlib)</c>, <c>/usr/bin/perl</c>; satisfies every version of it) or a name
    /// with a version (<c>gcc = 12.2.0</c>), and <c>@group</c> for a whole install group.
    /// Packages in the host's rpm database count as provided too. Koji.NET option.
    /// </summary>
    [IniOption("host_provides")]
    public string HostProvides { get; set; } = string.Empty;

    /// <summary>
    /// Whether a file requirement (<c>/bin/sh</c>, <c>/usr/bin/pkg-config</c>) is provided by the
    /// host when that file exists on the host (outside <see cref="SandboxHiddenPaths"/>).
    /// Koji.NET option.
    /// </summary>
    [IniOption("host_provides_files")]
    public bool HostProvidesFiles { get; set; } = true;

    /// <summary>The dnf executable that installs repo packages into rpmbuild buildroots. Koji.NET option.</summary>
    [IniOption("dnf_path")]
    public string DnfPath { get; set; } = "/usr/bin/dnf";

    internal IReadOnlyList<string> TopUrls =>
        string.IsNullOrWhiteSpace(TopUrl) ? [] : TopUrl.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    internal IReadOnlyList<string> HiddenPaths =>
        SandboxHiddenPaths.Split(' ', StringSplitOptions.RemoveEmptyEntries);
}
