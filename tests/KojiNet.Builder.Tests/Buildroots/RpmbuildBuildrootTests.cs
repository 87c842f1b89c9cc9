using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using KojiNet.Builder.Buildroots;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tests.Buildroots;

/// <summary>The rpmbuild backend with the real rpmbuild in a real bubblewrap sandbox.</summary>
public sealed class RpmbuildBuildrootTests : IDisposable
{
    private readonly BuildrootTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private async Task<IBuildroot> NewBuildroot(BuildrootRequest? request = null, Action<BuildrootOptions>? configure = null, IBuildrootInstaller? installer = null)
    {
        var backend = BuildrootBackends.Create(_kit.Options(o =>
        {
            o.Backend = "rpmbuild";
            configure?.Invoke(o);
        }), installer);
        Assert.Equal("rpmbuild", backend.Name);
        var buildroot = await backend.CreateAsync(request ?? _kit.Request(), CancellationToken.None);
        await buildroot.InitAsync(CancellationToken.None);
        return buildroot;
    }

    private const string NoarchSpec = """
        Name: kn-br-noarch
        Version: 1.0
        Release: 1%{?dist}
        Summary: Buildroot test noarch package
        License: MIT
        BuildArch: noarch
        Source0: kn-br-noarch-1.0.tar.gz
        BuildRequires: make >= 4

        %description
        Noarch package built by the buildroot tests.

        %prep
        %setup -q

        %build
        echo "KN-ENV=${KN_ENV:-unset}"
        echo "KN-HOST=%{_host} KN-HOST-CPU=%{_host_cpu}"
        echo "KN-TOPDIR=%{_topdir}"

        %install
        mkdir -p %{buildroot}/usr/share/kn-br-noarch
        install -m 0644 README %{buildroot}/usr/share/kn-br-noarch/README

        %files
        /usr/share/kn-br-noarch
        """;

    private const string CompiledSpec = """
        Name: kn-br-hello
        Version: 2.1
        Release: 3
        Summary: Compiled buildroot test package
        License: MIT
        Source0: kn-br-hello-2.1.tar.gz
        %global debug_package %{nil}
        %define _build_id_links none

        %description
        A C program built by the buildroot tests.

        %prep
        %setup -q

        %build
        gcc -O2 -o kn-br-hello hello.c

        %install
        install -D -m 0755 kn-br-hello %{buildroot}/usr/bin/kn-br-hello

        %files
        /usr/bin/kn-br-hello
        """;

    [Fact]
    public async Task Noarch_package_from_spec_to_srpm_to_rpm_with_kojid_macros()
    {
        var extra = new Dictionary<string, object?>
        {
            ["rpm.macro.dist"] = ".kn9",
            ["rpm.env.KN_ENV"] = "from-tag",
        };
        var br = await NewBuildroot(_kit.Request("srpm-build", extra));
        Assert.Equal(Path.Combine(_kit.MockDir, br.Name), br.BuildrootDir);
        var (spec, sources) = _kit.WriteSpec("kn-br-noarch", NoarchSpec, new Dictionary<string, string> { ["README"] = "read me\n" });

        var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);

        Assert.Equal(Path.Combine(br.ResultDir, "kn-br-noarch-1.0-1.kn9.src.rpm"), srpm);
        Assert.Equal("kn-br-noarch|(none)|KN Vendor|KN Packager <packager@example.org>|KN Distribution",
            BuildrootTestKit.Query(srpm, "%{NAME}|%{SOURCERPM}|%{VENDOR}|%{PACKAGER}|%{DISTRIBUTION}"));
        Assert.Contains("kn-br-noarch-1.0.tar.gz", ExternalTool.RunChecked("rpm", ["-qpl", srpm]), StringComparison.Ordinal);

        var results = await br.BuildRpmsAsync(srpm, "noarch", CancellationToken.None);

