using System.IO.Compression;
using System.Runtime.InteropServices;

namespace KojiNet.Repodata.Compression;

/// <summary>
/// Independently compressed pieces of one metadata file, concatenated into a standard file.
/// gzip: each piece is raw deflate data ending in a sync flush (byte aligned, no final block,
/// no back-references into other pieces), so pieces compressed on different threads — or in a
/// previous run — form one deflate stream; the file is a single gzip member whose CRC-32 is
/// combined from the pieces' CRCs. zstd: each piece is a complete frame.
/// </summary>
internal static class Pieces
{
    /// <summary>gzip member header: deflate, no flags, no time, no extra flags, Unix.</summary>
    public static ReadOnlySpan<byte> GzipHeader => [0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03];

    /// <summary>An empty final deflate block with fixed Huffman codes: ends the deflate stream.</summary>
    public static ReadOnlySpan<byte> DeflateEnd => [0x03, 0x00];

    public static byte[] Compress(ReadOnlySpan<byte> data, RepodataCompression compression, CompressionLevel level)
    {
        var output = new MemoryStream(data.Length / 4 + 64);
        switch (compression)
        {
            case RepodataCompression.Gzip:
                {
                    var deflate = new DeflateStream(output, level, leaveOpen: true);
                    deflate.Write(data);
                    // Flush is a sync flush; what Dispose adds after it (the final block) is not part of the piece.
                    deflate.Flush();
                    var piece = output.ToArray();
                    deflate.Dispose();
                    return piece;
                }
            case RepodataCompression.Zstd:
                {
                    using (var zstd = new ZstdCompressStream(output, ZstdLevel(level), leaveOpen: true))
                    {
                        zstd.Write(data);
                    }
                    return output.ToArray();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(compression), compression, null);
        }
    }

    public static int ZstdLevel(CompressionLevel level) => level switch
    {
        CompressionLevel.NoCompression or CompressionLevel.Fastest => 1,
        CompressionLevel.SmallestSize => 19,
        _ => 6,
    };

    public static unsafe uint Crc32(ReadOnlySpan<byte> data)
    {
        nuint crc = 0;
        fixed (byte* p = data)
        {
            var offset = 0;
            while (offset < data.Length)
            {
                var n = Math.Min(data.Length - offset, 1 << 30);
                crc = LibZ.Crc32(crc, p + offset, (uint)n);
                offset += n;
            }
        }
        return (uint)crc;
    }

    /// <summary>The CRC-32 of A followed by B from the CRCs of A and B and the length of B.</summary>
    public static uint Crc32Combine(uint first, uint second, long secondLength) =>
        (uint)LibZ.Crc32Combine(first, second, (nint)secondLength);

    public static string Suffix(RepodataCompression compression) => compression switch
    {
        RepodataCompression.Gzip => ".gz",
        RepodataCompression.Zstd => ".zst",
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };

    /// <summary>The suffix of the compressed group record type (<c>group_gz</c>, <c>group_zst</c>).</summary>
    public static string RecordSuffix(RepodataCompression compression) => compression switch
    {
        RepodataCompression.Gzip => "gz",
        RepodataCompression.Zstd => "zst",
        _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
    };
}

internal static unsafe partial class LibZ
{
    private const string Library = "libz.so.1";

    [LibraryImport(Library, EntryPoint = "crc32")]
    public static partial nuint Crc32(nuint crc, byte* buffer, uint length);

    [LibraryImport(Library, EntryPoint = "crc32_combine")]
    public static partial nuint Crc32Combine(nuint crc1, nuint crc2, nint length2);
}
