using System.Globalization;
using System.Text;

namespace KojiNet.Rpm.Payload;

/// <summary>
/// Reads a cpio archive (an RPM payload once decompressed) entry by entry, forward only.
/// Supports the SVR4 formats <c>070701</c> (newc) and <c>070702</c> (crc), and rpm's
/// stripped <c>07070X</c> entries when a size resolver is given.
/// </summary>
/// <remarks>
/// Call <see cref="ReadNextEntry"/> until it returns null (the <c>TRAILER!!!</c> entry);
/// between calls, <see cref="OpenEntryStream"/> reads the current entry's content. Content
/// left unread is skipped, with its padding, by the next <see cref="ReadNextEntry"/>.
/// Malformed archives raise <see cref="RpmFormatException"/> naming the archive offset.
/// Reading stops at the trailer: a caller that wants the decompressor to check the
/// compressed stream's final checksum reads the decompressed stream on to its end.
/// </remarks>
public sealed class CpioReader : IDisposable
{
    /// <summary>Largest accepted name size, including the terminating NUL (Linux PATH_MAX).</summary>
    public const int MaxNameSize = 4096;

    /// <summary>Largest accepted symbolic link target, in bytes.</summary>
    public const int MaxLinkTargetSize = 4096;

    private const int HeaderSize = 110;
    private const int MagicSize = 6;
    private const string Trailer = "TRAILER!!!";

    private readonly Stream _archive;
    private readonly bool _leaveOpen;
    private readonly Func<int, long>? _strippedEntrySize;
    private readonly byte[] _header = new byte[HeaderSize];
    private long _offset;
    private long _remaining;
    private CpioEntry? _current;
    private byte[]? _currentInline;
    private int _generation;
    private uint _sum;
    private bool _checksumPending;
    private bool _done;
    private bool _disposed;

    /// <summary>Creates a reader over a decompressed payload.</summary>
    /// <param name="archive">The cpio data, positioned at its first header.</param>
    /// <param name="leaveOpen">Keep <paramref name="archive"/> open when the reader is disposed.</param>
    /// <param name="strippedEntrySize">
    /// For rpm's stripped <c>07070X</c> entries: returns the size of the file with the given
    /// index in the RPM header's file list (from <c>LONGFILESIZES</c>/<c>FILESIZES</c>). Without
    /// it, a stripped entry raises <see cref="RpmFormatException"/>.
    /// </param>
    public CpioReader(Stream archive, bool leaveOpen = false, Func<int, long>? strippedEntrySize = null)
    {
        ArgumentNullException.ThrowIfNull(archive);
        _archive = archive;
        _leaveOpen = leaveOpen;
        _strippedEntrySize = strippedEntrySize;
    }

    /// <summary>Bytes of the archive consumed so far.</summary>
    public long Offset => _offset;

    /// <summary>The entry last returned by <see cref="ReadNextEntry"/>, or null.</summary>
    public CpioEntry? Current => _current;

