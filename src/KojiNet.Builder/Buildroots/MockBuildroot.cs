using System.Diagnostics;
using System.Globalization;
using KojiNet.XmlRpc;
using Microsoft.Extensions.Logging;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// A mock buildroot, run as kojid runs it: the config kojid would write goes to
/// <c>&lt;mock_config_dir&gt;/koji/&lt;name&gt;.cfg</c> (and <c>mock_config.log</c>), and
/// <c>mock -r koji/&lt;name&gt;</c> is called with kojid's arguments, as <c>mockuser</c> (group
/// <c>mock</c>) when the builder runs as root, its output appended to <c>mock_output.log</c>.
/// </summary>
internal sealed partial class MockBuildroot : BuildrootBase
{
    private const string DefaultConfigDir = "/etc/mock";

    private readonly ILogger _logger;

    public MockBuildroot(BuildrootRequest request, BuildrootOptions options, ILogger logger)
        : base(request, options, BuildrootBackends.Mock)
    {
        _logger = logger;
        RootDir = Path.Combine(BuildrootDir, "root");
        ScratchDir = RootDir + "/" + options.ChrootTmpDir.Trim('/');
        ConfigPath = Path.Combine(options.MockConfigDir, "koji", request.Name + ".cfg");
    }

    public override string ScratchDir { get; }

    /// <summary>The chroot (<c>&lt;mockdir&gt;/&lt;name&gt;/root</c>).</summary>
    public string RootDir { get; }

    /// <summary>Where the config is written.</summary>
    public string ConfigPath { get; }

    public override string ToBuildrootPath(string hostPath)
    {
        if (!BuildrootFiles.IsUnder(hostPath, RootDir))
        {
            throw new ArgumentException($"{hostPath} is not inside the chroot of buildroot {Name} ({RootDir})", nameof(hostPath));
        }
        var relative = Path.GetRelativePath(RootDir, Path.GetFullPath(hostPath));
        return relative == "." ? "/" : "/" + relative;
    }

    /// <summary>
    /// The mock command line for <paramref name="args"/>: <c>-r koji/&lt;name&gt;</c>
    /// (<c>--configdir</c> when configs are not under /etc/mock), the tag's chroot flags
    /// (<c>mock.new_chroot</c>, <c>mock.bootstrap_image_ready</c>), then the arguments.
    /// </summary>
    internal List<string> MockArguments(IEnumerable<string> args)
    {
        var cmd = new List<string> { "-r", "koji/" + Name };
        if (!string.Equals(Path.TrimEndingDirectorySeparator(Options.MockConfigDir), DefaultConfigDir, StringComparison.Ordinal))
        {
            cmd.AddRange(["--configdir", Options.MockConfigDir]);
        }
        if (Request.TagExtra.TryGetValue("mock.new_chroot", out var newChroot))
        {
            cmd.Add(PythonLiteral.IsTruthy(newChroot) ? "--new-chroot" : "--old-chroot");
        }
        if (Request.TagExtra.TryGetValue("mock.bootstrap_image_ready", out var ready) && PythonLiteral.IsTruthy(ready))
        {
            cmd.Add("--bootstrap-image-ready");
        }
        cmd.AddRange(args);
        return cmd;
    }

    /// <summary>Checks mock (and the mock user) are there, and writes the config.</summary>
    public void Prepare()
    {
        if (!File.Exists(Options.MockPath))
        {
            throw new BuildrootException(KojiFaultCode.BuildrootError,
                $"mock is not installed ({Options.MockPath} not found): install mock, or set buildroot_backend = rpmbuild");
        }
        if (RunAsMockUser)
        {
            var user = BuildrootProcess.RunCapturedAsync(BuildrootProcess.StartInfo("getent", ["passwd", Options.MockUser]), CancellationToken.None).GetAwaiter().GetResult();
            var group = BuildrootProcess.RunCapturedAsync(BuildrootProcess.StartInfo("getent", ["group", "mock"]), CancellationToken.None).GetAwaiter().GetResult();
            if (user.Outcome.ExitCode != 0 || group.Outcome.ExitCode != 0)
            {
                throw new BuildrootException(KojiFaultCode.BuildrootError,
                    $"mock runs as user {Options.MockUser} in group mock when the builder runs as root, but {(user.Outcome.ExitCode != 0 ? "that user" : "the mock group")} does not exist");
            }
        }
        string? hosts = null;
        if (Request.Network && File.Exists("/etc/hosts"))
        {
            hosts = File.ReadAllText("/etc/hosts");
        }
        ConfigText = MockConfig.Generate(MockConfigOptions.For(Request, Options, hosts));
        Directory.CreateDirectory(Path.GetDirectoryName(ConfigPath)!);
        File.WriteAllText(ConfigPath, ConfigText);
        Directory.CreateDirectory(Request.WorkDir);
        File.WriteAllText(Path.Combine(Request.WorkDir, BuildrootLogs.MockConfig), ConfigText);
    }

