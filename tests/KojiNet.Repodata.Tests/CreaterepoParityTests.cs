using KojiNet.TestSupport;

namespace KojiNet.Repodata.Tests;

/// <summary>
/// Our writer against createrepo_c on the same RPM files: the uncompressed primary, filelists and
/// other must be byte for byte what createrepo_c writes (same packages, order, elements,
/// attributes, escaping, dependency filtering, changelog handling).
/// </summary>
[Collection(RepoCorpusCollection.Name)]
public sealed class CreaterepoParityTests(RepoCorpus corpus) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-repodata-parity-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task From_rpm_files_matches_createrepo_c_byte_for_byte()
    {
        var result = await RepodataWriter.WriteFromDirectoryAsync(_dir, corpus.TopDir);

        Assert.Equal(corpus.Packages.Count, result.PackageCount);
        Metadata.AssertSameContent(corpus.CreaterepoOutput, _dir);
    }

    [Fact]
    public async Task From_the_in_memory_model_matches_createrepo_c_byte_for_byte()
    {
        var packages = corpus.RelativePaths.Select(rel => RepoPackage.FromRpmFile(Path.Combine(corpus.TopDir, rel), rel)).ToList();

        await RepodataWriter.WriteAsync(_dir, packages, new RepodataWriterOptions { MaxDegreeOfParallelism = 1 });

        Metadata.AssertSameContent(corpus.CreaterepoOutput, _dir);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(11)]
    public async Task Changelog_limit_matches_createrepo_c(int limit)
    {
        var reference = Path.Combine(_dir, "cr");
        Directory.CreateDirectory(reference);
        ExternalTool.RunChecked("createrepo_c", ["--quiet", "--no-database", "--changelog-limit", $"{limit}", "-o", reference, corpus.TopDir]);
        var ours = Path.Combine(_dir, "ours");

        await RepodataWriter.WriteFromDirectoryAsync(ours, corpus.TopDir, new RepodataWriterOptions { ChangelogLimit = limit });

        Metadata.AssertSameContent(reference, ours);
        var edge = RepodataReader.ReadRepository(ours).Single(p => p.Name == "kr-edge" && p.Arch == "noarch");
        Assert.Equal(Math.Min(limit, 12), edge.Changelog.Count);
    }

    [Fact]
    public async Task Group_file_records_match_createrepo_c()
    {
        var comps = Path.Combine(_dir, "comps.xml");
        await File.WriteAllTextAsync(comps, """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">
            <comps>
              <group>
                <id>build</id>
                <name>build</name>
                <description></description>
                <default>true</default>
                <uservisible>true</uservisible>
                <packagelist>
                  <packagereq type="mandatory">kr-app</packagereq>
                </packagelist>
              </group>
            </comps>

            """);
        var reference = Path.Combine(_dir, "cr");
        Directory.CreateDirectory(reference);
        ExternalTool.RunChecked("createrepo_c", ["--quiet", "--no-database", "-g", comps, "-o", reference, corpus.TopDir]);
        var ours = Path.Combine(_dir, "ours");

        var result = await RepodataWriter.WriteFromDirectoryAsync(ours, corpus.TopDir, new RepodataWriterOptions { GroupFile = comps });

        var expected = Repomd.Load(reference);
        foreach (var type in new[] { "group", "group_gz" })
        {
            var e = expected.Find(type)!;
            var a = result.Repomd.Find(type)!;
            Assert.Equal(e.OpenChecksum, a.OpenChecksum);
            Assert.Equal(e.OpenSize, a.OpenSize);
            Assert.Equal(e.LocationHref.EndsWith("-comps.xml", StringComparison.Ordinal), a.LocationHref.EndsWith("-comps.xml", StringComparison.Ordinal));
        }
        Assert.Equal(expected.Find("group")!.Checksum, result.Repomd.Find("group")!.Checksum);
        Assert.Equal(expected.Find("group")!.LocationHref, result.Repomd.Find("group")!.LocationHref);
        Assert.Equal(await File.ReadAllBytesAsync(comps), await File.ReadAllBytesAsync(Path.Combine(ours, result.Repomd.Find("group")!.LocationHref)));
        Assert.Equal(expected.Records.Select(r => r.Type), result.Repomd.Records.Select(r => r.Type));
    }

    [Fact]
    public async Task An_empty_repository_matches_createrepo_c()
    {
        var empty = Path.Combine(_dir, "empty");
        Directory.CreateDirectory(empty);
        var reference = Path.Combine(_dir, "cr");
        Directory.CreateDirectory(reference);
        ExternalTool.RunChecked("createrepo_c", ["--quiet", "--no-database", "-o", reference, empty]);

        var result = await RepodataWriter.WriteAsync(Path.Combine(_dir, "ours"), []);

        Assert.Equal(0, result.PackageCount);
        Metadata.AssertSameContent(reference, Path.Combine(_dir, "ours"));
    }

    [Fact]
    public async Task Metadata_stored_as_json_writes_the_same_repodata()
    {
        // The hub stores each package's metadata at import and writes repos from it later.
        var json = corpus.RelativePaths
            .Select(rel => System.Text.Json.JsonSerializer.Serialize(RepoPackage.FromRpmFile(Path.Combine(corpus.TopDir, rel), rel)))
            .ToList();
        var packages = json.Select(j => System.Text.Json.JsonSerializer.Deserialize<RepoPackage>(j)!).ToList();

        await RepodataWriter.WriteAsync(_dir, packages);

        Metadata.AssertSameContent(corpus.CreaterepoOutput, _dir);
    }

    [Fact]
    public async Task Cancellation_publishes_nothing()
    {
        var packages = corpus.RelativePaths.Select(rel => RepoPackage.FromRpmFile(Path.Combine(corpus.TopDir, rel), rel)).ToList();
        await RepodataWriter.WriteAsync(_dir, packages);
        var before = Directory.GetFiles(Path.Combine(_dir, "repodata")).Order(StringComparer.Ordinal).ToList();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            RepodataWriter.WriteAsync(_dir, packages.Take(3), new RepodataWriterOptions { CacheFile = Path.Combine(_dir, "cache") }, cancelled.Token));

        Assert.Equal(before, Directory.GetFiles(Path.Combine(_dir, "repodata")).Order(StringComparer.Ordinal));
        Assert.Equal(["repodata"], Directory.GetFileSystemEntries(_dir).Select(Path.GetFileName));
    }
}
