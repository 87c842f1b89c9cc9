using System.IO.Compression;
using System.Security.Cryptography;

namespace KojiNet.Repodata.Compression;

/// <summary>What was written to one metadata file.</summary>
internal sealed record MetadataFileInfo(string Path, string Checksum, long Size, string OpenChecksum, long OpenSize);

/// <summary>
/// Writes one compressed metadata file from pieces (see <see cref="Pieces"/>), keeping the SHA-256
/// and size of both the uncompressed content (open checksum) and the file.
/// </summary>
internal sealed class MetadataFileWriter : IDisposable
{
    private readonly string _path;
    private readonly RepodataCompression _compression;
    private readonly CompressionLevel _level;
    private readonly FileStream _file;
    private readonly IncrementalHash _fileHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly IncrementalHash _openHash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _size;
    private long _openSize;
    private uint _crc;

    public MetadataFileWriter(string path, RepodataCompression compression, CompressionLevel level)
    {
        _path = path;
        _compression = compression;
        _level = level;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        if (compression == RepodataCompression.Gzip)
        {
            WriteFile(Pieces.GzipHeader);
        }
    }

    private void WriteFile(ReadOnlySpan<byte> bytes)
    {
        _fileHash.AppendData(bytes);
        _size += bytes.Length;
        _file.Write(bytes);
    }

    /// <summary>Appends a piece compressed elsewhere, with its uncompressed content and that content's CRC-32.</summary>
    public void WritePiece(ReadOnlySpan<byte> uncompressed, ReadOnlySpan<byte> compressed, uint crc)
    {
        _openHash.AppendData(uncompressed);
        _openSize += uncompressed.Length;
        if (_compression == RepodataCompression.Gzip)
        {
            _crc = Pieces.Crc32Combine(_crc, crc, uncompressed.Length);
        }
        WriteFile(compressed);
    }

    /// <summary>Compresses and appends a (small) piece.</summary>
    public void Write(ReadOnlySpan<byte> uncompressed) =>
        WritePiece(uncompressed, Pieces.Compress(uncompressed, _compression, _level),
            _compression == RepodataCompression.Gzip ? Pieces.Crc32(uncompressed) : 0);

    public MetadataFileInfo Complete()
    {
        if (_compression == RepodataCompression.Gzip)
        {
            Span<byte> trailer = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc);
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)_openSize);
            WriteFile(Pieces.DeflateEnd);
            WriteFile(trailer);
        }
        _file.Flush(flushToDisk: false);
        _file.Dispose();
        return new MetadataFileInfo(_path, Convert.ToHexStringLower(_fileHash.GetHashAndReset()), _size,
            Convert.ToHexStringLower(_openHash.GetHashAndReset()), _openSize);
    }

    /// <summary>Writes a whole small file (the comps copy) as one piece.</summary>
    public static MetadataFileInfo WriteWhole(string path, ReadOnlySpan<byte> content, RepodataCompression compression, CompressionLevel level)
    {
        using var writer = new MetadataFileWriter(path, compression, level);
        writer.Write(content);
        return writer.Complete();
    }

    public void Dispose()
    {
        _file.Dispose();
        _fileHash.Dispose();
        _openHash.Dispose();
    }
}
