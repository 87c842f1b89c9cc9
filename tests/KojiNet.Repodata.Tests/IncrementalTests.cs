namespace KojiNet.Repodata.Tests;

/// <summary>
/// Regeneration with the fragment cache: only new or changed packages are rendered, and the
/// output is byte for byte what a full generation writes.
/// </summary>
[Collection(RepoCorpusCollection.Name)]
public sealed class IncrementalTests(RepoCorpus corpus) : IDisposable
{
    private static readonly DateTimeOffset Time = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-repodata-incr-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string CachePath => Path.Combine(_dir, "cache", "fragments");

    private RepodataWriterOptions Options(bool cache, int? changelogLimit = 10) => new()
    {
        Timestamp = Time,
        CacheFile = cache ? CachePath : null,
        ChangelogLimit = changelogLimit,
        MaxDegreeOfParallelism = 2,
    };

    private List<RepoPackage> Models() =>
        corpus.RelativePaths.Select(rel => RepoPackage.FromRpmFile(Path.Combine(corpus.TopDir, rel), rel)).ToList();

    private static void AssertSameFiles(string expectedRepo, string actualRepo)
    {
        var expected = Directory.GetFiles(Path.Combine(expectedRepo, "repodata")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var actual = Directory.GetFiles(Path.Combine(actualRepo, "repodata")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, actual);
        foreach (var name in expected)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(expectedRepo, "repodata", name!)).AsSpan()
                .SequenceEqual(File.ReadAllBytes(Path.Combine(actualRepo, "repodata", name!))), $"{name} differs");
        }
    }

    [Fact]
    public async Task Adding_one_package_renders_only_that_package_and_matches_a_full_run()
    {
        var all = Models();
        var added = all.Single(p => p.Name == "kr-app");
        var incremental = Path.Combine(_dir, "incremental");
        var first = await RepodataWriter.WriteAsync(incremental, all.Where(p => p != added), Options(cache: true));
        Assert.False(first.CacheLoaded);
        Assert.Equal(all.Count - 1, first.RenderedPackages);

        var second = await RepodataWriter.WriteAsync(incremental, all, Options(cache: true));

        Assert.True(second.CacheLoaded);
        Assert.Equal(1, second.RenderedPackages);
        Assert.Equal(all.Count - 1, second.ReusedPackages);
        var full = Path.Combine(_dir, "full");
        await RepodataWriter.WriteAsync(full, all, Options(cache: false));
        AssertSameFiles(full, incremental);
        Metadata.AssertSameContent(corpus.CreaterepoOutput, incremental);
    }

    [Fact]
    public async Task Removing_and_replacing_packages_matches_a_full_run()
    {
        var all = Models();
        var incremental = Path.Combine(_dir, "incremental");
        await RepodataWriter.WriteAsync(incremental, all, Options(cache: true));
        // kn-zstd is dropped; kr-lib is "rebuilt": same location, new checksum and file time.
        var next = all.Where(p => p.Name != "kn-zstd").ToList();
        var lib = next.Single(p => p.Name == "kr-lib" && p.Arch == "noarch");
        lib.PkgId = new string('a', 64);
        lib.FileTime += 60;

        var result = await RepodataWriter.WriteAsync(incremental, next, Options(cache: true));

        Assert.Equal(1, result.RenderedPackages);
        Assert.Equal(next.Count - 1, result.ReusedPackages);
        var full = Path.Combine(_dir, "full");
        await RepodataWriter.WriteAsync(full, next, Options(cache: false));
        AssertSameFiles(full, incremental);
        Assert.Contains(new string('a', 64), Metadata.Text(incremental, "primary"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rpm_file_input_reuses_unchanged_files_by_location_time_and_size()
    {
        var incremental = Path.Combine(_dir, "incremental");
        var paths = corpus.RelativePaths;
        await RepodataWriter.WriteFromRpmFilesAsync(incremental, corpus.TopDir, paths.Skip(1), Options(cache: true));

        var result = await RepodataWriter.WriteFromRpmFilesAsync(incremental, corpus.TopDir, paths, Options(cache: true));

        Assert.Equal(1, result.RenderedPackages);
        Assert.Equal(paths.Count - 1, result.ReusedPackages);
        var full = Path.Combine(_dir, "full");
        await RepodataWriter.WriteFromRpmFilesAsync(full, corpus.TopDir, paths, Options(cache: false));
        AssertSameFiles(full, incremental);
    }

    [Fact]
    public async Task Other_render_settings_or_a_damaged_cache_are_not_reused()
    {
        var all = Models();
        var repo = Path.Combine(_dir, "repo");
        await RepodataWriter.WriteAsync(repo, all, Options(cache: true));

        var otherLimit = await RepodataWriter.WriteAsync(repo, all, Options(cache: true, changelogLimit: null));
        Assert.False(otherLimit.CacheLoaded);
        Assert.Equal(all.Count, otherLimit.RenderedPackages);

        var bytes = await File.ReadAllBytesAsync(CachePath);
        bytes[^3] ^= 0x55;
        await File.WriteAllBytesAsync(CachePath, bytes);
        var damaged = await RepodataWriter.WriteAsync(repo, all, Options(cache: true, changelogLimit: null));
        Assert.False(damaged.CacheLoaded);
        Assert.Equal(all.Count, damaged.RenderedPackages);

        var again = await RepodataWriter.WriteAsync(repo, all, Options(cache: true, changelogLimit: null));
        Assert.True(again.CacheLoaded);
        Assert.Equal(0, again.RenderedPackages);
        var full = Path.Combine(_dir, "full");
        await RepodataWriter.WriteAsync(full, all, Options(cache: false, changelogLimit: null));
        AssertSameFiles(full, repo);
    }
}
