using KojiNet.Builder.Buildroots;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tests.Buildroots;

/// <summary>
/// The mock backend. Mock is not installed here, so these tests put a stand-in at
/// <c>mock_path</c>: a shell script that records its arguments and acts out what mock does with
/// them (init creates the chroot with an rpm database, --rebuild and --buildsrpm run the real
/// rpmbuild, --chroot runs the command with chroot paths mapped to the root directory).
/// </summary>
public sealed class MockBuildrootTests : IDisposable
{
    private readonly BuildrootTestKit _kit = new();
    private readonly string _fakeMock;
    private readonly string _argsLog;
    private readonly string _configDir;

    public MockBuildrootTests()
    {
        _fakeMock = Path.Combine(_kit.Root, "bin", "mock");
        _argsLog = Path.Combine(_kit.Root, "mock-args.log");
        _configDir = Path.Combine(_kit.Root, "etc-mock");
        Directory.CreateDirectory(Path.GetDirectoryName(_fakeMock)!);
        File.WriteAllText(_fakeMock, FakeMock.Replace("@ARGS@", _argsLog, StringComparison.Ordinal).Replace("@MOCKDIR@", _kit.MockDir, StringComparison.Ordinal));
        File.SetUnixFileMode(_fakeMock, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    public void Dispose() => _kit.Dispose();

    // Each call: a line "---" then one line per argument.
    private const string FakeMock = """
        #!/bin/bash
        { echo ---; printf '%s\n' "$@"; } >> '@ARGS@'
        name=
        while [ $# -gt 0 ]; do
          case "$1" in
            -r) name="${2#koji/}"; shift 2;;
            --configdir) shift 2;;
            --new-chroot|--old-chroot|--bootstrap-image-ready|--no-clean|--unpriv) shift;;
            --target) target="$2"; shift 2;;
            --cwd) cwd="$2"; shift 2;;
            *) break;;
          esac
        done
        base='@MOCKDIR@'/"$name"
        root="$base/root"
        result="$base/result"
        echo "fake mock: $*"
        case "$1" in
          --init)
            [ -n "$FAKE_MOCK_FAIL_INIT" ] && { echo "DNF failed" >> "$result/root.log"; exit 30; }
            mkdir -p "$root/var/lib/rpm" "$root/var/log" "$result"
            rpm --dbpath "$root/var/lib/rpm" --initdb
            echo "installed @build" > "$result/root.log"
            echo "dnf says hi" > "$root/var/log/dnf.log"
            ;;
          --chroot)
            shift
            [ "$1" = "--" ] && shift
            if [ -n "$cwd" ]; then cd "$root$cwd" || exit 2; fi
            if [ $# -eq 1 ]; then sh -c "$1"; exit $?; fi
            args=()
            for a in "$@"; do args+=("${a//\/chroot_tmpdir/$root/chroot_tmpdir}"); done
            "${args[@]}"
            ;;
          --rebuild)
            top="$base/fake-top"; rm -rf "$top"
            rpmbuild --define "_topdir $top" --define '_rpmfilename %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm' --nodeps -ra ${target:+--target "$target"} "$2" >> "$result/build.log" 2>&1
            rc=$?
            [ $rc -ne 0 ] && exit 10
            find "$top/SRPMS" "$top/RPMS" -name '*.rpm' -exec mv {} "$result/" \;
            ;;
          --buildsrpm)
            top="$base/fake-top"; rm -rf "$top"; mkdir -p "$top/SOURCES"
            cp -r "$5"/. "$top/SOURCES/"
            rpmbuild --define "_topdir $top" -bs --nodeps "$3" >> "$result/build.log" 2>&1 || exit 1
            mv "$top"/SRPMS/*.src.rpm "$result/"
            ;;
          *) echo "fake mock: unknown call"; exit 99;;
        esac
        """;

    private BuildrootOptions Options(Action<BuildrootOptions>? configure = null) => _kit.Options(o =>
    {
        o.Backend = "mock";
        o.MockPath = _fakeMock;
        o.MockConfigDir = _configDir;
        o.MockAsMockUser = false;
        configure?.Invoke(o);
    });

    private List<List<string>> MockCalls() =>
        File.ReadAllText(_argsLog).Split("---\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(call => call.TrimEnd('\n').Split('\n').ToList())
            .ToList();

    private static List<string> Call(string name, string configDir, params string[] args) =>
        ["-r", "koji/" + name, "--configdir", configDir, .. args];

    [Fact]
    public async Task Writes_kojids_config_and_runs_mock_with_kojids_arguments()
    {
        var backend = BuildrootBackends.Create(Options());
        Assert.Equal("mock", backend.Name);
        var request = _kit.Request(extra: new Dictionary<string, object?> { ["rpm.macro.dist"] = ".kn9" });
        var br = await backend.CreateAsync(request, CancellationToken.None);

        var expectedConfig = MockConfig.Generate(MockConfigOptions.For(request, Options()));
        Assert.Equal(expectedConfig, br.ConfigText);
        Assert.Equal(expectedConfig, await File.ReadAllTextAsync(Path.Combine(_configDir, "koji", br.Name + ".cfg")));
        Assert.Equal(expectedConfig, await File.ReadAllTextAsync(Path.Combine(_kit.WorkDir, "mock_config.log")));
        Assert.Contains($"config_opts['basedir'] = '{_kit.MockDir}'\n", expectedConfig, StringComparison.Ordinal);
        Assert.False(File.Exists(_argsLog));

        await br.InitAsync(CancellationToken.None);

        var (spec, sources) = _kit.WriteSpec("kn-mock", BuildrootTestKit.NoarchSpec("kn-mock", "echo KN-MOCK-BUILD", release: "1%{?dist}"));
        var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);
        Assert.Equal(Path.Combine(br.ResultDir, "kn-mock-1.0-1.src.rpm"), srpm);
        var results = await br.BuildRpmsAsync(srpm, "noarch", CancellationToken.None);
        Assert.Equal(["kn-mock-1.0-1.noarch.rpm"], results.Rpms.Select(Path.GetFileName));
        Assert.Equal(["build.log", "root.log"], results.Logs.Select(Path.GetFileName));

        var scm = Path.Combine(br.ScratchDir, "scmroot", "kn-mock");
        Directory.CreateDirectory(scm);
        Assert.Equal("/chroot_tmpdir/scmroot/kn-mock", br.ToBuildrootPath(scm));
        await br.RunCommandAsync(["make", "--version"], scm, CancellationToken.None);

        Assert.Equal(
            [
                Call(br.Name, _configDir, "--init"),
                Call(br.Name, _configDir, "--chroot", "uname -r"),
                Call(br.Name, _configDir, "--no-clean", "--buildsrpm", "--spec", spec, "--sources", sources, "--target", "noarch"),
                Call(br.Name, _configDir, "--no-clean", "--target", "noarch", "--rebuild", srpm),
                Call(br.Name, _configDir, "--no-clean", "--unpriv", "--cwd", "/chroot_tmpdir/scmroot/kn-mock", "--chroot", "make", "--version"),
            ],
            MockCalls());
        var output = await File.ReadAllTextAsync(Path.Combine(_kit.WorkDir, "mock_output.log"));
        Assert.Contains("fake mock: --init", output, StringComparison.Ordinal);
        Assert.Contains("GNU Make", output, StringComparison.Ordinal);
        Assert.Equal(
            ["mock_config.log", "mock_output.log", "build.log", "root.log", "dnf.log"],
            br.LogFiles().Select(Path.GetFileName));

        await br.RemoveAsync(CancellationToken.None);
        Assert.False(Directory.Exists(br.BuildrootDir));
        Assert.False(File.Exists(Path.Combine(_configDir, "koji", br.Name + ".cfg")));
        Assert.True(File.Exists(Path.Combine(_kit.WorkDir, "mock_output.log")));
    }

    [Fact]
    public async Task Tag_chroot_settings_add_mock_flags_and_the_default_config_dir_gives_kojids_exact_command()
    {
        var extra = new Dictionary<string, object?> { ["mock.new_chroot"] = 0, ["mock.bootstrap_image_ready"] = true };
        var br = await BuildrootBackends.Create(Options()).CreateAsync(_kit.Request(extra: extra), CancellationToken.None);
        await br.InitAsync(CancellationToken.None);
        Assert.Equal(["-r", "koji/" + br.Name, "--configdir", _configDir, "--old-chroot", "--bootstrap-image-ready", "--init"], MockCalls()[0]);

        // With mock's own config dir the command is exactly kojid's: mock -r koji/<name> <args>.
        var mock = new MockBuildroot(_kit.Request(extra: new Dictionary<string, object?> { ["mock.new_chroot"] = "1" }),
            Options(o => o.MockConfigDir = "/etc/mock/"), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        Assert.Equal(["-r", "koji/" + mock.Name, "--new-chroot", "--rebuild", "x.src.rpm"], mock.MockArguments(["--rebuild", "x.src.rpm"]));
    }

    [Fact]
    public async Task Rebuilding_an_uploaded_srpm_unpacks_and_rebuilds_it_inside_the_chroot()
    {
        var (spec, _) = _kit.WriteSpec("kn-mock-upload", BuildrootTestKit.NoarchSpec("kn-mock-upload", "true"));
        var top = Path.Combine(_kit.Root, "upload-top");
        ExternalTool.RunChecked("rpmbuild", ["--define", "_topdir " + top, "-bs", "--nodeps", spec]);
        var uploaded = Directory.GetFiles(Path.Combine(top, "SRPMS"), "*.src.rpm").Single();
        var br = await BuildrootBackends.Create(Options()).CreateAsync(_kit.Request("srpm-build"), CancellationToken.None);
        await br.InitAsync(CancellationToken.None);

        var srpm = await br.RebuildSrpmAsync(uploaded, CancellationToken.None);

        Assert.Equal(Path.Combine(br.ResultDir, "kn-mock-upload-1.0-1.src.rpm"), srpm);
        var calls = MockCalls();
        Assert.Equal(
            Call(br.Name, _configDir, "--no-clean", "--target", "noarch", "--chroot", "--", "rpm", "--define", "_topdir /chroot_tmpdir/srpm_unpacked", "-iv", "/chroot_tmpdir/srpm/" + Path.GetFileName(uploaded)),
            calls[2]);
        Assert.Equal(
            Call(br.Name, _configDir, "--no-clean", "--target", "noarch", "--chroot", "--", "rpmbuild", "--define", "_topdir /chroot_tmpdir/srpm_unpacked", "-bs", "--nodeps", "/chroot_tmpdir/srpm_unpacked/SPECS/kn-mock-upload.spec"),
            calls[3]);
    }

    [Fact]
    public async Task Mock_failures_name_the_log_to_read()
    {
        var br = await BuildrootBackends.Create(Options()).CreateAsync(_kit.Request(), CancellationToken.None);
        await br.InitAsync(CancellationToken.None);
        var (spec, sources) = _kit.WriteSpec("kn-mock-fail", BuildrootTestKit.NoarchSpec("kn-mock-fail", "echo KN-MOCK-FAIL; exit 1"));
        var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);

        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildRpmsAsync(srpm, null, CancellationToken.None));
        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.Equal($"error building package (arch {BuildrootTestKit.HostArch}), mock exited with status 10; see build.log for more information", e.Message);
        Assert.Contains("KN-MOCK-FAIL", await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log")), StringComparison.Ordinal);

        var bad = _kit.WriteSpec("kn-mock-bad", "Name: kn-mock-bad\n");
        e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildSrpmAsync(bad.Spec, bad.SourcesDir, CancellationToken.None));
        Assert.Equal("error building srpm, mock exited with status 1; see build.log or root.log for more information", e.Message);

        e = await Assert.ThrowsAsync<BuildrootException>(() => br.RunCommandAsync(["false"], br.ScratchDir, CancellationToken.None));
        Assert.Equal("command false failed in the buildroot, mock exited with status 1; see build.log or root.log for more information", e.Message);
    }

    [Fact]
    public async Task Init_failure_is_a_buildroot_error_pointing_at_root_log()
    {
        var br = await BuildrootBackends.Create(Options(o => o.MockPath = WrapWithEnv("FAKE_MOCK_FAIL_INIT=1")))
            .CreateAsync(_kit.Request(), CancellationToken.None);
        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.InitAsync(CancellationToken.None));
        Assert.Equal(KojiFaultCode.BuildrootError, e.FaultCode);
        Assert.Equal("could not init mock buildroot, mock exited with status 30; see root.log for more information", e.Message);
    }

