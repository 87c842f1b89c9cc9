using System.Text;
using KojiNet.TestSupport;

namespace KojiNet.Repodata.Tests;

/// <summary>Three hundred small packages built by rpmbuild (one spec, many subpackages), and createrepo_c's metadata for them.</summary>
public sealed class ManyPackages : IDisposable
{
    public const int Count = 300;

    public ManyPackages()
    {
        Root = Directory.CreateTempSubdirectory("kojinet-repodata-many-").FullName;
        PackageDir = Path.Combine(Root, "pkgs");
        var spec = new StringBuilder();
        spec.Append("Name: kr-many\nVersion: 1.0\nRelease: 1\nSummary: many\nLicense: MIT\nBuildArch: noarch\n%description\nMany.\n");
        for (var i = 1; i <= Count; i++)
        {
            spec.Append(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"%package -n kr-many-{i}\nSummary: sub {i} <&>\nRequires: kr-many-{(i % Count) + 1}\nProvides: kr-many-cap({i}) = {i}\n%description -n kr-many-{i}\nSub {i}.\n%files -n kr-many-{i}\n/usr/share/kr-many/{i}\n"));
            if (i % 7 == 0)
            {
                spec.Append(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"/usr/bin/kr-many-{i}\n"));
            }
        }
        spec.Append("%install\nmkdir -p %{buildroot}/usr/share/kr-many %{buildroot}/usr/bin\n");
        spec.Append(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"for i in $(seq 1 {Count}); do echo $i > %{{buildroot}}/usr/share/kr-many/$i; echo $i > %{{buildroot}}/usr/bin/kr-many-$i; done\n"));
        spec.Append("%changelog\n* Mon Jan 01 2024 Many <many@example.org> - 1.0-1\n- many\n");
        var specPath = Path.Combine(Root, "kr-many.spec");
        File.WriteAllText(specPath, spec.ToString());
        ExternalTool.RunChecked("rpmbuild", ["--quiet", "--nodeps", "--define", $"_topdir {Path.Combine(Root, "top")}",
            "--define", $"_rpmdir {PackageDir}", "--define", "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
            "--define", "_unpackaged_files_terminate_build 0", "-bb", specPath]);
        RelativePaths = Directory.GetFiles(PackageDir, "*.rpm").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList()!;
        CreaterepoOutput = Path.Combine(Root, "cr");
        Directory.CreateDirectory(CreaterepoOutput);
        ExternalTool.RunChecked("createrepo_c", ["--quiet", "--no-database", "-o", CreaterepoOutput, PackageDir]);
    }

    public string Root { get; }

    public string PackageDir { get; }

    public IReadOnlyList<string> RelativePaths { get; }

    public string CreaterepoOutput { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// Output made of many independently compressed chunks: identical content to createrepo_c's, one
/// standard gzip member, readable by dnf, and regenerated chunk by chunk.
/// </summary>
public sealed class ManyPackagesTests(ManyPackages many) : IClassFixture<ManyPackages>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-repodata-manyout-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // About 20 packages per chunk, so 300 packages make many chunks.
    private static RepodataWriterOptions SmallChunks() => new() { ChunkTargetBytes = 32 * 1024 };

    private const string SingleMemberCheck = """
        import sys, zlib
        data = open(sys.argv[1], 'rb').read()
        d = zlib.decompressobj(31)
        out = d.decompress(data) + d.flush()
        assert d.eof, 'gzip stream not finished'
        assert d.unused_data == b'', 'data after the first gzip member: %d bytes' % len(d.unused_data)
        print(len(out))
        """;

    [Fact]
    public async Task Many_chunks_give_createrepo_c_content_in_one_gzip_member()
    {
        var result = await RepodataWriter.WriteFromRpmFilesAsync(_dir, many.PackageDir, many.RelativePaths, SmallChunks());

        Assert.Equal(ManyPackages.Count, result.PackageCount);
        Assert.True(result.CompressedChunks > 2, $"only {result.CompressedChunks} chunks");
        Metadata.AssertSameContent(many.CreaterepoOutput, _dir);
        foreach (var type in new[] { "primary", "filelists", "other" })
        {
            var record = result.Repomd.Find(type)!;
            var path = Path.Combine(_dir, record.LocationHref);
            var length = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", SingleMemberCheck, path]).Trim();
            Assert.Equal(record.OpenSize.ToString(), length);
            ExternalTool.RunChecked("gzip", ["-t", path]);
        }
    }

    [Fact]
    public async Task Dnf_reads_all_packages_and_resolves_across_chunks()
    {
        await RepodataWriter.WriteFromRpmFilesAsync(_dir, many.PackageDir, many.RelativePaths, SmallChunks());
        using var dnf = new IsolatedDnf();

        var names = dnf.Run(_dir, "repoquery", "--qf", "%{name}").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var resolved = dnf.Run(_dir, "repoquery", "--requires", "--resolve", "kr-many-1", "--qf", "%{name}").Trim();
        var providers = dnf.Run(_dir, "repoquery", "--whatprovides", "kr-many-cap(250) = 250", "--qf", "%{name}").Trim();

        Assert.Equal(ManyPackages.Count, names.Length);
        Assert.Equal("kr-many-2", resolved);
        Assert.Equal("kr-many-250", providers);
    }

    [Fact]
    public async Task Adding_a_package_recompresses_one_chunk_and_matches_a_full_run()
    {
        var options = SmallChunks();
        options.CacheFile = Path.Combine(_dir, "cache");
        options.Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
        var incremental = Path.Combine(_dir, "incremental");
        var added = many.RelativePaths[ManyPackages.Count / 2];
        var first = await RepodataWriter.WriteFromRpmFilesAsync(incremental, many.PackageDir, many.RelativePaths.Where(p => p != added), options);

        var second = await RepodataWriter.WriteFromRpmFilesAsync(incremental, many.PackageDir, many.RelativePaths, options);

        Assert.Equal(1, second.RenderedPackages);
        Assert.InRange(second.CompressedChunks, 1, 2);
        Assert.Equal(first.CompressedChunks, second.ReusedChunks + 1);
        var full = Path.Combine(_dir, "full");
        options.CacheFile = null;
        await RepodataWriter.WriteFromRpmFilesAsync(full, many.PackageDir, many.RelativePaths, options);
        Metadata.AssertSameContent(full, incremental);
        Metadata.AssertSameContent(many.CreaterepoOutput, incremental);
        Assert.Equal(
            Directory.GetFiles(Path.Combine(full, "repodata")).Select(f => Convert.ToHexString(File.ReadAllBytes(f))).Order(StringComparer.Ordinal),
            Directory.GetFiles(Path.Combine(incremental, "repodata")).Select(f => Convert.ToHexString(File.ReadAllBytes(f))).Order(StringComparer.Ordinal));
    }
}
