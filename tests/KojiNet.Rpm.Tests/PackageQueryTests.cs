using System.Globalization;
using System.Text;
using KojiNet.Rpm.Format;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>One rpmbuild corpus shared by the header, package, signature, writer and fuzz tests.</summary>
[CollectionDefinition(Name)]
public sealed class RpmCorpusCollection : ICollectionFixture<RpmCorpus>
{
    public const string Name = "rpm corpus";
}

/// <summary>Runs <c>rpm -qp --qf</c> and splits records terminated by <see cref="End"/>.</summary>
internal static class RpmOracle
{
    public const string End = "\\n@@\\n";

    public static string Query(string package, string queryFormat) =>
        ExternalTool.RunChecked("rpm", ["-qp", "--nosignature", "--nodigest", "--qf", queryFormat, package]);

    /// <summary>Values of one array query, one element (or tab-separated row) per record.</summary>
    public static List<string> Records(string package, string arrayFormat) =>
        [.. Query(package, $"[{arrayFormat}{End}]").Split("\n@@\n").SkipLast(1)];

    public static string Scalar(string package, string tag) => Query(package, $"%{{{tag}}}");

    public static string? NoneToNull(string value) => value == "(none)" ? null : value;
}

/// <summary>Every typed field of every corpus package, compared with what rpm itself prints.</summary>
[Collection(RpmCorpusCollection.Name)]
public class PackageQueryTests(RpmCorpus corpus)
{
    public static TheoryData<string> PackageNames() => new(CorpusFileNames);

    internal static readonly string[] CorpusFileNames =
    [
        "kn-bzip2-5-1.noarch.rpm", "kn-bzip2-5-1.src.rpm",
        "kn-compiled-2.0-1.x86_64.rpm", "kn-compiled-2.0-1.src.rpm",
        "kn-noarch-1.2.3-4.kn.noarch.rpm", "kn-noarch-1.2.3-4.kn.src.rpm",
        "kn-zstd-0.1~beta^post1-0.1.noarch.rpm", "kn-zstd-0.1~beta^post1-0.1.src.rpm",
    ];

    private string PathOf(string fileName) => corpus.Packages.Single(p => Path.GetFileName(p) == fileName);

