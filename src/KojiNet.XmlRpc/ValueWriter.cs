using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Text;

namespace KojiNet.XmlRpc;

/// <summary>
/// Encodes values as UTF-8 straight into an <see cref="IBufferWriter{T}"/> in Python's marshaller
/// layout. It writes into one large span taken from the destination and hands it back only when
/// it fills and at the end, so a constant tag is one bounds check and a copy. Text is escaped
/// (<c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>) and checked for characters XML 1.0 cannot carry;
/// the encoded member-name lines are cached per key string.
/// </summary>
internal ref struct ValueWriter
{
    // Guards against cyclic object graphs; far deeper than anything Koji returns.
    private const int MaxWriteDepth = 512;

    // How much to ask the destination for at a time (it may give more).
    private const int ChunkSize = 16384;

    // Characters that need escaping or checking: markup, C0 controls other than TAB/LF/CR,
    // surrogates (valid only as pairs) and the non-characters U+FFFE/U+FFFF.
    private static readonly SearchValues<char> Special = SearchValues.Create(BuildSpecial());

    // Printable ASCII except markup, plus TAB/LF/CR: the vectorised fast path.
    private static readonly SearchValues<char> SafeAscii = SearchValues.Create(BuildSafeAscii());

    [ThreadStatic]
    private static MemberNameCache? _memberNames;

    private readonly IBufferWriter<byte> _w;
    private readonly bool _dateTimeAsString;
    private readonly MemberNameCache _names;
    private Span<byte> _buf;
    private int _pos;
    private int _refills;

    public ValueWriter(IBufferWriter<byte> writer, XmlRpcWriterOptions options)
    {
        _w = writer;
        _dateTimeAsString = options.DateTimeAsString;
        _names = _memberNames ??= new MemberNameCache();
        _buf = default;
        _pos = 0;
        _refills = 0;
    }

    private static string BuildSpecial()
    {
        var sb = new StringBuilder("&<>\uFFFE\uFFFF");
        for (var c = 0; c < 0x20; c++)
        {
            if (c is not ('\t' or '\n' or '\r'))
            {
                sb.Append((char)c);
            }
        }
        for (var c = 0xD800; c <= 0xDFFF; c++)
        {
            sb.Append((char)c);
        }
        return sb.ToString();
    }

    private static string BuildSafeAscii()
    {
        var sb = new StringBuilder("\t\n\r");
        for (var c = 0x20; c < 0x80; c++)
        {
            if (c is not ('&' or '<' or '>'))
            {
                sb.Append((char)c);
            }
        }
        return sb.ToString();
    }

    public void MethodCall(XmlRpcMethodCall call)
    {
        Raw("<?xml version='1.0'?>\n<methodCall>\n<methodName>"u8);
        Text(call.MethodName);
        Raw("</methodName>\n<params>\n"u8);
        var ps = call.Params;
        for (var i = 0; i < ps.Count; i++)
        {
            Raw("<param>\n"u8);
            Value(ps[i], 0);
            Raw("</param>\n"u8);
        }
        Raw("</params>\n</methodCall>\n"u8);
        Flush();
    }

    public void Response(object? value)
    {
        Raw("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"u8);
        Value(value, 0);
        Raw("</param>\n</params>\n</methodResponse>\n"u8);
        Flush();
    }

    public void Fault(int code, string message)
    {
        Raw("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n"u8);
        Int(code);
        Raw("</member>\n<member>\n<name>faultString</name>\n"u8);
        String(message);
        Raw("</member>\n</struct></value>\n</fault>\n</methodResponse>\n"u8);
        Flush();
    }

    /// <summary>Hands what was written back to the destination.</summary>
    private void Flush()
    {
        if (_pos > 0)
        {
            _w.Advance(_pos);
        }
        _buf = default;
        _pos = 0;
    }

    /// <summary>Returns a span of at least <paramref name="size"/> free bytes at the write position.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Free(int size)
    {
        if (_buf.Length - _pos < size)
        {
            Refill(size);
        }
        return _buf[_pos..];
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Refill(int size)
    {
        Flush();
        _buf = _w.GetSpan(Math.Max(size, ChunkSize));
        _refills++;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Raw(ReadOnlySpan<byte> bytes)
    {
        if (_buf.Length - _pos < bytes.Length)
        {
            Refill(bytes.Length);
        }
        bytes.CopyTo(_buf[_pos..]);
        _pos += bytes.Length;
    }

    /// <summary>Writes escaped text; refuses characters XML cannot carry.</summary>
    private void Text(string s)
    {
        var rest = s.AsSpan();
        var i = rest.IndexOfAnyExcept(SafeAscii);
        if (i < 0)
        {
            // The common case: printable ASCII without markup, one narrowing copy.
            var dest = Free(rest.Length);
            System.Text.Ascii.FromUtf16(rest, dest, out _);
            _pos += rest.Length;
            return;
        }
        while (!rest.IsEmpty)
        {
            if (i < 0)
            {
                Plain(rest);
                return;
            }
            if (rest[i] >= 0x80)
            {
                // Non-ASCII: everything up to the next character needing attention is plain.
                var j = rest[i..].IndexOfAny(Special);
                if (j != 0)
                {
                    var end = j < 0 ? rest.Length : i + j;
                    Plain(rest[..end]);
                    rest = rest[end..];
                    i = rest.IndexOfAnyExcept(SafeAscii);
                    continue;
                }
                i += j;
            }
            Plain(rest[..i]);
            var c = rest[i];
            switch (c)
            {
                case '&':
                    Raw("&amp;"u8);
                    break;
                case '<':
                    Raw("&lt;"u8);
                    break;
                case '>':
                    Raw("&gt;"u8);
                    break;
                default:
                    if (char.IsHighSurrogate(c) && i + 1 < rest.Length && char.IsLowSurrogate(rest[i + 1]))
                    {
                        Plain(rest.Slice(i, 2));
                        i++;
                        break;
                    }
                    throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"character U+{(int)c:X4} cannot be carried by XML"));
            }
            rest = rest[(i + 1)..];
            i = rest.IndexOfAnyExcept(SafeAscii);
        }
    }

    /// <summary>UTF-8 encodes text that needs no escaping (no unpaired surrogates by construction).</summary>
    private void Plain(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            var chunk = text.Length <= 4096 ? text : text[..4096];
            if (char.IsHighSurrogate(chunk[^1]) && chunk.Length < text.Length)
            {
                chunk = chunk[..^1];
            }
            var span = Free(chunk.Length * 3);
            _pos += Encoding.UTF8.GetBytes(chunk, span);
            text = text[chunk.Length..];
        }
    }

    private void Value(object? value, int depth)
    {
        switch (value)
        {
            case string s:
                String(s);
                return;
            case int i:
                Int(i);
                return;
            case null:
                Raw("<value><nil/></value>"u8);
                return;
            case bool b:
                Raw(b ? "<value><boolean>1</boolean></value>\n"u8 : "<value><boolean>0</boolean></value>\n"u8);
                return;
            case long l:
                Long(l);
                return;
            case double d:
                Double(d);
                return;
            case OrderedDictionary<string, object?> od:
                StructStart(depth);
                for (var k = 0; k < od.Count; k++)
                {
                    var kv = od.GetAt(k);
                    Member(kv.Key, kv.Value, depth);
                }
                Raw("</struct></value>\n"u8);
                return;
            case List<object?> list:
                ArrayStart(depth);
                for (var k = 0; k < list.Count; k++)
                {
                    Value(list[k], depth + 1);
                }
                Raw("</data></array></value>\n"u8);
                return;
            case DateTimeOffset dto:
                KojiTime(dto.DateTime, dto.Offset);
                return;
            case DateTime dt:
                DateTimeValue(dt);
                return;
            case Dictionary<string, object?> dict:
                StructStart(depth);
                foreach (var kv in dict)
                {
                    Member(kv.Key, kv.Value, depth);
                }
                Raw("</struct></value>\n"u8);
                return;
            case object?[] array:
                ArrayStart(depth);
                foreach (var item in array)
                {
                    Value(item, depth + 1);
                }
                Raw("</data></array></value>\n"u8);
                return;
            case byte[] bytes:
                Base64(bytes);
                return;
            default:
                Other(value, depth);
                return;
        }
    }

    private void Other(object value, int depth)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> rod:
                StructStart(depth);
                foreach (var kv in rod)
                {
                    Member(kv.Key, kv.Value, depth);
                }
                Raw("</struct></value>\n"u8);
                return;
            case IDictionary<string, object?> gd:
                StructStart(depth);
                foreach (var kv in gd)
                {
                    Member(kv.Key, kv.Value, depth);
                }
                Raw("</struct></value>\n"u8);
                return;
            case IDictionary nd:
                StructStart(depth);
                var en = nd.GetEnumerator();
                while (en.MoveNext())
                {
                    if (en.Key is not string key)
                    {
                        throw new NotSupportedException(
                            $"struct member names must be strings, not {en.Key.GetType()}");
                    }
                    Member(key, en.Value, depth);
                }
                Raw("</struct></value>\n"u8);
                return;
            case Enum e:
                EnumValue(e);
                return;
            case short or sbyte or byte or ushort or char:
                if (value is char c)
                {
                    String(c.ToString());
                }
                else
                {
                    Int(Convert.ToInt32(value, CultureInfo.InvariantCulture));
                }
                return;
            case uint ui:
                Long(ui);
                return;
            case ulong ul:
                Long(ul <= long.MaxValue ? (long)ul : throw new OverflowException("int exceeds XML-RPC limits"));
                return;
            case BigInteger bi:
                Long(bi >= long.MinValue && bi <= long.MaxValue ? (long)bi : throw new OverflowException("int exceeds XML-RPC limits"));
                return;
            case float f:
                Double(f);
                return;
            case decimal m:
                Double((double)m);
                return;
            case ReadOnlyMemory<byte> rom:
                Base64(rom.Span);
                return;
            case Memory<byte> mem:
                Base64(mem.Span);
                return;
            case IEnumerable seq:
                ArrayStart(depth);
                foreach (var item in seq)
                {
                    Value(item, depth + 1);
                }
                Raw("</data></array></value>\n"u8);
                return;
            default:
                throw new NotSupportedException($"cannot marshal {value.GetType()} objects");
        }
    }

    private void StructStart(int depth)
    {
        CheckDepth(depth);
        Raw("<value><struct>\n"u8);
    }

    private void ArrayStart(int depth)
    {
        CheckDepth(depth);
        Raw("<value><array><data>\n"u8);
    }

    private static void CheckDepth(int depth)
    {
        if (depth >= MaxWriteDepth)
        {
            throw new NotSupportedException("cannot marshal recursive or too deeply nested values");
        }
    }

    private void Member(string key, object? value, int depth)
    {
        var line = _names.Get(key);
        if (line is null)
        {
            var start = _pos;
            var refills = _refills;
            Raw("<member>\n<name>"u8);
            Text(key);
            Raw("</name>\n"u8);
            if (refills == _refills && start <= _pos)
            {
                _names.Add(key, _buf[start.._pos]);
            }
        }
        else
        {
            Raw(line);
        }
        Value(value, depth + 1);
        Raw("</member>\n"u8);
    }

    private void String(string s)
    {
        Raw("<value><string>"u8);
        Text(s);
        Raw("</string></value>\n"u8);
    }

    private void Int(int i)
    {
        // "<value><int>" + at most 11 characters + "</int></value>\n"
        var span = Free(12 + 11 + 15);
        "<value><int>"u8.CopyTo(span);
        var n = 12 + FormatInt(i, span[12..]);
        "</int></value>\n"u8.CopyTo(span[n..]);
        _pos += n + 15;
    }

    /// <summary>Decimal digits of <paramref name="value"/> (11 bytes of room needed).</summary>
    private static int FormatInt(long value, Span<byte> dest)
    {
        var pos = 0;
        ulong u;
        if (value < 0)
        {
            dest[pos++] = (byte)'-';
            u = (ulong)-(value + 1) + 1;
        }
        else
        {
            u = (ulong)value;
        }
        if (u < 10)
        {
            dest[pos] = (byte)('0' + u);
            return pos + 1;
        }
        var digits = CountDigits(u);
        var end = pos + digits;
        for (var k = end - 1; k >= pos; k--)
        {
            var q = u / 10;
            dest[k] = (byte)('0' + (u - q * 10));
            u = q;
        }
        return end;
    }

    private static int CountDigits(ulong u)
    {
        var n = 1;
        while (u >= 10)
        {
            u /= 10;
            n++;
        }
        return n;
    }

    private void Long(long l)
    {
        if (l is >= int.MinValue and <= int.MaxValue)
        {
            Int((int)l);
            return;
        }
        var span = Free(11 + 20 + 14);
        "<value><i8>"u8.CopyTo(span);
        var n = 11 + FormatInt(l, span[11..]);
        "</i8></value>\n"u8.CopyTo(span[n..]);
        _pos += n + 14;
    }

    private void Double(double d)
    {
        var span = Free(15 + PythonFloat.MaxLength + 18);
        "<value><double>"u8.CopyTo(span);
        var n = 15 + FormatDouble(d, span[15..]);
        "</double></value>\n"u8.CopyTo(span[n..]);
        _pos += n + 18;
    }

    /// <summary>Python's repr of a double as ASCII bytes (see <see cref="PythonFloat.TryFormat"/>).</summary>
    private static int FormatDouble(double d, Span<byte> dest)
    {
        // .NET's shortest round-trip digits equal Python's; in plain notation within Python's
        // plain range (1e-4 <= |d| < 1e16) the text is the same apart from the ".0" Python adds
        // to integral values. Everything else takes the general path.
        if (double.IsFinite(d) && d.TryFormat(dest, out var n, "R", CultureInfo.InvariantCulture)
            && dest[..n].IndexOfAny((byte)'E', (byte)'e') < 0)
        {
            var sign = dest[0] == '-' ? 1 : 0;
            var dot = dest[..n].IndexOf((byte)'.');
            var intDigits = (dot < 0 ? n : dot) - sign;
            var plain = intDigits <= 16;
            if (plain && intDigits == 1 && dest[sign] == '0' && dot > 0)
            {
                var zeros = dest[(dot + 1)..n].IndexOfAnyExcept((byte)'0');
                plain = zeros is >= 0 and < 4;
            }
            if (plain)
            {
                if (dot < 0)
                {
                    dest[n++] = (byte)'.';
                    dest[n++] = (byte)'0';
                }
                return n;
            }
        }
        Span<char> chars = stackalloc char[PythonFloat.MaxLength];
        PythonFloat.TryFormat(d, chars, out var cn);
        for (var k = 0; k < cn; k++)
        {
            dest[k] = (byte)chars[k];
        }
        return cn;
    }

    private void EnumValue(Enum e)
    {
        var underlying = Enum.GetUnderlyingType(e.GetType());
        if (underlying == typeof(ulong))
        {
            Value(Convert.ToUInt64(e, CultureInfo.InvariantCulture), 0);
        }
        else
        {
            Long(Convert.ToInt64(e, CultureInfo.InvariantCulture));
        }
    }

    private void Base64(ReadOnlySpan<byte> bytes)
    {
        // Python's encodebytes layout: lines of 76 characters, each ending in a newline.
        Raw("<value><base64>\n"u8);
        while (!bytes.IsEmpty)
        {
            var chunk = bytes[..Math.Min(57, bytes.Length)];
            var span = Free(77);
            System.Buffers.Text.Base64.EncodeToUtf8(chunk, span, out _, out var n);
            span[n++] = (byte)'\n';
            _pos += n;
            bytes = bytes[chunk.Length..];
        }
        Raw("</base64></value>\n"u8);
    }

    private void DateTimeValue(DateTime dt)
    {
        if (_dateTimeAsString)
        {
            TimeSpan? offset = dt.Kind switch
            {
                DateTimeKind.Utc => TimeSpan.Zero,
                DateTimeKind.Local => TimeZoneInfo.Local.GetUtcOffset(dt),
                _ => null,
            };
            KojiTime(dt, offset);
            return;
        }
        Raw("<value><dateTime.iso8601>"u8);
        // yyyyMMdd'T'HH':'mm':'ss
        var buf = Free(17);
        dt.Deconstruct(out int year, out int month, out int day);
        Digits4(buf, year);
        Digits2(buf[4..], month);
        Digits2(buf[6..], day);
        buf[8] = (byte)'T';
        Time(buf[9..], dt);
        _pos += 17;
        Raw("</dateTime.iso8601></value>\n"u8);
    }

    private void KojiTime(DateTime local, TimeSpan? offset)
    {
        // Python's isoformat(' '): microseconds only when non-zero, offset as +HH:MM.
        Raw("<value><string>"u8);
        var buf = Free(48);
        local.Deconstruct(out int year, out int month, out int day);
        Digits4(buf, year);
        buf[4] = (byte)'-';
        Digits2(buf[5..], month);
        buf[7] = (byte)'-';
        Digits2(buf[8..], day);
        buf[10] = (byte)' ';
        Time(buf[11..], local);
        var pos = 19;
        var micro = (int)(local.Ticks % TimeSpan.TicksPerSecond / 10);
        if (micro != 0)
        {
            buf[pos++] = (byte)'.';
            Digits2(buf[pos..], micro / 10000);
            Digits2(buf[(pos + 2)..], micro / 100 % 100);
            Digits2(buf[(pos + 4)..], micro % 100);
            pos += 6;
        }
        if (offset is { } off)
        {
            buf[pos++] = off < TimeSpan.Zero ? (byte)'-' : (byte)'+';
            var minutes = (int)(off.Duration().Ticks / TimeSpan.TicksPerMinute);
            Digits2(buf[pos..], minutes / 60 % 100);
            buf[pos + 2] = (byte)':';
            Digits2(buf[(pos + 3)..], minutes % 60);
            pos += 5;
        }
        _pos += pos;
        Raw("</string></value>\n"u8);
    }

    /// <summary>HH:mm:ss of <paramref name="dt"/>.</summary>
    private static void Time(Span<byte> buf, DateTime dt)
    {
        var seconds = (int)(dt.Ticks / TimeSpan.TicksPerSecond % 86400);
        Digits2(buf, seconds / 3600);
        buf[2] = (byte)':';
        Digits2(buf[3..], seconds / 60 % 60);
        buf[5] = (byte)':';
        Digits2(buf[6..], seconds % 60);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Digits2(Span<byte> buf, int value)
    {
        buf[1] = (byte)('0' + value % 10);
        buf[0] = (byte)('0' + value / 10);
    }

    private static void Digits4(Span<byte> buf, int value)
    {
        Digits2(buf[2..], value % 100);
        Digits2(buf, value / 100);
    }
}

