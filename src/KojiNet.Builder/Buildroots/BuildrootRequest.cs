using System.Globalization;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// What a task handler asks for when it needs a buildroot: the hub's buildroot record
/// (<c>host.newBuildRoot(repo_id, arch, task_id=...)</c> gives the id), the build tag and its
/// repo, and how the buildroot is used.
/// </summary>
public sealed record BuildrootRequest
{
    /// <summary>The build tag's name.</summary>
    public required string TagName { get; init; }

    /// <summary>The buildroot repo's id.</summary>
    public required int RepoId { get; init; }

    /// <summary>The buildroot's canonical arch (what <c>host.newBuildRoot</c> recorded).</summary>
    public required string Arch { get; init; }

    /// <summary>The hub's buildroot id.</summary>
    public required int BuildrootId { get; init; }

    /// <summary>The task the buildroot is for.</summary>
    public required int TaskId { get; init; }

    /// <summary>
    /// The task's local work directory (kojid's <c>&lt;workdir&gt;/tasks/&lt;id % 10000&gt;/&lt;id&gt;</c>):
    /// <c>mock_config.log</c> and <c>mock_output.log</c> are written there, as kojid does.
    /// </summary>
    public required string WorkDir { get; init; }

    /// <summary>The comps group installed into the buildroot: <c>build</c> for buildArch, <c>srpm-build</c> for SRPM tasks.</summary>
    public string InstallGroup { get; init; } = "build";

    /// <summary>The build tag's extra settings (<c>getBuildConfig(tag)['extra']</c>): <c>mock.*</c>, <c>rpm.macro.*</c>, <c>rpm.env.*</c>.</summary>
    public IReadOnlyDictionary<string, object?> TagExtra { get; init; } = new Dictionary<string, object?>();

    /// <summary>
    /// Network access inside the buildroot (kojid's <c>use_host_resolv</c>): only SRPM-from-SCM
    /// buildroots have it, for their source command. Everything else builds offline.
    /// </summary>
    public bool Network { get; init; }

    /// <summary>Directories bind-mounted into the buildroot as (host source, buildroot destination), e.g. <c>scm_credentials_dir</c> at <c>/credentials</c>.</summary>
    public IReadOnlyList<(string Source, string Destination)> BindMounts { get; init; } = [];

    /// <summary>The buildroot name, <c>&lt;tag&gt;-&lt;buildroot id&gt;-&lt;repo id&gt;</c>.</summary>
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{TagName}-{BuildrootId}-{RepoId}");

    internal void Validate()
    {
        Check(!string.IsNullOrWhiteSpace(TagName) && !TagName.Contains('/', StringComparison.Ordinal), "tag name", TagName);
        Check(!string.IsNullOrWhiteSpace(Arch) && !Arch.Contains('/', StringComparison.Ordinal) && !Arch.Contains(' ', StringComparison.Ordinal), "arch", Arch);
        Check(!string.IsNullOrWhiteSpace(InstallGroup) && !InstallGroup.Contains(' ', StringComparison.Ordinal), "install group", InstallGroup);
        Check(Path.IsPathFullyQualified(WorkDir), "work dir (must be an absolute path)", WorkDir);
        foreach (var (source, destination) in BindMounts)
        {
            Check(Path.IsPathFullyQualified(source) && Path.IsPathFullyQualified(destination), "bind mount (absolute paths needed)", $"{source} -> {destination}");
        }
    }

    private static void Check(bool ok, string what, string? value)
    {
        if (!ok)
        {
            throw new ArgumentException($"invalid buildroot {what}: '{value}'");
        }
    }
}
