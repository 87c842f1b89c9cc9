using System.Globalization;
using System.Text.RegularExpressions;
using KojiNet.Builder.Buildroots;
using KojiNet.Repodata;
using KojiNet.XmlRpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KojiNet.Builder.Repos;

/// <summary>
/// One external repo of a tag as the <c>createrepo</c> task merges it: a row of the hub's
/// <c>getExternalRepoList(tag, event=repo event)</c>.
/// </summary>
/// <param name="Url">The repo's base URL; <c>$arch</c> stands for the arch of the repo being made.</param>
/// <param name="MergeMode"><c>koji</c>, <c>simple</c> or <c>bare</c>.</param>
/// <param name="Arches">Space-separated arches the repo is used for; null or empty means every arch.</param>
/// <param name="Name">The repo's name, for messages.</param>
public sealed record ExternalRepoSource(string Url, string MergeMode = ExternalRepoMerge.KojiMode, string? Arches = null, string? Name = null)
{
    /// <summary>Reads a <c>getExternalRepoList</c>/<c>getTagExternalRepos</c> struct (<c>url</c>, <c>merge_mode</c>, <c>arches</c>, <c>external_repo_name</c>).</summary>
    public static ExternalRepoSource FromStruct(IReadOnlyDictionary<string, object?> link)
    {
        ArgumentNullException.ThrowIfNull(link);
        var url = link.GetValueOrDefault("url") as string
            ?? throw new ArgumentException("external repo entry has no url", nameof(link));
        return new ExternalRepoSource(url, link.GetValueOrDefault("merge_mode") as string ?? ExternalRepoMerge.KojiMode,
            link.GetValueOrDefault("arches") as string, link.GetValueOrDefault("external_repo_name") as string);
    }

    /// <summary>Whether the repo takes part in the repo of <paramref name="arch"/> (its <c>arches</c> are unset or name it).</summary>
    public bool AppliesTo(string arch) =>
        string.IsNullOrWhiteSpace(Arches) || Arches.Split(' ', StringSplitOptions.RemoveEmptyEntries).Contains(arch, StringComparer.Ordinal);

    /// <summary>The URL for the repo of <paramref name="arch"/>: every <c>$arch</c> replaced.</summary>
    public string UrlFor(string arch) => Url.Replace("$arch", arch, StringComparison.Ordinal);
}

/// <summary>What the <c>createrepo</c> task hands to <see cref="ExternalRepoMerge.MergeAsync"/>.</summary>
public sealed record ExternalRepoMergeRequest
{
    /// <summary>The task's work directory: holds <c>repo/</c>, gets <c>repo_&lt;id&gt;_premerge/</c> and <c>mergerepos.log</c>, and is mergerepo_c's TMPDIR.</summary>
    public required string WorkDir { get; init; }

    /// <summary>The repo being made (names the premerge directory).</summary>
    public required int RepoId { get; init; }

    /// <summary>The repo arch (the arch directory's name, e.g. <c>x86_64</c>, <c>i386</c>, <c>src</c>).</summary>
    public required string Arch { get; init; }

    /// <summary><c>&lt;archdir&gt;/blocklist</c>: blocked package names, one per line (not used in <c>bare</c> mode).</summary>
    public required string BlocklistPath { get; init; }

    /// <summary><c>&lt;repodir&gt;/groups/comps.xml</c>, or null when the repo has no groups; a path that does not exist is ignored.</summary>
    public string? CompsPath { get; init; }

    /// <summary>The tag's external repos in <c>getExternalRepoList</c> order (at least one).</summary>
    public required IReadOnlyList<ExternalRepoSource> ExternalRepos { get; init; }

    /// <summary>The directory createrepo wrote the Koji repo to, and where the merged repo goes: <c>&lt;workdir&gt;/repo</c>.</summary>
    public string OutputDir => Path.Combine(WorkDir, "repo");

    /// <summary>Where the Koji repo is moved before the merge: <c>&lt;workdir&gt;/repo_&lt;id&gt;_premerge</c>.</summary>
    public string PremergeDir => Path.Combine(WorkDir, string.Create(CultureInfo.InvariantCulture, $"repo_{RepoId}_premerge"));
}