/// <summary>
/// The encoded <c>&lt;member&gt;&lt;name&gt;…&lt;/name&gt;</c> lines of recently written struct
/// keys, per thread: a two-way set-associative cache keyed by the key string, so the repeated
/// keys of a list of structs are escaped and encoded once.
/// </summary>
internal sealed class MemberNameCache
{
    private const int Sets = 256;
    private const int MaxKeyLength = 64;
    private readonly string?[] _keys = new string?[Sets * 2];
    private readonly byte[]?[] _lines = new byte[Sets * 2][];
    private readonly bool[] _nextVictim = new bool[Sets];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Set(string key)
    {
        var n = key.Length;
        if (n == 0)
        {
            return 0;
        }
        var h = (uint)n * 0x9E3779B1u ^ key[0] ^ (uint)key[n - 1] << 7 ^ (uint)key[n >> 1] << 14;
        h *= 0x85EBCA6Bu;
        return (int)(h >> 24) & (Sets - 1);
    }

    public byte[]? Get(string key)
    {
        var i = Set(key) * 2;
        var k = _keys[i];
        if (ReferenceEquals(k, key) || (k is not null && string.Equals(k, key, StringComparison.Ordinal)))
        {
            return _lines[i];
        }
        k = _keys[i + 1];
        if (ReferenceEquals(k, key) || (k is not null && string.Equals(k, key, StringComparison.Ordinal)))
        {
            return _lines[i + 1];
        }
        return null;
    }

