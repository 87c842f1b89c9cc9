using System.Security.Cryptography;
using System.Text;
using KojiNet.Rpm.Format;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

[Collection(RpmCorpusCollection.Name)]
public class WriterRoundTripTests(RpmCorpus corpus)
{
    public static TheoryData<string> PackageNames() => PackageQueryTests.PackageNames();

    private string PathOf(string fileName) => corpus.Packages.Single(p => Path.GetFileName(p) == fileName);

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void BothHeadersRewriteByteIdentical(string fileName)
    {
        var pkg = RpmPackage.Open(PathOf(fileName));
        foreach (var header in new[] { pkg.Signature, pkg.Header })
        {
            var rewritten = RpmHeaderBuilder.From(header).ToArray();
            Assert.Equal(header.Bytes.ToArray(), rewritten);
            Assert.NotNull(header.RegionTag);
            Assert.Equal(header.Entries.Count, header.RegionIndexCount);
        }
        Assert.Equal(RpmSignatureTag.HeaderSignatures, pkg.Signature.RegionTag);
        Assert.Equal(RpmTag.HeaderImmutable, pkg.Header.RegionTag);
    }

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void SignatureReplacedWithFreshDigestsIsAcceptedByRpm(string fileName)
    {
        var path = PathOf(fileName);
        var pkg = RpmPackage.Open(path);
        var bytes = File.ReadAllBytes(path);
        var header = bytes.AsSpan((int)pkg.HeaderStart, pkg.Header.Length);
        var headerAndPayload = bytes.AsSpan((int)pkg.HeaderStart);

        // A signature header as rpmbuild writes it, computed here from scratch, with a smaller reserved space.
        var builder = new RpmHeaderBuilder(RpmSignatureTag.HeaderSignatures)
            .SetString(RpmSignatureTag.Sha1, Convert.ToHexStringLower(SHA1.HashData(header)))
            .SetString(RpmSignatureTag.Sha256, Convert.ToHexStringLower(SHA256.HashData(header)))
            .SetInt32(RpmSignatureTag.Size, (uint)headerAndPayload.Length)
            .SetBinary(RpmSignatureTag.Md5, MD5.HashData(headerAndPayload))
            .SetInt32(RpmSignatureTag.PayloadSize, (uint)pkg.ArchiveSize!.Value)
            .SetBinary(RpmSignatureTag.ReservedSpace, new byte[1001]);
        var signature = builder.Build(RpmHeaderKind.Signature);
        Assert.NotEqual(0, signature.Length % 8); // exercises the padding

        var output = Path.Combine(corpus.TopDir, "resigned-" + fileName);
        RpmPackageWriter.ReplaceSignature(path, signature, output);
        try
        {
            var check = ExternalTool.RunChecked("rpm", ["-K", "--nosignature", output]);
            Assert.Contains("digests OK", check, StringComparison.Ordinal);
            var checksig = ExternalTool.RunChecked("rpmkeys", ["--checksig", output]);
            Assert.Contains("digests", checksig, StringComparison.Ordinal);
            Assert.Equal(RpmOracle.Query(path, "%{NEVRA} %{SIGMD5}"), RpmOracle.Query(output, "%{NEVRA} %{SIGMD5}"));
            var reread = RpmPackage.Open(output);
            Assert.Equal(pkg.SigMd5, reread.SigMd5);
            Assert.Equal(signature.Bytes.ToArray(), reread.Signature.Bytes.ToArray());
            Assert.Equal(pkg.Header.Bytes.ToArray(), reread.Header.Bytes.ToArray());
            Assert.Equal(bytes.Length - pkg.HeaderStart, new FileInfo(output).Length - reread.HeaderStart);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void CorruptedDigestInReplacedSignatureIsRejectedByRpm()
    {
        var path = corpus.Find("kn-noarch");
        var pkg = RpmPackage.Open(path);
        var builder = RpmHeaderBuilder.From(pkg.Signature)
            .SetString(RpmSignatureTag.Sha256, new string('0', 64));
        var output = Path.Combine(corpus.TopDir, "bad-digest.rpm");
        RpmPackageWriter.ReplaceSignature(path, builder.Build(RpmHeaderKind.Signature), output);
        try
        {
            var result = ExternalTool.Run("rpm", ["-Kv", "--nosignature", output]);
            Assert.NotEqual(0, result.ExitCode);
            Assert.Contains("SHA256 digest: BAD", result.StdOut + result.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(output);
        }
    }

    [Fact]
    public void BuilderWritesEveryTypeAlignedAndReadsItBack()
    {
        var builder = new RpmHeaderBuilder(RpmTag.HeaderImmutable)
            .SetString(RpmTag.Name, "pkg")
            .Set(1200, RpmTagType.Char, 3, "abc"u8)
            .Set(1201, RpmTagType.Int8, 1, [7])
            .SetInt16(1202, 1, 65535)
            .SetInt32(1203, 1, 2, 4294967295)
            .SetInt64(1204, 1UL << 40)
            .SetBinary(1205, [1, 2, 3])
            .SetStringArray(1206, ["a", "", "ü"])
            .Set(1207, RpmTagType.I18NString, 2, "C text\0de Text\0"u8);
        var header = builder.Build(RpmHeaderKind.Main);
        Assert.Equal("pkg", header.GetString(RpmTag.Name));
        Assert.Equal([(byte)'a', (byte)'b', (byte)'c'], header.GetBinary(1200)!);
        Assert.Equal(7u, header.GetUInt32(1201));
        Assert.Equal([1u, 65535u], header.GetUInt32Array(1202)!);
        Assert.Equal([1u, 2u, 4294967295u], header.GetUInt32Array(1203)!);
        Assert.Equal(1UL << 40, header.GetUInt64(1204));
        Assert.Equal([1, 2, 3], header.GetBinary(1205)!);
        Assert.Equal(["a", "", "ü"], header.GetStringArray(1206)!);
        Assert.Equal("C text", header.GetString(1207));
        Assert.Equal(["C text", "de Text"], header.GetStringArray(1207)!);
        foreach (var e in header.Entries)
        {
            Assert.Equal(0, e.Offset % RpmHeader.Alignment(e.Type));
        }
        Assert.Equal(header.Entries.Count, header.RegionIndexCount);
        // Written again: identical.
        Assert.Equal(header.Bytes.ToArray(), RpmHeaderBuilder.From(header).ToArray());
    }

    [Fact]
    public void HeaderWithoutRegionAndWithEntriesOutsideTheRegionRoundTrips()
    {
        var plain = new RpmHeaderBuilder(null).SetString(RpmTag.Name, "x").SetInt32(RpmTag.BuildTime, 5).Build(RpmHeaderKind.Main);
        Assert.Null(plain.RegionTag);
        Assert.Equal(2, plain.Entries.Count);
        Assert.Equal(plain.Bytes.ToArray(), RpmHeaderBuilder.From(plain).ToArray());

        // Take a region header and append an entry outside it by hand-editing through the builder's raw output.
        var regioned = new RpmHeaderBuilder(RpmTag.HeaderImmutable).SetString(RpmTag.Name, "x").Build(RpmHeaderKind.Main);
        var withDribble = AppendOutsideRegion(regioned, RpmTag.Release, "1");
        var parsed = RpmHeader.Parse(withDribble);
        Assert.Equal(2, parsed.RegionIndexCount);
        Assert.Equal(3, parsed.Entries.Count);
        Assert.Equal("1", parsed.GetString(RpmTag.Release));
        Assert.Equal(withDribble, RpmHeaderBuilder.From(parsed).ToArray());
    }

    private static byte[] AppendOutsideRegion(RpmHeader header, int tag, string value)
    {
        var data = Encoding.UTF8.GetBytes(value + "\0");
        var il = header.Entries.Count + 1;
        var dl = header.DataLength + data.Length;
        var old = header.Bytes;
        var result = new byte[16 + (il * 16) + dl];
        old[..8].CopyTo(result);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(8), il);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(result.AsSpan(12), dl);
        old.Slice(16, header.Entries.Count * 16).CopyTo(result.AsSpan(16));
        var entry = result.AsSpan(16 + (header.Entries.Count * 16));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(entry, tag);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(entry[4..], (int)RpmTagType.String);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(entry[8..], header.DataLength);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(entry[12..], 1);
        old[(16 + (header.Entries.Count * 16))..].CopyTo(result.AsSpan(16 + (il * 16)));
        data.CopyTo(result.AsSpan(16 + (il * 16) + header.DataLength));
        return result;
    }

    [Fact]
    public void BuilderRejectsInconsistentData()
    {
        var builder = new RpmHeaderBuilder(RpmTag.HeaderImmutable);
        Assert.Throws<ArgumentException>(() => builder.Set(1200, RpmTagType.Int32, 2, new byte[4]));
        Assert.Throws<ArgumentException>(() => builder.Set(1200, RpmTagType.String, 1, "no nul"u8));
        Assert.Throws<ArgumentException>(() => builder.SetString(1200, "a\0b"));
        Assert.Throws<ArgumentOutOfRangeException>(() => builder.SetString(62, "region tags are not data"));
        Assert.Throws<InvalidOperationException>(() => new RpmHeaderBuilder(null).ToArray());
        Assert.True(builder.SetString(1200, "a").SetString(1200, "b").Contains(1200));
        Assert.Equal("b", builder.Build(RpmHeaderKind.Main).GetString(1200));
        Assert.True(builder.Remove(1200));
        Assert.False(builder.Contains(1200));
    }
}
