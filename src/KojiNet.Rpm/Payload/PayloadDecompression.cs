using System.IO.Compression;
using ICSharpCode.SharpZipLib.BZip2;

namespace KojiNet.Rpm.Payload;

/// <summary>
/// Opens an RPM payload for decompression, by the compressor name found in the
/// <c>PAYLOADCOMPRESSOR</c> header tag.
/// </summary>
/// <remarks>
/// The returned stream is read-only and forward-only, decodes in fixed-size chunks and never
/// buffers the whole payload. Corrupt or truncated compressed data raises
/// <see cref="RpmFormatException"/>; errors of the underlying stream propagate unchanged.
/// Concatenated gzip members, xz streams and zstd frames are decoded one after another; for
/// bzip2 only the first stream is read, as rpm does. Decoder memory is capped
/// (<see cref="LzmaMemoryLimit"/>, <see cref="ZstdWindowLogMax"/>).
/// One known gap: gzip uses System.IO.Compression, which does not report a stream cut off
/// inside its final block or trailer; the cpio layer then reports the archive as truncated.
/// </remarks>
public static class PayloadDecompression
{
    /// <summary>Memory limit handed to liblzma for xz and lzma payloads (512 MiB).</summary>
    public const ulong LzmaMemoryLimit = 512UL << 20;

    /// <summary>Largest zstd window accepted, as a power of two (2^27 = 128 MiB, zstd's own default limit).</summary>
    public const int ZstdWindowLogMax = 27;

    /// <summary>The compressor names <see cref="Open"/> understands (besides null and empty).</summary>
    public static IReadOnlyList<string> SupportedCompressors { get; } =
        ["identity", "gzip", "bzip2", "xz", "lzma", "zstd"];

    /// <summary>
    /// Wraps <paramref name="compressed"/> in a decompressing stream.
    /// </summary>
    /// <param name="compressed">The compressed payload, positioned at its first byte.</param>
    /// <param name="compressor">
    /// <c>gzip</c>, <c>bzip2</c>, <c>xz</c>, <c>lzma</c> or <c>zstd</c>; null, empty or
    /// <c>identity</c> for an uncompressed payload.
    /// </param>
    /// <param name="leaveOpen">Keep <paramref name="compressed"/> open when the result is disposed.</param>
    /// <returns>A read-only, non-seekable stream of the decompressed payload.</returns>
    /// <exception cref="RpmFormatException">The compressor name is not supported.</exception>
    public static Stream Open(Stream compressed, string? compressor, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(compressed);
        if (!compressed.CanRead)
        {
            throw new ArgumentException("the payload stream is not readable", nameof(compressed));
        }
        switch (compressor)
        {
            case null or "" or "identity":
                return new PassThroughStream(compressed, leaveOpen);
            case "gzip":
                return new ManagedDecoderStream(new SourceStream(compressed, leaveOpen),
                    s => new GZipStream(s, CompressionMode.Decompress, leaveOpen: true), "gzip");
            case "bzip2":
                return new ManagedDecoderStream(new SourceStream(compressed, leaveOpen),
                    s => new BZip2InputStream(s) { IsStreamOwner = false }, "bzip2");
            case "xz" or "lzma":
                return new LzmaDecoderStream(compressed, leaveOpen, compressor);
            case "zstd":
                return new ZstdDecoderStream(compressed, leaveOpen);
            default:
                throw new RpmFormatException($"unsupported payload compressor '{compressor}'");
        }
    }
}
