using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using KojiNet.XmlRpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// Installs an rpmbuild buildroot's packages from the build tag's repo
/// (<c>&lt;topdir&gt;/repos/&lt;tag&gt;/&lt;repo id&gt;/&lt;arch&gt;</c>, or the same path under
/// <c>topurl</c>) with the real dnf, into an overlay over the host's root, and takes what the host
/// provides from the host.
/// <para>
/// The sandbox root: <c>&lt;buildroot&gt;/install/root</c> is an overlayfs mount with the host's
/// <c>/</c> as its read-only lower layer and <c>&lt;buildroot&gt;/install/upper</c> as its upper
/// layer. dnf installs with <c>--installroot</c> into it, so every file and the rpm database
/// changes land in the upper layer and the host is never modified; the sandbox then uses the
/// overlay, read-only, as its <c>/</c>. Deleting the buildroot unmounts it
/// (<see cref="BuildrootFiles.DeleteTree"/>). Mounting needs a builder running as root
/// (CAP_SYS_ADMIN); other mounts of the host (a separate <c>/usr</c>, <c>/home</c>...) are not part
/// of the lower layer.
/// </para>
/// <para>
/// What the host provides: the packages of the host's rpm database (they are in the overlay's
/// database already), the <c>host_provides</c> capabilities, and (with
/// <c>host_provides_files</c>) file requirements whose file exists on the host. The latter two are
/// given to dnf as the provides of a virtual package, <see cref="HostProvidesPackage"/>, recorded
/// only in the overlay's rpm database; dnf then treats them as installed and installs everything
/// else from the repo (the repo is the only one dnf sees). A requirement neither provides fails
/// the step with dnf's reasons, e.g. <c>No matching package to install: 'foo &gt;= 2'</c>.
/// </para>
/// <para>
/// Per-buildroot files live in <c>&lt;buildroot&gt;/install</c>: <c>repo</c> (the repo URLs chosen
/// at init, empty when the buildroot uses the host's tools), <c>dnf.conf</c>, <c>host-files</c>,
/// <c>host-provides/</c> (the virtual package), <c>upper/</c>, <c>work/</c>, <c>root/</c>.
/// </para>
/// </summary>
public sealed partial class RepoInstaller : IBuildrootInstaller, IDisposable
{
    /// <summary>The virtual package that carries what the host provides (left out of the installed list).</summary>
    public const string HostProvidesPackage = "kojinet-host-provides";

    // Each round may add host files dnf found missing (a dependency of a dependency...).
    private const int MaxRounds = 8;

    private readonly BuildrootOptions _options;
    private readonly ILogger _logger;
    private readonly bool _requireRepo;
    private readonly HostToolsInstaller _hostTools = new();
    private readonly Lazy<HttpClient> _http;

    /// <summary>An installer with the builder's settings (<c>rpmbuild_install</c>, <c>host_provides</c>, <c>topdir</c>, <c>topurl</c>...).</summary>
    /// <exception cref="ArgumentException">A <c>host_provides</c> entry or the <c>rpmbuild_install</c> value is invalid.</exception>
    public RepoInstaller(BuildrootOptions options, ILogger? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger.Instance;
        var mode = options.RpmbuildInstall.Trim().ToLowerInvariant();
        _requireRepo = mode switch
        {
            "repo" => true,
            "auto" => false,
            _ => throw new ArgumentException($"RepoInstaller needs rpmbuild_install = repo or auto, not '{options.RpmbuildInstall}'"),
        };
        (HostCapabilities, HostGroups) = ParseHostProvides(options.HostProvides);
        _http = new Lazy<HttpClient>(() => NewHttpClient(options.YumProxy));
    }

    /// <summary>The capabilities of <c>host_provides</c>, normalised (<c>name</c> or <c>name op version</c>).</summary>
    public IReadOnlyList<string> HostCapabilities { get; }

