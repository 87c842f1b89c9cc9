using KojiNet.Builder.Scm;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tests.Scm;

public sealed class GitCheckoutTests : IDisposable
{
    private readonly TempDirectory _tmp = new();
    private readonly string _repo;
    private readonly string _first;
    private readonly string _second;
    private readonly string _main;
    private readonly string _feature;

    public GitCheckoutTests()
    {
        // rpms/foo.git: main has versions 1, 2 (tag v1.0 on 1, annotated v2.0 on 2), 4;
        // branch feature forks from 2 with version 3; sub/pkg holds a second package.
        _repo = _tmp.Combine("rpms", "foo.git");
        TestGit.Init(_repo);
        _first = TestGit.Commit(_repo, "one", ("foo.spec", Spec(1)), ("sub/pkg/bar.spec", "Name: bar\n"));
        TestGit.Run(_repo, "tag", "v1.0");
        _second = TestGit.Commit(_repo, "two", ("foo.spec", Spec(2)));
        TestGit.Run(_repo, "tag", "-a", "v2.0", "-m", "release 2.0");
        TestGit.Run(_repo, "checkout", "-q", "-b", "feature");
        _feature = TestGit.Commit(_repo, "three", ("foo.spec", Spec(3)));
        TestGit.Run(_repo, "checkout", "-q", "main");
        _main = TestGit.Commit(_repo, "four", ("foo.spec", Spec(4)));
    }

    public void Dispose() => _tmp.Dispose();

    private static string Spec(int version) => $"Name: foo\nVersion: {version}\n";

    private string ScmRoot => _tmp.Combine("task", "scmroot");

    private string LogPath => _tmp.Combine("task", "checkout.log");

    private string Url(string revision, string module = "") =>
        $"git+file://{_repo}{(module.Length == 0 ? "" : "?" + module)}#{revision}";

    private Task<ScmCheckoutResult> CheckoutAsync(string url, bool useCommon = false) =>
        new GitCheckout().CheckoutAsync(ScmUrl.Parse(url), ScmRoot, useCommon, LogPath, CancellationToken.None);

    public static TheoryData<string, int> Revisions => new()
    {
        { "main", 4 },
        { "HEAD", 4 },
        { "feature", 3 },
        { "origin/feature", 3 },
        { "v1.0", 1 },
        { "v2.0", 2 },
        { "refs/heads/feature", 3 },
        { "refs/tags/v1.0", 1 },
    };

