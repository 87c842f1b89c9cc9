using KojiNet.TestSupport;

namespace KojiNet.Repodata.Tests;

/// <summary>
/// Real dnf reads our metadata as it reads createrepo_c's: every repoquery view (NEVRA, location,
/// sizes, dependencies of every kind, files, changelogs) is identical, and a package installs
/// into a private install root with its dependency resolved from our repository.
/// </summary>
[Collection(RepoCorpusCollection.Name)]
public sealed class DnfTests(RepoCorpus corpus) : IDisposable
{
    private const string QueryFormat =
        "=%{name}|%{epoch}|%{version}|%{release}|%{arch}|%{location}|%{sourcerpm}|%{buildtime}|%{size}|%{installsize}"
        + "|%{license}|%{url}|%{summary}|%{packager}|%{vendor}\n"
        + "description:\n%{description}\nrequires:\n%{requires}\nprovides:\n%{provides}\nconflicts:\n%{conflicts}\n"
        + "obsoletes:\n%{obsoletes}\nrecommends:\n%{recommends}\nsuggests:\n%{suggests}\nsupplements:\n%{supplements}\n"
        + "enhances:\n%{enhances}\nfiles:\n%{files}\n";

    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-repodata-dnf-").FullName;
    private readonly IsolatedDnf _dnf = new();

    public void Dispose()
    {
        _dnf.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private string Query(string repo, params string[] args) => _dnf.Run(repo, ["repoquery", .. args]);

    [Fact]
    public async Task Repoquery_sees_the_same_packages_as_in_a_createrepo_c_repo()
    {
        await RepodataWriter.WriteFromDirectoryAsync(_dir, corpus.TopDir);

        var expected = Query(corpus.CreaterepoOutput, "--qf", QueryFormat);
        var actual = Query(_dir, "--qf", QueryFormat);

        Assert.Contains("=kr-edge|1|2.5|3.kr|noarch|", expected, StringComparison.Ordinal);
        Assert.Contains("libc.so.6(GLIBC_2.34)(64bit)", expected, StringComparison.Ordinal);
        Assert.Equal(corpus.Packages.Count, expected.Split('\n').Count(l => l.StartsWith('=')));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Repoquery_changelogs_and_lists_match_createrepo_c()
    {
        await RepodataWriter.WriteFromDirectoryAsync(_dir, corpus.TopDir);

        foreach (var args in new[]
        {
            new[] { "--changelog" },
            ["--provides"],
            ["--requires"],
            ["--list"],
            ["--requires-pre"],
            ["--location"],
            ["--requires", "--resolve", "kr-app"],
            ["--whatprovides", "/usr/sbin/kr-daemon"],
            ["--whatrequires", "kr-lib"],
        })
        {
            // --location prints URLs under each repository's own directory.
            var expected = Query(corpus.CreaterepoOutput, args).Replace(corpus.CreaterepoOutput, "REPO", StringComparison.Ordinal);
            var actual = Query(_dir, args).Replace(_dir, "REPO", StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(expected), $"repoquery {string.Join(' ', args)} printed nothing");
            Assert.Equal(expected, actual);
        }
        Assert.Contains("Jöhn Dœ", Query(_dir, "--changelog", "kn-noarch"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_package_installs_with_its_dependency_from_our_repository()
    {
        // The repository lies next to the packages, so location hrefs resolve.
        var repo = Path.Combine(_dir, "repo");
        Directory.CreateDirectory(Path.Combine(repo, "pkgs"));
        foreach (var name in new[] { "kr-app", "kr-lib" })
        {
            var rpm = corpus.Find(name + "-1.1-1", "noarch");
            File.Copy(rpm, Path.Combine(repo, "pkgs", Path.GetFileName(rpm)));
        }
        await RepodataWriter.WriteFromDirectoryAsync(repo, repo);

        _dnf.Run(repo, "install", "kr-app");

        var installed = ExternalTool.RunChecked("rpm", ["--root", _dnf.InstallRoot, "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}\n"]);
        Assert.Equal(["kr-app-1.1-1", "kr-lib-1.1-1"], installed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(Path.Combine(_dnf.InstallRoot, "usr/share/kr-lib/lib.txt")));
    }

    [Fact]
    public async Task Zstd_metadata_is_read_by_dnf()
    {
        await RepodataWriter.WriteFromDirectoryAsync(_dir, corpus.TopDir, new RepodataWriterOptions { Compression = RepodataCompression.Zstd });

        Assert.EndsWith("-primary.xml.zst", Metadata.Repomd(_dir).Find("primary")!.LocationHref, StringComparison.Ordinal);
        Assert.Equal(Query(corpus.CreaterepoOutput, "--qf", QueryFormat), Query(_dir, "--qf", QueryFormat));
    }
}