    /// <summary>
    /// Skips what is left of the current entry and reads the next header.
    /// </summary>
    /// <returns>The entry, or null at the <c>TRAILER!!!</c> entry (and on every later call).</returns>
    /// <exception cref="RpmFormatException">The archive is malformed or truncated.</exception>
    public CpioEntry? ReadNextEntry()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_done)
        {
            return null;
        }
        if (_current is not null)
        {
            SkipRemaining();
            SkipPadding();
        }
        _current = null;
        _currentInline = null;
        _generation++;

        long headerOffset = _offset;
        if (!TryFill(_header.AsSpan(0, MagicSize)))
        {
            throw new RpmFormatException($"cpio archive ends at offset {headerOffset} without a {Trailer} entry");
        }
        var magic = Encoding.ASCII.GetString(_header, 0, MagicSize);
        var entry = magic switch
        {
            "070701" => ReadSvr4Header(CpioFormat.NewAscii, headerOffset),
            "070702" => ReadSvr4Header(CpioFormat.NewAsciiChecksum, headerOffset),
            "07070X" => ReadStrippedHeader(headerOffset),
            "070707" => throw new RpmFormatException(
                $"unsupported cpio format (odc, magic 070707) at offset {headerOffset}; rpm payloads use newc"),
            _ => throw new RpmFormatException($"bad cpio magic at offset {headerOffset}: {Printable(_header.AsSpan(0, MagicSize))}"),
        };
        if (entry is null)
        {
            _done = true;
            return null;
        }

        _remaining = entry.Size;
        _sum = 0;
        _checksumPending = entry.Format == CpioFormat.NewAsciiChecksum;
        if (_checksumPending && entry.Size == 0 && entry.Checksum != 0)
        {
            throw new RpmFormatException(
                $"cpio checksum mismatch for empty '{entry.Name}' at offset {headerOffset}: header {entry.Checksum:x8}");
        }
        if (entry.IsSymbolicLink && entry.Format != CpioFormat.Stripped)
        {
            if (entry.Size > MaxLinkTargetSize)
            {
                throw new RpmFormatException(
                    $"symbolic link '{entry.Name}' at offset {headerOffset} has an oversized target ({entry.Size} bytes)");
            }
            var target = new byte[entry.Size];
            ReadContent(target);
            _currentInline = target;
            entry = entry with { LinkTarget = Encoding.UTF8.GetString(target) };
        }
        _current = entry;
        return entry;
    }

    /// <summary>
    /// A stream over the current entry's content, bounded to its size. Valid until the next
    /// <see cref="ReadNextEntry"/>; the content can be read once (for symbolic links it holds the target).
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no current entry.</exception>
    public Stream OpenEntryStream()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_current is null)
        {
            throw new InvalidOperationException("no current cpio entry; call ReadNextEntry first");
        }
        return _currentInline is not null
            ? new MemoryStream(_currentInline, writable: false)
            : new EntryStream(this, _generation);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_leaveOpen)
        {
            _archive.Dispose();
        }
    }

    private CpioEntry? ReadSvr4Header(CpioFormat format, long headerOffset)
    {
        Fill(_header.AsSpan(MagicSize, HeaderSize - MagicSize), headerOffset);
        uint Field(int index) => ParseHex(_header.AsSpan(MagicSize + (index * 8), 8), headerOffset, index);
        uint inode = Field(0);
        uint mode = Field(1);
        uint uid = Field(2);
        uint gid = Field(3);
        uint nlink = Field(4);
        uint mtime = Field(5);
        uint size = Field(6);
        uint devMajor = Field(7);
        uint devMinor = Field(8);
        uint rdevMajor = Field(9);
        uint rdevMinor = Field(10);
        uint nameSize = Field(11);
        uint check = Field(12);

        if (nameSize == 0 || nameSize > MaxNameSize)
        {
            throw new RpmFormatException($"cpio header at offset {headerOffset} has an invalid name size {nameSize}");
        }
        var nameBytes = new byte[nameSize];
        Fill(nameBytes, headerOffset);
        if (nameBytes[^1] != 0 || Array.IndexOf(nameBytes, (byte)0) != nameBytes.Length - 1)
        {
            throw new RpmFormatException($"cpio entry name at offset {headerOffset} is not NUL-terminated");
        }
        SkipPadding();
        string name = Encoding.UTF8.GetString(nameBytes, 0, nameBytes.Length - 1);
        if (string.Equals(name, Trailer, StringComparison.Ordinal))
        {
            return null;
        }
        if (name.StartsWith("./", StringComparison.Ordinal))
        {
            name = name[2..];
        }
        return new CpioEntry
        {
            Format = format,
            Name = name,
            Inode = inode,
            Mode = mode,
            Uid = uid,
            Gid = gid,
            NLink = nlink,
            MTime = mtime,
            Size = size,
            DevMajor = devMajor,
            DevMinor = devMinor,
            RDevMajor = rdevMajor,
            RDevMinor = rdevMinor,
            Checksum = check,
        };
    }

    private CpioEntry ReadStrippedHeader(long headerOffset)
    {
        Fill(_header.AsSpan(MagicSize, 8), headerOffset);
        uint index = ParseHex(_header.AsSpan(MagicSize, 8), headerOffset, 0);
        SkipPadding();
        if (index > int.MaxValue)
        {
            throw new RpmFormatException($"stripped cpio entry at offset {headerOffset} has an impossible file index {index}");
        }
        int fileIndex = (int)index;
        if (_strippedEntrySize is null)
        {
            throw new RpmFormatException(
                $"stripped cpio entry (07070X, file index {fileIndex}) at offset {headerOffset}: packages with files "
                + "of 4 GiB or more keep file metadata in the RPM header; pass a size resolver to CpioReader");
        }
        long size = _strippedEntrySize(fileIndex);
        if (size < 0)
        {
            throw new RpmFormatException($"no size known for stripped cpio entry with file index {fileIndex}");
        }
        return new CpioEntry { Format = CpioFormat.Stripped, Name = "", FileIndex = fileIndex, Size = size };
    }

    private static uint ParseHex(ReadOnlySpan<byte> field, long headerOffset, int index)
    {
        uint value = 0;
        foreach (byte b in field)
        {
            int digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                throw new RpmFormatException(
                    $"cpio header at offset {headerOffset}: field {index} is not hexadecimal: {Printable(field)}");
            }
            value = (value << 4) | (uint)digit;
        }
        return value;
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder("\"");
        foreach (byte b in bytes)
        {
            if (b is >= 0x20 and < 0x7f and not (byte)'"' and not (byte)'\\')
            {
                sb.Append((char)b);
            }
            else
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{b:x2}");
            }
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Reads content of the current entry; called by <see cref="EntryStream"/>.</summary>
    private int ReadContent(Span<byte> buffer)
    {
        if (_remaining == 0 || buffer.IsEmpty)
        {
            return 0;
        }
        if (buffer.Length > _remaining)
        {
            buffer = buffer[..(int)_remaining];
        }
        int n = _archive.Read(buffer);
        if (n == 0)
        {
            throw new RpmFormatException(
                $"cpio archive truncated at offset {_offset} inside '{_current?.Name}' ({_remaining} bytes missing)");
        }
        _offset += n;
        _remaining -= n;
        if (_checksumPending)
        {
            foreach (byte b in buffer[..n])
            {
                _sum += b;
            }
            if (_remaining == 0)
            {
                _checksumPending = false;
                if (_current is { } e && _sum != e.Checksum)
                {
                    throw new RpmFormatException(
                        $"cpio checksum mismatch for '{e.Name}' before offset {_offset}: header {e.Checksum:x8}, content {_sum:x8}");
                }
            }
        }
        return n;
    }

    private void SkipRemaining()
    {
        if (_remaining == 0)
        {
            return;
        }
        var scratch = new byte[(int)Math.Min(_remaining, 64 * 1024)];
        while (_remaining > 0)
        {
            ReadContent(scratch);
        }
    }

    private void SkipPadding()
    {
        int pad = (int)((4 - (_offset & 3)) & 3);
        if (pad > 0)
        {
            Fill(_header.AsSpan(0, pad), _offset);
        }
    }

    private void Fill(Span<byte> buffer, long headerOffset)
    {
        if (!TryFill(buffer))
        {
            throw new RpmFormatException($"cpio archive truncated at offset {_offset} (entry header at offset {headerOffset})");
        }
    }

    /// <summary>Fills the buffer; false when the archive ends before the first byte, throws when it ends later.</summary>
    private bool TryFill(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = _archive.Read(buffer[total..]);
            if (n == 0)
            {
                if (total == 0)
                {
                    return false;
                }
                throw new RpmFormatException($"cpio archive truncated at offset {_offset + total}");
            }
            total += n;
        }
        _offset += total;
        return true;
    }

    /// <summary>The current entry's content, bounded to its size.</summary>
    private sealed class EntryStream(CpioReader reader, int generation) : ReadOnlyForwardStream
    {
        public override int Read(Span<byte> buffer)
        {
            ThrowIfDisposed();
            ObjectDisposedException.ThrowIf(reader._disposed, reader);
            if (reader._generation != generation)
            {
                throw new InvalidOperationException("the cpio reader has moved past this entry");
            }
            return reader.ReadContent(buffer);
        }
    }
}
