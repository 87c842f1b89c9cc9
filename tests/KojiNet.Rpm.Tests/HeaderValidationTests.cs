using System.Buffers.Binary;
using KojiNet.Rpm.Format;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>Malformed input of every kind ends in <see cref="RpmFormatException"/> naming the problem.</summary>
[Collection(RpmCorpusCollection.Name)]
public class HeaderValidationTests(RpmCorpus corpus)
{
    private static byte[] SampleHeader() => new RpmHeaderBuilder(RpmTag.HeaderImmutable)
        .SetString(RpmTag.Name, "pkg")
        .SetInt32(RpmTag.BuildTime, 42)
        .SetStringArray(RpmTag.BaseNames, ["a", "b"])
        .ToArray();

    private static void SetEntryField(byte[] header, int index, int field, int value) =>
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(16 + (index * 16) + (field * 4)), value);

    private static RpmFormatException Fails(byte[] header, RpmHeaderKind kind = RpmHeaderKind.Main) =>
        Assert.Throws<RpmFormatException>(() => RpmHeader.Parse(header, kind));

    [Fact]
    public void SampleIsValid()
    {
        var h = RpmHeader.Parse(SampleHeader());
        Assert.Equal("pkg", h.GetString(RpmTag.Name));
        // Index order: region (63), NAME (1000), BUILDTIME (1006), BASENAMES (1117).
        Assert.Equal([63, 1000, 1006, 1117], h.Entries.Select(e => e.Tag));
    }

    [Fact]
    public void WrongMagic()
    {
        var h = SampleHeader();
        h[0] = 0x8F;
        Assert.Contains("magic", Fails(h).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated()
    {
        var h = SampleHeader();
        Assert.Contains("truncated", Fails(h[..^1]).Message, StringComparison.Ordinal);
        Assert.Contains("truncated", Fails(h[..10]).Message, StringComparison.Ordinal);
        using var stream = new MemoryStream(h[..^3]);
        Assert.Throws<RpmFormatException>(() => RpmHeader.Read(stream));
    }

    [Theory]
    [InlineData(0, 100, "index count")]
    [InlineData(0x10000, 100, "index count")]
    [InlineData(1, 0, "data length")]
    [InlineData(1, 0x10000000, "data length")]
    [InlineData(-1, 100, "index count")]
    public void ImpossibleCountsAndLengths(int il, int dl, string expected)
    {
        var h = SampleHeader();
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(8), il);
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(12), dl);
        Assert.Contains(expected, Fails(h).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SignatureHeaderLimitsAreTighter()
    {
        var h = SampleHeader();
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(8), 33);
        Assert.Contains("index count 33", Fails(h, RpmHeaderKind.Signature).Message, StringComparison.Ordinal);
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(8), 4);
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(12), (64 * 1024 * 1024) + 1);
        Assert.Contains("data length", Fails(h, RpmHeaderKind.Signature).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HugeDeclaredLengthOnAShortStreamDoesNotAllocate()
    {
        var h = SampleHeader();
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(12), 0x0FFFFFFF);
        using var seekable = new MemoryStream(h);
        Assert.Contains("truncated", Assert.Throws<RpmFormatException>(() => RpmHeader.Read(seekable)).Message, StringComparison.Ordinal);
        using var nonSeekable = new PackageQueryTests.LimitedStream(h, h.Length, throwAtLimit: false);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<RpmFormatException>(() => RpmHeader.Read(nonSeekable));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
    }

    [Theory]
    [InlineData(1, 1, 0, "invalid type 0")]
    [InlineData(1, 1, 10, "invalid type 10")]
    [InlineData(2, 3, 0, "invalid count 0")]
    [InlineData(2, 3, 1000, "do not fit")]
    [InlineData(2, 2, 1, "not aligned")]
    [InlineData(2, 2, 100000, "outside data")]
    [InlineData(1, 0, 50, "reserved for regions")]
    [InlineData(1, 3, 2, "do not fit")]
    [InlineData(2, 2, 0, "overlaps")]
    public void BadIndexEntries(int index, int field, int value, string expected)
    {
        var h = SampleHeader();
        SetEntryField(h, index, field, value);
        Assert.Contains(expected, Fails(h).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StringWithoutTerminator()
    {
        var h = SampleHeader();
        // BASENAMES is last before the trailer: turn its final NUL into a letter.
        var parsed = RpmHeader.Parse(h);
        parsed.TryGetEntry(RpmTag.BaseNames, out var e);
        h[16 + (parsed.Entries.Count * 16) + e.Offset + e.Length - 1] = (byte)'x';
        Fails(h);
    }

    [Theory]
    [InlineData(0, 1, 6, "region entry")]
    [InlineData(0, 3, 8, "region entry")]
    [InlineData(0, 2, 5000, "region trailer offset")]
    [InlineData(0, 0, 62, "region tag 62")]
    public void BadRegionEntry(int index, int field, int value, string expected)
    {
        var h = SampleHeader();
        SetEntryField(h, index, field, value);
        Assert.Contains(expected, Fails(h).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 61, "region trailer")]
    [InlineData(1, 4, "region trailer")]
    [InlineData(2, -17, "does not cover")]
    [InlineData(2, -16 * 9, "does not cover")]
    [InlineData(2, 16, "does not cover")]
    [InlineData(3, 15, "region trailer")]
    public void BadRegionTrailer(int field, int value, string expected)
    {
        var h = SampleHeader();
        var parsed = RpmHeader.Parse(h);
        var trailer = 16 + (parsed.Entries.Count * 16) + parsed.Entries[0].Offset;
        BinaryPrimitives.WriteInt32BigEndian(h.AsSpan(trailer + (field * 4)), value);
        Assert.Contains(expected, Fails(h).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TypeMismatchOnTypedAccess()
    {
        var h = new RpmHeaderBuilder(RpmTag.HeaderImmutable)
            .SetInt32(RpmTag.Name, 5)
            .SetString(RpmTag.Epoch, "x")
            .SetString(RpmTag.Version, "1")
            .SetString(RpmTag.Release, "1")
            .SetInt32(RpmTag.Arch, 1)
            .SetBinary(RpmTag.FileModes, [1])
            .SetStringArray(RpmTag.BaseNames, ["a"])
            .SetStringArray(RpmTag.DirNames, ["/"])
            .SetInt32(RpmTag.DirIndexes, 3)
            .SetInt32(RpmTag.ChangelogTime, 1, 2)
            .SetStringArray(RpmTag.ChangelogName, ["a"])
            .SetStringArray(RpmTag.ChangelogText, ["a"])
            .SetStringArray(RpmTag.RequireName, ["a", "b"])
            .SetInt32(RpmTag.RequireFlags, 0)
            .ToArray();
        var sig = new RpmHeaderBuilder(RpmSignatureTag.HeaderSignatures).SetInt32(RpmSignatureTag.Rsa, 1).ToArray();
        var lead = File.ReadAllBytes(corpus.Find("kn-noarch"))[..96];
        var pad = new byte[RpmPackage.SignaturePadding(sig.Length)];
        var pkg = RpmPackage.Parse([.. lead, .. sig, .. pad, .. h]);
        Assert.Contains("tag 1000 has type Int32", Assert.Throws<RpmFormatException>(() => pkg.Name).Message, StringComparison.Ordinal);
        Assert.Contains("expected INT32", Assert.Throws<RpmFormatException>(() => pkg.Epoch).Message, StringComparison.Ordinal);
        Assert.Throws<RpmFormatException>(() => pkg.Arch);
        Assert.Contains("directory index 3", Assert.Throws<RpmFormatException>(() => pkg.GetFileNames()).Message, StringComparison.Ordinal);
        Assert.Throws<RpmFormatException>(() => pkg.GetFiles());
        Assert.Contains("expected 2", Assert.Throws<RpmFormatException>(() => pkg.GetChangelog()).Message, StringComparison.Ordinal);
        Assert.Contains("expected 2", Assert.Throws<RpmFormatException>(() => pkg.Requires).Message, StringComparison.Ordinal);
        Assert.Contains("expected BIN", Assert.Throws<RpmFormatException>(() => pkg.PgpSignature).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingRequiredTag()
    {
        var h = new RpmHeaderBuilder(RpmTag.HeaderImmutable).SetString(RpmTag.Version, "1").ToArray();
        var sig = new RpmHeaderBuilder(RpmSignatureTag.HeaderSignatures).SetInt32(RpmSignatureTag.Size, 1).ToArray();
        var lead = File.ReadAllBytes(corpus.Find("kn-noarch"))[..96];
        var pkg = RpmPackage.Parse([.. lead, .. sig, .. new byte[RpmPackage.SignaturePadding(sig.Length)], .. h]);
        Assert.Contains("no NAME", Assert.Throws<RpmFormatException>(() => pkg.Name).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadLeads()
    {
        var file = File.ReadAllBytes(corpus.Find("kn-noarch"));
        var wrongMagic = (byte[])file.Clone();
        wrongMagic[1] = 0;
        Assert.Contains("not an RPM", Assert.Throws<RpmFormatException>(() => RpmPackage.Parse(wrongMagic)).Message, StringComparison.Ordinal);
        var wrongVersion = (byte[])file.Clone();
        wrongVersion[4] = 2;
        Assert.Contains("lead version", Assert.Throws<RpmFormatException>(() => RpmPackage.Parse(wrongVersion)).Message, StringComparison.Ordinal);
        var wrongSigType = (byte[])file.Clone();
        wrongSigType[79] = 1;
        Assert.Contains("signature type", Assert.Throws<RpmFormatException>(() => RpmPackage.Parse(wrongSigType)).Message, StringComparison.Ordinal);
        Assert.Throws<RpmFormatException>(() => RpmPackage.Parse(file.AsSpan(0, 50)));
        using var empty = new MemoryStream();
        Assert.Throws<RpmFormatException>(() => RpmPackage.Read(empty));
        var lead = RpmLead.Parse(file);
        Assert.Equal(3, lead.Major);
        Assert.Equal("kn-noarch-1.2.3-4.kn", lead.Name);
        Assert.False(lead.IsSource);
        Assert.Equal(1, lead.OsNumber);
    }

    [Fact]
    public void UnsortedIndexIsSearchedCorrectly()
    {
        // Swap NAME and BUILDTIME index entries (data offsets must stay ascending, so swap data too).
        var h = new RpmHeaderBuilder(null).SetInt32(RpmTag.BuildTime, 7).SetInt32(RpmTag.Name + 2000, 9).SetString(2000, "z").ToArray();
        var parsed = RpmHeader.Parse(h);
        Assert.Equal([1006, 2000, 3000], parsed.Entries.Select(e => e.Tag));
        // Rewrite as BUILDTIME(1006) -> tag 3001, so the index is no longer sorted.
        SetEntryField(h, 0, 0, 3001);
        var unsorted = RpmHeader.Parse(h);
        Assert.Equal(7u, unsorted.GetUInt32(3001));
        Assert.Equal(9u, unsorted.GetUInt32(3000));
        Assert.Equal("z", unsorted.GetString(2000));
        Assert.False(unsorted.Contains(1006));
    }
}
