using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace KojiNet.Repodata.Cache;

/// <summary>What makes a package's rendered XML valid for reuse: the package file and where the repo points at it.</summary>
internal sealed record PackageIdentity(string Href, string? Base, long FileTime, long PackageSize, string ChecksumType, string PkgId)
{
    public static PackageIdentity Of(RepoPackage p) =>
        new(p.LocationHref, p.LocationBase, p.FileTime, p.PackageSize, p.ChecksumType, p.PkgId);
}

/// <summary>The three metadata files, in the order their parts are stored.</summary>
internal static class Part
{
    public const int Primary = 0;
    public const int Filelists = 1;
    public const int Other = 2;
    public const int Count = 3;
}

/// <summary>
/// A run of consecutive packages whose XML is compressed together: for each metadata file the
/// uncompressed XML, its CRC-32 and the compressed piece, stored in one blob as
/// [primary, filelists, other uncompressed][primary, filelists, other compressed].
/// </summary>
internal sealed class ChunkData
{
    public required PackageIdentity[] Packages { get; init; }

    /// <summary>Fragment lengths per package: [package * 3 + part].</summary>
    public required int[] FragmentLengths { get; init; }

    public required byte[] Blob { get; init; }

    /// <summary>Uncompressed lengths per part, then compressed lengths per part.</summary>
    public required int[] Lengths { get; init; }

    public required uint[] Crcs { get; init; }

    public int Offset(int index)
    {
        var offset = 0;
        for (var i = 0; i < index; i++)
        {
            offset += Lengths[i];
        }
        return offset;
    }

    public ReadOnlySpan<byte> Uncompressed(int part) => Blob.AsSpan(Offset(part), Lengths[part]);

    public ReadOnlySpan<byte> Compressed(int part) => Blob.AsSpan(Offset(Part.Count + part), Lengths[Part.Count + part]);

