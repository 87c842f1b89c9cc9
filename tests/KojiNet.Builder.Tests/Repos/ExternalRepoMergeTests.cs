using KojiNet.Builder.Repos;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tests.Repos;

/// <summary>
/// Merging external repos into a Koji repo with the real mergerepo_c (kojira.md §8.2): which
/// packages each merge mode keeps, read back with dnf and from primary.xml; the command, log and
/// errors around it with a stand-in mergerepo_c.
/// </summary>
public sealed class ExternalRepoMergeTests(MergeRepoCorpus corpus) : IClassFixture<MergeRepoCorpus>
{
    private ExternalRepoSource[] Sources(string mode) =>
    [
        new("file://" + corpus.Ext1, mode, Name: "ext1"),
        new("file://" + corpus.Ext2 + "/", mode, Name: "ext2"),
        new("file://" + corpus.Ext3 + "/$arch/", mode, "x86_64 aarch64", "ext3"),
        new("file://" + corpus.Ext4 + "/", mode, "ppc64le", "ext4"),
    ];

    private ExternalRepoMergeRequest Request(string work, IReadOnlyList<ExternalRepoSource> repos) => new()
    {
        WorkDir = work,
        RepoId = MergeRepoCorpus.RepoId,
        Arch = "x86_64",
        BlocklistPath = corpus.BlocklistPath,
        CompsPath = corpus.CompsPath,
        ExternalRepos = repos,
    };

    /// <summary>Merges in a fresh work dir; returns the result and the merged repo's packages.</summary>
    private async Task<(ExternalRepoMergeResult Result, IReadOnlyList<MergeRepoCorpus.PrimaryPackage> Packages, string Work)> MergeAsync(string mode)
    {
        var work = corpus.NewWorkDir();
        var result = await new ExternalRepoMerge().MergeAsync(Request(work, Sources(mode)), CancellationToken.None);
        return (result, MergeRepoCorpus.ReadPrimary(Path.Combine(work, "repo")), work);
    }

    private static string[] Nevras(IEnumerable<MergeRepoCorpus.PrimaryPackage> packages) => packages.Select(p => p.Nevra).ToArray();

    /// <summary>What dnf sees in the merged repo, placed in the arch dir as repoDone places it.</summary>
    private string[] DnfRepoquery(string work, string archDir)
    {
        var root = Directory.CreateTempSubdirectory("kojinet-dnf-").FullName;
        try
        {
            var output = Dnf(root, archDir, ["repoquery", "--qf", "%{name}-%{version}-%{release}.%{arch} %{sourcerpm}"]);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal).ToArray();
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Dnf(string root, string repoDir, IEnumerable<string> args) =>
        ExternalTool.RunChecked("dnf",
        [
            "-q", "--installroot", root, "--releasever=1", "--setopt=reposdir=/dev/null", $"--setopt=cachedir={root}/cache", "--nogpgcheck",
            $"--repofrompath=merged,file://{repoDir}", .. args,
        ]);

    /// <summary>A copy of the Koji arch dir with the merged repodata in place (as <c>host.repoDone</c> moves it).</summary>
    private string PublishedArchDir(string work)
    {
        var dir = Path.Combine(work, "published", "repos", "merge-tag", "42", "x86_64");
        Directory.CreateDirectory(dir);
        File.CreateSymbolicLink(Path.Combine(dir, "toplink"), corpus.Root);
        CopyDir(Path.Combine(work, "repo", "repodata"), Path.Combine(dir, "repodata"));
        return dir;
    }

    private static void CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
    }

