using System.Buffers.Binary;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace KojiNet.Repodata.Cache;

/// <summary>
/// One package's rendered <c>&lt;package&gt;</c> elements of primary, filelists and other, stored
/// back to back in <see cref="Data"/>, with what identifies the package they were rendered for.
/// </summary>
internal sealed class PackageFragments
{
    public required string Href { get; init; }

    public string? Base { get; init; }

    public long FileTime { get; init; }

    public long PackageSize { get; init; }

    public required string ChecksumType { get; init; }

    public required string PkgId { get; init; }

    public required byte[] Data { get; init; }

    public int PrimaryLength { get; init; }

    public int FilelistsLength { get; init; }

    public int OtherLength { get; init; }

    /// <summary>True when taken from the previous cache rather than rendered.</summary>
    public bool Reused { get; init; }

    public ReadOnlySpan<byte> Primary => Data.AsSpan(0, PrimaryLength);

    public ReadOnlySpan<byte> Filelists => Data.AsSpan(PrimaryLength, FilelistsLength);

    public ReadOnlySpan<byte> Other => Data.AsSpan(PrimaryLength + FilelistsLength, OtherLength);
}

/// <summary>Where one package's fragments are in a cache file.</summary>
internal sealed record FragmentCacheEntry(
    string Href, string? Base, long FileTime, long PackageSize, string ChecksumType, string PkgId,
    long Offset, int PrimaryLength, int FilelistsLength, int OtherLength)
{
    public int Length => PrimaryLength + FilelistsLength + OtherLength;
}

/// <summary>
/// The fragment cache file: a magic, the fragments back to back, then an index (the render
/// fingerprint and one record per package), then the index offset and an end magic. It is
/// written to a temporary file and renamed into place, so a reader sees a complete file or none.
/// </summary>
internal static class FragmentCacheFormat
{
    public static ReadOnlySpan<byte> StartMagic => "KNRDC01\n"u8;

    public static ReadOnlySpan<byte> EndMagic => "KNRDCEND"u8;

    public const int TrailerLength = 16;
}

