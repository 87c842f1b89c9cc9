using System.Diagnostics;
using System.Globalization;
using System.Text;
using KojiNet.Rpm;
using KojiNet.XmlRpc;
using Microsoft.Extensions.Logging;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// Builds with <c>rpmbuild</c> in a bubblewrap sandbox: no network (unless the request asks for
/// it), the host's root read-only (or an installer-provided root), secrets hidden, a private
/// <c>/tmp</c> and <c>/var/tmp</c>, its own pid/ipc/uts namespaces, no capabilities, and only
/// <c>&lt;buildroot&gt;/root</c> writable. It dies with the builder.
/// <para>
/// Layout under <c>&lt;mockdir&gt;/&lt;name&gt;</c>: <c>root/builddir</c> is HOME (with the
/// <c>.rpmmacros</c> kojid's mock config would set) and <c>root/builddir/build</c> is
/// <c>%_topdir</c>; <c>root&lt;chroot_tmpdir&gt;</c> is the scratch dir; <c>result/</c> gets the
/// packages and root.log, build.log, state.log. Paths inside the sandbox equal host paths.
/// </para>
/// <para>
/// The installed-package list is the rpm database of the sandbox's root (<c>rpm -qa</c> of the
/// host, of the installer's root, or <c>sandbox_rpmdb</c>), since the sandbox sees that root as a
/// mock chroot sees its own, plus what the <see cref="IBuildrootInstaller"/> reports it installed.
/// </para>
/// </summary>
internal sealed partial class RpmbuildBuildroot : BuildrootBase
{
    private readonly IBuildrootInstaller _installer;
    private readonly ILogger _logger;
    private readonly List<InstalledRpm> _installed = [];
    private string _sandboxRoot = "/";

    public RpmbuildBuildroot(BuildrootRequest request, BuildrootOptions options, IBuildrootInstaller installer, ILogger logger)
        : base(request, options, BuildrootBackends.Rpmbuild)
    {
        _installer = installer;
        _logger = logger;
        RootDir = Path.Combine(BuildrootDir, "root");
        HomeDir = Path.Combine(RootDir, "builddir");
        TopDir = Path.Combine(HomeDir, "build");
        ScratchDir = RootDir + "/" + options.ChrootTmpDir.Trim('/');
    }

    public override string ScratchDir { get; }

    /// <summary>The only writable directory of the sandbox.</summary>
    public string RootDir { get; }

    private string HomeDir { get; }

    private string TopDir { get; }

    private string TargetArch => MockConfig.TargetArchFor(Request.Arch);

    public override string ToBuildrootPath(string hostPath)
    {
        if (!BuildrootFiles.IsUnder(hostPath, RootDir))
        {
            throw new ArgumentException($"{hostPath} is not inside buildroot {Name} ({RootDir})", nameof(hostPath));
        }
        return Path.GetFullPath(hostPath);
    }

    /// <summary>Checks the sandbox can be made and writes the buildroot's configuration.</summary>
    public void Prepare()
    {
        if (!File.Exists(Options.BwrapPath))
        {
            throw new BuildrootException(KojiFaultCode.BuildrootError,
                $"bubblewrap is not installed ({Options.BwrapPath} not found): install bubblewrap, or set buildroot_backend = mock");
        }
        foreach (var (source, destination) in Request.BindMounts)
        {
            if (!Directory.Exists(source))
            {
                throw new BuildrootException(KojiFaultCode.BuildrootError, $"bind mount source {source} does not exist");
            }
            if (!Directory.Exists(destination) && !BuildrootFiles.IsUnder(destination, RootDir))
            {
                throw new BuildrootException(KojiFaultCode.BuildrootError,
                    $"bind mount destination {destination} must exist on the host or lie inside the buildroot ({RootDir})");
            }
        }
        Directory.CreateDirectory(Request.WorkDir);
        ConfigText = Describe();
        File.WriteAllText(Path.Combine(Request.WorkDir, BuildrootLogs.MockConfig), ConfigText);
    }

