using System.Buffers.Binary;
using System.Text;

namespace KojiNet.Rpm.Format;

/// <summary>
/// A parsed RPM header (signature or main): the 16-byte intro (magic, index count, data length),
/// the index and the data store, held as one byte array. Every entry is checked when the header
/// is read — type, alignment, bounds, NUL-terminated strings, ordering and the immutable region
/// trailer — so typed access afterwards cannot read outside the header. Values are decoded on
/// demand; nothing is decoded at parse time.
/// </summary>
public sealed class RpmHeader
{
    /// <summary>Size of the intro before the index: 8 bytes of magic, index count, data length.</summary>
    public const int IntroSize = 16;

    /// <summary>Size of one index entry.</summary>
    public const int EntrySize = 16;

    /// <summary>Most index entries rpm accepts in a main header.</summary>
    public const int MaxIndexCount = 0xFFFF;

    /// <summary>Most data bytes rpm accepts in a main header (256 MiB - 1).</summary>
    public const int MaxDataLength = 0x0FFFFFFF;

    /// <summary>Most index entries rpm accepts in a signature header.</summary>
    public const int MaxSignatureIndexCount = 32;

    /// <summary>Most data bytes rpm accepts in a signature header (64 MiB).</summary>
    public const int MaxSignatureDataLength = 64 * 1024 * 1024;

    private const int RegionTrailerSize = 16;

    private static ReadOnlySpan<byte> Magic => [0x8E, 0xAD, 0xE8, 0x01, 0x00, 0x00, 0x00, 0x00];

    private readonly byte[] _bytes;
    private readonly RpmHeaderEntry[] _entries;
    private readonly int[]? _byTag;
    private readonly int _dataStart;

