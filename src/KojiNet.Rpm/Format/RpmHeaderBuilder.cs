using System.Buffers.Binary;
using System.Text;

namespace KojiNet.Rpm.Format;

/// <summary>
/// Writes RPM headers in rpm's layout: entries sorted by tag, each value aligned for its type,
/// and — when a region tag is set — an immutable region covering the entries, whose 16-byte
/// trailer follows the region's data. A header read by <see cref="RpmHeader"/> and written again
/// with <see cref="From"/> and <see cref="ToArray"/> is byte-identical when rpm wrote it.
/// </summary>
public sealed class RpmHeaderBuilder
{
    private readonly List<Item> _items = [];

    private sealed record Item(int Tag, RpmTagType Type, int Count, byte[] Data, bool InRegion);

    /// <summary>Creates an empty builder.</summary>
    /// <param name="regionTag">
    /// HEADERSIGNATURES (62) for a signature header, HEADERIMMUTABLE (63) for a main header, or null for no region.
    /// </param>
    public RpmHeaderBuilder(int? regionTag)
    {
        if (regionTag is not (null or RpmTag.HeaderImage or RpmTag.HeaderSignatures or RpmTag.HeaderImmutable))
        {
            throw new ArgumentOutOfRangeException(nameof(regionTag), regionTag, "not a region tag");
        }
        RegionTag = regionTag;
    }

    /// <summary>The region tag, or null when the header has no immutable region.</summary>
    public int? RegionTag { get; }

    /// <summary>Tags currently set, in the order they will be written.</summary>
    public IEnumerable<int> Tags => Ordered().Select(i => i.Tag);

    /// <summary>A builder holding every entry of <paramref name="header"/> (entries outside its region stay outside).</summary>
    public static RpmHeaderBuilder From(RpmHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var builder = new RpmHeaderBuilder(header.RegionTag);
        var start = header.RegionTag is null ? 0 : 1;
        for (var i = start; i < header.Entries.Count; i++)
        {
            var e = header.Entries[i];
            builder._items.Add(new Item(e.Tag, e.Type, e.Count, header.GetData(e).ToArray(),
                header.RegionTag is not null && i < header.RegionIndexCount));
        }
        return builder;
    }

    /// <summary>True when <paramref name="tag"/> is set.</summary>
    public bool Contains(int tag) => _items.Exists(i => i.Tag == tag);

    /// <summary>Removes <paramref name="tag"/>; returns whether it was set.</summary>
    public bool Remove(int tag) => _items.RemoveAll(i => i.Tag == tag) > 0;

    /// <summary>
    /// Sets <paramref name="tag"/> to raw big-endian data, replacing any previous value. A new tag
    /// goes inside the region when there is one; a replaced tag keeps its place.
    /// </summary>
    /// <exception cref="ArgumentException">The data does not hold exactly <paramref name="count"/> values of <paramref name="type"/>.</exception>
    public RpmHeaderBuilder Set(int tag, RpmTagType type, int count, ReadOnlySpan<byte> data)
    {
        if (tag < RpmTag.HeaderI18NTable)
        {
            throw new ArgumentOutOfRangeException(nameof(tag), tag, "tags below 100 are reserved for regions");
        }
        if (RpmHeader.DataLengthOf(type, count, data) != data.Length)
        {
            throw new ArgumentException($"data of {data.Length} bytes is not {count} value(s) of type {type}", nameof(data));
        }
        var index = _items.FindIndex(i => i.Tag == tag);
        var inRegion = index >= 0 ? _items[index].InRegion : RegionTag is not null;
        var item = new Item(tag, type, count, data.ToArray(), inRegion);
        if (index >= 0)
        {
            _items[index] = item;
            _items.RemoveAll(i => i.Tag == tag && !ReferenceEquals(i, item));
        }
        else
        {
            _items.Add(item);
        }
        return this;
    }

    /// <summary>Sets a STRING value.</summary>
    public RpmHeaderBuilder SetString(int tag, string value) => Set(tag, RpmTagType.String, 1, NulTerminated([value]));

    /// <summary>Sets a STRING_ARRAY value (at least one element).</summary>
    public RpmHeaderBuilder SetStringArray(int tag, IReadOnlyList<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Set(tag, RpmTagType.StringArray, values.Count, NulTerminated(values));
    }

