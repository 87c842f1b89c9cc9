using KojiNet.Builder.Buildroots;
using KojiNet.Configuration;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;

namespace KojiNet.Builder.Tests.Buildroots;

/// <summary>
/// The rpmbuild backend installing BuildRequires from a real buildroot repo (createrepo_c) with
/// the real dnf into an overlay over the host's root, and building with them in the sandbox.
/// </summary>
public sealed class RepoInstallerTests : IClassFixture<BuildRepoFixture>, IDisposable
{
    private readonly BuildRepoFixture _repo;
    private readonly BuildrootTestKit _kit = new();
    private readonly List<IBuildroot> _buildroots = [];

    public RepoInstallerTests(BuildRepoFixture repo) => _repo = repo;

    public void Dispose()
    {
        foreach (var br in _buildroots)
        {
            try
            {
                br.RemoveAsync(CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (InvalidOperationException)
            {
            }
        }
        // Never let the kit's recursive chmod/delete walk into an overlay of the host's root.
        BuildrootFiles.UnmountBelow(_kit.Root);
        _kit.Dispose();
    }

    private BuildrootOptions Options(Action<BuildrootOptions>? configure = null) => _kit.Options(o =>
    {
        o.Backend = "rpmbuild";
        o.RpmbuildInstall = "repo";
        o.TopDir = _repo.TopDir;
        o.TopUrl = null;
        o.HostProvides = "kn-hostcap, make";
        configure?.Invoke(o);
    });

    private async Task<IBuildroot> NewBuildroot(BuildrootOptions options, BuildrootRequest? request = null)
    {
        var backend = BuildrootBackends.Create(options);
        var br = await backend.CreateAsync(request ?? _kit.Request(), CancellationToken.None);
        _buildroots.Add(br);
        await br.InitAsync(CancellationToken.None);
        return br;
    }

    private async Task<string> Srpm(IBuildroot br, string name, string buildRequires, string build)
    {
        var spec = BuildrootTestKit.NoarchSpec(name, build)
            .Replace("BuildArch: noarch", "BuildArch: noarch\n" + buildRequires, StringComparison.Ordinal);
        var (specFile, sources) = _kit.WriteSpec(name, spec);
        return await br.BuildSrpmAsync(specFile, sources, CancellationToken.None);
    }

    private static string HostRpms() => ExternalTool.RunChecked("rpm", ["-qa"]);

    private static readonly string[] RepoFilesOnHost =
        ["/usr/include/kn-foo.h", "/usr/bin/kn-tool", "/usr/bin/kn-grouptool", "/usr/share/kn-fs/marker"];

    private static void AssertHostUnchanged(string rpmsBefore)
    {
        Assert.Equal(rpmsBefore, HostRpms());
        Assert.DoesNotContain(RepoFilesOnHost, File.Exists);
    }

    [Fact]
    public async Task Build_requires_from_the_repo_are_installed_into_the_sandbox_and_listed()
    {
        var hostRpms = HostRpms();
        var br = await NewBuildroot(Options());
        var root = Path.Combine(br.BuildrootDir, "install", "root");
        Assert.True(BuildrootFiles.IsMountPoint(root));

        // Init installed the repo's @build group.
        var afterInit = await br.ListInstalledPackagesAsync(CancellationToken.None);
        Assert.Contains(afterInit, r => r.Name == "kn-grouptool");
        Assert.DoesNotContain(afterInit, r => r.Name is "kn-tool" or "kn-libfoo-devel" or RepoInstaller.HostProvidesPackage);

        // %build only works when the header, the tools and the dependency of the -devel package are really there.
        var srpm = await Srpm(br, "kn-consumer", """
            BuildRequires: kn-libfoo-devel >= 1.0
            BuildRequires: pkgconfig(kn-foo) >= 1.2
            BuildRequires: /usr/bin/kn-tool
            BuildRequires: kn-hostcap >= 3
            BuildRequires: make
            BuildRequires: /bin/sh
            """, """
            grep 'KN_FOO_VALUE 42' /usr/include/kn-foo.h && echo KN-HEADER-FOUND
            kn-tool
            kn-grouptool
            cat /usr/share/kn-fs/marker
            """);
        var results = await br.BuildRpmsAsync(srpm, null, CancellationToken.None);

        Assert.Equal("kn-consumer-1.0-1.noarch.rpm", Path.GetFileName(Assert.Single(results.Rpms)));
        var buildLog = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log"));
        foreach (var marker in new[] { "KN-HEADER-FOUND", "KN-TOOL-RAN", "KN-GROUPTOOL-RAN", "KN-FS-MARKER" })
        {
            Assert.Contains(marker, buildLog, StringComparison.Ordinal);
        }

        var list = await br.ListInstalledPackagesAsync(CancellationToken.None);
        foreach (var name in new[] { "kn-grouptool", "kn-libfoo-devel", "kn-tool", "kn-filesystem" })
        {
            var rpm = Assert.Single(list, r => r.Name == name);
            var file = _repo.Packages[name];
            Assert.Equal(Path.GetFileName(file), rpm.Nvra + ".rpm");
            Assert.Equal(BuildrootTestKit.Query(file, "%{SIGMD5}|%{LONGSIZE}|%{BUILDTIME}"), $"{rpm.PayloadHash}|{rpm.Size}|{rpm.BuildTime}");
        }
        Assert.DoesNotContain(list, r => r.Name is "kn-broken" or RepoInstaller.HostProvidesPackage);

        var rootLog = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "root.log"));
        Assert.Contains($"Buildroot repo: file://{_repo.RepoDir}", rootLog, StringComparison.Ordinal);
        Assert.Contains("Host provides (virtual package kojinet-host-provides-1-1): kn-hostcap, make", rootLog, StringComparison.Ordinal);
        Assert.Contains("/bin/sh", rootLog, StringComparison.Ordinal);
        Assert.Contains("Installed from the buildroot repo (3): kn-filesystem-1-1.noarch kn-libfoo-devel-1.2-1.noarch kn-tool-1.0-1.noarch", rootLog, StringComparison.Ordinal);
        Assert.Single(rootLog.Split('\n'), l => l == $"Sandbox root is now {root}");
        AssertHostUnchanged(hostRpms);

        await br.RemoveAsync(CancellationToken.None);
        Assert.False(Directory.Exists(br.BuildrootDir));
        Assert.DoesNotContain(br.BuildrootDir, await File.ReadAllTextAsync("/proc/self/mountinfo"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_requirement_neither_the_host_nor_the_repo_provides_fails_the_build_clearly()
    {
        var hostRpms = HostRpms();
        var br = await NewBuildroot(Options());
        var srpm = await Srpm(br, "kn-needs-missing", """
            BuildRequires: kn-libfoo-devel
            BuildRequires: kn-nosuch-devel
            BuildRequires: kn-hostcap >= 3
            BuildRequires: /usr/bin/kn-nosuch-tool
            """, "true");

        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildRpmsAsync(srpm, null, CancellationToken.None));

        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.Equal(
            "could not install the build requirements: No matching package to install: '/usr/bin/kn-nosuch-tool'; "
            + "No matching package to install: 'kn-nosuch-devel' "
            + $"(neither the buildroot repo kn-build/7/{BuildrootTestKit.HostArch} nor the host provides it); see root.log for more information",
            e.Message);
        var rootLog = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "root.log"));
        Assert.Contains("ERROR: No matching package to install: 'kn-nosuch-devel'", rootLog, StringComparison.Ordinal);
        Assert.Contains("ERROR: No matching package to install: '/usr/bin/kn-nosuch-tool'", rootLog, StringComparison.Ordinal);
        // Nothing was installed, not even what could be, and no build ran.
        Assert.False(File.Exists(Path.Combine(br.BuildrootDir, "install", "root", "usr", "include", "kn-foo.h")));
        Assert.DoesNotContain(await br.ListInstalledPackagesAsync(CancellationToken.None), r => r.Name == "kn-libfoo-devel");
        Assert.Empty(br.ScanResults().Rpms);
        AssertHostUnchanged(hostRpms);
    }