    protected override async Task InitCoreAsync(CancellationToken cancellationToken)
    {
        BuildrootFiles.RecreateDirectory(BuildrootDir);
        Directory.CreateDirectory(ResultDir);
        foreach (var sub in new[] { "BUILD", "BUILDROOT", "RPMS", "SOURCES", "SPECS", "SRPMS" })
        {
            Directory.CreateDirectory(Path.Combine(TopDir, sub));
        }
        Directory.CreateDirectory(ScratchDir);
        await File.WriteAllTextAsync(Path.Combine(HomeDir, ".rpmmacros"), MacroFile(), cancellationToken).ConfigureAwait(false);
        BuildrootFiles.State(ResultDir, "Start: init");
        BuildrootFiles.AppendLine(RootLog, $"Buildroot {Name}: rpmbuild in a bubblewrap sandbox, target arch {TargetArch}, install group {Request.InstallGroup}, network {(Request.Network ? "on" : "off")}");
        BuildrootFiles.AppendLine(RootLog, $"Writable: {RootDir}");
        await InstallAsync(["@" + Request.InstallGroup], cancellationToken).ConfigureAwait(false);

        BuildrootFiles.AppendLine(RootLog, "Checking the sandbox: rpmbuild --version");
        var outcome = await RunSandboxedAsync(["rpmbuild", "--version"], HomeDir, RootLog, null, cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            BuildrootFiles.State(ResultDir, "Finish: init (failed)");
            throw new BuildrootException(KojiFaultCode.BuildrootError,
                $"could not init buildroot {Name}: the sandbox check exited with status {Int(outcome.ExitCode)}; see {BuildrootLogs.Root} for more information");
        }
        BuildrootFiles.State(ResultDir, "Finish: init");
    }