    private RpmHeader(byte[] bytes, RpmHeaderKind kind)
    {
        _bytes = bytes;
        Kind = kind;
        var indexCount = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8));
        DataLength = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(12));
        _dataStart = IntroSize + (indexCount * EntrySize);
        _entries = new RpmHeaderEntry[indexCount];
        ParseIndex();
        _byTag = SortOrderIfNeeded(_entries);
    }

    /// <summary>Whether this is a signature or a main header.</summary>
    public RpmHeaderKind Kind { get; }

    /// <summary>Length of the data store in bytes.</summary>
    public int DataLength { get; }

    /// <summary>Total length of the header in bytes, from its magic to the end of its data.</summary>
    public int Length => _bytes.Length;

    /// <summary>The header exactly as read (magic, index and data).</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The index entries in stored order, the region entry (if any) first.</summary>
    public IReadOnlyList<RpmHeaderEntry> Entries => _entries;

    /// <summary>The region tag (HEADERIMMUTABLE, HEADERSIGNATURES or legacy HEADERIMAGE), or null for a header without a region.</summary>
    public int? RegionTag { get; private set; }

    /// <summary>Number of index entries inside the immutable region, the region entry included (0 without a region).</summary>
    public int RegionIndexCount { get; private set; }

    /// <summary>Length of the region's data, its trailer included (0 without a region).</summary>
    public int RegionDataLength { get; private set; }

    /// <summary>Returns a copy of the header bytes.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>Length of the header whose first 16 bytes are <paramref name="intro"/>, after checking magic and limits.</summary>
    /// <exception cref="RpmFormatException">Bad magic, or counts beyond rpm's limits for <paramref name="kind"/>.</exception>
    public static int MeasureLength(ReadOnlySpan<byte> intro, RpmHeaderKind kind)
    {
        if (intro.Length < IntroSize)
        {
            throw new RpmFormatException($"truncated {Describe(kind)}: {intro.Length} of {IntroSize} intro bytes");
        }
        if (!intro[..8].SequenceEqual(Magic))
        {
            throw new RpmFormatException(
                $"bad {Describe(kind)} magic {Convert.ToHexString(intro[..8])}, expected 8EADE80100000000");
        }
        var il = BinaryPrimitives.ReadUInt32BigEndian(intro[8..]);
        var dl = BinaryPrimitives.ReadUInt32BigEndian(intro[12..]);
        var (maxIl, maxDl) = kind == RpmHeaderKind.Signature
            ? (MaxSignatureIndexCount, MaxSignatureDataLength)
            : (MaxIndexCount, MaxDataLength);
        if (il == 0 || il > maxIl)
        {
            throw new RpmFormatException($"{Describe(kind)} index count {il} outside 1..{maxIl}");
        }
        if (dl == 0 || dl > maxDl)
        {
            throw new RpmFormatException($"{Describe(kind)} data length {dl} outside 1..{maxDl}");
        }
        return IntroSize + ((int)il * EntrySize) + (int)dl;
    }

    /// <summary>Parses a header from the start of <paramref name="data"/> (extra bytes after it are ignored) and copies it.</summary>
    /// <exception cref="RpmFormatException">The header is truncated or malformed.</exception>
    public static RpmHeader Parse(ReadOnlySpan<byte> data, RpmHeaderKind kind = RpmHeaderKind.Main)
    {
        var length = MeasureLength(data, kind);
        if (data.Length < length)
        {
            throw new RpmFormatException($"truncated {Describe(kind)}: {data.Length} of {length} bytes");
        }
        return new RpmHeader(data[..length].ToArray(), kind);
    }

    /// <summary>
    /// Reads one header from the current position of <paramref name="stream"/>, consuming exactly its bytes.
    /// On a seekable stream the declared length is checked against the stream's length before anything is allocated.
    /// </summary>
    /// <exception cref="RpmFormatException">The header is truncated or malformed.</exception>
    public static RpmHeader Read(Stream stream, RpmHeaderKind kind = RpmHeaderKind.Main)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> intro = stackalloc byte[IntroSize];
        ReadFully(stream, intro, Describe(kind));
        var length = MeasureLength(intro, kind);
        if (stream.CanSeek && stream.Length - stream.Position < length - IntroSize)
        {
            throw new RpmFormatException(
                $"truncated {Describe(kind)}: needs {length} bytes, {stream.Length - stream.Position + IntroSize} available");
        }
        var bytes = ReadBody(stream, intro, length, kind);
        return new RpmHeader(bytes, kind);
    }

    private static byte[] ReadBody(Stream stream, ReadOnlySpan<byte> intro, int length, RpmHeaderKind kind)
    {
        if (stream.CanSeek || length <= 1 << 20)
        {
            var bytes = new byte[length];
            intro.CopyTo(bytes);
            ReadFully(stream, bytes.AsSpan(IntroSize), Describe(kind));
            return bytes;
        }
        // Unknown stream length: grow as data arrives so a lying length cannot force a huge allocation.
        using var buffer = new MemoryStream();
        buffer.Write(intro);
        var chunk = new byte[1 << 16];
        while (buffer.Length < length)
        {
            var n = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, length - buffer.Length));
            if (n == 0)
            {
                throw new RpmFormatException($"truncated {Describe(kind)}: {buffer.Length} of {length} bytes");
            }
            buffer.Write(chunk, 0, n);
        }
        return buffer.ToArray();
    }

    internal static void ReadFully(Stream stream, Span<byte> buffer, string what)
    {
        var done = 0;
        while (done < buffer.Length)
        {
            var n = stream.Read(buffer[done..]);
            if (n == 0)
            {
                throw new RpmFormatException($"truncated {what}: end of file after {done} of {buffer.Length} bytes");
            }
            done += n;
        }
    }

    private static string Describe(RpmHeaderKind kind) => kind == RpmHeaderKind.Signature ? "signature header" : "header";

    private string What => Describe(Kind);

    private void ParseIndex()
    {
        var data = _bytes.AsSpan(_dataStart, DataLength);
        var first = 0;
        var regionEnd = 0;
        if (_entries.Length > 0)
        {
            var e0 = ReadIndexEntry(0);
            if (e0.Tag is RpmTag.HeaderImage or RpmTag.HeaderSignatures or RpmTag.HeaderImmutable)
            {
                regionEnd = ParseRegion(e0, data);
                first = 1;
            }
        }
        var previousEnd = 0;
        for (var i = first; i < _entries.Length; i++)
        {
            var e = ReadIndexEntry(i);
            if (e.Tag < RpmTag.HeaderI18NTable)
            {
                throw Bad(i, e.Tag, $"tag {e.Tag} is reserved for regions");
            }
            if (e.Type is < RpmTagType.Char or > RpmTagType.I18NString)
            {
                throw Bad(i, e.Tag, $"invalid type {(int)e.Type}");
            }
            if (e.Count <= 0)
            {
                throw Bad(i, e.Tag, $"invalid count {(uint)e.Count}");
            }
            if (e.Offset < 0 || e.Offset >= DataLength)
            {
                throw Bad(i, e.Tag, $"data offset {(uint)e.Offset} outside data of {DataLength} bytes");
            }
            var align = Alignment(e.Type);
            if (e.Offset % align != 0)
            {
                throw Bad(i, e.Tag, $"data offset {e.Offset} not aligned to {align} for type {e.Type}");
            }
            if (e.Offset < previousEnd)
            {
                throw Bad(i, e.Tag, $"data at {e.Offset} overlaps previous entry's data ending at {previousEnd}");
            }
            var length = DataLengthOf(e.Type, e.Count, data[e.Offset..]);
            if (length < 0)
            {
                throw Bad(i, e.Tag, $"{e.Count} {e.Type} value(s) at offset {e.Offset} do not fit in the data");
            }
            var end = e.Offset + length;
            if (RegionTag is not null && i < RegionIndexCount && end > RegionDataLength - RegionTrailerSize)
            {
                throw Bad(i, e.Tag, "data runs into the region trailer");
            }
            if (RegionTag is not null && i >= RegionIndexCount && e.Offset < regionEnd)
            {
                throw Bad(i, e.Tag, "entry outside the region has data inside it");
            }
            previousEnd = end;
            _entries[i] = e with { Length = length };
        }
    }

    private int ParseRegion(RpmHeaderEntry e0, ReadOnlySpan<byte> data)
    {
        var expected = Kind == RpmHeaderKind.Signature ? RpmTag.HeaderSignatures : RpmTag.HeaderImmutable;
        if (e0.Tag != expected && e0.Tag != RpmTag.HeaderImage)
        {
            throw Bad(0, e0.Tag, $"region tag {e0.Tag} in a {What}, expected {expected}");
        }
        if (e0.Type != RpmTagType.Bin || e0.Count != RegionTrailerSize)
        {
            throw Bad(0, e0.Tag, $"region entry has type {e0.Type} count {e0.Count}, expected BIN count {RegionTrailerSize}");
        }
        if (e0.Offset < 0 || e0.Offset > DataLength - RegionTrailerSize)
        {
            throw Bad(0, e0.Tag, $"region trailer offset {e0.Offset} outside data of {DataLength} bytes");
        }
        var trailer = data.Slice(e0.Offset, RegionTrailerSize);
        var tTag = BinaryPrimitives.ReadInt32BigEndian(trailer);
        var tType = BinaryPrimitives.ReadInt32BigEndian(trailer[4..]);
        var tOffset = BinaryPrimitives.ReadInt32BigEndian(trailer[8..]);
        var tCount = BinaryPrimitives.ReadInt32BigEndian(trailer[12..]);
        // Old packages carry HEADERIMAGE in the signature region trailer; rpm accepts that.
        var tagOk = tTag == e0.Tag || (Kind == RpmHeaderKind.Signature && tTag == RpmTag.HeaderImage);
        if (!tagOk || tType != (int)RpmTagType.Bin || tCount != RegionTrailerSize)
        {
            throw Bad(0, e0.Tag, $"region trailer is tag {tTag} type {tType} count {tCount}, expected tag {e0.Tag} BIN count {RegionTrailerSize}");
        }
        if (tOffset >= 0 || tOffset == int.MinValue || -tOffset % EntrySize != 0 || -tOffset / EntrySize > _entries.Length)
        {
            throw Bad(0, e0.Tag, $"region trailer offset {tOffset} does not cover 1..{_entries.Length} index entries");
        }
        RegionTag = e0.Tag;
        RegionIndexCount = -tOffset / EntrySize;
        RegionDataLength = e0.Offset + RegionTrailerSize;
        _entries[0] = e0 with { Length = RegionTrailerSize };
        return RegionDataLength;
    }

    private RpmHeaderEntry ReadIndexEntry(int i)
    {
        var span = _bytes.AsSpan(IntroSize + (i * EntrySize), EntrySize);
        return new RpmHeaderEntry(
            BinaryPrimitives.ReadInt32BigEndian(span),
            (RpmTagType)BinaryPrimitives.ReadInt32BigEndian(span[4..]),
            BinaryPrimitives.ReadInt32BigEndian(span[8..]),
            BinaryPrimitives.ReadInt32BigEndian(span[12..]),
            0);
    }

    private RpmFormatException Bad(int index, int tag, string problem) =>
        new($"{What} entry {index} (tag {tag}): {problem}");

    /// <summary>Alignment of a type's data in the data store.</summary>
    public static int Alignment(RpmTagType type) => type switch
    {
        RpmTagType.Int16 => 2,
        RpmTagType.Int32 => 4,
        RpmTagType.Int64 => 8,
        _ => 1,
    };

    /// <summary>Byte length of <paramref name="count"/> values of <paramref name="type"/> at the start of <paramref name="data"/>, or -1 when they do not fit.</summary>
    public static int DataLengthOf(RpmTagType type, int count, ReadOnlySpan<byte> data)
    {
        if (count <= 0)
        {
            return -1;
        }
        long fixedSize = type switch
        {
            RpmTagType.Char or RpmTagType.Int8 or RpmTagType.Bin => 1,
            RpmTagType.Int16 => 2,
            RpmTagType.Int32 => 4,
            RpmTagType.Int64 => 8,
            _ => 0,
        };
        if (fixedSize > 0)
        {
            var length = fixedSize * count;
            return length <= data.Length ? (int)length : -1;
        }
        if (type == RpmTagType.String && count != 1)
        {
            return -1;
        }
        if (type is not (RpmTagType.String or RpmTagType.StringArray or RpmTagType.I18NString))
        {
            return -1;
        }
        var pos = 0;
        for (var i = 0; i < count; i++)
        {
            var nul = data[pos..].IndexOf((byte)0);
            if (nul < 0)
            {
                return -1;
            }
            pos += nul + 1;
        }
        return pos;
    }

    private static int[]? SortOrderIfNeeded(RpmHeaderEntry[] entries)
    {
        for (var i = 1; i < entries.Length; i++)
        {
            if (entries[i].Tag < entries[i - 1].Tag)
            {
                var order = new int[entries.Length];
                for (var j = 0; j < order.Length; j++)
                {
                    order[j] = j;
                }
                // Stable by tag, so the first stored entry of a duplicated tag wins like in the sorted case.
                Array.Sort(order, (a, b) => entries[a].Tag != entries[b].Tag ? entries[a].Tag.CompareTo(entries[b].Tag) : a.CompareTo(b));
                return order;
            }
        }
        return null;
    }

    /// <summary>Index (into <see cref="Entries"/>) of the entry for <paramref name="tag"/>, or -1.</summary>
    public int IndexOf(int tag)
    {
        int lo = 0, hi = _entries.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var t = _entries[_byTag is null ? mid : _byTag[mid]].Tag;
            if (t < tag)
            {
                lo = mid + 1;
            }
            else
            {
                if (t == tag)
                {
                    found = mid;
                }
                hi = mid - 1;
            }
        }
        return found < 0 ? -1 : _byTag is null ? found : _byTag[found];
    }

    /// <summary>True when the header has an entry for <paramref name="tag"/>.</summary>
    public bool Contains(int tag) => IndexOf(tag) >= 0;

    /// <summary>Finds the entry for <paramref name="tag"/>.</summary>
    public bool TryGetEntry(int tag, out RpmHeaderEntry entry)
    {
        var i = IndexOf(tag);
        entry = i >= 0 ? _entries[i] : default;
        return i >= 0;
    }

    /// <summary>The raw (big-endian) data of an entry of this header.</summary>
    public ReadOnlySpan<byte> GetData(RpmHeaderEntry entry) => _bytes.AsSpan(_dataStart + entry.Offset, entry.Length);

    private bool TryGet(int tag, out RpmHeaderEntry entry, out ReadOnlySpan<byte> data)
    {
        var i = IndexOf(tag);
        if (i < 0)
        {
            entry = default;
            data = default;
            return false;
        }
        entry = _entries[i];
        data = GetData(entry);
        return true;
    }

    private RpmFormatException WrongType(in RpmHeaderEntry e, string expected) =>
        new($"{What} tag {e.Tag} has type {e.Type} count {e.Count}, expected {expected}");

    /// <summary>
    /// A STRING value, or the first string of an I18NSTRING (the C locale, as rpm shows it without translations).
    /// Null when the tag is absent.
    /// </summary>
    /// <exception cref="RpmFormatException">The entry has another type.</exception>
    public string? GetString(int tag)
    {
        if (!TryGet(tag, out var e, out var data))
        {
            return null;
        }
        if (e.Type is not (RpmTagType.String or RpmTagType.I18NString or RpmTagType.StringArray))
        {
            throw WrongType(e, "a string");
        }
        return Encoding.UTF8.GetString(data[..data.IndexOf((byte)0)]);
    }

    /// <summary>All strings of a STRING_ARRAY or I18NSTRING (a STRING gives one element). Null when the tag is absent.</summary>
    /// <exception cref="RpmFormatException">The entry has another type.</exception>
    public string[]? GetStringArray(int tag)
    {
        if (!TryGet(tag, out var e, out var data))
        {
            return null;
        }
        if (e.Type is not (RpmTagType.String or RpmTagType.I18NString or RpmTagType.StringArray))
        {
            throw WrongType(e, "a string array");
        }
        var result = new string[e.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var nul = data.IndexOf((byte)0);
            result[i] = nul == 0 ? string.Empty : Encoding.UTF8.GetString(data[..nul]);
            data = data[(nul + 1)..];
        }
        return result;
    }

    /// <summary>The first value of an INT8, INT16 or INT32 entry, or null when absent.</summary>
    /// <exception cref="RpmFormatException">The entry has another type.</exception>
    public uint? GetUInt32(int tag)
    {
        if (!TryGet(tag, out var e, out var data))
        {
            return null;
        }
        return e.Type switch
        {
            RpmTagType.Int32 => BinaryPrimitives.ReadUInt32BigEndian(data),
            RpmTagType.Int16 => BinaryPrimitives.ReadUInt16BigEndian(data),
            RpmTagType.Int8 or RpmTagType.Char => data[0],
            _ => throw WrongType(e, "INT32"),
        };
    }

    /// <summary>The first value of an integer entry of any width, or null when absent.</summary>
    /// <exception cref="RpmFormatException">The entry is not an integer.</exception>
    public ulong? GetUInt64(int tag)
    {
        if (!TryGet(tag, out var e, out var data))
        {
            return null;
        }
        return e.Type == RpmTagType.Int64 ? BinaryPrimitives.ReadUInt64BigEndian(data) : GetUInt32(tag);
    }

    /// <summary>All values of an INT8, INT16 or INT32 entry, or null when absent.</summary>
    /// <exception cref="RpmFormatException">The entry has another type.</exception>
    public uint[]? GetUInt32Array(int tag)
    {
        if (!TryGet(tag, out var e, out var data))
        {
            return null;
        }
        var result = new uint[e.Count];
        switch (e.Type)
        {
            case RpmTagType.Int32:
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = BinaryPrimitives.ReadUInt32BigEndian(data[(i * 4)..]);
                }
                break;
            case RpmTagType.Int16:
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = BinaryPrimitives.ReadUInt16BigEndian(data[(i * 2)..]);
                }
                break;
            case RpmTagType.Int8 or RpmTagType.Char:
                for (var i = 0; i < result.Length; i++)
                {
                    result[i] = data[i];
                }
                break;
            default:
                throw WrongType(e, "INT32 array");
        }
        return result;
    }

    /// <summary>All values of an integer entry of any width, widened to 64 bits, or null when absent.</summary>
    /// <exception cref="RpmFormatException">The entry is not an integer.</exception>
    public ulong[]? GetUInt64Array(int tag)
    {
        if (!TryGet(tag, out var e, out var data))
        {
            return null;
        }
        if (e.Type != RpmTagType.Int64)
        {
            return Array.ConvertAll(GetUInt32Array(tag)!, v => (ulong)v);
        }
        var result = new ulong[e.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = BinaryPrimitives.ReadUInt64BigEndian(data[(i * 8)..]);
        }
        return result;
    }

    /// <summary>The bytes of a BIN entry (or INT8/CHAR), or null when absent.</summary>
    /// <exception cref="RpmFormatException">The entry has another type.</exception>
    public byte[]? GetBinary(int tag)
    {
        if (!TryGet(tag, out var e, out var data))
        {
            return null;
        }
        if (e.Type is not (RpmTagType.Bin or RpmTagType.Int8 or RpmTagType.Char))
        {
            throw WrongType(e, "BIN");
        }
        return data.ToArray();
    }
}