    [Fact]
    public async Task Versions_the_repo_and_the_host_do_not_reach_fail()
    {
        var br = await NewBuildroot(Options(o => o.HostProvides = "kn-hostcap = 1.0"));
        var srpm = await Srpm(br, "kn-needs-newer", """
            BuildRequires: kn-libfoo-devel >= 2
            BuildRequires: kn-hostcap >= 3
            BuildRequires: kn-tool = 1.0
            """, "true");

        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildRpmsAsync(srpm, null, CancellationToken.None));

        Assert.StartsWith(
            "could not install the build requirements: No matching package to install: 'kn-hostcap >= 3'; No matching package to install: 'kn-libfoo-devel >= 2' (",
            e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("kn-tool", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dependency_of_a_repo_package_that_nothing_provides_is_named()
    {
        var br = await NewBuildroot(Options());
        var srpm = await Srpm(br, "kn-needs-broken", "BuildRequires: kn-broken", "true");

        var e = await Assert.ThrowsAsync<BuildrootException>(() => br.BuildRpmsAsync(srpm, null, CancellationToken.None));

        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.StartsWith("could not install the build requirements: nothing provides kn-gone needed by kn-broken-1-1.noarch", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_install_group_must_be_in_the_repo_comps_or_provided_by_the_host()
    {
        var e = await Assert.ThrowsAsync<BuildrootException>(() => NewBuildroot(Options(), _kit.Request("srpm-build")));
        Assert.Equal(KojiFaultCode.BuildrootError, e.FaultCode);
        Assert.StartsWith($"could not init buildroot kn-build-", e.Message, StringComparison.Ordinal);
        Assert.Contains(": No matching group to install: '@srpm-build' (", e.Message, StringComparison.Ordinal);

        var br = await NewBuildroot(Options(o => o.HostProvides = "@srpm-build"), _kit.Request("srpm-build"));
        var rootLog = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "root.log"));
        Assert.Contains("Group @srpm-build is provided by the host (host_provides): not installing it", rootLog, StringComparison.Ordinal);
        Assert.DoesNotContain(await br.ListInstalledPackagesAsync(CancellationToken.None), r => r.Name == "kn-grouptool");
        var srpm = await Srpm(br, "kn-after-host-group", "BuildRequires: kn-tool", "kn-tool");
        await br.BuildRpmsAsync(srpm, null, CancellationToken.None);
        Assert.Contains("KN-TOOL-RAN", await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_repo_auto_builds_with_the_host_tools_and_repo_fails()
    {
        var missing = Path.Combine(_kit.Root, "no-koji");
        var e = await Assert.ThrowsAsync<BuildrootException>(() => NewBuildroot(Options(o => o.TopDir = missing)));
        Assert.Equal(KojiFaultCode.BuildrootError, e.FaultCode);
        Assert.Equal(
            $"the repo of buildroot {_buildroots[^1].Name} was not found: {missing}/repos/kn-build/7/{BuildrootTestKit.HostArch}/repodata/repomd.xml does not exist",
            e.Message);

        var br = await NewBuildroot(Options(o =>
        {
            o.RpmbuildInstall = "auto";
            o.TopDir = missing;
            o.TopUrl = "file:///nonexistent/kojifiles";
        }));
        var srpm = await Srpm(br, "kn-host-only", "BuildRequires: kn-nosuch-devel", "echo KN-HOST-BUILD");
        await br.BuildRpmsAsync(srpm, null, CancellationToken.None);

        var rootLog = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "root.log"));
        Assert.Contains("No buildroot repo found (", rootLog, StringComparison.Ordinal);
        Assert.Contains("file:///nonexistent/kojifiles/repos/kn-build/7/", rootLog, StringComparison.Ordinal);
        Assert.Contains("Not installing kn-nosuch-devel: this builder builds with the host's tools", rootLog, StringComparison.Ordinal);
        Assert.DoesNotContain("Sandbox root is now", rootLog, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(br.BuildrootDir, "install", "root")));
    }

    [Fact]
    public async Task Auto_uses_a_repo_served_over_http_at_topurl()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var web = builder.Build();
        web.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(_repo.TopDir),
            RequestPath = "/kojifiles",
            ServeUnknownFileTypes = true,
        });
        await web.StartAsync();
        var address = web.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        var br = await NewBuildroot(Options(o =>
        {
            o.RpmbuildInstall = "auto";
            o.TopDir = Path.Combine(_kit.Root, "no-koji");
            o.TopUrl = $"http://127.0.0.1:1/unreachable {address}/kojifiles";
        }));
        var srpm = await Srpm(br, "kn-over-http", "BuildRequires: kn-tool >= 1", "kn-tool");
        await br.BuildRpmsAsync(srpm, null, CancellationToken.None);

        Assert.Contains("KN-TOOL-RAN", await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "build.log")), StringComparison.Ordinal);
        Assert.Contains(await br.ListInstalledPackagesAsync(CancellationToken.None), r => r.Name == "kn-tool");
        var rootLog = await File.ReadAllTextAsync(Path.Combine(br.ResultDir, "root.log"));
        Assert.Contains($"Buildroot repo: {address}/kojifiles/repos/kn-build/7/{BuildrootTestKit.HostArch}\n", rootLog, StringComparison.Ordinal);
        await web.StopAsync();
    }

    [Fact]
    public void The_rpmbuild_backend_installs_with_the_configured_installer()
    {
        Assert.IsType<RepoInstaller>(Installer(o => { }));
        Assert.IsType<RepoInstaller>(Installer(o => o.RpmbuildInstall = "repo"));
        Assert.IsType<HostToolsInstaller>(Installer(o => o.RpmbuildInstall = "host"));
        Assert.Equal("auto", new BuildrootOptions().RpmbuildInstall);
        Assert.True(new BuildrootOptions().HostProvidesFiles);
        var e = Assert.Throws<ArgumentException>(() => Installer(o => o.RpmbuildInstall = "chroot"));
        Assert.Equal("unknown rpmbuild_install 'chroot': use repo, host or auto", e.Message);
        e = Assert.Throws<ArgumentException>(() => Installer(o => o.HostProvides = "make, gcc >="));
        Assert.StartsWith("invalid host_provides entry 'gcc >=': ", e.Message, StringComparison.Ordinal);

        IBuildrootInstaller Installer(Action<BuildrootOptions> configure) =>
            Assert.IsType<RpmbuildBackend>(BuildrootBackends.Create(_kit.Options(o =>
            {
                o.Backend = "rpmbuild";
                configure(o);
            }))).Installer;
    }

    [Fact]
    public void The_options_bind_from_kojid_conf()
    {
        var ini = IniFile.Parse("""
            [kojid]
            topdir = /srv/koji
            rpmbuild_install = repo
            host_provides = make, gcc >= 12,
                /usr/bin/perl
                @srpm-build
            host_provides_files = no
            dnf_path = /usr/local/bin/dnf
            """);
        var options = IniBinder.Bind<BuildrootOptions>(ini["kojid"], "kojid.conf");

        Assert.Equal(("repo", false, "/usr/local/bin/dnf"), (options.RpmbuildInstall, options.HostProvidesFiles, options.DnfPath));
        var installer = Assert.IsType<RepoInstaller>(BuildrootBackends.DefaultInstaller(options));
        Assert.Equal(["make", "gcc >= 12", "/usr/bin/perl"], installer.HostCapabilities);
        Assert.Equal(["srpm-build"], installer.HostGroups);
    }

    [Theory]
    [InlineData("", "", "")]
    [InlineData("make", "make", "")]
    [InlineData(" make ,gcc>=12\n pkgconfig(zlib) = 1.2.13 ,/usr/bin/perl", "make|gcc >= 12|pkgconfig(zlib) = 1.2.13|/usr/bin/perl", "")]
    [InlineData("@build, bash, @srpm-build, bash", "bash", "build|srpm-build")]
    [InlineData("perl(Foo::Bar) < 2:1.0-3", "perl(Foo::Bar) < 2:1.0-3", "")]
    public void Host_provides_entries_are_parsed(string text, string capabilities, string groups)
    {
        var (caps, grps) = RepoInstaller.ParseHostProvides(text);
        Assert.Equal(capabilities, string.Join('|', caps));
        Assert.Equal(groups, string.Join('|', grps));
    }

    [Theory]
    [InlineData("gcc >=")]
    [InlineData("a b")]
    [InlineData("@")]
    [InlineData("= 1")]
    [InlineData("(foo or bar)")]
    public void Bad_host_provides_entries_are_refused(string text) =>
        Assert.Throws<ArgumentException>(() => RepoInstaller.ParseHostProvides(text));

    [Fact]
    public void Dnf_failures_are_read_in_mock_words()
    {
        var f = DnfFailure.Parse("""
            build                                            51 kB/s | 1.3 kB     00:00
            No match for argument: foo >= 2
            No match for argument: @gone
            Module or Group 'build' is not available.
            Error: Unable to find a match: foo >= 2
            """);
        Assert.Equal(["No matching group to install: '@gone'", "No matching group to install: '@build'", "No matching package to install: 'foo >= 2'"], f.Problems(1));

        f = DnfFailure.Parse("""
            Error:
             Problem 1: conflicting requests
              - nothing provides /usr/bin/pkg-config needed by libfoo-devel-1.2-1.noarch
             Problem 2: conflicting requests
              - nothing provides perl(Foo) >= 1.2 needed by kn-tool-1.0-1.noarch from build
            (try to add '--skip-broken' to skip uninstallable packages)
            """);
        Assert.Equal([("/usr/bin/pkg-config", "libfoo-devel-1.2-1.noarch"), ("perl(Foo) >= 1.2", "kn-tool-1.0-1.noarch")], f.NothingProvides);
        Assert.True(f.HasMissing);

        f = DnfFailure.Parse("""
            Error:
             Problem: package a-1-1.noarch conflicts with b provided by b-1-1.noarch
              - conflicting requests
              - package a-1-1.noarch conflicts with b provided by b-1-1.noarch
            """);
        Assert.False(f.HasMissing);
        Assert.Equal(["package a-1-1.noarch conflicts with b provided by b-1-1.noarch"], f.Problems(1));
        Assert.Equal(["dnf exited with status 3"], DnfFailure.Parse("Error: something else").Problems(3));
    }
}