        var rpm = Assert.Single(results.Rpms);
        Assert.Equal("kn-br-noarch-1.0-1.kn9.noarch.rpm", Path.GetFileName(rpm));
        Assert.Equal("noarch|KN Vendor|KN Packager <packager@example.org>|KN Distribution|kn-br-noarch-1.0-1.kn9.src.rpm",
            BuildrootTestKit.Query(rpm, "%{ARCH}|%{VENDOR}|%{PACKAGER}|%{DISTRIBUTION}|%{SOURCERPM}"));
        Assert.Equal("/usr/share/kn-br-noarch\n/usr/share/kn-br-noarch/README\n", ExternalTool.RunChecked("rpm", ["-qpl", rpm]));
        var rebuiltSrpm = Assert.Single(results.Srpms);
        Assert.Equal("KN Vendor|KN Packager <packager@example.org>|KN Distribution", BuildrootTestKit.Query(rebuiltSrpm, "%{VENDOR}|%{PACKAGER}|%{DISTRIBUTION}"));
        Assert.Empty(results.Unexpected);
        Assert.Equal(["build.log", "root.log", "state.log"], results.Logs.Select(Path.GetFileName));

        var buildLog = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log"));
        Assert.Contains("KN-ENV=from-tag", buildLog, StringComparison.Ordinal);
        Assert.Contains($"KN-HOST={BuildrootTestKit.HostArch}-koji-linux-gnu KN-HOST-CPU={BuildrootTestKit.HostArch}", buildLog, StringComparison.Ordinal);
        Assert.Contains($"KN-TOPDIR={Path.Combine(br.BuildrootDir, "root", "builddir", "build")}", buildLog, StringComparison.Ordinal);