    /// <summary>The install groups of <c>host_provides</c> (the <c>@group</c> entries, without the <c>@</c>).</summary>
    public IReadOnlyList<string> HostGroups { get; }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_http.IsValueCreated)
        {
            _http.Value.Dispose();
        }
    }

    /// <inheritdoc/>
    public async Task<BuildrootInstallResult> InstallAsync(BuildrootInstallRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requirements = request.Requirements.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        foreach (var r in requirements)
        {
            if (r.StartsWith('-') || r.Contains('\n', StringComparison.Ordinal))
            {
                throw new BuildrootException($"invalid requirement '{r}'");
            }
        }
        // The init step installs only groups; a failure there is the buildroot's, later ones the build's.
        var init = requirements.Count > 0 && requirements.All(r => r.StartsWith('@'));
        var dir = Path.Combine(request.BuildrootDir, "install");
        Directory.CreateDirectory(dir);
        var log = request.RootLog;

        var urls = await RepoUrlsAsync(request, dir, cancellationToken).ConfigureAwait(false);
        if (urls is null)
        {
            return await _hostTools.InstallAsync(request, cancellationToken).ConfigureAwait(false);
        }

        var wanted = new List<string>();
        foreach (var r in requirements)
        {
            if (r.StartsWith('@') && HostGroups.Contains(r[1..], StringComparer.Ordinal))
            {
                await WriteLogAsync(log, $"Group {r} is provided by the host (host_provides): not installing it", cancellationToken).ConfigureAwait(false);
            }
            else
            {
                wanted.Add(r);
            }
        }

        var root = await MountAsync(request, dir, cancellationToken).ConfigureAwait(false);
        // Null: the sandbox already uses this root.
        var newRoot = request.SandboxRoot == root ? null : root;
        if (wanted.Count == 0)
        {
            return new BuildrootInstallResult([], newRoot);
        }
        await File.WriteAllTextAsync(Path.Combine(dir, "dnf.conf"), DnfConf(request.Buildroot, urls), cancellationToken).ConfigureAwait(false);

        var hostFilesPath = Path.Combine(dir, "host-files");
        var hostFiles = new SortedSet<string>(File.Exists(hostFilesPath) ? await File.ReadAllLinesAsync(hostFilesPath, cancellationToken).ConfigureAwait(false) : [], StringComparer.Ordinal);
        foreach (var r in wanted.Where(IsHostFile))
        {
            hostFiles.Add(r);
        }

        var before = await QueryInstalledAsync(root, cancellationToken).ConfigureAwait(false);
        var stopwatch = Stopwatch.StartNew();
        for (var round = 1; ; round++)
        {
            await File.WriteAllLinesAsync(hostFilesPath, hostFiles, cancellationToken).ConfigureAwait(false);
            await InstallHostProvidesAsync(request, dir, root, [.. HostCapabilities, .. hostFiles], cancellationToken).ConfigureAwait(false);
            var (outcome, output) = await RunDnfAsync(request, dir, root, wanted, cancellationToken).ConfigureAwait(false);
            if (outcome.ExitCode == 0)
            {
                break;
            }
            var failure = DnfFailure.Parse(output);
            var found = failure.NothingProvides.Select(n => n.Capability).Where(c => IsHostFile(c) && !hostFiles.Contains(c)).Distinct(StringComparer.Ordinal).ToList();
            if (found.Count > 0 && round < MaxRounds)
            {
                await WriteLogAsync(log, $"Provided by the host (files that exist on the host): {string.Join(", ", found)}; resolving again", cancellationToken).ConfigureAwait(false);
                hostFiles.UnionWith(found);
                continue;
            }
            var problems = failure.Problems(outcome.ExitCode);
            var repo = $"{request.Buildroot.TagName}/{request.Buildroot.RepoId.ToString(CultureInfo.InvariantCulture)}/{request.Buildroot.Arch}";
            var summary = string.Join("; ", problems);
            if (failure.HasMissing)
            {
                summary += $" (neither the buildroot repo {repo} nor the host provides it)";
            }
            foreach (var p in problems)
            {
                await WriteLogAsync(log, "ERROR: " + p, cancellationToken).ConfigureAwait(false);
            }
            LogFailed(_logger, request.Buildroot.Name, summary);
            throw init
                ? new BuildrootException(KojiFaultCode.BuildrootError, $"could not init buildroot {request.Buildroot.Name}: {summary}; see {BuildrootLogs.Root} for more information")
                : new BuildrootException($"could not install the build requirements: {summary}; see {BuildrootLogs.Root} for more information");
        }

        var after = await QueryInstalledAsync(root, cancellationToken).ConfigureAwait(false);
        var old = before.Select(r => (r.Nvra, r.PayloadHash)).ToHashSet();
        var installed = after
            .Where(r => r.Name != HostProvidesPackage && !old.Contains((r.Nvra, r.PayloadHash)))
            .OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Nvra, StringComparer.Ordinal)
            .ToList();
        await WriteLogAsync(log, installed.Count == 0
            ? "Installed from the buildroot repo: nothing new"
            : $"Installed from the buildroot repo ({installed.Count.ToString(CultureInfo.InvariantCulture)}): {string.Join(" ", installed.Select(r => r.Nvra))}", cancellationToken).ConfigureAwait(false);
        LogInstalled(_logger, request.Buildroot.Name, installed.Count, stopwatch.ElapsedMilliseconds);
        return new BuildrootInstallResult(installed, newRoot);
    }

    /// <summary>
    /// The repo base URLs of the buildroot: chosen at the buildroot's first install step (and kept in
    /// <c>install/repo</c>), null when the buildroot builds with the host's tools.
    /// </summary>
    private async Task<IReadOnlyList<string>?> RepoUrlsAsync(BuildrootInstallRequest request, string dir, CancellationToken cancellationToken)
    {
        var state = Path.Combine(dir, "repo");
        if (File.Exists(state))
        {
            var saved = (await File.ReadAllLinesAsync(state, cancellationToken).ConfigureAwait(false)).Where(l => l.Length > 0).ToList();
            return saved.Count == 0 ? null : saved;
        }
        var (urls, misses) = await FindRepoAsync(request.Buildroot, cancellationToken).ConfigureAwait(false);
        if (urls.Count == 0)
        {
            var why = string.Join("; ", misses);
            if (_requireRepo)
            {
                throw BuildrootException.Setup($"the repo of buildroot {request.Buildroot.Name} was not found: {why}");
            }
            await WriteLogAsync(request.RootLog, $"No buildroot repo found ({why}): this buildroot builds with the host's tools (rpmbuild_install = auto)", cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(state, string.Empty, cancellationToken).ConfigureAwait(false);
            return null;
        }
        await WriteLogAsync(request.RootLog, $"Buildroot repo: {string.Join(" ", urls)}", cancellationToken).ConfigureAwait(false);
        await File.WriteAllLinesAsync(state, urls, cancellationToken).ConfigureAwait(false);
        return urls;
    }

    /// <summary>
    /// Looks for <c>repos/&lt;tag&gt;/&lt;repo id&gt;/&lt;arch&gt;/repodata/repomd.xml</c>: under
    /// <c>topdir</c> first (a builder that mounts the Koji tree reads it directly), then under each
    /// <c>topurl</c>. Returns the base URLs that have it and why the others did not.
    /// </summary>
    private async Task<(List<string> Urls, List<string> Misses)> FindRepoAsync(BuildrootRequest buildroot, CancellationToken cancellationToken)
    {
        var tail = $"repos/{buildroot.TagName}/{buildroot.RepoId.ToString(CultureInfo.InvariantCulture)}/{buildroot.Arch}";
        var urls = new List<string>();
        var misses = new List<string>();
        var local = Path.Combine(_options.TopDir, tail);
        if (File.Exists(Path.Combine(local, "repodata", "repomd.xml")))
        {
            return (["file://" + local], misses);
        }
        misses.Add($"{local}/repodata/repomd.xml does not exist");
        foreach (var topurl in _options.TopUrls)
        {
            var url = topurl.TrimEnd('/') + "/" + tail;
            var repomd = url + "/repodata/repomd.xml";
            if (url.StartsWith("file://", StringComparison.Ordinal))
            {
                if (File.Exists(repomd["file://".Length..]))
                {
                    urls.Add(url);
                }
                else
                {
                    misses.Add($"{repomd} does not exist");
                }
                continue;
            }
            try
            {
                using var response = await _http.Value.GetAsync(new Uri(repomd), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    urls.Add(url);
                }
                else
                {
                    misses.Add($"{repomd}: HTTP {((int)response.StatusCode).ToString(CultureInfo.InvariantCulture)}");
                }
            }
            catch (Exception e) when (e is HttpRequestException or UriFormatException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                misses.Add($"{repomd}: {e.Message}");
            }
        }
        return (urls, misses);
    }

    /// <summary>Mounts the overlay (once per buildroot) and makes the sandbox's mount points exist in it.</summary>
    private async Task<string> MountAsync(BuildrootInstallRequest request, string dir, CancellationToken cancellationToken)
    {
        var upper = Path.Combine(dir, "upper");
        var work = Path.Combine(dir, "work");
        var root = Path.Combine(dir, "root");
        if (!BuildrootFiles.IsMountPoint(root))
        {
            if (dir.IndexOfAny([',', ':', '\\']) >= 0)
            {
                throw BuildrootException.Setup($"cannot mount an overlay at {root}: the path must not contain ',', ':' or '\\'");
            }
            Directory.CreateDirectory(upper);
            Directory.CreateDirectory(work);
            Directory.CreateDirectory(root);
            var args = new[] { "-t", "overlay", "overlay", "-o", $"lowerdir=/,upperdir={upper},workdir={work}", root };
            await WriteLogAsync(request.RootLog, "Mounting the sandbox root: " + BuildrootProcess.Describe("mount", args), cancellationToken).ConfigureAwait(false);
            var (outcome, output) = await BuildrootProcess.RunCapturedAsync(BuildrootProcess.StartInfo("mount", args), cancellationToken).ConfigureAwait(false);
            if (outcome.ExitCode != 0)
            {
                await WriteLogAsync(request.RootLog, output.TrimEnd(), cancellationToken).ConfigureAwait(false);
                throw BuildrootException.Setup(
                    $"cannot mount the overlay for buildroot {request.Buildroot.Name} ({output.Trim()}): installing from the buildroot repo needs a builder running as root and overlayfs; set rpmbuild_install = host to build with the host's tools");
            }
        }
        // The sandbox binds these over the overlay: their mount points must exist in it (the lower
        // layer holds only the host's root file system, not what is mounted on it).
        var mountPoints = new List<string> { Path.Combine(request.BuildrootDir, "root") };
        mountPoints.AddRange(request.Buildroot.BindMounts.Select(m => m.Destination));
        foreach (var point in mountPoints)
        {
            Directory.CreateDirectory(Path.Combine(root, Path.GetFullPath(point).TrimStart('/')));
        }
        return root;
    }

    /// <summary>Records the virtual package with the host's capabilities in the overlay's rpm database (again when they changed).</summary>
    private async Task InstallHostProvidesAsync(BuildrootInstallRequest request, string dir, string root, IReadOnlyList<string> provides, CancellationToken cancellationToken)
    {
        var top = Path.Combine(dir, "host-provides");
        var recorded = Path.Combine(top, "provides");
        if (provides.Count == 0 && !File.Exists(recorded))
        {
            return;
        }
        var text = string.Join("\n", provides) + "\n";
        if (File.Exists(recorded) && await File.ReadAllTextAsync(recorded, cancellationToken).ConfigureAwait(false) == text)
        {
            return;
        }
        Directory.CreateDirectory(top);
        var release = Directory.Exists(Path.Combine(top, "RPMS")) ? Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).Length + 1 : 1;
        var spec = Path.Combine(top, HostProvidesPackage + ".spec");
        await File.WriteAllTextAsync(spec, HostProvidesSpec(request.Buildroot.Name, release, provides), cancellationToken).ConfigureAwait(false);
        await WriteLogAsync(request.RootLog, $"Host provides (virtual package {HostProvidesPackage}-1-{release.ToString(CultureInfo.InvariantCulture)}): {(provides.Count == 0 ? "nothing" : string.Join(", ", provides))}", cancellationToken).ConfigureAwait(false);
        await RunCheckedAsync(request, "rpmbuild", [
            "--quiet", "--define", "_topdir " + top, "--define", "_build_id_links none", "--define", "debug_package %{nil}",
            "-bb", spec,
        ], "building the host-provides package", cancellationToken).ConfigureAwait(false);
        var rpm = Directory.GetFiles(Path.Combine(top, "RPMS"), $"{HostProvidesPackage}-1-{release.ToString(CultureInfo.InvariantCulture)}.*.rpm", SearchOption.AllDirectories).Single();
        await RunCheckedAsync(request, "rpm", ["--root", root, "--initdb"], "creating the rpm database", cancellationToken).ConfigureAwait(false);
        await RunCheckedAsync(request, "rpm", ["--root", root, "-U", "--justdb", "--nodeps", "--noscripts", "--notriggers", rpm], "recording the host-provides package", cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(recorded, text, cancellationToken).ConfigureAwait(false);
    }

    private static string HostProvidesSpec(string buildroot, int release, IEnumerable<string> provides)
    {
        var spec = new StringBuilder()
            .Append("Name: ").Append(HostProvidesPackage).Append('\n')
            .Append("Version: 1\n")
            .Append("Release: ").Append(release.ToString(CultureInfo.InvariantCulture)).Append('\n')
            .Append("Summary: What the builder host provides to buildroot ").Append(buildroot).Append('\n')
            .Append("License: MIT\n")
            .Append("BuildArch: noarch\n");
        foreach (var p in provides)
        {
            spec.Append("Provides: ").Append(p.Replace("%", "%%", StringComparison.Ordinal)).Append('\n');
        }
        return spec
            .Append("\n%description\n")
            .Append("Made by the Koji.NET builder: the capabilities of the builder host (host_provides and host files)\n")
            .Append("that the buildroot uses from the host instead of installing them from the buildroot repo.\n")
            .Append("\n%files\n")
            .ToString();
    }

    /// <summary>dnf's configuration for the buildroot: the settings of kojid's mock yum.conf, with the one <c>build</c> repo.</summary>
    private string DnfConf(BuildrootRequest buildroot, IReadOnlyList<string> urls)
    {
        var conf = new StringBuilder("[main]\n");
        if (!string.IsNullOrWhiteSpace(_options.YumProxy))
        {
            conf.Append("proxy=").Append(_options.YumProxy).Append('\n');
        }
        conf.Append("""
            cachedir=/var/cache/dnf
            debuglevel=2
            reposdir=/dev/null
            retries=20
            obsoletes=1
            gpgcheck=0
            assumeyes=1
            keepcache=0
            install_weak_deps=0
            strict=1
            plugins=0

            # repos

            [build]
            name=build

            """);
        conf.Append("baseurl=").Append(urls[0]).Append('\n');
        foreach (var url in urls.Skip(1))
        {
            conf.Append("        ").Append(url).Append('\n');
        }
        if (buildroot.TagExtra.TryGetValue("mock.yum.module_hotfixes", out var hotfixes) && PythonLiteral.IsTruthy(hotfixes))
        {
            conf.Append("module_hotfixes=1\n");
        }
        if (buildroot.TagExtra.TryGetValue("mock.yum.best", out var best) && PythonLiteral.IsTruthy(best))
        {
            conf.Append("best=1\n");
        }
        return conf.ToString();
    }

    private async Task<(ProcessOutcome Outcome, string Output)> RunDnfAsync(BuildrootInstallRequest request, string dir, string root, IReadOnlyList<string> requirements, CancellationToken cancellationToken)
    {
        if (!File.Exists(_options.DnfPath))
        {
            throw BuildrootException.Setup($"dnf is not installed ({_options.DnfPath} not found): install dnf, or set rpmbuild_install = host to build with the host's tools");
        }
        var args = new List<string> { "--installroot=" + root, "--config=" + Path.Combine(dir, "dnf.conf"), "--setopt=reposdir=/dev/null" };
        if (request.Buildroot.TagExtra.TryGetValue("mock.releasever", out var releasever) && releasever is not null)
        {
            args.Add("--releasever=" + Convert.ToString(releasever, CultureInfo.InvariantCulture));
        }
        if (request.Buildroot.TagExtra.TryGetValue("mock.forcearch", out var forcearch) && PythonLiteral.IsTruthy(forcearch))
        {
            args.Add("--forcearch=" + MockConfig.TargetArchFor(request.Buildroot.Arch));
        }
        args.AddRange(["-y", "install"]);
        args.AddRange(requirements);
        return await RunLoggedAsync(request, _options.DnfPath, args, cancellationToken).ConfigureAwait(false);
    }

    private async Task<List<InstalledRpm>> QueryInstalledAsync(string root, CancellationToken cancellationToken)
    {
        var psi = BuildrootProcess.StartInfo("rpm", ["--root", root, "-qa", "--qf", InstalledRpm.QueryFormat]);
        psi.Environment["LC_ALL"] = "C.UTF-8";
        var (outcome, output) = await BuildrootProcess.RunCapturedAsync(psi, cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            throw BuildrootException.Setup($"cannot list the packages in {root}: rpm -qa exited with status {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)}: {output.Trim()}");
        }
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => l.Count(c => c == '\t') == 7)
            .Select(InstalledRpm.ParseQueryLine)
            .ToList();
    }

    private async Task RunCheckedAsync(BuildrootInstallRequest request, string tool, IReadOnlyList<string> args, string what, CancellationToken cancellationToken)
    {
        var (outcome, _) = await RunLoggedAsync(request, tool, args, cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            throw BuildrootException.Setup($"error {what} for buildroot {request.Buildroot.Name}: {tool} exited with status {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)}; see {BuildrootLogs.Root} for more information");
        }
    }

    /// <summary>Runs a tool with its output going to root.log as it comes, and returns the output too.</summary>
    private async Task<(ProcessOutcome Outcome, string Output)> RunLoggedAsync(BuildrootInstallRequest request, string tool, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var psi = BuildrootProcess.StartInfo(tool, args);
        // dnf's messages are parsed: keep them in English.
        psi.Environment["LC_ALL"] = "C.UTF-8";
        psi.Environment["LANG"] = "C.UTF-8";
        var command = BuildrootProcess.Describe(tool, args);
        LogRunning(_logger, request.Buildroot.Name, command);
        await WriteLogAsync(request.RootLog, "Running: " + command, cancellationToken).ConfigureAwait(false);
        var text = new StringBuilder();
        var decoder = Encoding.UTF8.GetDecoder();
        var gate = new Lock();
        var outcome = await BuildrootProcess.RunAsync(psi, chunk =>
        {
            lock (gate)
            {
                var chars = new char[Encoding.UTF8.GetMaxCharCount(chunk.Length)];
                var n = decoder.GetChars(chunk.Span, chars, flush: false);
                text.Append(chars, 0, n);
                request.RootLog.Write(chars, 0, n);
                request.RootLog.Flush();
            }
        }, null, cancellationToken).ConfigureAwait(false);
        if (text.Length > 0 && text[^1] != '\n')
        {
            await WriteLogAsync(request.RootLog, string.Empty, cancellationToken).ConfigureAwait(false);
        }
        await WriteLogAsync(request.RootLog, $"Finished: exit status {outcome.ExitCode.ToString(CultureInfo.InvariantCulture)}", cancellationToken).ConfigureAwait(false);
        return (outcome, text.ToString());
    }

    /// <summary>Whether a requirement is a file that the host provides (<c>host_provides_files</c>).</summary>
    private bool IsHostFile(string requirement)
    {
        if (!_options.HostProvidesFiles || !requirement.StartsWith('/') || requirement.Any(char.IsWhiteSpace))
        {
            return false;
        }
        if (_options.HiddenPaths.Any(h => BuildrootFiles.IsUnder(requirement, h)))
        {
            return false;
        }
        return File.Exists(requirement) || Directory.Exists(requirement);
    }

    private static Task WriteLogAsync(TextWriter log, string line, CancellationToken cancellationToken) =>
        log.WriteLineAsync(line.AsMemory(), cancellationToken);

    private static HttpClient NewHttpClient(string? proxy)
    {
        var handler = new HttpClientHandler();
        if (!string.IsNullOrWhiteSpace(proxy))
        {
            handler.Proxy = new WebProxy(new Uri(proxy));
            handler.UseProxy = true;
        }
        return new HttpClient(handler, disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Splits and checks <c>host_provides</c>: capabilities (normalised to <c>name [op version]</c>) and <c>@group</c>s.</summary>
    /// <exception cref="ArgumentException">An entry is not a capability.</exception>
    internal static (IReadOnlyList<string> Capabilities, IReadOnlyList<string> Groups) ParseHostProvides(string? text)
    {
        var capabilities = new List<string>();
        var groups = new List<string>();
        foreach (var raw in (text ?? string.Empty).Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.StartsWith('@'))
            {
                var group = raw[1..];
                if (group.Length == 0 || group.Any(char.IsWhiteSpace))
                {
                    throw new ArgumentException($"invalid host_provides entry '{raw}': a group is written @name");
                }
                groups.Add(group);
                continue;
            }
            var m = CapabilityPattern().Match(raw);
            if (!m.Success)
            {
                throw new ArgumentException(
                    $"invalid host_provides entry '{raw}': use a capability name (make, pkgconfig(zlib), /usr/bin/perl), optionally with a version (gcc = 12.2.0), or @group; separate entries with commas");
            }
            capabilities.Add(m.Groups["op"].Success ? $"{m.Groups["name"].Value} {m.Groups["op"].Value} {m.Groups["evr"].Value}" : m.Groups["name"].Value);
        }
        return (capabilities.Distinct(StringComparer.Ordinal).ToList(), groups.Distinct(StringComparer.Ordinal).ToList());
    }

    [GeneratedRegex(@"^(?<name>[^\s<>=,@(][^\s<>=,]*)(\s*(?<op><=|>=|<|>|=)\s*(?<evr>[^\s<>=,]+))?$")]
    private static partial Regex CapabilityPattern();

    [LoggerMessage(EventId = 3111, Level = LogLevel.Debug, Message = "Buildroot {Buildroot}: running {Command}")]
    private static partial void LogRunning(ILogger logger, string buildroot, string command);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Information, Message = "Buildroot {Buildroot}: installed {Count} packages from the buildroot repo in {ElapsedMs} ms")]
    private static partial void LogInstalled(ILogger logger, string buildroot, int count, long elapsedMs);

    [LoggerMessage(EventId = 3113, Level = LogLevel.Warning, Message = "Buildroot {Buildroot}: cannot install its requirements: {Problems}")]
    private static partial void LogFailed(ILogger logger, string buildroot, string problems);
}