    protected override async Task<IReadOnlyList<InstalledRpm>> ListInstalledCoreAsync(CancellationToken cancellationToken)
    {
        var args = new List<string>();
        if (Options.SandboxRpmDb is { } db)
        {
            args.Add("--dbpath");
            args.Add(db);
        }
        else if (_sandboxRoot != "/")
        {
            // The installer's root (an overlay over the host's): its database has the host's packages and the installed ones.
            args.Add("--root");
            args.Add(_sandboxRoot);
        }
        args.AddRange(["-qa", "--qf", InstalledRpm.QueryFormat]);
        var (outcome, output) = await BuildrootProcess.RunCapturedAsync(BuildrootProcess.StartInfo("rpm", args), cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            throw new BuildrootException(KojiFaultCode.BuildrootError, $"cannot list the packages of buildroot {Name}: rpm -qa exited with status {Int(outcome.ExitCode)}: {output.Trim()}");
        }
        var host = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("rpm:", StringComparison.Ordinal) && !l.StartsWith("warning:", StringComparison.Ordinal))
            .Select(InstalledRpm.ParseQueryLine);
        return host.Concat(_installed)
            .Where(r => r.Name is not ("gpg-pubkey" or "buildsys-build" or RepoInstaller.HostProvidesPackage))
            .DistinctBy(r => (r.Nvra, r.PayloadHash))
            .OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Nvra, StringComparer.Ordinal)
            .ToList();
    }

    protected override async Task<string> BuildSrpmCoreAsync(string specFile, string sourcesDir, CancellationToken cancellationToken)
    {
        ResetTopDir();
        BuildrootFiles.CopyTree(sourcesDir, Path.Combine(TopDir, "SOURCES"));
        var spec = Path.Combine(TopDir, "SPECS", Path.GetFileName(specFile));
        File.Copy(specFile, spec, overwrite: true);
        BuildrootFiles.State(ResultDir, "Start: buildsrpm");
        var outcome = await RunSandboxedAsync(["rpmbuild", "-bs", "--nodeps", "--target", "noarch", spec], HomeDir, BuildLog, RpmbuildTimeout, cancellationToken).ConfigureAwait(false);
        BuildrootFiles.State(ResultDir, "Finish: buildsrpm");
        ThrowIfFailed(outcome, "error building srpm");
        return TakeSingleSrpm(Path.Combine(TopDir, "SRPMS"), "building the srpm");
    }

    protected override async Task<string> RebuildSrpmCoreAsync(string srpmFile, CancellationToken cancellationToken)
    {
        var srpmDir = Path.Combine(ScratchDir, "srpm");
        var unpacked = Path.Combine(ScratchDir, "srpm_unpacked");
        BuildrootFiles.RecreateDirectory(srpmDir);
        BuildrootFiles.RecreateDirectory(unpacked);
        var copy = Path.Combine(srpmDir, Path.GetFileName(srpmFile));
        File.Copy(srpmFile, copy);
        var topdirDefine = "_topdir " + unpacked;
        BuildrootFiles.State(ResultDir, "Start: rebuild srpm");
        var outcome = await RunSandboxedAsync(["rpm", "--define", topdirDefine, "-iv", copy], HomeDir, BuildLog, null, cancellationToken).ConfigureAwait(false);
        ThrowIfFailed(outcome, "error unpacking the srpm");
        var specs = Directory.Exists(Path.Combine(unpacked, "SPECS")) ? Directory.GetFiles(Path.Combine(unpacked, "SPECS"), "*.spec") : [];
        if (specs.Length != 1)
        {
            throw new BuildrootException($"the srpm must contain exactly one spec file, found {Int(specs.Length)}");
        }
        outcome = await RunSandboxedAsync(["rpmbuild", "--define", topdirDefine, "-bs", "--nodeps", "--target", "noarch", specs[0]], HomeDir, BuildLog, RpmbuildTimeout, cancellationToken).ConfigureAwait(false);
        BuildrootFiles.State(ResultDir, "Finish: rebuild srpm");
        ThrowIfFailed(outcome, "error rebuilding the srpm");
        return TakeSingleSrpm(Path.Combine(unpacked, "SRPMS"), "rebuilding the srpm");
    }

    protected override async Task<BuildrootResults> BuildRpmsCoreAsync(string srpmFile, string? targetArch, CancellationToken cancellationToken)
    {
        RpmPackage header;
        try
        {
            header = RpmPackage.Open(srpmFile);
        }
        catch (RpmFormatException e)
        {
            throw new BuildrootException($"{Path.GetFileName(srpmFile)} is not a valid rpm: {e.Message}", e);
        }
        if (!header.IsSource)
        {
            throw new BuildrootException($"{Path.GetFileName(srpmFile)} is not a source package");
        }
        ResetTopDir();
        var originals = Path.Combine(TopDir, "originals");
        Directory.CreateDirectory(originals);
        var copy = Path.Combine(originals, Path.GetFileName(srpmFile));
        File.Copy(srpmFile, copy, overwrite: true);

        var buildRequires = header.Requires
            .Where(d => !d.Name.StartsWith("rpmlib(", StringComparison.Ordinal))
            .Select(d => d.ToString())
            .Distinct(StringComparer.Ordinal)
            .ToList();
        await InstallAsync(buildRequires, cancellationToken).ConfigureAwait(false);

        // Like mock, build for the buildroot's target arch unless told otherwise.
        var args = new List<string> { "rpmbuild", "-ra", "--nodeps", "--target", targetArch ?? TargetArch, copy };
        BuildrootFiles.State(ResultDir, $"Start: build phase for {header.Nvr}");
        var outcome = await RunSandboxedAsync(args, HomeDir, BuildLog, RpmbuildTimeout, cancellationToken).ConfigureAwait(false);
        BuildrootFiles.State(ResultDir, $"Finish: build phase for {header.Nvr}");
        ThrowIfFailed(outcome, $"error building package (arch {targetArch ?? TargetArch})");
        BuildrootFiles.MoveAll(Path.Combine(TopDir, "SRPMS"), "*.src.rpm", ResultDir);
        BuildrootFiles.MoveAll(Path.Combine(TopDir, "RPMS"), "*.rpm", ResultDir);
        return ScanResults();
    }

    protected override async Task RunCommandCoreAsync(IReadOnlyList<string> command, string workingDir, CancellationToken cancellationToken)
    {
        var cwd = ToBuildrootPath(workingDir);
        if (!Directory.Exists(cwd))
        {
            throw new ArgumentException($"working directory {workingDir} does not exist", nameof(workingDir));
        }
        var outcome = await RunSandboxedAsync(command, cwd, MockOutputLog, null, cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            throw new BuildrootException(
                $"command {BuildrootProcess.Describe(command[0], command.Skip(1))} exited with status {Int(outcome.ExitCode)}; see {BuildrootLogs.MockOutput} for more information");
        }
    }

    protected override Task RemoveCoreAsync(CancellationToken cancellationToken)
    {
        BuildrootFiles.DeleteTree(BuildrootDir);
        return Task.CompletedTask;
    }

    /// <summary>The bubblewrap arguments (before the command) for a command run in <paramref name="cwd"/>.</summary>
    internal List<string> SandboxArguments(string cwd)
    {
        var args = new List<string>
        {
            "--ro-bind", _sandboxRoot, "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--tmpfs", "/tmp",
            "--tmpfs", "/var/tmp",
        };
        foreach (var hidden in Options.HiddenPaths)
        {
            if (Directory.Exists(Path.Combine(_sandboxRoot, hidden.TrimStart('/'))))
            {
                args.AddRange(["--tmpfs", hidden]);
            }
        }
        args.AddRange(["--bind", RootDir, RootDir]);
        // After the buildroot's own bind, so a destination inside the buildroot is not covered by it.
        foreach (var (source, destination) in Request.BindMounts)
        {
            args.AddRange(["--ro-bind", source, destination]);
        }
        if (!Request.Network)
        {
            args.Add("--unshare-net");
        }
        args.AddRange([
            "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--chdir", cwd,
        ]);
        return args;
    }

    private TimeSpan RpmbuildTimeout => TimeSpan.FromSeconds(Math.Max(1, Options.RpmbuildTimeout));

    private async Task<ProcessOutcome> RunSandboxedAsync(IReadOnlyList<string> command, string cwd, string logPath, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var args = SandboxArguments(cwd);
        args.Add("--");
        args.AddRange(command);
        var psi = BuildrootProcess.StartInfo(Options.BwrapPath, args);
        psi.Environment.Clear();
        foreach (var (name, value) in SandboxEnvironment())
        {
            psi.Environment[name] = value;
        }
        LogRunning(_logger, Name, BuildrootProcess.Describe(command[0], command.Skip(1)));
        BuildrootFiles.AppendLine(MockOutputLog, "Running in the sandbox: " + BuildrootProcess.Describe(command[0], command.Skip(1)));
        var stopwatch = Stopwatch.StartNew();
        var outcome = await BuildrootProcess.RunLoggedAsync(psi, logPath, timeout, cancellationToken).ConfigureAwait(false);
        var status = outcome.TimedOut ? $"killed after {BuildrootProcess.Seconds(stopwatch.Elapsed)} s (time limit)" : $"exit status {Int(outcome.ExitCode)}";
        BuildrootFiles.AppendLine(MockOutputLog, $"Finished: {status}");
        LogFinished(_logger, Name, outcome.ExitCode, stopwatch.ElapsedMilliseconds);
        return outcome;
    }

    private void ThrowIfFailed(ProcessOutcome outcome, string what)
    {
        if (outcome.TimedOut)
        {
            throw new BuildrootException($"{what}, rpmbuild was killed after the time limit of {Int(Options.RpmbuildTimeout)} seconds; see {BuildrootLogs.Build} for more information");
        }
        if (outcome.ExitCode != 0)
        {
            throw new BuildrootException($"{what}, rpmbuild exited with status {Int(outcome.ExitCode)}; see {BuildrootLogs.Build} for more information");
        }
    }

    private async Task InstallAsync(IReadOnlyList<string> requirements, CancellationToken cancellationToken)
    {
        using var rootLog = new StreamWriter(new FileStream(RootLog, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete), new UTF8Encoding(false)) { AutoFlush = true };
        var result = await _installer.InstallAsync(new BuildrootInstallRequest(Request, BuildrootDir, requirements, rootLog, _sandboxRoot), cancellationToken).ConfigureAwait(false);
        _installed.AddRange(result.Installed);
        if (result.SandboxRoot is { } root)
        {
            if (!Directory.Exists(root))
            {
                throw new BuildrootException(KojiFaultCode.BuildrootError, $"the installer's sandbox root {root} does not exist");
            }
            _sandboxRoot = Path.GetFullPath(root);
            await rootLog.WriteLineAsync($"Sandbox root is now {_sandboxRoot}".AsMemory(), cancellationToken).ConfigureAwait(false);
        }
    }

    private void ResetTopDir()
    {
        foreach (var sub in new[] { "BUILD", "BUILDROOT", "RPMS", "SOURCES", "SPECS", "SRPMS", "originals" })
        {
            BuildrootFiles.RecreateDirectory(Path.Combine(TopDir, sub));
        }
    }

    private SortedDictionary<string, string> Macros() =>
        MockConfig.Macros(MockConfigOptions.For(Request, Options), TopDir);

    private string MacroFile()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Macros())
        {
            // A macro file continues a value on the next line after a backslash.
            text.Append(name).Append(' ').Append(value.Replace("\n", "\\\n", StringComparison.Ordinal)).Append('\n');
        }
        return text.ToString();
    }

    private IEnumerable<KeyValuePair<string, string>> SandboxEnvironment()
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["HOME"] = HomeDir,
            ["PATH"] = "/usr/bin:/bin:/usr/sbin:/sbin",
            ["LANG"] = "C.UTF-8",
            ["TERM"] = "vt100",
            ["SHELL"] = "/bin/bash",
        };
        foreach (var (name, value) in MockConfig.Environment(Request.TagExtra))
        {
            env[name] = value;
        }
        return env;
    }

    private string Describe()
    {
        var text = new StringBuilder("# Auto-generated by the Koji build system\n\n")
            .Append("# Koji buildroot id: ").Append(Int(Request.BuildrootId)).Append('\n')
            .Append("# Koji buildroot name: ").Append(Name).Append('\n')
            .Append("# Koji repo id: ").Append(Int(Request.RepoId)).Append('\n')
            .Append("# Koji tag: ").Append(Request.TagName).Append('\n')
            .Append("# Koji.NET rpmbuild buildroot: rpmbuild in a bubblewrap sandbox\n\n")
            .Append("root = ").Append(Name).Append('\n')
            .Append("basedir = ").Append(Options.MockDir).Append('\n')
            .Append("target_arch = ").Append(TargetArch).Append('\n')
            .Append("install_group = ").Append(Request.InstallGroup).Append('\n')
            .Append("network = ").Append(Request.Network ? "True" : "False").Append('\n')
            .Append("rpmbuild_timeout = ").Append(Int(Options.RpmbuildTimeout)).Append('\n')
            .Append("repo = ").AppendJoin(' ', MockConfig.RepoUrls(MockConfigOptions.For(Request, Options))).Append('\n')
            .Append("sandbox = ").Append(BuildrootProcess.Describe(Options.BwrapPath, SandboxArguments(HomeDir))).Append("\n\n")
            .Append("# macros (").Append(Path.Combine(HomeDir, ".rpmmacros")).Append(")\n")
            .Append(MacroFile())
            .Append("\n# environment\n");
        foreach (var (name, value) in SandboxEnvironment())
        {
            text.Append(name).Append('=').Append(value).Append('\n');
        }
        return text.ToString();
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Debug, Message = "Buildroot {Buildroot}: running {Command} in the sandbox")]
    private static partial void LogRunning(ILogger logger, string buildroot, string command);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Debug, Message = "Buildroot {Buildroot}: command exited with {ExitCode} after {ElapsedMs} ms")]
    private static partial void LogFinished(ILogger logger, string buildroot, int exitCode, long elapsedMs);
}