/// <summary>How a merge ran.</summary>
/// <param name="MergeMode">The tag's merge mode.</param>
/// <param name="RepoUrls">The repos merged, in order: the Koji repo (<c>file://…_premerge/</c>) first.</param>
/// <param name="Command">The mergerepo_c command line.</param>
/// <param name="RepodataDir">The merged metadata: <c>&lt;workdir&gt;/repo/repodata</c>.</param>
/// <param name="LogPath"><c>&lt;workdir&gt;/mergerepos.log</c>, mergerepo_c's output.</param>
public sealed record ExternalRepoMergeResult(string MergeMode, IReadOnlyList<string> RepoUrls, IReadOnlyList<string> Command, string RepodataDir, string LogPath);

/// <summary>
/// Merges a tag's external repos into the repodata the <c>createrepo</c> task just generated for
/// one arch (kojira.md §8.2), with <c>mergerepo_c</c> as Koji's builders do:
/// <list type="bullet">
/// <item><c>koji</c> (<c>--koji</c>): per source package name, the first repo in the list that has
/// it owns it (the Koji repo comes first) and keeps only its highest-version source package's
/// binaries; blocked names are dropped; a <c>pkgorigins</c> file records each package's repo.</item>
/// <item><c>simple</c> (<c>--koji --simple</c>): no per-source filtering, identical NEVRAs kept too; blocklist applied.</item>
/// <item><c>bare</c> (<c>--pkgorigins --all</c>): every version kept, first repo wins for an identical NEVRA, no blocklist.</item>
/// </list>
/// All external repos of a tag must share one mode. Repos whose <c>arches</c> exclude the arch are
/// skipped; <c>$arch</c> in URLs becomes the arch.
/// </summary>
public sealed partial class ExternalRepoMerge
{
    public const string KojiMode = "koji";
    public const string SimpleMode = "simple";
    public const string BareMode = "bare";

    /// <summary>The log file name the task uploads.</summary>
    public const string LogFileName = "mergerepos.log";

    /// <summary>Where Koji's builders run mergerepo_c from.</summary>
    public const string DefaultMergerepoPath = "/usr/bin/mergerepo_c";

    /// <summary>The first mergerepo_c with <c>--simple</c>.</summary>
    public static readonly Version SimpleModeVersion = new(0, 13, 0);

    /// <summary>The first mergerepo_c with <c>--arch-expand</c>.</summary>
    public static readonly Version ArchExpandVersion = new(0, 15, 11);

    private static readonly string[] Modes = [KojiMode, SimpleMode, BareMode];

    private readonly string _mergerepoPath;
    private readonly ILogger _logger;