    protected override IEnumerable<string> ExtraLogFiles() =>
        Directory.Exists(Path.Combine(RootDir, "var/log"))
            ? Directory.EnumerateFiles(Path.Combine(RootDir, "var/log"), "dnf*.log").Order(StringComparer.Ordinal)
            : [];

    protected override async Task InitCoreAsync(CancellationToken cancellationToken)
    {
        var rv = await MockAsync(["--init"], cancellationToken).ConfigureAwait(false);
        if (rv != 0)
        {
            throw new BuildrootException(KojiFaultCode.BuildrootError, $"could not init mock buildroot, {MockResult(rv)}");
        }
        // kojid records the kernel the buildroot runs on; a failure here does not stop the build.
        await MockAsync(["--chroot", "uname -r"], cancellationToken).ConfigureAwait(false);
        Directory.CreateDirectory(ScratchDir);
    }

    protected override async Task<IReadOnlyList<InstalledRpm>> ListInstalledCoreAsync(CancellationToken cancellationToken)
    {
        var db = new[] { "usr/lib/sysimage/rpm", "var/lib/rpm" }.Select(d => Path.Combine(RootDir, d)).FirstOrDefault(Directory.Exists);
        if (db is null)
        {
            throw new BuildrootException(KojiFaultCode.BuildrootError, $"buildroot {Name} has no rpm database under {RootDir}");
        }
        var (outcome, output) = await BuildrootProcess.RunCapturedAsync(
            BuildrootProcess.StartInfo("rpm", ["--dbpath", db, "-qa", "--qf", InstalledRpm.QueryFormat]), cancellationToken).ConfigureAwait(false);
        if (outcome.ExitCode != 0)
        {
            throw new BuildrootException(KojiFaultCode.BuildrootError, $"cannot read the rpm database of buildroot {Name}: {output.Trim()}");
        }
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.StartsWith("rpm:", StringComparison.Ordinal) && !l.StartsWith("warning:", StringComparison.Ordinal))
            .Select(InstalledRpm.ParseQueryLine)
            .Where(r => r.Name is not ("gpg-pubkey" or "buildsys-build"))
            .OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Nvra, StringComparer.Ordinal)
            .ToList();
    }

    protected override async Task<string> BuildSrpmCoreAsync(string specFile, string sourcesDir, CancellationToken cancellationToken)
    {
        var rv = await MockAsync(["--no-clean", "--buildsrpm", "--spec", specFile, "--sources", sourcesDir, "--target", "noarch"], cancellationToken).ConfigureAwait(false);
        if (rv != 0)
        {
            throw new BuildrootException($"error building srpm, {MockResult(rv)}");
        }
        return TakeSingleSrpm(ResultDir, "building the srpm");
    }

    protected override async Task<string> RebuildSrpmCoreAsync(string srpmFile, CancellationToken cancellationToken)
    {
        var srpmDir = Path.Combine(ScratchDir, "srpm");
        var unpacked = Path.Combine(ScratchDir, "srpm_unpacked");
        BuildrootFiles.RecreateDirectory(srpmDir);
        BuildrootFiles.RecreateDirectory(unpacked);
        var copy = Path.Combine(srpmDir, Path.GetFileName(srpmFile));
        File.Copy(srpmFile, copy);
        var topdirDefine = "_topdir " + ToBuildrootPath(unpacked);
        var rv = await MockAsync(["--no-clean", "--target", "noarch", "--chroot", "--", "rpm", "--define", topdirDefine, "-iv", ToBuildrootPath(copy)], cancellationToken).ConfigureAwait(false);
        if (rv != 0)
        {
            throw new BuildrootException($"error unpacking the srpm, {MockResult(rv)}");
        }
        var specs = Directory.Exists(Path.Combine(unpacked, "SPECS")) ? Directory.GetFiles(Path.Combine(unpacked, "SPECS"), "*.spec") : [];
        if (specs.Length != 1)
        {
            throw new BuildrootException($"the srpm must contain exactly one spec file, found {specs.Length.ToString(CultureInfo.InvariantCulture)}");
        }
        rv = await MockAsync(["--no-clean", "--target", "noarch", "--chroot", "--", "rpmbuild", "--define", topdirDefine, "-bs", "--nodeps", ToBuildrootPath(specs[0])], cancellationToken).ConfigureAwait(false);
        if (rv != 0)
        {
            throw new BuildrootException($"error rebuilding the srpm, {MockResult(rv)}");
        }
        return TakeSingleSrpm(Path.Combine(unpacked, "SRPMS"), "rebuilding the srpm");
    }

    protected override async Task<BuildrootResults> BuildRpmsCoreAsync(string srpmFile, string? targetArch, CancellationToken cancellationToken)
    {
        var args = new List<string> { "--no-clean" };
        if (targetArch is not null)
        {
            args.AddRange(["--target", targetArch]);
        }
        args.AddRange(["--rebuild", srpmFile]);
        var rv = await MockAsync(args, cancellationToken).ConfigureAwait(false);
        if (rv != 0)
        {
            throw new BuildrootException($"error building package (arch {targetArch ?? Request.Arch}), {MockResult(rv)}");
        }
        return ScanResults();
    }

    protected override async Task RunCommandCoreAsync(IReadOnlyList<string> command, string workingDir, CancellationToken cancellationToken)
    {
        var rv = await MockAsync(["--no-clean", "--unpriv", "--cwd", ToBuildrootPath(workingDir), "--chroot", .. command], cancellationToken).ConfigureAwait(false);
        if (rv != 0)
        {
            throw new BuildrootException(
                $"command {BuildrootProcess.Describe(command[0], command.Skip(1))} failed in the buildroot, {MockResult(rv)}");
        }
    }

    protected override Task RemoveCoreAsync(CancellationToken cancellationToken)
    {
        BuildrootFiles.DeleteTree(BuildrootDir);
        BuildrootFiles.DeleteTree(BuildrootDir + "-bootstrap");
        if (File.Exists(ConfigPath))
        {
            File.Delete(ConfigPath);
        }
        return Task.CompletedTask;
    }

    private static bool IsRoot => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    private bool RunAsMockUser => Options.MockAsMockUser && IsRoot;

    private async Task<int> MockAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var mockArgs = MockArguments(args);
        var psi = RunAsMockUser
            ? BuildrootProcess.StartInfo("setpriv", [$"--reuid={Options.MockUser}", "--regid=mock", "--groups=mock", "--", Options.MockPath, .. mockArgs])
            : BuildrootProcess.StartInfo(Options.MockPath, mockArgs);
        var line = BuildrootProcess.Describe(Options.MockPath, mockArgs);
        LogRunning(_logger, Name, line);
        var stopwatch = Stopwatch.StartNew();
        var outcome = await BuildrootProcess.RunLoggedAsync(psi, MockOutputLog, null, cancellationToken).ConfigureAwait(false);
        LogFinished(_logger, Name, outcome.ExitCode, stopwatch.ElapsedMilliseconds);
        return outcome.ExitCode;
    }

    // kojid's wording, so users find the log it means.
    private static string MockResult(int exitCode) =>
        $"mock exited with status {exitCode.ToString(CultureInfo.InvariantCulture)}; see {LogHint(exitCode)} for more information";

    [LoggerMessage(EventId = 3111, Level = LogLevel.Debug, Message = "Buildroot {Buildroot}: running {Command}")]
    private static partial void LogRunning(ILogger logger, string buildroot, string command);

    [LoggerMessage(EventId = 3112, Level = LogLevel.Debug, Message = "Buildroot {Buildroot}: mock exited with {ExitCode} after {ElapsedMs} ms")]
    private static partial void LogFinished(ILogger logger, string buildroot, int exitCode, long elapsedMs);
}