    /// <summary>The key of a chunk: SHA-256 over its packages' identities, in order.</summary>
    public static string Key(IEnumerable<PackageIdentity> packages)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var sb = new StringBuilder();
        foreach (var p in packages)
        {
            sb.Clear().Append(p.Href).Append('\0').Append(p.Base is null ? "\u0001" : p.Base).Append('\0')
                .Append(p.FileTime.ToString(CultureInfo.InvariantCulture)).Append('\0')
                .Append(p.PackageSize.ToString(CultureInfo.InvariantCulture)).Append('\0')
                .Append(p.ChecksumType).Append('\0').Append(p.PkgId).Append('\n');
            hash.AppendData(Encoding.UTF8.GetBytes(sb.ToString()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>A chunk stored in a cache file.</summary>
internal sealed class CachedChunk
{
    public required long Offset { get; init; }

    public required int[] Lengths { get; init; }

    public required uint[] Crcs { get; init; }

    public required CachedPackage[] Packages { get; init; }

    public string Key { get; set; } = string.Empty;

    public int BlobLength => Lengths.Sum();
}

/// <summary>A package's fragments inside a cached chunk.</summary>
internal sealed class CachedPackage
{
    public required PackageIdentity Identity { get; init; }

    public required CachedChunk Chunk { get; init; }

    /// <summary>Offsets in the chunk blob per part.</summary>
    public required int[] Offsets { get; init; }

    public required int[] Lengths { get; init; }
}

/// <summary>
/// The cache file: a magic, chunk blobs back to back, then an index (the settings fingerprint,
/// chunks with their packages), the index offset and an end magic. It is written to a temporary
/// file and renamed into place, so a reader sees a complete file or none.
/// </summary>
internal static class ChunkCacheFormat
{
    public static ReadOnlySpan<byte> StartMagic => "KNRDC02\n"u8;

    public static ReadOnlySpan<byte> EndMagic => "KNRDCEND"u8;

    public const int TrailerLength = 16;
}

/// <summary>Reads the cache of a previous run; any damage makes it behave as no cache.</summary>
internal sealed class ChunkCacheReader : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, CachedChunk> _chunks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<CachedPackage>> _byPkgId = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Href, string? Base), CachedPackage> _byLocation = [];

    private ChunkCacheReader(SafeFileHandle handle)
    {
        _handle = handle;
    }

    /// <summary>Opens the cache at <paramref name="path"/>; null when it is absent, damaged or made with other settings.</summary>
    public static ChunkCacheReader? TryOpen(string path, string fingerprint)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        var reader = new ChunkCacheReader(handle);
        try
        {
            if (reader.Load(fingerprint))
            {
                return reader;
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or DecoderFallbackException or ArgumentException
                                      or OverflowException or IndexOutOfRangeException)
        {
            // A damaged cache is no cache.
        }
        reader.Dispose();
        return null;
    }

    private bool Load(string fingerprint)
    {
        var length = RandomAccess.GetLength(_handle);
        var start = ChunkCacheFormat.StartMagic.Length;
        if (length < start + ChunkCacheFormat.TrailerLength)
        {
            return false;
        }
        Span<byte> magic = stackalloc byte[start];
        if (RandomAccess.Read(_handle, magic, 0) != start || !magic.SequenceEqual(ChunkCacheFormat.StartMagic))
        {
            return false;
        }
        Span<byte> trailer = stackalloc byte[ChunkCacheFormat.TrailerLength];
        if (RandomAccess.Read(_handle, trailer, length - trailer.Length) != trailer.Length
            || !trailer[8..].SequenceEqual(ChunkCacheFormat.EndMagic))
        {
            return false;
        }
        var indexOffset = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        var indexEnd = length - trailer.Length;
        if (indexOffset < start || indexOffset > indexEnd)
        {
            return false;
        }
        var index = new byte[indexEnd - indexOffset];
        if (RandomAccess.Read(_handle, index, indexOffset) != index.Length)
        {
            return false;
        }
        using var r = new BinaryReader(new MemoryStream(index), Encoding.UTF8);
        if (!string.Equals(r.ReadString(), fingerprint, StringComparison.Ordinal))
        {
            return false;
        }
        var chunkCount = r.ReadInt32();
        for (var c = 0; c < chunkCount; c++)
        {
            var offset = r.ReadInt64();
            var lengths = new int[2 * Part.Count];
            for (var i = 0; i < lengths.Length; i++)
            {
                lengths[i] = r.ReadInt32();
            }
            var crcs = new uint[Part.Count];
            for (var i = 0; i < crcs.Length; i++)
            {
                crcs[i] = r.ReadUInt32();
            }
            var packages = new CachedPackage[r.ReadInt32()];
            var chunk = new CachedChunk { Offset = offset, Lengths = lengths, Crcs = crcs, Packages = packages };
            if (offset < start || lengths.Any(l => l < 0) || offset + chunk.BlobLength > indexOffset)
            {
                return false;
            }
            var partOffsets = new[] { 0, lengths[0], lengths[0] + lengths[1] };
            for (var p = 0; p < packages.Length; p++)
            {
                var href = r.ReadString();
                var baseUrl = r.ReadBoolean() ? r.ReadString() : null;
                var identity = new PackageIdentity(href, baseUrl, r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadString());
                var fragmentLengths = new[] { r.ReadInt32(), r.ReadInt32(), r.ReadInt32() };
                packages[p] = new CachedPackage
                {
                    Identity = identity,
                    Chunk = chunk,
                    Offsets = [.. partOffsets],
                    Lengths = fragmentLengths,
                };
                for (var part = 0; part < Part.Count; part++)
                {
                    partOffsets[part] += fragmentLengths[part];
                }
            }
            if (partOffsets[0] != lengths[0] || partOffsets[1] != lengths[0] + lengths[1] || partOffsets[2] != lengths[0] + lengths[1] + lengths[2])
            {
                return false;
            }
            chunk.Key = ChunkData.Key(packages.Select(p => p.Identity));
            _chunks.TryAdd(chunk.Key, chunk);
            foreach (var p in packages)
            {
                _byLocation.TryAdd((p.Identity.Href, p.Identity.Base), p);
                if (!_byPkgId.TryGetValue(p.Identity.PkgId, out var list))
                {
                    _byPkgId[p.Identity.PkgId] = list = [];
                }
                list.Add(p);
            }
        }
        return true;
    }

    /// <summary>The fragments rendered for exactly this package (checksum, location, file time and size), if any.</summary>
    public CachedPackage? Find(PackageIdentity identity)
    {
        if (!_byPkgId.TryGetValue(identity.PkgId, out var list))
        {
            return null;
        }
        foreach (var p in list)
        {
            if (p.Identity == identity)
            {
                return p;
            }
        }
        return null;
    }

    /// <summary>The fragments rendered for the file at this location with this modification time and size, if any.</summary>
    public CachedPackage? Find(string href, string? baseUrl, long fileTime, long size) =>
        _byLocation.TryGetValue((href, baseUrl), out var p) && p.Identity.FileTime == fileTime && p.Identity.PackageSize == size ? p : null;

    public CachedChunk? FindChunk(string key) => _chunks.GetValueOrDefault(key);

    public byte[] ReadBlob(CachedChunk chunk)
    {
        var blob = new byte[chunk.BlobLength];
        ReadExactly(blob, chunk.Offset);
        return blob;
    }

    /// <summary>One package's fragment of one part.</summary>
    public void ReadFragment(CachedPackage package, int part, Span<byte> destination) =>
        ReadExactly(destination[..package.Lengths[part]], package.Chunk.Offset + package.Offsets[part]);

    private void ReadExactly(Span<byte> destination, long offset)
    {
        var read = 0;
        while (read < destination.Length)
        {
            var n = RandomAccess.Read(_handle, destination[read..], offset + read);
            if (n == 0)
            {
                throw new RepodataException("the repodata cache file was truncated while in use");
            }
            read += n;
        }
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>Writes the cache file of this run, chunk by chunk in output order.</summary>
internal sealed class ChunkCacheWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly string _fingerprint;
    private readonly List<(long Offset, ChunkData Chunk)> _chunks = [];

    public ChunkCacheWriter(string path, string fingerprint)
    {
        _fingerprint = fingerprint;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _file.Write(ChunkCacheFormat.StartMagic);
    }

    public void Add(ChunkData chunk)
    {
        _chunks.Add((_file.Position, chunk));
        _file.Write(chunk.Blob, 0, chunk.Lengths.Sum());
    }

    public void Complete()
    {
        var indexOffset = _file.Position;
        using (var w = new BinaryWriter(_file, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(_fingerprint);
            w.Write(_chunks.Count);
            foreach (var (offset, chunk) in _chunks)
            {
                w.Write(offset);
                foreach (var l in chunk.Lengths)
                {
                    w.Write(l);
                }
                foreach (var crc in chunk.Crcs)
                {
                    w.Write(crc);
                }
                w.Write(chunk.Packages.Length);
                for (var p = 0; p < chunk.Packages.Length; p++)
                {
                    var id = chunk.Packages[p];
                    w.Write(id.Href);
                    w.Write(id.Base is not null);
                    if (id.Base is not null)
                    {
                        w.Write(id.Base);
                    }
                    w.Write(id.FileTime);
                    w.Write(id.PackageSize);
                    w.Write(id.ChecksumType);
                    w.Write(id.PkgId);
                    for (var part = 0; part < Part.Count; part++)
                    {
                        w.Write(chunk.FragmentLengths[p * Part.Count + part]);
                    }
                }
            }
            w.Write(indexOffset);
            w.Write(ChunkCacheFormat.EndMagic);
        }
        _file.Flush(flushToDisk: false);
    }

    public void Dispose() => _file.Dispose();
}
