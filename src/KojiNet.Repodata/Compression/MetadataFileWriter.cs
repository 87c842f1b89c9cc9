using System.IO.Compression;
using System.Security.Cryptography;

namespace KojiNet.Repodata.Compression;

/// <summary>What was written to one metadata file.</summary>
internal sealed record MetadataFileInfo(string Path, string Checksum, long Size, string OpenChecksum, long OpenSize);

/// <summary>
/// Writes one compressed metadata file, keeping the SHA-256 and size of both the uncompressed
/// content (open checksum) and the compressed file.
/// </summary>
internal sealed class MetadataFileWriter : IDisposable
{
    private readonly string _path;
    private readonly FileStream _file;
    private readonly HashingStream _compressed;
    private readonly Stream _compressor;
    private readonly IncrementalHash _open = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _openSize;
    private bool _completed;

    public MetadataFileWriter(string path, RepodataCompression compression, CompressionLevel level)
    {
        _path = path;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _compressed = new HashingStream(_file);
        _compressor = compression switch
        {
            RepodataCompression.Gzip => new GZipStream(_compressed, level, leaveOpen: true),
            RepodataCompression.Zstd => new ZstdCompressStream(_compressed, ZstdLevel(level), leaveOpen: true),
            _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, null),
        };
    }

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

    private static int ZstdLevel(CompressionLevel level) => level switch
    {
        CompressionLevel.NoCompression or CompressionLevel.Fastest => 1,
        CompressionLevel.SmallestSize => 19,
        _ => 6,
    };

    public void Write(ReadOnlySpan<byte> data)
    {
        _open.AppendData(data);
        _openSize += data.Length;
        _compressor.Write(data);
    }

    public MetadataFileInfo Complete()
    {
        _compressor.Dispose();
        _file.Flush(flushToDisk: false);
        _completed = true;
        var info = new MetadataFileInfo(_path, _compressed.HashHex(), _compressed.Count,
            Convert.ToHexStringLower(_open.GetHashAndReset()), _openSize);
        _file.Dispose();
        return info;
    }

    public void Dispose()
    {
        if (!_completed)
        {
            try
            {
                _compressor.Dispose();
            }
            catch (IOException)
            {
                // The file is being abandoned.
            }
        }
        _file.Dispose();
        _open.Dispose();
        _compressed.DisposeHash();
    }

    /// <summary>Counts and hashes the bytes passed through to the file.</summary>
    private sealed class HashingStream(Stream inner) : Stream
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public long Count { get; private set; }

        public string HashHex() => Convert.ToHexStringLower(_hash.GetHashAndReset());

        public void DisposeHash() => _hash.Dispose();

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => Count;

        public override long Position
        {
            get => Count;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            _hash.AppendData(buffer);
            Count += buffer.Length;
            inner.Write(buffer);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