    /// <param name="mergerepoPath">The mergerepo_c executable.</param>
    /// <param name="logger">Where the command line and outcome are logged.</param>
    public ExternalRepoMerge(string mergerepoPath = DefaultMergerepoPath, ILogger? logger = null)
    {
        _mergerepoPath = mergerepoPath;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>
    /// The one merge mode of <paramref name="repos"/>; a fault when they mix modes or name an
    /// unknown one, an argument error when there are none.
    /// </summary>
    public static string SelectMergeMode(IEnumerable<ExternalRepoSource> repos)
    {
        ArgumentNullException.ThrowIfNull(repos);
        var modes = repos.Select(r => r.MergeMode ?? KojiMode).Distinct(StringComparer.Ordinal).ToList();
        if (modes.Count == 0)
        {
            throw new ArgumentException("there are no external repos to merge", nameof(repos));
        }
        if (modes.Count > 1)
        {
            throw Fault($"Found multiple merge modes for external repos: {string.Join(", ", modes)}");
        }
        if (!Modes.Contains(modes[0], StringComparer.Ordinal))
        {
            throw Fault($"No such merge mode: {modes[0]}");
        }
        return modes[0];
    }

    /// <summary>The repos to merge for <paramref name="arch"/>: the Koji repo, then every applicable external repo with <c>$arch</c> expanded.</summary>
    public static IReadOnlyList<string> RepoUrls(string premergeDir, string arch, IEnumerable<ExternalRepoSource> repos)
    {
        ArgumentNullException.ThrowIfNull(repos);
        var urls = new List<string> { "file://" + Path.TrimEndingDirectorySeparator(premergeDir) + "/" };
        urls.AddRange(repos.Where(r => r.AppliesTo(arch)).Select(r => r.UrlFor(arch)));
        return urls;
    }

    /// <summary>
    /// The mergerepo_c arguments for a merge: mode options, <c>-a</c>, <c>-o</c>, the blocklist
    /// (not in <c>bare</c> mode), <c>--arch-expand</c> when the tool has it, the groups file, and
    /// one <c>-r</c> per repo. A fault when the tool is too old for the mode.
    /// </summary>
    public static IReadOnlyList<string> BuildArguments(string mode, Version toolVersion, string arch, string outputDir, string blocklistPath,
        string? compsPath, IReadOnlyList<string> repoUrls)
    {
        ArgumentNullException.ThrowIfNull(toolVersion);
        ArgumentNullException.ThrowIfNull(repoUrls);
        var args = new List<string>();
        switch (mode)
        {
            case KojiMode:
                args.Add("--koji");
                break;
            case SimpleMode:
                if (toolVersion < SimpleModeVersion)
                {
                    throw Fault($"mergerepo_c {toolVersion} does not support the simple merge mode (needs {SimpleModeVersion} or later)");
                }
                args.AddRange(["--koji", "--simple"]);
                break;
            case BareMode:
                args.AddRange(["--pkgorigins", "--all"]);
                break;
            default:
                throw Fault($"No such merge mode: {mode}");
        }
        args.AddRange(["-a", arch, "-o", outputDir]);
        if (mode != BareMode)
        {
            args.AddRange(["-b", blocklistPath]);
        }
        if (toolVersion >= ArchExpandVersion)
        {
            args.Add("--arch-expand");
        }
        if (compsPath is not null)
        {
            args.AddRange(["-g", compsPath]);
        }
        foreach (var url in repoUrls)
        {
            args.AddRange(["-r", url]);
        }
        return args;
    }

    /// <summary>The version <c>mergerepo_c --version</c> reports (<c>Version: X.Y.Z …</c>); a fault when the tool is missing or says something else.</summary>
    public async Task<Version> GetVersionAsync(CancellationToken cancellationToken)
    {
        EnsureTool();
        ProcessOutcome outcome;
        string output;
        try
        {
            (outcome, output) = await BuildrootProcess.RunCapturedAsync(BuildrootProcess.StartInfo(_mergerepoPath, ["--version"]), cancellationToken)
                .ConfigureAwait(false);
        }
        catch (BuildrootException e)
        {
            throw Fault($"cannot run {_mergerepoPath}: {e.Message}", e);
        }
        var match = VersionRegex().Match(output);
        if (outcome.ExitCode != 0 || !match.Success)
        {
            throw Fault($"cannot tell the version of {_mergerepoPath}: '--version' exited {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)} and printed: {output.Trim()}");
        }
        return new Version(
            int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
            int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Merges: moves <see cref="ExternalRepoMergeRequest.OutputDir"/> (the Koji repo createrepo
    /// made) to the premerge directory, runs mergerepo_c into a fresh output directory with
    /// TMPDIR set to the work directory and its output in <c>mergerepos.log</c>. A fault names
    /// the command and the log when the merge fails; nothing is retried.
    /// </summary>
    public async Task<ExternalRepoMergeResult> MergeAsync(ExternalRepoMergeRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mode = SelectMergeMode(request.ExternalRepos);
        var version = await GetVersionAsync(cancellationToken).ConfigureAwait(false);
        var output = request.OutputDir;
        var premerge = request.PremergeDir;
        if (!Directory.Exists(Path.Combine(output, "repodata")))
        {
            throw Fault($"no repodata to merge external repos into: {Path.Combine(output, "repodata")} does not exist");
        }
        if (Directory.Exists(premerge))
        {
            throw Fault($"cannot merge external repos: {premerge} already exists");
        }
        var urls = RepoUrls(premerge, request.Arch, request.ExternalRepos);
        var comps = request.CompsPath is { } c && File.Exists(c) ? c : null;
        var args = BuildArguments(mode, version, request.Arch, output, request.BlocklistPath, comps, urls);

        Directory.Move(output, premerge);
        Directory.CreateDirectory(output);
        var logPath = Path.Combine(request.WorkDir, LogFileName);
        var psi = BuildrootProcess.StartInfo(_mergerepoPath, args, request.WorkDir);
        psi.Environment["TMPDIR"] = request.WorkDir;
        var command = BuildrootProcess.Describe(_mergerepoPath, args);
        LogMerging(_logger, mode, request.Arch, command);
        ProcessOutcome outcome;
        try
        {
            outcome = await BuildrootProcess.RunLoggedAsync(psi, logPath, null, cancellationToken).ConfigureAwait(false);
        }
        catch (BuildrootException e)
        {
            throw Fault($"cannot run {_mergerepoPath}: {e.Message}", e);
        }
        if (outcome.ExitCode != 0)
        {
            throw Fault($"failed to merge repos: {command} exited with status {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)} (see {LogFileName})");
        }
        var repodata = Path.Combine(output, "repodata");
        if (!File.Exists(Path.Combine(repodata, "repomd.xml")))
        {
            throw Fault($"failed to merge repos: {command} wrote no {Path.Combine(repodata, "repomd.xml")} (see {LogFileName})");
        }
        CheckKojiLocations(output, premerge);
        LogMerged(_logger, request.Arch, urls.Count);
        return new ExternalRepoMergeResult(mode, urls, [_mergerepoPath, .. args], repodata, logPath);
    }

    /// <summary>
    /// The tag's external repos as the repo sees them: <c>getExternalRepoList(tag_id,
    /// event=create_event)</c> for the <c>repoInfo</c> struct <paramref name="repoInfo"/>, in the
    /// hub's order (inheritance depth first, priority within a tag).
    /// </summary>
    /// <param name="call">Calls a hub method with positional and keyword arguments.</param>
    /// <param name="repoInfo">The repo's <c>repoInfo</c> (needs <c>tag_id</c> and <c>create_event</c>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public static async Task<IReadOnlyList<ExternalRepoSource>> ListForRepoAsync(
        Func<string, IReadOnlyList<object?>, IReadOnlyDictionary<string, object?>, CancellationToken, Task<object?>> call,
        IReadOnlyDictionary<string, object?> repoInfo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(repoInfo);
        var tagId = repoInfo.GetValueOrDefault("tag_id") ?? throw new ArgumentException("repo info has no tag_id", nameof(repoInfo));
        var createEvent = repoInfo.GetValueOrDefault("create_event") ?? throw new ArgumentException("repo info has no create_event", nameof(repoInfo));
        var result = await call("getExternalRepoList", [tagId], new Dictionary<string, object?>(StringComparer.Ordinal) { ["event"] = createEvent },
            cancellationToken).ConfigureAwait(false);
        if (result is not IEnumerable<object?> rows)
        {
            throw Fault($"getExternalRepoList returned {result?.GetType().Name ?? "nothing"}, not a list");
        }
        return rows.Select(r => ExternalRepoSource.FromStruct(r as IReadOnlyDictionary<string, object?>
            ?? throw Fault("getExternalRepoList returned an entry that is not a struct"))).ToList();
    }

    /// <summary>
    /// The Koji repo's packages must stay relative to the arch directory (<c>toplink/…</c>): a
    /// merged primary that points any package at the temporary premerge directory would publish a
    /// repo whose internal packages cannot be fetched. mergerepo_c writes no base for the first
    /// repo; this makes sure of it.
    /// </summary>
    private static void CheckKojiLocations(string repoDir, string premergeDir)
    {
        var premerge = Path.TrimEndingDirectorySeparator(premergeDir);
        try
        {
            var primary = Repomd.Load(repoDir).Find("primary")
                ?? throw Fault($"failed to merge repos: the merged repomd.xml in {repoDir} lists no primary metadata");
            using var stream = RepodataReader.OpenRecord(repoDir, primary, verifyChecksum: false);
            var stray = RepodataReader.ReadPrimary(stream).FirstOrDefault(p =>
                p.LocationBase is { } b && b.Replace("file://", "", StringComparison.Ordinal).TrimEnd('/').Equals(premerge, StringComparison.Ordinal));
            if (stray is not null)
            {
                throw Fault($"failed to merge repos: the merged repo locates {stray.LocationHref} under the temporary {premerge} instead of the arch directory");
            }
        }
        catch (RepodataException e)
        {
            throw Fault($"failed to merge repos: cannot read the merged repodata: {e.Message}", e);
        }
    }

    private void EnsureTool()
    {
        if (!File.Exists(_mergerepoPath))
        {
            throw Fault($"{_mergerepoPath} is not installed: merging external repos needs mergerepo_c (package createrepo_c)");
        }
    }

    private static XmlRpcFaultException Fault(string message, Exception? inner = null) => new(KojiFaultCode.GenericError, message, inner);

    [GeneratedRegex(@"Version:\s*(\d+)\.(\d+)\.(\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex VersionRegex();

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Merging external repos ({Mode}) into the {Arch} repo: {Command}")]
    private static partial void LogMerging(ILogger logger, string mode, string arch, string command);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "Merged {Count} repos into the {Arch} repo")]
    private static partial void LogMerged(ILogger logger, string arch, int count);
}