    [Fact]
    public async Task KojiModeKeepsTheFirstOwnerOfEachSourcePackage()
    {
        var (result, packages, work) = await MergeAsync("koji");

        Assert.Equal("koji", result.MergeMode);
        var premerge = Path.Combine(work, "repo_42_premerge");
        Assert.Equal(
        [
            $"file://{premerge}/", $"file://{corpus.Ext1}", $"file://{corpus.Ext2}/", $"file://{corpus.Ext3}/x86_64/",
        ], result.RepoUrls);
        Assert.True(File.Exists(Path.Combine(premerge, "repodata", "repomd.xml")), "the Koji repo is kept as the premerge repo");
        Assert.Contains("--koji", result.Command);
        Assert.Contains("--arch-expand", result.Command);
        Assert.Equal(corpus.BlocklistPath, result.Command[result.Command.ToList().IndexOf("-b") + 1]);
        Assert.True(File.Exists(result.LogPath));
        Assert.Equal(Path.Combine(work, "mergerepos.log"), result.LogPath);

        // foo is Koji's: foo-2.0 and its foo-extra from ext1 are gone, not just the same names.
        // bar is ext1's (bar-3.0 in ext2 dropped); ext2 keeps only its newest baz; blocked is dropped;
        // the ppc64le-only repo and ext3's aarch64 tree are not used; i686 multilib stays.
        Assert.Equal(
        [
            "bar-1.0-1.noarch", "baz-2.0-1.noarch", "foo-1.0-1.noarch", "foo-libs-1.0-1.noarch", "multi-1.0-1.i686",
            "only-x86-1.0-1.noarch", "tool-1.0-1.x86_64", "twin-1.0-1.noarch",
        ], Nevras(packages));
        Assert.Equal(packages.Count, packages.Select(p => p.Nevra).Distinct().Count());
        var foo = packages.Single(p => p.Nevra == "foo-1.0-1.noarch");
        Assert.Null(foo.Base);
        Assert.Equal("toplink/packages/foo/1.0/1/noarch/foo-1.0-1.noarch.rpm", foo.Href);
        Assert.Equal("file://" + corpus.Ext1, packages.Single(p => p.Nevra == "twin-1.0-1.noarch").Base?.TrimEnd('/'));
        Assert.Equal("file://" + corpus.Ext2, packages.Single(p => p.Nevra == "baz-2.0-1.noarch").Base?.TrimEnd('/'));

        // pkgorigins tells internal from external packages.
        var origins = PkgOrigins.Read(Path.Combine(work, "repo")).ToDictionary(o => o.Nvra, o => o.RepoUrl);
        Assert.Equal(8, origins.Count);
        Assert.Equal($"file://{premerge}/", origins["foo-1.0-1.noarch"]);
        Assert.Equal($"file://{premerge}/", origins["tool-1.0-1.x86_64"]);
        Assert.Equal($"file://{corpus.Ext1}/", origins["bar-1.0-1.noarch"]);
        Assert.Equal($"file://{corpus.Ext3}/x86_64/", origins["only-x86-1.0-1.noarch"]);

        // dnf reads the published repo the same way and can fetch internal and external packages.
        var archDir = PublishedArchDir(work);
        Assert.Equal(
        [
            "bar-1.0-1.noarch bar-1.0-1.src.rpm", "baz-2.0-1.noarch baz-2.0-1.src.rpm", "foo-1.0-1.noarch foo-1.0-1.src.rpm",
            "foo-libs-1.0-1.noarch foo-1.0-1.src.rpm", "multi-1.0-1.i686 multi-1.0-1.src.rpm", "only-x86-1.0-1.noarch only-x86-1.0-1.src.rpm",
            "tool-1.0-1.x86_64 tool-1.0-1.src.rpm", "twin-1.0-1.noarch twin-1.0-1.src.rpm",
        ], DnfRepoquery(work, archDir));
        var root = Directory.CreateTempSubdirectory("kojinet-dnf-").FullName;
        try
        {
            Dnf(root, archDir, ["-y", "install", "--downloadonly", "--destdir", Path.Combine(root, "dl"), "foo-libs", "bar", "only-x86"]);
            Assert.Equal(["bar-1.0-1.noarch.rpm", "foo-libs-1.0-1.noarch.rpm", "only-x86-1.0-1.noarch.rpm"],
                Directory.GetFiles(Path.Combine(root, "dl")).Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal).ToArray());
            // The build group from comps made it into the merged repo.
            Assert.Contains("build (build)", Dnf(root, archDir, ["group", "list", "--hidden", "-v"]), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task SimpleModeKeepsEverythingButBlockedPackages()
    {
        var (result, packages, work) = await MergeAsync("simple");
        Assert.Equal(["--koji", "--simple"], result.Command.Skip(1).Take(2));
        Assert.Equal(
        [
            "bar-1.0-1.noarch", "bar-3.0-1.noarch", "baz-1.0-1.noarch", "baz-2.0-1.noarch", "foo-1.0-1.noarch", "foo-2.0-1.noarch",
            "foo-extra-2.0-1.noarch", "foo-libs-1.0-1.noarch", "foo-libs-2.0-1.noarch", "multi-1.0-1.i686", "only-x86-1.0-1.noarch",
            "tool-1.0-1.x86_64", "twin-1.0-1.noarch", "twin-1.0-1.noarch",
        ], Nevras(packages));
        // Both builds of twin-1.0-1 (identical NEVRA) are listed, each from its own repo.
        Assert.Equal([$"file://{corpus.Ext1}", $"file://{corpus.Ext2}"],
            packages.Where(p => p.Nevra == "twin-1.0-1.noarch").Select(p => p.Base!.TrimEnd('/')).ToArray());
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task BareModeKeepsEveryVersionAndIgnoresTheBlocklist()
    {
        var (result, packages, work) = await MergeAsync("bare");
        Assert.Equal(["--pkgorigins", "--all"], result.Command.Skip(1).Take(2));
        Assert.DoesNotContain("-b", result.Command);
        Assert.Equal(
        [
            "bar-1.0-1.noarch", "bar-3.0-1.noarch", "baz-1.0-1.noarch", "baz-2.0-1.noarch", "blocked-1.0-1.noarch", "foo-1.0-1.noarch",
            "foo-2.0-1.noarch", "foo-extra-2.0-1.noarch", "foo-libs-1.0-1.noarch", "foo-libs-2.0-1.noarch", "multi-1.0-1.i686",
            "only-x86-1.0-1.noarch", "tool-1.0-1.x86_64", "twin-1.0-1.noarch",
        ], Nevras(packages));
        // An identical NEVRA comes from the first repo that has it.
        Assert.Equal("file://" + corpus.Ext1, packages.Single(p => p.Nevra == "twin-1.0-1.noarch").Base?.TrimEnd('/'));
        Assert.Contains(PkgOrigins.Read(Path.Combine(work, "repo")), o => o.Nvra == "blocked-1.0-1.noarch" && o.RepoUrl == $"file://{corpus.Ext1}/");
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task MixedModesAndBadModesFailBeforeAnythingMoves()
    {
        var work = corpus.NewWorkDir();
        var mixed = Sources("koji").Select((s, i) => i == 2 ? s with { MergeMode = "bare" } : s).ToArray();
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => new ExternalRepoMerge().MergeAsync(Request(work, mixed), CancellationToken.None));
        Assert.Equal(KojiFaultCode.GenericError, e.FaultCode);
        Assert.Equal("Found multiple merge modes for external repos: koji, bare", e.Message);
        e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => new ExternalRepoMerge().MergeAsync(Request(work, Sources("fancy")), CancellationToken.None));
        Assert.Equal("No such merge mode: fancy", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => new ExternalRepoMerge().MergeAsync(Request(work, []), CancellationToken.None));
        Assert.True(File.Exists(Path.Combine(work, "repo", "repodata", "repomd.xml")));
        Assert.False(Directory.Exists(Path.Combine(work, "repo_42_premerge")));
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task AFailedMergeNamesTheCommandAndLeavesItsLog()
    {
        var work = corpus.NewWorkDir();
        var missing = new ExternalRepoSource("file://" + Path.Combine(corpus.Root, "no-such-repo") + "/");
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => new ExternalRepoMerge().MergeAsync(Request(work, [missing]), CancellationToken.None));
        Assert.Equal(KojiFaultCode.GenericError, e.FaultCode);
        Assert.StartsWith("failed to merge repos: /usr/bin/mergerepo_c --koji -a x86_64", e.Message, StringComparison.Ordinal);
        Assert.Contains("exited with status", e.Message, StringComparison.Ordinal);
        Assert.Contains("no-such-repo", File.ReadAllText(Path.Combine(work, "mergerepos.log")), StringComparison.Ordinal);
        Directory.Delete(work, recursive: true);
    }

    [Fact]
    public async Task AMissingMergerepoIsAClearError()
    {
        var work = corpus.NewWorkDir();
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() =>
            new ExternalRepoMerge("/nonexistent/mergerepo_c").MergeAsync(Request(work, Sources("koji")), CancellationToken.None));
        Assert.Equal("/nonexistent/mergerepo_c is not installed: merging external repos needs mergerepo_c (package createrepo_c)", e.Message);
        Assert.False(Directory.Exists(Path.Combine(work, "repo_42_premerge")));
        Directory.Delete(work, recursive: true);
    }

    /// <summary>
    /// A stand-in mergerepo_c that reports <paramref name="versionLine"/>, records its arguments and
    /// TMPDIR, and "merges" by copying the first repo's repodata (with <paramref name="premergeBase"/>,
    /// as a primary that locates every package under the first repo's directory).
    /// </summary>
    private static string FakeMergerepo(string dir, string versionLine, int exitCode = 0, bool premergeBase = false)
    {
        var path = Path.Combine(dir, "mergerepo_c");
        var copy = premergeBase
            ? """
              zcat "$first"/repodata/*primary.xml.gz | sed "s|<location href|<location xml:base=\"file://$first/\" href|" > "$out/repodata/primary.xml"
              printf '<repomd xmlns="http://linux.duke.edu/metadata/repo"><data type="primary"><location href="repodata/primary.xml"/></data></repomd>' > "$out/repodata/repomd.xml"
              """
            : """cp "$first"/repodata/* "$out/repodata/" """;
        File.WriteAllText(path, $$"""
            #!/bin/sh
            if [ "$1" = "--version" ]; then echo '{{versionLine}}'; exit 0; fi
            printf '%s\n' "$@" > "{{dir}}/args"
            echo "$TMPDIR" > "{{dir}}/tmpdir"
            echo "stand-in merging"
            out=""
            first=""
            while [ $# -gt 0 ]; do
              [ "$1" = "-o" ] && out="$2"
              [ "$1" = "-r" ] && [ -z "$first" ] && first="${2#file://}" && first="${first%/}"
              shift
            done
            mkdir -p "$out/repodata"
            {{copy}}
            exit {{exitCode}}
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    [Fact]
    public async Task ToolVersionDecidesArchExpandAndSimpleMode()
    {
        var tools = Directory.CreateTempSubdirectory("kojinet-fake-mergerepo-").FullName;
        try
        {
            // 0.15.10: no --arch-expand; TMPDIR is the work dir; output goes to mergerepos.log.
            var work = corpus.NewWorkDir();
            var merge = new ExternalRepoMerge(FakeMergerepo(tools, "Version: 0.15.10 (Features: DeltaRPM )"));
            Assert.Equal(new Version(0, 15, 10), await merge.GetVersionAsync(CancellationToken.None));
            await merge.MergeAsync(Request(work, Sources("koji")), CancellationToken.None);
            var premerge = Path.Combine(work, "repo_42_premerge");
            Assert.Equal(
            [
                "--koji", "-a", "x86_64", "-o", Path.Combine(work, "repo"), "-b", corpus.BlocklistPath, "-g", corpus.CompsPath,
                "-r", $"file://{premerge}/", "-r", $"file://{corpus.Ext1}", "-r", $"file://{corpus.Ext2}/", "-r", $"file://{corpus.Ext3}/x86_64/",
            ], File.ReadAllLines(Path.Combine(tools, "args")));
            Assert.Equal(work, File.ReadAllText(Path.Combine(tools, "tmpdir")).Trim());
            Assert.Equal("stand-in merging\n", File.ReadAllText(Path.Combine(work, "mergerepos.log")));
            Directory.Delete(work, recursive: true);

            // 0.15.11 adds --arch-expand; a missing comps file is left out.
            work = corpus.NewWorkDir();
            merge = new ExternalRepoMerge(FakeMergerepo(tools, "Version: 0.15.11"));
            await merge.MergeAsync(Request(work, Sources("bare")) with { CompsPath = Path.Combine(work, "no-comps.xml") }, CancellationToken.None);
            Assert.Equal(["--pkgorigins", "--all", "-a", "x86_64", "-o", Path.Combine(work, "repo"), "--arch-expand", "-r"],
                File.ReadAllLines(Path.Combine(tools, "args")).Take(8));
            Directory.Delete(work, recursive: true);

            // simple mode needs 0.13.0.
            work = corpus.NewWorkDir();
            merge = new ExternalRepoMerge(FakeMergerepo(tools, "Version: 0.12.2"));
            var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => merge.MergeAsync(Request(work, Sources("simple")), CancellationToken.None));
            Assert.Equal("mergerepo_c 0.12.2 does not support the simple merge mode (needs 0.13.0 or later)", e.Message);
            Assert.False(Directory.Exists(Path.Combine(work, "repo_42_premerge")));

            // An unreadable version, and a failing run.
            merge = new ExternalRepoMerge(FakeMergerepo(tools, "mergerepo_c, some build"));
            e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => merge.MergeAsync(Request(work, Sources("koji")), CancellationToken.None));
            Assert.StartsWith($"cannot tell the version of {tools}/mergerepo_c", e.Message, StringComparison.Ordinal);
            merge = new ExternalRepoMerge(FakeMergerepo(tools, "Version: 1.2.0", exitCode: 3));
            e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => merge.MergeAsync(Request(work, Sources("koji")), CancellationToken.None));
            Assert.EndsWith("exited with status 3 (see mergerepos.log)", e.Message, StringComparison.Ordinal);
            Directory.Delete(work, recursive: true);
        }
        finally
        {
            Directory.Delete(tools, recursive: true);
        }
    }

    [Fact]
    public async Task AMergedRepoThatLocatesKojiPackagesInThePremergeDirIsRefused()
    {
        var tools = Directory.CreateTempSubdirectory("kojinet-fake-mergerepo-").FullName;
        var work = corpus.NewWorkDir();
        try
        {
            var merge = new ExternalRepoMerge(FakeMergerepo(tools, "Version: 1.0.0", premergeBase: true));
            var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => merge.MergeAsync(Request(work, Sources("koji")), CancellationToken.None));
            Assert.Equal(KojiFaultCode.GenericError, e.FaultCode);
            Assert.StartsWith("failed to merge repos: the merged repo locates toplink/packages/", e.Message, StringComparison.Ordinal);
            Assert.EndsWith($"under the temporary {Path.Combine(work, "repo_42_premerge")} instead of the arch directory", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
            Directory.Delete(tools, recursive: true);
        }
    }

    [Fact]
    public async Task TheExternalReposAreListedAsOfTheReposCreateEvent()
    {
        var calls = new List<(string Method, IReadOnlyList<object?> Args, IReadOnlyDictionary<string, object?> Kwargs)>();
        var repos = await ExternalRepoMerge.ListForRepoAsync((method, args, kwargs, _) =>
        {
            calls.Add((method, args, kwargs));
            return Task.FromResult<object?>(new List<object?>
            {
                new Dictionary<string, object?> { ["url"] = "https://mirror.example/$arch/", ["merge_mode"] = "bare", ["arches"] = "x86_64", ["external_repo_name"] = "m" },
                new Dictionary<string, object?> { ["url"] = "file:///srv/other/", ["merge_mode"] = "bare", ["arches"] = null, ["external_repo_name"] = "o" },
            });
        }, new Dictionary<string, object?> { ["id"] = 42, ["tag_id"] = 7, ["create_event"] = 1234, ["tag_name"] = "t" }, CancellationToken.None);

        var call = Assert.Single(calls);
        Assert.Equal("getExternalRepoList", call.Method);
        Assert.Equal([7], call.Args);
        Assert.Equal(1234, call.Kwargs["event"]);
        Assert.Equal([new ExternalRepoSource("https://mirror.example/$arch/", "bare", "x86_64", "m"), new ExternalRepoSource("file:///srv/other/", "bare", null, "o")], repos);

        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => ExternalRepoMerge.ListForRepoAsync((_, _, _, _) => Task.FromResult<object?>("oops"),
            new Dictionary<string, object?> { ["tag_id"] = 7, ["create_event"] = 1 }, CancellationToken.None));
        Assert.Equal("getExternalRepoList returned String, not a list", e.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => ExternalRepoMerge.ListForRepoAsync((_, _, _, _) => Task.FromResult<object?>(null),
            new Dictionary<string, object?> { ["tag_id"] = 7 }, CancellationToken.None));
    }

    [Fact]
    public void SourcesReadHubStructsAndSelectByArch()
    {
        var source = ExternalRepoSource.FromStruct(new Dictionary<string, object?>
        {
            ["external_repo_id"] = 3,
            ["external_repo_name"] = "fedora",
            ["url"] = "https://example.org/$arch/os/$arch/",
            ["merge_mode"] = "bare",
            ["arches"] = "x86_64 aarch64",
            ["priority"] = 5,
            ["tag_id"] = 1,
            ["tag_name"] = "t",
        });
        Assert.Equal(new ExternalRepoSource("https://example.org/$arch/os/$arch/", "bare", "x86_64 aarch64", "fedora"), source);
        Assert.Equal("https://example.org/aarch64/os/aarch64/", source.UrlFor("aarch64"));
        Assert.True(source.AppliesTo("x86_64"));
        Assert.False(source.AppliesTo("x86"));
        Assert.False(source.AppliesTo("ppc64le"));
        Assert.True(new ExternalRepoSource("u", Arches: null).AppliesTo("s390x"));
        Assert.True(new ExternalRepoSource("u", Arches: "").AppliesTo("s390x"));
        Assert.Equal("koji", ExternalRepoSource.FromStruct(new Dictionary<string, object?> { ["url"] = "u", ["merge_mode"] = null }).MergeMode);
        Assert.Throws<ArgumentException>(() => ExternalRepoSource.FromStruct(new Dictionary<string, object?> { ["merge_mode"] = "koji" }));
    }
}