    [Theory]
    [MemberData(nameof(Revisions))]
    public async Task Checks_out_branches_and_tags(string revision, int version)
    {
        var result = await CheckoutAsync(Url(revision));
        Assert.Equal(Path.Combine(ScmRoot, "foo"), result.CheckoutDirectory);
        Assert.Equal(result.CheckoutDirectory, result.SourceDirectory);
        Assert.Equal(Spec(version), File.ReadAllText(Path.Combine(result.SourceDirectory, "foo.spec")));
        var expected = version switch { 1 => _first, 2 => _second, 3 => _feature, _ => _main };
        Assert.Equal(expected, result.Commit);
        Assert.Equal($"git+file://{_repo}#{expected}", result.Source);
        Assert.Equal(Url(revision), result.Url);
        Assert.Null(result.CommonDirectory);
        Assert.Contains("Cloning into", File.ReadAllText(LogPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checks_out_commits_full_and_abbreviated()
    {
        var full = await CheckoutAsync(Url(_first));
        Assert.Equal(_first, full.Commit);
        Assert.Equal(Spec(1), File.ReadAllText(Path.Combine(full.SourceDirectory, "foo.spec")));

        // An abbreviated id cannot be fetched by name: the "git reset --hard <rev>" fallback finds it.
        Directory.Delete(ScmRoot, recursive: true);
        var abbreviated = await CheckoutAsync(Url(_feature[..10]));
        Assert.Equal(_feature, abbreviated.Commit);
        Assert.Equal($"git+file://{_repo}#{_feature}", abbreviated.Source);
    }

    [Fact]
    public async Task Module_is_a_directory_inside_the_checkout()
    {
        var result = await CheckoutAsync(Url("v1.0", "sub/pkg"));
        Assert.Equal(Path.Combine(ScmRoot, "foo", "sub", "pkg"), result.SourceDirectory);
        Assert.Equal(Path.Combine(result.SourceDirectory, "bar.spec"), ScmSpecFile.Find(result.SourceDirectory));
        Assert.Equal($"git+file://{_repo}?sub/pkg#{_first}", result.Source);
    }

    [Fact]
    public async Task Missing_revision_fails_with_the_log()
    {
        var e = await Assert.ThrowsAsync<ScmException>(() => CheckoutAsync(Url("no-such-ref")));
        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.Equal("Error running GIT command \"git reset --hard no-such-ref\", see checkout.log for details", e.Message);
        var log = File.ReadAllText(LogPath);
        Assert.Contains("no-such-ref", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_repository_fails_at_clone()
    {
        var e = await Assert.ThrowsAsync<ScmException>(() =>
            CheckoutAsync($"git+file://{_tmp.Combine("rpms", "nothere.git")}#main"));
        Assert.StartsWith("Error running GIT command \"git clone -n file://", e.Message, StringComparison.Ordinal);
        Assert.NotEmpty(File.ReadAllText(LogPath));
    }

    [Fact]
    public async Task Missing_module_fails()
    {
        var e = await Assert.ThrowsAsync<ScmException>(() => CheckoutAsync(Url("main", "no/such/dir")));
        Assert.Equal("Module path no/such/dir does not exist in the repository", e.Message);
    }

    [Fact]
    public async Task Module_through_a_symlink_is_refused()
    {
        TestGit.Run(_repo, "checkout", "-q", "-b", "evil");
        File.CreateSymbolicLink(Path.Combine(_repo, "outside"), "/etc");
        File.CreateSymbolicLink(Path.Combine(_repo, "inside"), "sub");
        TestGit.Commit(_repo, "links");
        TestGit.Run(_repo, "checkout", "-q", "main");

        var e = await Assert.ThrowsAsync<ScmException>(() => CheckoutAsync(Url("evil", "outside")));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
        Directory.Delete(ScmRoot, recursive: true);
        e = await Assert.ThrowsAsync<ScmException>(() => CheckoutAsync(Url("evil", "inside/pkg")));
        Assert.Contains("symbolic link", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Use_common_clones_common_next_to_the_package()
    {
        var common = _tmp.Combine("rpms", "common.git");
        TestGit.Init(common);
        TestGit.Commit(common, "common", ("Makefile.common", "# common rules\n"));

        var result = await CheckoutAsync(Url("main"), useCommon: true);
        Assert.Equal(Path.Combine(ScmRoot, "common"), result.CommonDirectory);
        Assert.Equal("# common rules\n", File.ReadAllText(Path.Combine(ScmRoot, "common", "Makefile.common")));

        // With a module, <sourcedir>/../common links back to the common checkout.
        Directory.Delete(ScmRoot, recursive: true);
        result = await CheckoutAsync(Url("main", "sub/pkg"), useCommon: true);
        var link = Path.Combine(ScmRoot, "foo", "sub", "common");
        Assert.Equal("../../common", new DirectoryInfo(link).LinkTarget);
        Assert.Equal("# common rules\n", File.ReadAllText(Path.Combine(result.SourceDirectory, "..", "common", "Makefile.common")));
    }

    [Fact]
    public async Task Use_common_without_a_common_repository_fails()
    {
        var e = await Assert.ThrowsAsync<ScmException>(() => CheckoutAsync(Url("main"), useCommon: true));
        Assert.Contains("git clone file://", e.Message, StringComparison.Ordinal);
        Assert.Contains("/rpms/common.git common", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("git+https://h/rpms/foo.git#r", "https://h/rpms/common.git")]
    [InlineData("git+https://h/rpms/foo/.git#r", "https://h/rpms/common/.git")]
    [InlineData("git://h/rpms/foo#r", "git://h/rpms/common")]
    [InlineData("git+ssh://u@h/git/rpms/foo.git#r", "ssh://u@h/git/rpms/common.git")]
    [InlineData("git+file:///srv/foo.git#r", "file:///srv/common.git")]
    public void Common_url_mirrors_the_package_url(string url, string expected)
    {
        var scm = ScmUrl.Parse(url);
        Assert.Equal(expected, GitCheckout.GetCommonUrl(scm, scm.CloneUrl));
    }

    [Fact]
    public async Task The_allowed_check_and_the_checkout_see_the_same_repository()
    {
        var secret = _tmp.Combine("secret", "foo");
        TestGit.Init(secret);
        TestGit.Commit(secret, "secret", ("foo.spec", "Name: secret\n"));
        var allowed = AllowedScms.Parse($":{_tmp.Path}/rpms/*");

        var sneaky = ScmUrl.Parse($"git+file://{_tmp.Path}/rpms/../secret/foo#main");
        Assert.Throws<ScmException>(() => allowed.Check(sneaky));

        var fine = ScmUrl.Parse($"git+file://{_tmp.Path}/secret/../rpms/./foo.git#main");
        allowed.Check(fine);
        var result = await new GitCheckout().CheckoutAsync(fine, ScmRoot, false, LogPath, CancellationToken.None);
        Assert.Equal(Spec(4), File.ReadAllText(Path.Combine(result.SourceDirectory, "foo.spec")));
        Assert.Equal($"git+file://{_repo}#{_main}", result.Source);
    }

    [Fact]
    public async Task Cancel_kills_git_and_its_children()
    {
        // A stand-in for ssh that records its pid and hangs, so the clone hangs.
        var pidFile = _tmp.Combine("ssh.pid");
        var fakeSsh = _tmp.Combine("fake-ssh");
        File.WriteAllText(fakeSsh, $"#!/bin/sh\necho $$ > '{pidFile}.tmp'\nmv '{pidFile}.tmp' '{pidFile}'\nexec sleep 300\n");
        File.SetUnixFileMode(fakeSsh, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var checkout = new GitCheckout(environment: new Dictionary<string, string>
        {
            ["GIT_SSH_COMMAND"] = fakeSsh,
            ["GIT_SSH_VARIANT"] = "simple",
        });
        using var cts = new CancellationTokenSource();
        var task = checkout.CheckoutAsync(ScmUrl.Parse("git+ssh://user@example.invalid/rpms/foo.git#main"), ScmRoot,
            false, LogPath, cts.Token);

        await Wait.UntilAsync(() => File.Exists(pidFile) || task.IsCompleted, TimeSpan.FromSeconds(60), "the fake ssh to start");
        Assert.False(task.IsCompleted, task.Exception?.ToString());
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(IsRunning(pid));

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(60)));
        await Wait.UntilAsync(() => !IsRunning(pid), TimeSpan.FromSeconds(30), "the fake ssh to be killed");
    }

    // Alive and not a zombie waiting for a parent that does not reap.
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[0];
            return state != "Z" && state != "X";
        }
        catch (IOException)
        {
            return false;
        }
    }
}
