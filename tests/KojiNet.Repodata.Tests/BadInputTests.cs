using KojiNet.TestSupport;

namespace KojiNet.Repodata.Tests;

/// <summary>Packages with missing or inconsistent metadata fail the run with a message naming them, and publish nothing.</summary>
[Collection(RepoCorpusCollection.Name)]
public sealed class BadInputTests(RepoCorpus corpus) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-repodata-bad-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private List<RepoPackage> Models() =>
        corpus.RelativePaths.Select(rel => RepoPackage.FromRpmFile(Path.Combine(corpus.TopDir, rel), rel)).ToList();

    public static TheoryData<string, string> Breakages => new()
    {
        { "no-name", "no name" },
        { "no-pkgid", "no package checksum" },
        { "short-pkgid", "64" },
        { "no-href", "no location href" },
        { "bad-epoch", "epoch 'x'" },
        { "header-range", "header range" },
        { "control-char", "control character" },
        { "bad-flags", "unknown flags" },
    };

    [Theory]
    [MemberData(nameof(Breakages))]
    public async Task A_broken_package_fails_the_run_and_the_previous_repodata_stays(string breakage, string message)
    {
        var models = Models();
        var options = new RepodataWriterOptions { CacheFile = Path.Combine(_dir, "cache") };
        await RepodataWriter.WriteAsync(_dir, models, options);
        var before = Snapshot();
        var victim = models.Single(p => p.Name == "kr-lib" && p.Arch == "noarch");
        switch (breakage)
        {
            case "no-name":
                victim.Name = "";
                break;
            case "no-pkgid":
                victim.PkgId = "";
                break;
            case "short-pkgid":
                victim.PkgId = "abc123";
                break;
            case "no-href":
                victim.LocationHref = "";
                break;
            case "bad-epoch":
                victim.Epoch = "x";
                break;
            case "header-range":
                victim.HeaderEnd = victim.HeaderStart - 1;
                break;
            case "control-char":
                victim.Description = "bell\u0007";
                break;
            case "bad-flags":
                victim.Requires.Add(new RepoDependency { Name = "x", Flags = ">=" });
                break;
        }
        victim.FileTime++; // not a cache hit

        var e = await Assert.ThrowsAsync<RepodataException>(() => RepodataWriter.WriteAsync(_dir, models, options));

        Assert.Contains("1.1-1.noarch", e.Message, StringComparison.Ordinal);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task An_rpm_with_a_control_character_fails_like_createrepo_c_refuses_it()
    {
        var reference = Path.Combine(_dir, "cr");
        Directory.CreateDirectory(reference);
        var cr = ExternalTool.Run("createrepo_c", ["--error-exit-val", "--no-database", "-o", reference, corpus.BadDir]);
        Assert.NotEqual(0, cr.ExitCode);
        Assert.Contains("Forbidden control chars", cr.StdErr + cr.StdOut, StringComparison.Ordinal);

        var e = await Assert.ThrowsAsync<RepodataException>(() => RepodataWriter.WriteFromDirectoryAsync(Path.Combine(_dir, "ours"), corpus.BadDir));

        Assert.Contains("kr-ctrl-1-1.noarch", e.Message, StringComparison.Ordinal);
        Assert.Contains("summary", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_dir, "ours", "repodata")));
        Assert.Empty(Directory.GetDirectories(Path.Combine(_dir, "ours")));
    }

    [Fact]
    public async Task A_file_that_is_not_an_rpm_is_named()
    {
        var packages = Path.Combine(_dir, "pkgs");
        Directory.CreateDirectory(packages);
        File.Copy(corpus.Find("kr-lib-1.1-1", "noarch"), Path.Combine(packages, "kr-lib-1.1-1.noarch.rpm"));
        await File.WriteAllTextAsync(Path.Combine(packages, "broken-1-1.noarch.rpm"), "not an rpm");

        var e = await Assert.ThrowsAsync<RepodataException>(() => RepodataWriter.WriteFromDirectoryAsync(packages, packages));

        Assert.Contains("broken-1-1.noarch.rpm", e.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(packages, "repodata")));
    }

    [Fact]
    public async Task A_missing_file_in_the_package_list_is_named()
    {
        var e = await Assert.ThrowsAsync<RepodataException>(() =>
            RepodataWriter.WriteFromRpmFilesAsync(_dir, corpus.TopDir, ["RPMS/noarch/missing-1-1.noarch.rpm"]));

        Assert.Contains("missing-1-1.noarch.rpm", e.Message, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Snapshot() =>
        Directory.GetFileSystemEntries(_dir, "*", SearchOption.AllDirectories)
            .Where(File.Exists)
            .ToDictionary(p => Path.GetRelativePath(_dir, p),
                p => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(p))), StringComparer.Ordinal);
}
