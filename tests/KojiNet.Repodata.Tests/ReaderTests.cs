using System.Text.Json;
using KojiNet.TestSupport;

namespace KojiNet.Repodata.Tests;

/// <summary>The reader against createrepo_c's output: same model as from our own output and from the RPM files.</summary>
[Collection(RepoCorpusCollection.Name)]
public sealed class ReaderTests(RepoCorpus corpus) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-repodata-reader-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Json(object value) => JsonSerializer.Serialize(value, new JsonSerializerOptions { WriteIndented = true });

    [Fact]
    public async Task Reads_createrepo_c_output_into_the_same_model_as_ours()
    {
        await RepodataWriter.WriteFromDirectoryAsync(_dir, corpus.TopDir);

        var theirs = RepodataReader.ReadRepository(corpus.CreaterepoOutput);
        var ours = RepodataReader.ReadRepository(_dir);

        Assert.Equal(corpus.Packages.Count, theirs.Count);
        Assert.Equal(Json(theirs), Json(ours));
    }

    [Fact]
    public async Task Models_read_from_createrepo_c_output_write_identical_metadata()
    {
        var models = RepodataReader.ReadRepository(corpus.CreaterepoOutput);

        await RepodataWriter.WriteAsync(_dir, models);

        Metadata.AssertSameContent(corpus.CreaterepoOutput, _dir);
    }

    [Fact]
    public void Read_model_equals_the_model_built_from_the_rpm_file()
    {
        var read = RepodataReader.ReadRepository(corpus.CreaterepoOutput).ToDictionary(p => p.LocationHref, StringComparer.Ordinal);

        foreach (var rel in corpus.RelativePaths)
        {
            var built = RepoPackage.FromRpmFile(Path.Combine(corpus.TopDir, rel), rel);
            var fromRepo = read[rel];
            // other.xml holds at most 10 entries (createrepo_c's default limit), with unique dates.
            Assert.Equal(built.Changelog.Take(10).Select(c => (c.Author, c.Text)), fromRepo.Changelog.Select(c => (c.Author, c.Text)));
            built.Changelog = [];
            fromRepo.Changelog = [];
            Assert.Equal(Json(built), Json(fromRepo));
        }
        var edge = read.Values.Single(p => p.Name == "kr-edge" && p.Arch == "noarch");
        Assert.Equal(["/opt/elsewhere/bin/tool", "/usr/share/kr-edge/data"], edge.Requires.Take(2).Select(r => r.Name));
        Assert.True(edge.Requires.Single(r => r.Name == "pre-a").Pre);
        Assert.Equal(RepoFileType.Ghost, edge.Files.Single(f => f.Path == "/etc/kr.d/ghost.conf").Type);
        Assert.Equal(RepoFileType.Dir, edge.Files.Single(f => f.Path == "/var/lib/kr").Type);
        Assert.Equal("café", read.Values.Single(p => p.Name == "kr-latin1" && p.Arch == "noarch").Summary[^4..]);
    }

    [Fact]
    public void Reads_xz_compressed_metadata()
    {
        ExternalTool.RunChecked("createrepo_c", ["--quiet", "--no-database", "--general-compress-type=xz", "-o", _dir, corpus.TopDir]);

        Assert.EndsWith(".xz", Repomd.Load(_dir).Find("filelists")!.LocationHref, StringComparison.Ordinal);
        Assert.Equal(Json(RepodataReader.ReadRepository(corpus.CreaterepoOutput)), Json(RepodataReader.ReadRepository(_dir)));
    }

    [Fact]
    public async Task Reads_our_zstd_metadata()
    {
        await RepodataWriter.WriteFromDirectoryAsync(_dir, corpus.TopDir, new RepodataWriterOptions { Compression = RepodataCompression.Zstd, ChunkTargetBytes = 4096 });

        Assert.EndsWith(".zst", Repomd.Load(_dir).Find("other")!.LocationHref, StringComparison.Ordinal);
        Assert.Equal(Json(RepodataReader.ReadRepository(corpus.CreaterepoOutput)), Json(RepodataReader.ReadRepository(_dir)));
    }

    [Fact]
    public async Task A_damaged_metadata_file_is_refused_with_its_name()
    {
        await RepodataWriter.WriteFromDirectoryAsync(_dir, corpus.TopDir);
        var primary = Path.Combine(_dir, Repomd.Load(_dir).Find("primary")!.LocationHref);
        var bytes = await File.ReadAllBytesAsync(primary);
        bytes[^10] ^= 0xFF;
        await File.WriteAllBytesAsync(primary, bytes);

        var e = Assert.Throws<RepodataException>(() => RepodataReader.ReadRepository(_dir));
        Assert.Contains(Path.GetFileName(primary), e.Message, StringComparison.Ordinal);
        Assert.Contains("repomd.xml says", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_xml_is_a_repodata_error()
    {
        using var stream = new MemoryStream("<metadata packages=\"1\"><package type=\"rpm\"><name>x</nam></package></metadata>"u8.ToArray());

        Assert.Throws<RepodataException>(() => RepodataReader.ReadPrimary(stream).ToList());
    }

    [Fact]
    public async Task Location_base_matches_createrepo_c_baseurl()
    {
        const string baseUrl = "http://example.org/repo?x=1&y=2/";
        var reference = Path.Combine(_dir, "cr");
        Directory.CreateDirectory(reference);
        ExternalTool.RunChecked("createrepo_c", ["--quiet", "--no-database", "--baseurl", baseUrl, "-o", reference, corpus.TopDir]);
        var models = corpus.RelativePaths.Select(rel => RepoPackage.FromRpmFile(Path.Combine(corpus.TopDir, rel), rel, baseUrl)).ToList();
        var ours = Path.Combine(_dir, "ours");

        await RepodataWriter.WriteAsync(ours, models);

        Metadata.AssertSameContent(reference, ours);
        Assert.All(RepodataReader.ReadRepository(ours), p => Assert.Equal(baseUrl, p.LocationBase));
    }
}