        var state = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "state.log"));
        Assert.Contains("Start: build phase for kn-br-noarch-1.0-1.kn9", state, StringComparison.Ordinal);

        var config = await File.ReadAllTextAsync(Path.Combine(_kit.WorkDir, "mock_config.log"));
        Assert.Equal(br.ConfigText, config);
        Assert.StartsWith($"# Auto-generated by the Koji build system\n\n# Koji buildroot id: {br.Request.BuildrootId}\n# Koji buildroot name: {br.Name}\n", config, StringComparison.Ordinal);
        Assert.Contains("%vendor KN Vendor\n", config, StringComparison.Ordinal);
        Assert.Contains("--unshare-net", config, StringComparison.Ordinal);
        Assert.Equal(
            ["mock_config.log", "mock_output.log", "build.log", "root.log", "state.log"],
            br.LogFiles().Select(Path.GetFileName));
    }

    [Fact]
    public async Task Compiled_C_package_for_the_host_arch()
    {
        var br = await NewBuildroot();
        var (spec, sources) = _kit.WriteSpec("kn-br-hello", CompiledSpec,
            new Dictionary<string, string> { ["hello.c"] = "#include <stdio.h>\nint main(void) { puts(\"hello from kn-br-hello\"); return 0; }\n" },
            version: "2.1");
        var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);

        var results = await br.BuildRpmsAsync(srpm, BuildrootTestKit.HostArch, CancellationToken.None);

        var rpm = Assert.Single(results.Rpms);
        Assert.Equal($"kn-br-hello-2.1-3.{BuildrootTestKit.HostArch}.rpm", Path.GetFileName(rpm));
        Assert.Equal($"{BuildrootTestKit.HostArch}|/usr/bin/kn-br-hello", BuildrootTestKit.Query(rpm, "%{ARCH}|[%{FILENAMES}]"));
        var unpack = Path.Combine(_kit.Root, "unpack");
        Directory.CreateDirectory(unpack);
        ExternalTool.RunChecked("sh", ["-c", $"rpm2cpio '{rpm}' | cpio -idm --quiet"], workingDirectory: unpack);
        Assert.Equal("hello from kn-br-hello\n", ExternalTool.RunChecked(Path.Combine(unpack, "usr/bin/kn-br-hello"), []));
    }

    [Fact]
    public async Task A_failing_spec_fails_with_build_log_kept()
    {
        var br = await NewBuildroot();
        var (spec, sources) = _kit.WriteSpec("kn-br-fail", BuildrootTestKit.NoarchSpec("kn-br-fail", "echo 'KN-FAIL-MARKER: this build breaks'\nexit 3"));
        var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);

        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildRpmsAsync(srpm, null, CancellationToken.None));

        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.Equal($"error building package (arch {BuildrootTestKit.HostArch}), rpmbuild exited with status 1; see build.log for more information", e.Message);
        var buildLog = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log"));
        Assert.Contains("KN-FAIL-MARKER: this build breaks", buildLog, StringComparison.Ordinal);
        Assert.Contains("Bad exit status", buildLog, StringComparison.Ordinal);
        Assert.Empty(br.ScanResults().Rpms);
        Assert.True(Directory.Exists(br.BuildrootDir));
    }

    [Fact]
    public async Task A_spec_with_a_syntax_error_fails_building_the_srpm()
    {
        var br = await NewBuildroot();
        var (spec, sources) = _kit.WriteSpec("kn-br-bad", "Name: kn-br-bad\nVersion: 1\n%description\nno release, no summary\n");
        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildSrpmAsync(spec, sources, CancellationToken.None));
        Assert.StartsWith("error building srpm, rpmbuild exited with status 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("error:", await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_build_has_no_network_unless_the_buildroot_asks_for_it()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = 0;
        var accepting = Task.Run(async () =>
        {
            while (true)
            {
                using var client = await listener.AcceptTcpClientAsync();
                Interlocked.Increment(ref accepted);
            }
        });
        var build = $"if timeout 10 bash -c 'echo ping > /dev/tcp/127.0.0.1/{port}'; then echo KN-NET-CONNECTED; else echo KN-NET-BLOCKED; fi\n"
            + "if getent hosts localhost >/dev/null; then echo KN-RESOLVER-OK; fi\n"
            + "echo \"KN-IFACES=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | sort | tr '\\n' ' ')END\"";
        var (spec, sources) = _kit.WriteSpec("kn-br-net", BuildrootTestKit.NoarchSpec("kn-br-net", build));

        var offline = await NewBuildroot();
        var srpm = await offline.BuildSrpmAsync(spec, sources, CancellationToken.None);
        await offline.BuildRpmsAsync(srpm, null, CancellationToken.None);
        var offlineLog = await File.ReadAllTextAsync(Path.Combine(offline.ResultDir, "build.log"));
        Assert.Contains("KN-NET-BLOCKED", offlineLog, StringComparison.Ordinal);
        Assert.Contains("KN-IFACES=lo END", offlineLog, StringComparison.Ordinal);
        Assert.Equal(0, Volatile.Read(ref accepted));

        // The same build with network (an SCM buildroot) does reach the listener: the check can fail.
        var online = await NewBuildroot(_kit.Request("srpm-build", network: true));
        await online.BuildRpmsAsync(srpm, null, CancellationToken.None);
        Assert.Contains("KN-NET-CONNECTED", await File.ReadAllTextAsync(Path.Combine(online.ResultDir, "build.log")), StringComparison.Ordinal);
        await BuildrootTestKit.WaitUntil(() => Volatile.Read(ref accepted) == 1, TimeSpan.FromSeconds(10), "the connection from the build");
        listener.Stop();
    }

    [Fact]
    public async Task Only_the_buildroot_is_writable_secrets_are_hidden_and_tmp_is_private()
    {
        // Host directories outside /tmp (which the sandbox replaces anyway).
        var outside = Path.Combine(AppContext.BaseDirectory, "kn-outside-" + Guid.NewGuid().ToString("N"));
        var secrets = Path.Combine(AppContext.BaseDirectory, "kn-secrets-" + Guid.NewGuid().ToString("N"));
        var tmpName = "kn-tmp-" + Guid.NewGuid().ToString("N");
        Directory.CreateDirectory(outside);
        Directory.CreateDirectory(secrets);
        await File.WriteAllTextAsync(Path.Combine(secrets, "key.pem"), "KN-SECRET-CONTENT\n");
        try
        {
            var build = $$"""
                touch {{outside}}/written && echo KN-OUTSIDE-WRITTEN || echo KN-OUTSIDE-DENIED
                touch /etc/{{tmpName}} && echo KN-ETC-WRITTEN || echo KN-ETC-DENIED
                touch /usr/{{tmpName}} && echo KN-USR-WRITTEN || echo KN-USR-DENIED
                mount -o remount,rw / && echo KN-REMOUNTED || echo KN-REMOUNT-DENIED
                cat {{secrets}}/key.pem || echo KN-SECRET-HIDDEN
                echo scratch > /tmp/{{tmpName}} && echo KN-TMP-WRITTEN
                echo inside > %{_topdir}/../kn-inside && echo KN-INSIDE-WRITTEN
                echo "KN-PID1=$(cat /proc/1/comm)"
                """;
            var br = await NewBuildroot(configure: o => o.SandboxHiddenPaths += " " + secrets);
            var (spec, sources) = _kit.WriteSpec("kn-br-ro", BuildrootTestKit.NoarchSpec("kn-br-ro", build));
            var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);
            await br.BuildRpmsAsync(srpm, null, CancellationToken.None);

            var log = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log"));
            Assert.Contains("KN-OUTSIDE-DENIED", log, StringComparison.Ordinal);
            Assert.Contains("Read-only file system", log, StringComparison.Ordinal);
            Assert.Contains("KN-ETC-DENIED", log, StringComparison.Ordinal);
            Assert.Contains("KN-USR-DENIED", log, StringComparison.Ordinal);
            Assert.Contains("KN-REMOUNT-DENIED", log, StringComparison.Ordinal);
            Assert.Contains("KN-SECRET-HIDDEN", log, StringComparison.Ordinal);
            Assert.DoesNotContain("KN-SECRET-CONTENT", log, StringComparison.Ordinal);
            Assert.Contains("KN-TMP-WRITTEN", log, StringComparison.Ordinal);
            Assert.Contains("KN-INSIDE-WRITTEN", log, StringComparison.Ordinal);
            Assert.Contains("KN-PID1=bwrap", log, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(outside, "written")));
            Assert.False(File.Exists("/etc/" + tmpName));
            Assert.False(File.Exists("/usr/" + tmpName));
            Assert.False(File.Exists("/tmp/" + tmpName));
            Assert.Equal("inside\n", await File.ReadAllTextAsync(Path.Combine(br.BuildrootDir, "root", "builddir", "kn-inside")));
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
            Directory.Delete(secrets, recursive: true);
        }
    }

    [Fact]
    public async Task Cancellation_kills_the_process_tree_and_removes_the_buildroot()
    {
        var marker = "kn-cancel-" + Guid.NewGuid().ToString("N");
        var build = $"""
            echo KN-SLEEP-START
            bash -c 'exec -a {marker} sleep 300' &
            bash -c 'exec -a {marker} sleep 301'
            """;
        var br = await NewBuildroot();
        var (spec, sources) = _kit.WriteSpec("kn-br-sleep", BuildrootTestKit.NoarchSpec("kn-br-sleep", build));
        var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);
        var buildLog = Path.Combine(br.ResultDir, "build.log");
        using var cts = new CancellationTokenSource();

        var building = br.BuildRpmsAsync(srpm, null, cts.Token);
        await BuildrootTestKit.WaitUntil(
            () => BuildrootTestKit.ProcessesWith(marker, argv0: true).Count == 2 && File.ReadAllText(buildLog).Contains("KN-SLEEP-START", StringComparison.Ordinal),
            TimeSpan.FromSeconds(60), "both sleeping processes of the build");
        Assert.Contains(buildLog, br.LogFiles());
        var stopwatch = Stopwatch.StartNew();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => building.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"cancel took {stopwatch.Elapsed}");
        Assert.Empty(BuildrootTestKit.ProcessesWith(marker));
        Assert.False(Directory.Exists(br.BuildrootDir));
        await Assert.ThrowsAsync<InvalidOperationException>(() => br.InitAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_build_over_the_time_limit_is_killed_and_fails()
    {
        var marker = "kn-timeout-" + Guid.NewGuid().ToString("N");
        var br = await NewBuildroot(configure: o => o.RpmbuildTimeout = 2);
        var (spec, sources) = _kit.WriteSpec("kn-br-slow", BuildrootTestKit.NoarchSpec("kn-br-slow", $"bash -c 'exec -a {marker} sleep 300'"));
        var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);
        var stopwatch = Stopwatch.StartNew();

        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildRpmsAsync(srpm, null, CancellationToken.None));

        Assert.Equal($"error building package (arch {BuildrootTestKit.HostArch}), rpmbuild was killed after the time limit of 2 seconds; see build.log for more information", e.Message);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(30), $"took {stopwatch.Elapsed}");
        Assert.Empty(BuildrootTestKit.ProcessesWith(marker));
        Assert.True(File.Exists(Path.Combine(br.ResultDir, "build.log")));
    }

    [Fact]
    public async Task Rebuilding_an_uploaded_srpm_gives_it_the_buildroot_macros()
    {
        // An SRPM made outside any buildroot: no vendor, packager or distribution.
        var (spec, _) = _kit.WriteSpec("kn-br-upload", BuildrootTestKit.NoarchSpec("kn-br-upload", "true"));
        var top = Path.Combine(_kit.Root, "upload-top");
        ExternalTool.RunChecked("rpmbuild", ["--define", "_topdir " + top, "-bs", "--nodeps", spec]);
        var uploaded = Directory.GetFiles(Path.Combine(top, "SRPMS"), "*.src.rpm").Single();
        Assert.Equal("(none)", BuildrootTestKit.Query(uploaded, "%{VENDOR}"));

        var br = await NewBuildroot(_kit.Request("srpm-build"));
        var srpm = await br.RebuildSrpmAsync(uploaded, CancellationToken.None);

        Assert.Equal(Path.Combine(br.ResultDir, "kn-br-upload-1.0-1.src.rpm"), srpm);
        Assert.Equal("KN Vendor|KN Packager <packager@example.org>|KN Distribution", BuildrootTestKit.Query(srpm, "%{VENDOR}|%{PACKAGER}|%{DISTRIBUTION}"));
    }

    [Fact]
    public async Task Rebuilding_a_binary_rpm_as_srpm_is_refused()
    {
        var br = await NewBuildroot();
        var (spec, sources) = _kit.WriteSpec("kn-br-bin", BuildrootTestKit.NoarchSpec("kn-br-bin", "true"));
        var results = await br.BuildRpmsAsync(await br.BuildSrpmAsync(spec, sources, CancellationToken.None), null, CancellationToken.None);
        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildRpmsAsync(results.Rpms[0], null, CancellationToken.None));
        Assert.Contains("is not a source package", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Commands_run_inside_with_output_in_mock_output_log()
    {
        var br = await NewBuildroot(_kit.Request("srpm-build"));
        var checkout = Path.Combine(br.ScratchDir, "scmroot", "pkg");
        Directory.CreateDirectory(checkout);
        Assert.Equal(checkout, br.ToBuildrootPath(checkout));

        await br.RunCommandAsync(["sh", "-c", "echo fetched > sources.txt && echo KN-SOURCE-CMD in $PWD"], checkout, CancellationToken.None);

        Assert.Equal("fetched\n", await File.ReadAllTextAsync(Path.Combine(checkout, "sources.txt")));
        Assert.Contains($"KN-SOURCE-CMD in {checkout}", await File.ReadAllTextAsync(Path.Combine(_kit.WorkDir, "mock_output.log")), StringComparison.Ordinal);
        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.RunCommandAsync(["make", "sources"], checkout, CancellationToken.None));
        Assert.Equal("command make sources exited with status 2; see mock_output.log for more information", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => br.RunCommandAsync(["true"], _kit.Root, CancellationToken.None));
    }

    [Fact]
    public async Task Bind_mounts_are_read_only_and_must_have_a_place_to_go()
    {
        var credentials = Path.Combine(_kit.Root, "credentials");
        Directory.CreateDirectory(credentials);
        await File.WriteAllTextAsync(Path.Combine(credentials, "token"), "KN-TOKEN\n");
        var request = _kit.Request("srpm-build");
        var destination = Path.Combine(_kit.MockDir, request.Name, "root", "chroot_tmpdir", "credentials");
        var br = await NewBuildroot(request with { BindMounts = [(credentials, destination)] });

        await br.RunCommandAsync(["sh", "-c", $"cat {destination}/token; touch {destination}/new || echo KN-BIND-READONLY"], br.ScratchDir, CancellationToken.None);

        var output = await File.ReadAllTextAsync(Path.Combine(_kit.WorkDir, "mock_output.log"));
        Assert.Contains("KN-TOKEN", output, StringComparison.Ordinal);
        Assert.Contains("KN-BIND-READONLY", output, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(credentials, "new")));

        var backend = BuildrootBackends.Create(_kit.Options(o => o.Backend = "rpmbuild"));
        var e = await Assert.ThrowsAsync<BuildrootException>(() => backend.CreateAsync(_kit.Request() with { BindMounts = [(credentials, "/credentials-" + Guid.NewGuid().ToString("N"))] }, CancellationToken.None));
        Assert.Contains("must exist on the host or lie inside the buildroot", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Installed_packages_come_from_the_rpm_database_and_the_installer()
    {
        var rpmdb = Path.Combine(_kit.Root, "rpmdb");
        Directory.CreateDirectory(rpmdb);
        var (spec, _) = _kit.WriteSpec("kn-br-installed", BuildrootTestKit.NoarchSpec("kn-br-installed", "true", release: "5"));
        var top = Path.Combine(_kit.Root, "installed-top");
        ExternalTool.RunChecked("rpmbuild", ["--define", "_topdir " + top, "-bb", "--nodeps", spec]);
        var pkg = Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories).Single();
        ExternalTool.RunChecked("rpm", ["--dbpath", rpmdb, "--initdb"]);
        ExternalTool.RunChecked("rpm", ["--dbpath", rpmdb, "-i", "--justdb", "--nodeps", pkg]);
        var fromRepo = new InstalledRpm("kn-from-repo", "3", "1", 2, "noarch", "0123456789abcdef0123456789abcdef", 10, 1700000000);
        var installer = new RecordingInstaller([fromRepo]);

        var br = await NewBuildroot(configure: o => o.SandboxRpmDb = rpmdb, installer: installer);
        var list = await br.ListInstalledPackagesAsync(CancellationToken.None);

        Assert.Equal(["@build"], installer.Requests.Single());
        Assert.Equal(2, list.Count);
        var installed = list[0];
        Assert.Equal(("kn-br-installed", "1.0", "5", (int?)null, "noarch"), (installed.Name, installed.Version, installed.Release, installed.Epoch, installed.Arch));
        Assert.Equal(BuildrootTestKit.Query(pkg, "%{SIGMD5}|%{LONGSIZE}|%{BUILDTIME}"), $"{installed.PayloadHash}|{installed.Size}|{installed.BuildTime}");
        Assert.Equal(fromRepo, list[1]);
        Assert.Equal(
            ["name", "version", "release", "epoch", "arch", "payloadhash", "size", "buildtime"],
            installed.ToHubStruct().Keys);
    }

    [Fact]
    public async Task The_installer_gets_the_build_requires_and_can_replace_the_sandbox_root()
    {
        // The installer "installs" a tool into an overlay over the host's root, as the repo
        // installer will; the build uses the tool.
        var upper = Path.Combine(_kit.Root, "overlay-upper");
        var work = Path.Combine(_kit.Root, "overlay-work");
        var merged = Path.Combine(_kit.Root, "overlay-merged");
        Directory.CreateDirectory(Path.Combine(upper, "usr", "bin"));
        Directory.CreateDirectory(work);
        Directory.CreateDirectory(merged);
        var tool = Path.Combine(upper, "usr", "bin", "kn-overlay-tool");
        await File.WriteAllTextAsync(tool, "#!/bin/sh\necho KN-FROM-OVERLAY\n");
        File.SetUnixFileMode(tool, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        ExternalTool.RunChecked("mount", ["-t", "overlay", "overlay", "-o", $"lowerdir=/,upperdir={upper},workdir={work}", merged]);
        try
        {
            var installer = new RecordingInstaller([], sandboxRootOnBuild: merged);
            var br = await NewBuildroot(installer: installer);
            var (spec, sources) = _kit.WriteSpec("kn-br-overlay", BuildrootTestKit.NoarchSpec("kn-br-overlay", "kn-overlay-tool")
                .Replace("BuildArch: noarch", "BuildArch: noarch\nBuildRequires: kn-overlay-tool >= 1.0\nBuildRequires: make", StringComparison.Ordinal));
            var srpm = await br.BuildSrpmAsync(spec, sources, CancellationToken.None);

            await br.BuildRpmsAsync(srpm, null, CancellationToken.None);

            Assert.Equal(["kn-overlay-tool >= 1.0", "make"], installer.Requests[1]);
            Assert.Contains("KN-FROM-OVERLAY", await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log")), StringComparison.Ordinal);
            Assert.Contains($"Sandbox root is now {merged}", await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "root.log")), StringComparison.Ordinal);
            Assert.False(File.Exists("/usr/bin/kn-overlay-tool"));
        }
        finally
        {
            ExternalTool.Run("umount", ["-l", merged]);
        }
    }

    [Fact]
    public async Task Missing_bubblewrap_is_a_clear_error()
    {
        var backend = BuildrootBackends.Create(_kit.Options(o =>
        {
            o.Backend = "rpmbuild";
            o.BwrapPath = "/nonexistent/bwrap";
        }));
        var e = await Assert.ThrowsAsync<BuildrootException>(() => backend.CreateAsync(_kit.Request(), CancellationToken.None));
        Assert.Equal(KojiFaultCode.BuildrootError, e.FaultCode);
        Assert.Equal("bubblewrap is not installed (/nonexistent/bwrap not found): install bubblewrap, or set buildroot_backend = mock", e.Message);
        Assert.Equal("/usr/bin/bwrap", new BuildrootOptions().BwrapPath);
    }

    [Fact]
    public async Task Operations_need_init_and_bad_input_is_refused()
    {
        var backend = BuildrootBackends.Create(_kit.Options(o => o.Backend = "rpmbuild"));
        var br = await backend.CreateAsync(_kit.Request(), CancellationToken.None);
        var (spec, sources) = _kit.WriteSpec("kn-br-early", BuildrootTestKit.NoarchSpec("kn-br-early", "true"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => br.BuildSrpmAsync(spec, sources, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => br.BuildSrpmAsync(spec + ".missing", sources, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => backend.CreateAsync(_kit.Request() with { TagName = "a/b" }, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => backend.CreateAsync(_kit.Request() with { WorkDir = "relative" }, CancellationToken.None));
        Assert.Throws<ArgumentException>(() => BuildrootBackends.Create(_kit.Options(o => o.Backend = "chroot")));
        await br.InitAsync(CancellationToken.None);
        await Assert.ThrowsAsync<ArgumentException>(() => br.BuildRpmsAsync(spec, "x86_64; rm -rf /", CancellationToken.None));
        await br.RemoveAsync(CancellationToken.None);
        Assert.False(Directory.Exists(br.BuildrootDir));
        await br.RemoveAsync(CancellationToken.None);
    }

    private sealed class RecordingInstaller(IReadOnlyList<InstalledRpm> installs, string? sandboxRootOnBuild = null) : IBuildrootInstaller
    {
        public List<IReadOnlyList<string>> Requests { get; } = [];

        public Task<BuildrootInstallResult> InstallAsync(BuildrootInstallRequest request, CancellationToken cancellationToken)
        {
            Requests.Add(request.Requirements);
            var first = Requests.Count == 1;
            return Task.FromResult(new BuildrootInstallResult(first ? installs : [], first ? null : sandboxRootOnBuild));
        }
    }
}
