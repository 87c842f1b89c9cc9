using KojiNet.Rpm.Payload;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>Payloads compressed by the real gzip, bzip2, xz and zstd commands.</summary>
public sealed class PayloadDecompressionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-payload-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>rpm compressor name → shell command compressing stdin to stdout.</summary>
    public static TheoryData<string, string> Compressors() => new()
    {
        { "gzip", "gzip -c -6" },
        { "bzip2", "bzip2 -c -9" },
        { "xz", "xz -c -2" },
        { "lzma", "xz --format=lzma -c -2" },
        { "zstd", "zstd -q -c -19" },
    };

    private string Compress(string input, string command, string output)
    {
        ExternalTool.RunChecked("sh", ["-c", $"{command} < '{input}' > '{output}'"]);
        return output;
    }

    private (string Root, string Cpio) MakeCpio(int largeSize = 3 * 1024 * 1024 + 3)
    {
        var root = CpioReaderTests.MakeTree(_dir, largeSize);
        return (root, CpioReaderTests.MakeArchive(root, Path.Combine(_dir, "payload.cpio")));
    }

    [Theory]
    [MemberData(nameof(Compressors))]
    public void Decompresses_real_tool_output_and_reads_every_entry(string compressor, string command)
    {
        var (root, cpio) = MakeCpio();
        var compressed = Compress(cpio, command, Path.Combine(_dir, "payload.z"));

        using (var s = PayloadDecompression.Open(File.OpenRead(compressed), compressor))
        {
            Assert.True(s.CanRead);
            Assert.False(s.CanSeek);
            Assert.False(s.CanWrite);
            Assert.Throws<NotSupportedException>(() => s.Write(new byte[1], 0, 1));
            Assert.Throws<NotSupportedException>(() => s.Position = 0);
            Assert.Equal(File.ReadAllBytes(cpio), CpioReaderTests.ReadAll(s));
            Assert.Equal(0, s.Read(new byte[16], 0, 16));
        }
        using (var s = PayloadDecompression.Open(File.OpenRead(compressed), compressor))
        {
            CpioReaderTests.AssertMatchesTree(s, root);
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("identity")]
    public void Identity_payloads_pass_through(string? compressor)
    {
        var (root, cpio) = MakeCpio();
        using var s = PayloadDecompression.Open(File.OpenRead(cpio), compressor);
        CpioReaderTests.AssertMatchesTree(s, root);
    }

    [Theory]
    [InlineData("gzip", "gzip -c")]
    [InlineData("xz", "xz -c -0")]
    [InlineData("zstd", "zstd -q -c")]
    public void Concatenated_streams_decode_one_after_another(string compressor, string command)
    {
        var part1 = Path.Combine(_dir, "p1");
        var part2 = Path.Combine(_dir, "p2");
        File.WriteAllText(part1, "first part\n");
        File.WriteAllBytes(part2, Enumerable.Range(0, 300_000).Select(i => (byte)(i * 7)).ToArray());
        var joined = Path.Combine(_dir, "joined");
        ExternalTool.RunChecked("sh", ["-c", $"{{ {command} < '{part1}'; {command} < '{part2}'; }} > '{joined}'"]);
        using var s = PayloadDecompression.Open(File.OpenRead(joined), compressor);
        Assert.Equal(File.ReadAllBytes(part1).Concat(File.ReadAllBytes(part2)), CpioReaderTests.ReadAll(s));
    }

    [Fact]
    public void Bzip2_reads_only_the_first_stream_like_rpm()
    {
        var part = Path.Combine(_dir, "p");
        File.WriteAllText(part, "only this\n");
        var joined = Path.Combine(_dir, "joined.bz2");
        ExternalTool.RunChecked("sh", ["-c", $"{{ bzip2 -c < '{part}'; bzip2 -c < '{part}'; }} > '{joined}'"]);
        using var s = PayloadDecompression.Open(File.OpenRead(joined), "bzip2");
        Assert.Equal(File.ReadAllBytes(part), CpioReaderTests.ReadAll(s));
    }

    /// <summary>
    /// Random byte flips in the compressed payload: reading through the cpio layer either
    /// succeeds (possible where the format has no checksum over that byte) or raises
    /// RpmFormatException — never another exception, a crash or a hang.
    /// </summary>
    [Theory]
    [MemberData(nameof(Compressors))]
    public void Corrupted_payloads_raise_only_RpmFormatException(string compressor, string command)
    {
        var (_, cpio) = MakeCpio(largeSize: 100_000);
        var original = File.ReadAllBytes(Compress(cpio, command, Path.Combine(_dir, "payload.z")));
        var rng = new Random(compressor.Length * 1000 + 17);
        int failures = 0;
        const int trials = 150;
        for (int t = 0; t < trials; t++)
        {
            var bytes = (byte[])original.Clone();
            int flips = 1 + rng.Next(3);
            for (int f = 0; f < flips; f++)
            {
                // Bias toward the header and early blocks, where decoders are most fragile.
                int pos = rng.Next(2) == 0 ? rng.Next(Math.Min(64, bytes.Length)) : rng.Next(bytes.Length);
                bytes[pos] ^= (byte)(1 << rng.Next(8));
            }
            failures += ReadsOrFailsCleanly(bytes, compressor) ? 0 : 1;
        }
        // Reading on to the end lets the decoders check their trailing checksums (all five tools
        // write one), so nearly every flip must be caught; lzma-alone has no checksum.
        Assert.InRange(failures, compressor == "lzma" ? trials / 3 : trials * 9 / 10, trials);
    }

    [Theory]
    [MemberData(nameof(Compressors))]
    public void Truncated_payloads_raise_RpmFormatException(string compressor, string command)
    {
        var (_, cpio) = MakeCpio(largeSize: 100_000);
        var original = File.ReadAllBytes(Compress(cpio, command, Path.Combine(_dir, "payload.z")));
        var rng = new Random(5);
        foreach (int cut in new[] { 0, 1, 5, original.Length / 3, original.Length / 2 }.Concat(Enumerable.Range(0, 10).Select(_ => rng.Next(original.Length - 64))))
        {
            Assert.False(ReadsOrFailsCleanly(original[..cut], compressor), $"truncation at {cut} of {original.Length} went unnoticed");
        }
    }

    [Theory]
    [InlineData("bzip2", "bzip2 -c")]
    [InlineData("xz", "xz -c")]
    [InlineData("lzma", "xz --format=lzma -c")]
    [InlineData("zstd", "zstd -q -c")]
    public void Truncated_streams_raise_RpmFormatException_from_the_decoder(string compressor, string command)
    {
        var input = Path.Combine(_dir, "in");
        File.WriteAllBytes(input, Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)).ToArray());
        var original = File.ReadAllBytes(Compress(input, command, Path.Combine(_dir, "in.z")));
        foreach (int cut in new[] { 0, 3, original.Length / 2, original.Length - 1 })
        {
            using var s = PayloadDecompression.Open(new MemoryStream(original[..cut]), compressor);
            Assert.Throws<RpmFormatException>(() => CpioReaderTests.ReadAll(s));
        }
    }

    [Fact]
    public void Zstd_window_larger_than_the_cap_is_refused()
    {
        var input = Path.Combine(_dir, "in");
        File.WriteAllBytes(input, new byte[100_000]);
        var compressed = Compress(input, "zstd -q -c --long=30", Path.Combine(_dir, "in.zst"));
        using var s = PayloadDecompression.Open(File.OpenRead(compressed), "zstd");
        var ex = Assert.Throws<RpmFormatException>(() => CpioReaderTests.ReadAll(s));
        Assert.Contains("zstd", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lzma_dictionary_beyond_the_memory_limit_is_refused()
    {
        var input = Path.Combine(_dir, "in");
        File.WriteAllBytes(input, new byte[100_000]);
        var bytes = File.ReadAllBytes(Compress(input, "xz --format=lzma -c", Path.Combine(_dir, "in.lzma")));
        // The .lzma header: properties byte, then the dictionary size (little endian). 1.5 GiB needs ~1.5 GiB to decode.
        BitConverter.GetBytes(0x6000_0000u).CopyTo(bytes, 1);
        using var s = PayloadDecompression.Open(new MemoryStream(bytes), "lzma");
        var ex = Assert.Throws<RpmFormatException>(() => CpioReaderTests.ReadAll(s));
        Assert.Contains("memory limit", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_compressor_is_refused()
    {
        var ex = Assert.Throws<RpmFormatException>(() => PayloadDecompression.Open(new MemoryStream([1, 2]), "lz4"));
        Assert.Contains("lz4", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gzip", "gzip -c")]
    [InlineData("bzip2", "bzip2 -c")]
    [InlineData("xz", "xz -c")]
    [InlineData("zstd", "zstd -q -c")]
    [InlineData("identity", "cat")]
    public void LeaveOpen_controls_disposal_of_the_source(string compressor, string command)
    {
        var input = Path.Combine(_dir, "in");
        File.WriteAllText(input, "data");
        var compressed = File.ReadAllBytes(Compress(input, command, Path.Combine(_dir, "in.z")));

        var kept = new MemoryStream(compressed);
        using (var s = PayloadDecompression.Open(kept, compressor, leaveOpen: true))
        {
            Assert.Equal("data"u8.ToArray(), CpioReaderTests.ReadAll(s));
        }
        Assert.True(kept.CanRead);

        var owned = new MemoryStream(compressed);
        PayloadDecompression.Open(owned, compressor).Dispose();
        Assert.False(owned.CanRead);
    }

    [Fact]
    public void Source_errors_propagate_unchanged()
    {
        var failing = new FailingStream();
        using var s = PayloadDecompression.Open(failing, "gzip");
        Assert.Throws<TimeoutException>(() => s.ReadByte());
        using var b = PayloadDecompression.Open(new FailingStream(), "bzip2");
        Assert.Throws<TimeoutException>(() => b.ReadByte());
    }

    private static bool ReadsOrFailsCleanly(byte[] compressed, string compressor)
    {
        try
        {
            using var s = PayloadDecompression.Open(new MemoryStream(compressed), compressor);
            using var reader = new CpioReader(s);
            while (reader.ReadNextEntry() is not null)
            {
                CpioReaderTests.ReadAll(reader.OpenEntryStream());
            }
            // Past the trailer: drain so the decoder reaches its end-of-stream checks.
            CpioReaderTests.ReadAll(s);
            return true;
        }
        catch (RpmFormatException)
        {
            return false;
        }
    }

    private sealed class FailingStream : MemoryStream
    {
        public override int Read(Span<byte> buffer) => throw new TimeoutException("source failed");

        public override int Read(byte[] buffer, int offset, int count) => throw new TimeoutException("source failed");
    }
}