    public void Add(string key, ReadOnlySpan<byte> line)
    {
        if (key.Length > MaxKeyLength)
        {
            return;
        }
        var set = Set(key);
        var way = _keys[set * 2] is null ? 0 : _keys[set * 2 + 1] is null ? 1 : _nextVictim[set] ? 1 : 0;
        _nextVictim[set] = way == 0;
        _keys[set * 2 + way] = key;
        _lines[set * 2 + way] = line.ToArray();
    }
}

/// <summary>
/// An <see cref="IBufferWriter{T}"/> that passes its pooled buffer on to a stream whenever the
/// buffer fills, and at <see cref="Flush"/>.
/// </summary>
internal sealed class StreamBufferWriter(Stream destination) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(32768);
    private int _written;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public void Flush()
    {
        if (_written > 0)
        {
            destination.Write(_buffer, 0, _written);
            _written = 0;
        }
        destination.Flush();
    }

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }
        if (_written > 0)
        {
            destination.Write(_buffer, 0, _written);
            _written = 0;
        }
        if (_buffer.Length < sizeHint)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(sizeHint);
        }
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}

/// <summary>A growable buffer writer on pooled arrays.</summary>
internal sealed class PooledBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16384);
    private int _written;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _written);

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    public ValueTask CopyToAsync(Stream destination, CancellationToken cancellationToken) =>
        destination.WriteAsync(WrittenMemory, cancellationToken);

    private void Ensure(int sizeHint)
    {
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= sizeHint)
        {
            return;
        }
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + sizeHint));
        _buffer.AsSpan(0, _written).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = [];
    }
}