    /// <summary>Sets an INT32 array value.</summary>
    public RpmHeaderBuilder SetInt32(int tag, params ReadOnlySpan<uint> values)
    {
        var data = new byte[values.Length * 4];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(data.AsSpan(i * 4), values[i]);
        }
        return Set(tag, RpmTagType.Int32, values.Length, data);
    }

    /// <summary>Sets an INT64 array value.</summary>
    public RpmHeaderBuilder SetInt64(int tag, params ReadOnlySpan<ulong> values)
    {
        var data = new byte[values.Length * 8];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt64BigEndian(data.AsSpan(i * 8), values[i]);
        }
        return Set(tag, RpmTagType.Int64, values.Length, data);
    }

    /// <summary>Sets an INT16 array value.</summary>
    public RpmHeaderBuilder SetInt16(int tag, params ReadOnlySpan<ushort> values)
    {
        var data = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(i * 2), values[i]);
        }
        return Set(tag, RpmTagType.Int16, values.Length, data);
    }

    /// <summary>Sets a BIN value.</summary>
    public RpmHeaderBuilder SetBinary(int tag, ReadOnlySpan<byte> value) => Set(tag, RpmTagType.Bin, value.Length, value);

    private static byte[] NulTerminated(IReadOnlyList<string> values)
    {
        var buffer = new List<byte>();
        foreach (var v in values)
        {
            ArgumentNullException.ThrowIfNull(v);
            if (v.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("header strings cannot contain NUL", nameof(values));
            }
            buffer.AddRange(Encoding.UTF8.GetBytes(v));
            buffer.Add(0);
        }
        return [.. buffer];
    }

    private IEnumerable<Item> Ordered() =>
        _items.Where(i => i.InRegion).OrderBy(i => i.Tag)
            .Concat(_items.Where(i => !i.InRegion).OrderBy(i => i.Tag));

    /// <summary>Serializes the header: magic, index count, data length, index, data.</summary>
    /// <exception cref="InvalidOperationException">The header is empty or exceeds rpm's size limits.</exception>
    public byte[] ToArray()
    {
        var ordered = Ordered().ToList();
        var regionCount = RegionTag is null ? 0 : 1 + ordered.Count(i => i.InRegion);
        var indexCount = ordered.Count + (RegionTag is null ? 0 : 1);
        if (indexCount == 0)
        {
            throw new InvalidOperationException("a header needs at least one entry");
        }

        // Lay out the data: region entries, region trailer, then entries outside the region.
        var offsets = new int[ordered.Count];
        long length = 0;
        var trailerOffset = -1;
        for (var i = 0; i < ordered.Count; i++)
        {
            if (RegionTag is not null && trailerOffset < 0 && !ordered[i].InRegion)
            {
                trailerOffset = (int)length;
                length += 16;
            }
            var align = RpmHeader.Alignment(ordered[i].Type);
            length = (length + align - 1) / align * align;
            offsets[i] = (int)length;
            length += ordered[i].Data.Length;
        }
        if (RegionTag is not null && trailerOffset < 0)
        {
            trailerOffset = (int)length;
            length += 16;
        }
        if (indexCount > RpmHeader.MaxIndexCount || length > RpmHeader.MaxDataLength)
        {
            throw new InvalidOperationException($"header of {indexCount} entries and {length} data bytes exceeds rpm's limits");
        }

        var dataStart = RpmHeader.IntroSize + (indexCount * RpmHeader.EntrySize);
        var bytes = new byte[dataStart + length];
        var span = bytes.AsSpan();
        span[0] = 0x8E;
        span[1] = 0xAD;
        span[2] = 0xE8;
        span[3] = 0x01;
        BinaryPrimitives.WriteInt32BigEndian(span[8..], indexCount);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], (int)length);
        var slot = RpmHeader.IntroSize;
        if (RegionTag is int regionTag)
        {
            WriteEntry(span[slot..], regionTag, RpmTagType.Bin, trailerOffset, 16);
            slot += RpmHeader.EntrySize;
            WriteEntry(span[(dataStart + trailerOffset)..], regionTag, RpmTagType.Bin, -regionCount * RpmHeader.EntrySize, 16);
        }
        for (var i = 0; i < ordered.Count; i++)
        {
            WriteEntry(span[slot..], ordered[i].Tag, ordered[i].Type, offsets[i], ordered[i].Count);
            slot += RpmHeader.EntrySize;
            ordered[i].Data.CopyTo(span[(dataStart + offsets[i])..]);
        }
        return bytes;
    }

    /// <summary>Serializes and parses the header back.</summary>
    public RpmHeader Build(RpmHeaderKind kind) => RpmHeader.Parse(ToArray(), kind);

    private static void WriteEntry(Span<byte> span, int tag, RpmTagType type, int offset, int count)
    {
        BinaryPrimitives.WriteInt32BigEndian(span, tag);
        BinaryPrimitives.WriteInt32BigEndian(span[4..], (int)type);
        BinaryPrimitives.WriteInt32BigEndian(span[8..], offset);
        BinaryPrimitives.WriteInt32BigEndian(span[12..], count);
    }
}