    [Fact]
    public void TheoryCoversEveryCorpusPackage() =>
        Assert.Equal(corpus.Packages.Select(Path.GetFileName).Order(StringComparer.Ordinal),
            CorpusFileNames.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void ScalarFieldsMatchRpm(string fileName)
    {
        var path = PathOf(fileName);
        var pkg = RpmPackage.Open(path);
        string Q(string tag) => RpmOracle.Scalar(path, tag);
        string? N(string tag) => RpmOracle.NoneToNull(Q(tag));

        Assert.Equal(Q("NAME"), pkg.Name);
        Assert.Equal(N("EPOCH"), pkg.Epoch?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(Q("VERSION"), pkg.Version);
        Assert.Equal(Q("RELEASE"), pkg.Release);
        Assert.Equal(Q("ARCH"), pkg.Arch);
        Assert.Equal(N("SOURCERPM"), pkg.SourceRpm);
        Assert.Equal(fileName.EndsWith(".src.rpm", StringComparison.Ordinal), pkg.IsSource);
        Assert.Equal(N("SOURCEPACKAGE") is not null, pkg.HasSourcePackageTag);
        Assert.Equal(N("SUMMARY"), pkg.Summary);
        Assert.Equal(N("DESCRIPTION"), pkg.Description);
        Assert.Equal(N("LICENSE"), pkg.License);
        Assert.Equal(N("URL"), pkg.Url);
        Assert.Equal(N("VENDOR"), pkg.Vendor);
        Assert.Equal(N("PACKAGER"), pkg.Packager);
        Assert.Equal(N("GROUP"), pkg.Group);
        Assert.Equal(N("BUILDTIME"), pkg.BuildTime?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(N("BUILDHOST"), pkg.BuildHost);
        Assert.Equal(N("LONGSIZE"), pkg.Size?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(N("SIZE"), pkg.Header.GetUInt32(RpmTag.Size)?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(N("LONGARCHIVESIZE"), pkg.ArchiveSize?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(N("ARCHIVESIZE"), pkg.ArchiveSize?.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(N("PAYLOADFORMAT"), pkg.PayloadFormat);
        Assert.Equal(N("PAYLOADCOMPRESSOR"), pkg.PayloadCompressor);
        Assert.Equal(N("PAYLOADFLAGS"), pkg.PayloadFlags);
        Assert.Equal(N("COOKIE"), pkg.Cookie);
        Assert.Equal(N("SIGMD5"), pkg.SigMd5);
        Assert.Equal(N("SHA1HEADER"), pkg.Sha1Header);
        Assert.Equal(N("SHA256HEADER"), pkg.Sha256Header);
        Assert.Equal(N("FILEDIGESTALGO") ?? "1", pkg.FileDigestAlgorithm.ToString(CultureInfo.InvariantCulture));
        Assert.Equal($"{pkg.Name}-{pkg.Version}-{pkg.Release}", Q("NVR"));
        Assert.Equal(pkg.Nvr, Q("NVR"));
        Assert.Null(pkg.PgpSignature);
        Assert.Null(N("RSAHEADER"));
    }

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void ArchListsMatchRpm(string fileName)
    {
        var path = PathOf(fileName);
        var pkg = RpmPackage.Open(path);
        Assert.Equal(RpmOracle.Records(path, "%{EXCLUSIVEARCH}"), pkg.ExclusiveArch);
        Assert.Equal(RpmOracle.Records(path, "%{EXCLUDEARCH}"), pkg.ExcludeArch);
        Assert.Equal(RpmOracle.Records(path, "%{BUILDARCHS}"), pkg.BuildArchs);
    }

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void FileListMatchesRpm(string fileName)
    {
        var path = PathOf(fileName);
        var pkg = RpmPackage.Open(path);
        var expected = RpmOracle.Records(path,
            "%{FILENAMES}\\t%{FILEMODES}\\t%{LONGFILESIZES}\\t%{FILEDIGESTS}\\t%{FILEFLAGS}\\t%{FILELINKTOS}"
            + "\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILEMTIMES}\\t%{FILEINODES}\\t%{FILEDEVICES}\\t%{FILERDEVS}"
            + "\\t%{FILEVERIFYFLAGS}\\t%{FILELANGS}");
        var actual = pkg.GetFiles().Select(f => string.Join('\t',
            f.Path, f.Mode.ToString(CultureInfo.InvariantCulture), f.Size.ToString(CultureInfo.InvariantCulture),
            f.Digest, ((uint)f.Flags).ToString(CultureInfo.InvariantCulture), f.LinkTarget, f.User, f.Group,
            f.MTime.ToString(CultureInfo.InvariantCulture), f.Inode.ToString(CultureInfo.InvariantCulture),
            f.Device.ToString(CultureInfo.InvariantCulture), f.RDev.ToString(CultureInfo.InvariantCulture),
            f.VerifyFlags.ToString(CultureInfo.InvariantCulture), f.Language)).ToList();
        Assert.NotEmpty(actual);
        Assert.Equal(expected, actual);
        Assert.Equal(RpmOracle.Records(path, "%{FILENAMES}"), pkg.GetFileNames());
    }

    [Fact]
    public void FileFlagsAndKindsOfTheNoarchPackage()
    {
        var files = RpmPackage.Open(corpus.Find("kn-noarch")).GetFiles().ToDictionary(f => f.Path);
        Assert.Equal(RpmFileFlags.Config, files["/etc/kn-noarch/kn.conf"].Flags);
        Assert.Equal(RpmFileFlags.Config | RpmFileFlags.NoReplace, files["/etc/kn-noarch/keep.conf"].Flags);
        Assert.True(files["/var/log/kn-noarch.log"].IsGhost);
        Assert.Equal(RpmFileFlags.License, files["/usr/share/licenses/kn-noarch-1.2.3/LICENSE"].Flags);
        Assert.Equal(RpmFileFlags.Doc, files["/usr/share/doc/kn-noarch-1.2.3/README"].Flags);
        Assert.True(files["/usr/bin/kn-link"].IsSymlink);
        Assert.Equal("kn-noarch", files["/usr/bin/kn-link"].LinkTarget);
        Assert.True(files["/etc/kn-noarch"].IsDirectory);
        Assert.True(files["/usr/bin/kn-noarch"].IsRegularFile);
        Assert.Equal(0x81ED, files["/usr/bin/kn-noarch"].Mode);
    }

    public static TheoryData<string, RpmDependencyKind, string> DependencyCases()
    {
        var data = new TheoryData<string, RpmDependencyKind, string>();
        var kinds = new (RpmDependencyKind Kind, string Prefix)[]
        {
            (RpmDependencyKind.Requires, "REQUIRE"), (RpmDependencyKind.Provides, "PROVIDE"),
            (RpmDependencyKind.Conflicts, "CONFLICT"), (RpmDependencyKind.Obsoletes, "OBSOLETE"),
            (RpmDependencyKind.Recommends, "RECOMMEND"), (RpmDependencyKind.Suggests, "SUGGEST"),
            (RpmDependencyKind.Supplements, "SUPPLEMENT"), (RpmDependencyKind.Enhances, "ENHANCE"),
            (RpmDependencyKind.OrderWithRequires, "ORDER"),
        };
        foreach (var name in CorpusFileNames)
        {
            foreach (var (kind, prefix) in kinds)
            {
                data.Add(name, kind, prefix);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(DependencyCases))]
    public void DependenciesMatchRpm(string fileName, RpmDependencyKind kind, string tagPrefix)
    {
        var path = PathOf(fileName);
        var pkg = RpmPackage.Open(path);
        var expected = RpmOracle.Records(path, $"%{{{tagPrefix}NAME}}\\t%{{{tagPrefix}FLAGS}}\\t%{{{tagPrefix}VERSION}}");
        var actual = pkg.GetDependencies(kind)
            .Select(d => $"{d.Name}\t{(uint)d.Flags}\t{d.Version}").ToList();
        Assert.Equal(expected, actual);
        // The formatted form matches rpm's own (e.g. rpm -q --requires).
        if (kind != RpmDependencyKind.OrderWithRequires)
        {
            var formatted = RpmOracle.Records(path, $"%{{{tagPrefix}NEVRS}}");
            Assert.Equal(formatted, pkg.GetDependencies(kind).Select(d => d.ToString()));
        }
    }

    [Fact]
    public void NoarchDependenciesIncludeRichWeakAndScriptletFlags()
    {
        var pkg = RpmPackage.Open(corpus.Find("kn-noarch"));
        Assert.Contains(pkg.Requires, d => d.Name == "(foo >= 1.0 if bar < 2:3.4-5)" && d.Version.Length == 0);
        Assert.Contains(pkg.Requires, d => d.Name == "shadow-utils" && d.Flags == RpmDependencyFlags.ScriptPre);
        Assert.Contains(pkg.Requires, d => d.Name == "bash" && d.Operator == ">=" && d.Version == "4.0");
        Assert.Contains(pkg.Requires, d => d.Name == "/bin/sh" && (d.Flags & RpmDependencyFlags.Interp) != 0);
        Assert.Contains(pkg.Recommends, d => d.Name == "kn-extras");
        Assert.Contains(pkg.Suggests, d => d.ToString() == "kn-docs >= 1");
        Assert.Contains(pkg.Supplements, d => d.Name == "(kn-noarch and langpacks-de)");
        Assert.Contains(pkg.Enhances, d => d.Name == "kn-base");
        Assert.Contains(pkg.Obsoletes, d => d.ToString() == "kn-legacy <= 0.9");
        Assert.Contains(pkg.Conflicts, d => d.ToString() == "kn-old < 1.0");
        Assert.Contains(pkg.Provides, d => d.ToString() == "kn-virtual = 1.2.3-4.kn");
    }

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void ChangelogMatchesRpm(string fileName)
    {
        var path = PathOf(fileName);
        var pkg = RpmPackage.Open(path);
        var expected = RpmOracle.Records(path, "%{CHANGELOGTIME}\\t%{CHANGELOGNAME}\\t%{CHANGELOGTEXT}");
        var actual = pkg.GetChangelog().Select(c => $"{c.Time}\t{c.Name}\t{c.Text}").ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void UnicodeChangelogAndEpochs()
    {
        var noarch = RpmPackage.Open(corpus.Find("kn-noarch"));
        Assert.Equal("Jöhn Dœ <john@example.org> - 1.2.3-4", noarch.GetChangelog()[0].Name);
        Assert.Contains("日本", noarch.GetChangelog()[0].Text, StringComparison.Ordinal);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 12, 0, 0, TimeSpan.Zero), noarch.GetChangelog()[0].Date);
        Assert.Null(noarch.Epoch);
        Assert.Equal(3u, RpmPackage.Open(corpus.Find("kn-compiled")).Epoch);
        Assert.Equal(0u, RpmPackage.Open(corpus.Find("kn-zstd")).Epoch);
    }

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void OffsetsMatchTheFileLayout(string fileName)
    {
        var path = PathOf(fileName);
        var bytes = File.ReadAllBytes(path);
        using var stream = File.OpenRead(path);
        var pkg = RpmPackage.Read(stream);
        Assert.Equal(pkg.PayloadOffset, stream.Position);
        Assert.Equal(0, pkg.HeaderStart % 8);
        Assert.True(pkg.HeaderStart - pkg.SignatureEnd is >= 0 and < 8);
        Assert.Equal(pkg.Header.Bytes.ToArray(), bytes[(int)pkg.HeaderStart..(int)pkg.HeaderEnd]);
        Assert.Equal(pkg.Signature.Bytes.ToArray(), bytes[(int)RpmPackage.SignatureStart..(int)pkg.SignatureEnd]);
        // The payload starts with the magic of its compressor.
        var magic = Convert.ToHexString(bytes, (int)pkg.PayloadOffset, 4);
        var expectedMagic = pkg.PayloadCompressor switch
        {
            "gzip" => "1F8B",
            "xz" => "FD377A58",
            "zstd" => "28B52FFD",
            "bzip2" => "425A68",
            var other => throw new InvalidOperationException($"unexpected compressor {other}"),
        };
        Assert.StartsWith(expectedMagic, magic, StringComparison.Ordinal);
        // Parsing from bytes agrees with reading from a stream.
        var parsed = RpmPackage.Parse(bytes);
        Assert.Equal(pkg.HeaderEnd, parsed.HeaderEnd);
        Assert.Equal(pkg.Nvr, parsed.Nvr);
        Assert.Equal(pkg.Lead.IsSource, pkg.IsSource);
    }

    [Fact]
    public void HeaderRangeMatchesCreaterepo()
    {
        var dir = Directory.CreateTempSubdirectory("kojinet-hdrrange-").FullName;
        try
        {
            foreach (var p in corpus.Packages)
            {
                File.Copy(p, Path.Combine(dir, Path.GetFileName(p)));
            }
            ExternalTool.RunChecked("createrepo_c", ["--quiet", dir]);
            var primaryGz = Directory.GetFiles(Path.Combine(dir, "repodata"), "*primary.xml.gz").Single();
            using var gz = new System.IO.Compression.GZipStream(File.OpenRead(primaryGz), System.IO.Compression.CompressionMode.Decompress);
            var doc = System.Xml.Linq.XDocument.Load(gz);
            System.Xml.Linq.XNamespace common = "http://linux.duke.edu/metadata/common";
            System.Xml.Linq.XNamespace rpmNs = "http://linux.duke.edu/metadata/rpm";
            var checkedCount = 0;
            foreach (var package in doc.Root!.Elements(common + "package"))
            {
                var href = package.Element(common + "location")!.Attribute("href")!.Value;
                var range = package.Element(common + "format")!.Element(rpmNs + "header-range")!;
                var size = package.Element(common + "size")!;
                var pkg = RpmPackage.Open(Path.Combine(dir, href));
                Assert.Equal(range.Attribute("start")!.Value, pkg.HeaderStart.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(range.Attribute("end")!.Value, pkg.HeaderEnd.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(size.Attribute("archive")!.Value, pkg.ArchiveSize?.ToString(CultureInfo.InvariantCulture));
                Assert.Equal(size.Attribute("installed")!.Value, pkg.Size?.ToString(CultureInfo.InvariantCulture));
                checkedCount++;
            }
            Assert.Equal(corpus.Packages.Count, checkedCount);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OpeningReadsOnlyLeadAndHeaders()
    {
        var path = corpus.Find("kn-bzip2");
        var bytes = File.ReadAllBytes(path);
        var pkg = RpmPackage.Parse(bytes);
        // A stream that fails on any read beyond the main header proves the payload is untouched.
        using var limited = new LimitedStream(bytes, (int)pkg.HeaderEnd);
        var streamed = RpmPackage.Read(limited);
        Assert.Equal(pkg.HeaderEnd, streamed.PayloadOffset);
        Assert.Equal(Encoding.ASCII.GetBytes("BZh"), bytes[(int)pkg.PayloadOffset..((int)pkg.PayloadOffset + 3)]);
    }

    /// <summary>A non-seekable stream over a prefix of a buffer that throws (or ends) when read past it.</summary>
    internal sealed class LimitedStream(byte[] data, int limit, bool throwAtLimit = true) : Stream
    {
        private int _position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (throwAtLimit && _position >= limit && buffer.Length > 0)
            {
                throw new InvalidOperationException("read past the allowed limit");
            }
            var n = Math.Min(buffer.Length, Math.Min(limit, data.Length) - _position);
            data.AsSpan(_position, n).CopyTo(buffer);
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