/// <summary>What dnf's output says went wrong with an install.</summary>
internal sealed partial class DnfFailure
{
    private DnfFailure(List<string> noMatch, List<string> noGroup, List<(string Capability, string NeededBy)> nothingProvides, List<string> otherProblems)
    {
        NoMatch = noMatch;
        NoGroup = noGroup;
        NothingProvides = nothingProvides;
        OtherProblems = otherProblems;
    }

    /// <summary>Requested requirements no package matches (<c>No match for argument: X</c>).</summary>
    public List<string> NoMatch { get; }

    /// <summary>Requested groups the repo's comps does not have.</summary>
    public List<string> NoGroup { get; }

    /// <summary>Dependencies of the packages to install that nothing provides.</summary>
    public List<(string Capability, string NeededBy)> NothingProvides { get; }

    /// <summary>Dependency problems of other kinds (conflicts...), as dnf words them.</summary>
    public List<string> OtherProblems { get; }

    /// <summary>Whether something is missing (rather than, say, conflicting).</summary>
    public bool HasMissing => NoMatch.Count > 0 || NoGroup.Count > 0 || NothingProvides.Count > 0;

    public static DnfFailure Parse(string output)
    {
        var noMatch = new List<string>();
        var noGroup = new List<string>();
        var nothing = new List<(string, string)>();
        var other = new List<string>();
        foreach (var raw in output.Split('\n'))
        {
            var line = raw.Trim();
            Match m;
            if ((m = NoMatchPattern().Match(line)).Success)
            {
                var arg = m.Groups[1].Value;
                (arg.StartsWith('@') ? noGroup : noMatch).Add(arg.TrimStart('@'));
            }
            else if ((m = NoGroupPattern().Match(line)).Success)
            {
                noGroup.Add(m.Groups[1].Value);
            }
            else if ((m = NothingProvidesPattern().Match(line)).Success)
            {
                nothing.Add((m.Groups[1].Value, m.Groups[2].Value));
            }
            else if (line.StartsWith("- ", StringComparison.Ordinal) && line != "- conflicting requests")
            {
                other.Add(line.TrimStart('-', ' '));
            }
        }
        return new DnfFailure(
            noMatch.Distinct(StringComparer.Ordinal).ToList(),
            noGroup.Distinct(StringComparer.Ordinal).ToList(),
            nothing.Distinct().ToList(),
            other.Distinct(StringComparer.Ordinal).ToList());
    }

    /// <summary>One line per problem, in the words mock and dnf use.</summary>
    public List<string> Problems(int exitCode)
    {
        var problems = new List<string>();
        problems.AddRange(NoGroup.Select(g => $"No matching group to install: '@{g}'"));
        problems.AddRange(NoMatch.Select(r => $"No matching package to install: '{r}'"));
        problems.AddRange(NothingProvides.Select(n => $"nothing provides {n.Capability} needed by {n.NeededBy}"));
        if (problems.Count == 0)
        {
            problems.AddRange(OtherProblems);
        }
        if (problems.Count == 0)
        {
            problems.Add($"dnf exited with status {exitCode.ToString(CultureInfo.InvariantCulture)}");
        }
        return problems;
    }

    [GeneratedRegex(@"^No match for argument:\s*(.+?)\s*$")]
    private static partial Regex NoMatchPattern();

    [GeneratedRegex(@"^Module or Group '(.+)' (?:is not available|does not exist)\.?$")]
    private static partial Regex NoGroupPattern();

    [GeneratedRegex(@"nothing provides (.+?) needed by (\S+)")]
    private static partial Regex NothingProvidesPattern();
}