/// <summary>Reads fragments of a previous run; any damage makes it behave as an empty cache.</summary>
internal sealed class FragmentCacheReader : IDisposable
{
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, List<FragmentCacheEntry>> _byPkgId = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Href, string? Base), FragmentCacheEntry> _byLocation = [];

    private FragmentCacheReader(SafeFileHandle handle)
    {
        _handle = handle;
    }

    public int Count => _byLocation.Count;

    /// <summary>Opens the cache at <paramref name="path"/>; null when it is absent, damaged or made with other render settings.</summary>
    public static FragmentCacheReader? TryOpen(string path, string fingerprint)
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
        var reader = new FragmentCacheReader(handle);
        try
        {
            if (reader.Load(fingerprint))
            {
                return reader;
            }
        }
        catch (Exception e) when (e is IOException or EndOfStreamException or DecoderFallbackException or ArgumentException or OverflowException)
        {
            // A damaged cache is no cache.
        }
        reader.Dispose();
        return null;
    }

    private bool Load(string fingerprint)
    {
        var length = RandomAccess.GetLength(_handle);
        var startLength = FragmentCacheFormat.StartMagic.Length;
        if (length < startLength + FragmentCacheFormat.TrailerLength)
        {
            return false;
        }
        Span<byte> magic = stackalloc byte[startLength];
        RandomAccess.Read(_handle, magic, 0);
        if (!magic.SequenceEqual(FragmentCacheFormat.StartMagic))
        {
            return false;
        }
        Span<byte> trailer = stackalloc byte[FragmentCacheFormat.TrailerLength];
        if (RandomAccess.Read(_handle, trailer, length - FragmentCacheFormat.TrailerLength) != trailer.Length
            || !trailer[8..].SequenceEqual(FragmentCacheFormat.EndMagic))
        {
            return false;
        }
        var indexOffset = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        var indexEnd = length - FragmentCacheFormat.TrailerLength;
        if (indexOffset < startLength || indexOffset > indexEnd)
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
        var count = r.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            var href = r.ReadString();
            var hasBase = r.ReadBoolean();
            var baseUrl = hasBase ? r.ReadString() : null;
            var entry = new FragmentCacheEntry(href, baseUrl, r.ReadInt64(), r.ReadInt64(), r.ReadString(), r.ReadString(),
                r.ReadInt64(), r.ReadInt32(), r.ReadInt32(), r.ReadInt32());
            if (entry.Offset < startLength || entry.PrimaryLength < 0 || entry.FilelistsLength < 0 || entry.OtherLength < 0
                || entry.Offset + entry.Length > indexOffset)
            {
                return false;
            }
            _byLocation.TryAdd((href, baseUrl), entry);
            if (!_byPkgId.TryGetValue(entry.PkgId, out var list))
            {
                _byPkgId[entry.PkgId] = list = [];
            }
            list.Add(entry);
        }
        return true;
    }

    /// <summary>The entry rendered for this very package at this location, if any.</summary>
    public FragmentCacheEntry? Find(RepoPackage package)
    {
        if (!_byPkgId.TryGetValue(package.PkgId, out var list))
        {
            return null;
        }
        foreach (var e in list)
        {
            if (string.Equals(e.Href, package.LocationHref, StringComparison.Ordinal)
                && string.Equals(e.Base, package.LocationBase, StringComparison.Ordinal)
                && string.Equals(e.ChecksumType, package.ChecksumType, StringComparison.Ordinal)
                && e.FileTime == package.FileTime
                && e.PackageSize == package.PackageSize)
            {
                return e;
            }
        }
        return null;
    }

    /// <summary>The entry rendered for the file at this location with this modification time and size, if any.</summary>
    public FragmentCacheEntry? Find(string href, string? baseUrl, long fileTime, long size) =>
        _byLocation.TryGetValue((href, baseUrl), out var e) && e.FileTime == fileTime && e.PackageSize == size ? e : null;

    public PackageFragments Read(FragmentCacheEntry e)
    {
        var data = new byte[e.Length];
        var read = 0;
        while (read < data.Length)
        {
            var n = RandomAccess.Read(_handle, data.AsSpan(read), e.Offset + read);
            if (n == 0)
            {
                throw new RepodataException("the repodata cache file was truncated while in use");
            }
            read += n;
        }
        return new PackageFragments
        {
            Href = e.Href,
            Base = e.Base,
            FileTime = e.FileTime,
            PackageSize = e.PackageSize,
            ChecksumType = e.ChecksumType,
            PkgId = e.PkgId,
            Data = data,
            PrimaryLength = e.PrimaryLength,
            FilelistsLength = e.FilelistsLength,
            OtherLength = e.OtherLength,
            Reused = true,
        };
    }

    public void Dispose() => _handle.Dispose();
}

/// <summary>Writes a new cache file from the fragments of one run, in output order.</summary>
internal sealed class FragmentCacheWriter : IDisposable
{
    private readonly FileStream _file;
    private readonly string _fingerprint;
    private readonly List<FragmentCacheEntry> _entries = [];

    public FragmentCacheWriter(string path, string fingerprint)
    {
        _fingerprint = fingerprint;
        _file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        _file.Write(FragmentCacheFormat.StartMagic);
    }

    public void Add(PackageFragments f)
    {
        _entries.Add(new FragmentCacheEntry(f.Href, f.Base, f.FileTime, f.PackageSize, f.ChecksumType, f.PkgId,
            _file.Position, f.PrimaryLength, f.FilelistsLength, f.OtherLength));
        _file.Write(f.Data, 0, f.PrimaryLength + f.FilelistsLength + f.OtherLength);
    }

    public void Complete()
    {
        var indexOffset = _file.Position;
        using (var w = new BinaryWriter(_file, Encoding.UTF8, leaveOpen: true))
        {
            w.Write(_fingerprint);
            w.Write(_entries.Count);
            foreach (var e in _entries)
            {
                w.Write(e.Href);
                w.Write(e.Base is not null);
                if (e.Base is not null)
                {
                    w.Write(e.Base);
                }
                w.Write(e.FileTime);
                w.Write(e.PackageSize);
                w.Write(e.ChecksumType);
                w.Write(e.PkgId);
                w.Write(e.Offset);
                w.Write(e.PrimaryLength);
                w.Write(e.FilelistsLength);
                w.Write(e.OtherLength);
            }
            w.Write(indexOffset);
            w.Write(FragmentCacheFormat.EndMagic);
        }
        _file.Flush(flushToDisk: false);
    }

    public void Dispose() => _file.Dispose();
}
