using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>The payload read through <see cref="RpmPackage"/> matches <c>rpm2cpio X | cpio -idmv</c>.</summary>
[Collection(RpmCorpusCollection.Name)]
public class PackagePayloadTests(RpmCorpus corpus) : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("kn-payload-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    public static TheoryData<string> PackageNames() => PackageQueryTests.PackageNames();

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void PayloadMatchesRpm2cpio(string fileName)
    {
        var path = corpus.Packages.Single(p => Path.GetFileName(p) == fileName);
        var extracted = Path.Combine(_work, "cpio");
        Directory.CreateDirectory(extracted);
        ExternalTool.RunChecked("sh", ["-c", "rpm2cpio \"$1\" | cpio -idm --quiet", "sh", path], workingDirectory: extracted);

        using var stream = File.OpenRead(path);
        var pkg = RpmPackage.Read(stream);
        using var archive = pkg.OpenPayloadArchive(stream);
        var seen = new List<string>();
        while (archive.ReadNextEntry() is { } entry)
        {
            var relative = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            seen.Add("/" + relative);
            var onDisk = Path.Combine(extracted, relative);
            if (entry.IsRegularFile)
            {
                using var content = archive.OpenEntryStream();
                using var buffer = new MemoryStream();
                content.CopyTo(buffer);
                Assert.Equal(File.ReadAllBytes(onDisk), buffer.ToArray());
            }
            else if (entry.IsSymbolicLink)
            {
                Assert.Equal(new FileInfo(onDisk).LinkTarget, entry.LinkTarget);
            }
            else if (entry.IsDirectory)
            {
                Assert.True(Directory.Exists(onDisk), onDisk);
            }
        }
        var listed = ExternalTool.RunChecked("sh", ["-c", "rpm2cpio \"$1\" | cpio -t --quiet", "sh", path])
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(n => "/" + (n.StartsWith("./", StringComparison.Ordinal) ? n[2..] : n));
        Assert.Equal(listed, seen);

        // Every packaged file that is not a ghost appears in the payload under its header path.
        var expected = pkg.GetFiles().Where(f => !f.IsGhost)
            .Select(f => pkg.IsSource ? "/" + f.Path : f.Path).Order(StringComparer.Ordinal);
        Assert.Equal(expected, seen.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("kn-noarch")]
    [InlineData("kn-compiled")]
    [InlineData("kn-zstd")]
    [InlineData("kn-bzip2")]
    public void SpecOfSourcePackageIsExtracted(string name)
    {
        var srpm = corpus.Find(name, source: true);
        var pkg = RpmPackage.Open(srpm);
        Assert.Equal(name + ".spec", pkg.SpecFileName);
        var spec = RpmPackage.ExtractFile(srpm, pkg.SpecFileName!);
        Assert.NotNull(spec);
        var extracted = Path.Combine(_work, name);
        Directory.CreateDirectory(extracted);
        ExternalTool.RunChecked("sh", ["-c", "rpm2cpio \"$1\" | cpio -idm --quiet", "sh", srpm], workingDirectory: extracted);
        Assert.Equal(File.ReadAllBytes(Path.Combine(extracted, name + ".spec")), spec);
        Assert.Equal(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "specs", name + ".spec")), spec);
        Assert.Null(RpmPackage.ExtractFile(srpm, "missing.spec"));
    }

    [Fact]
    public void FileOfBinaryPackageIsExtractedByHeaderPath()
    {
        var content = RpmPackage.ExtractFile(corpus.Find("kn-noarch"), "/etc/kn-noarch/kn.conf");
        Assert.Equal("key=value\n"u8.ToArray(), content);
        Assert.Null(RpmPackage.Open(corpus.Find("kn-noarch")).SpecFileName);
    }
}