    [Fact]
    public async Task Installed_packages_are_read_from_the_chroot_rpm_database()
    {
        var br = await BuildrootBackends.Create(Options()).CreateAsync(_kit.Request(), CancellationToken.None);
        await br.InitAsync(CancellationToken.None);
        var (spec, _) = _kit.WriteSpec("kn-mock-inst", BuildrootTestKit.NoarchSpec("kn-mock-inst", "true").Replace("Version: 1.0", "Epoch: 2\nVersion: 1.0", StringComparison.Ordinal));
        var top = Path.Combine(_kit.Root, "inst-top");
        ExternalTool.RunChecked("rpmbuild", ["--define", "_topdir " + top, "-bb", "--nodeps", spec]);
        var pkg = Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).Single();
        ExternalTool.RunChecked("rpm", ["--dbpath", Path.Combine(br.BuildrootDir, "root", "var", "lib", "rpm"), "-i", "--justdb", "--nodeps", pkg]);

        var list = await br.ListInstalledPackagesAsync(CancellationToken.None);

        var rpm = Assert.Single(list);
        Assert.Equal("kn-mock-inst|2|1.0|1|noarch", $"{rpm.Name}|{rpm.Epoch}|{rpm.Version}|{rpm.Release}|{rpm.Arch}");
        Assert.Equal(BuildrootTestKit.Query(pkg, "%{SIGMD5}|%{LONGSIZE}|%{BUILDTIME}"), $"{rpm.PayloadHash}|{rpm.Size}|{rpm.BuildTime}");
    }

    [Fact]
    public async Task Cancellation_kills_mock_and_removes_the_buildroot()
    {
        var marker = "kn-mock-cancel-" + Guid.NewGuid().ToString("N");
        var br = await BuildrootBackends.Create(Options()).CreateAsync(_kit.Request(), CancellationToken.None);
        await br.InitAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var running = br.RunCommandAsync(["bash", "-c", $"exec -a {marker} sleep 300"], br.ScratchDir, cts.Token);
        await BuildrootTestKit.WaitUntil(() => BuildrootTestKit.ProcessesWith(marker, argv0: true).Count == 1, TimeSpan.FromSeconds(30), "the command to start");
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Empty(BuildrootTestKit.ProcessesWith(marker));
        Assert.False(Directory.Exists(br.BuildrootDir));
        Assert.False(File.Exists(Path.Combine(_configDir, "koji", br.Name + ".cfg")));
    }

    [Fact]
    public async Task Missing_mock_is_a_clear_error()
    {
        Assert.Equal("/usr/bin/mock", new BuildrootOptions().MockPath);
        var backend = BuildrootBackends.Create(Options(o => o.MockPath = "/nonexistent/mock"));
        var e = await Assert.ThrowsAsync<BuildrootException>(() => backend.CreateAsync(_kit.Request(), CancellationToken.None));
        Assert.Equal(KojiFaultCode.BuildrootError, e.FaultCode);
        Assert.Equal("mock is not installed (/nonexistent/mock not found): install mock, or set buildroot_backend = rpmbuild", e.Message);
        // auto picks rpmbuild where there is no mock.
        Assert.Equal("rpmbuild", BuildrootBackends.Create(Options(o =>
        {
            o.Backend = "auto";
            o.MockPath = "/nonexistent/mock";
        })).Name);
        Assert.Equal("mock", BuildrootBackends.Create(Options(o => o.Backend = "auto")).Name);
    }

    [Fact]
    public async Task A_missing_mock_user_is_a_clear_error_when_running_as_root()
    {
        var backend = BuildrootBackends.Create(Options(o =>
        {
            o.MockAsMockUser = true;
            o.MockUser = "kn-no-such-user";
        }));
        if (Environment.UserName == "root")
        {
            var e = await Assert.ThrowsAsync<BuildrootException>(() => backend.CreateAsync(_kit.Request(), CancellationToken.None));
            Assert.Contains("kn-no-such-user", e.Message, StringComparison.Ordinal);
        }
        else
        {
            await backend.CreateAsync(_kit.Request(), CancellationToken.None);
        }
    }

    private string WrapWithEnv(string assignment)
    {
        var wrapper = Path.Combine(_kit.Root, "bin", "mock-env");
        File.WriteAllText(wrapper, $"#!/bin/sh\nexport {assignment}\nexec '{_fakeMock}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return wrapper;
    }
}
