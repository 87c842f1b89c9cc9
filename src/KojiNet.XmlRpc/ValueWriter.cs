using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace KojiNet.XmlRpc;

/// <summary>
/// Encodes values as UTF-8 straight into an <see cref="IBufferWriter{T}"/> in Python's marshaller
/// layout. Tags are constant byte strings; text is escaped (<c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c>)
/// and checked for characters XML 1.0 cannot carry. This replaces <see cref="System.Xml.XmlWriter"/>,
/// whose per-call overhead made encoding several times slower for the same bytes.
/// </summary>
internal sealed class ValueWriter
{
    // Guards against cyclic object graphs; far deeper than anything Koji returns.
    private const int MaxWriteDepth = 512;

    // Characters that need escaping or checking: markup, C0 controls other than TAB/LF/CR,
    // surrogates (valid only as pairs) and the non-characters U+FFFE/U+FFFF.
    private static readonly SearchValues<char> Special = SearchValues.Create(BuildSpecial());

    // Printable ASCII except markup, plus TAB/LF/CR: the vectorised fast path.
    private static readonly SearchValues<char> SafeAscii = SearchValues.Create(BuildSafeAscii());

    private readonly IBufferWriter<byte> _w;
    private readonly XmlRpcWriterOptions _options;

    public ValueWriter(IBufferWriter<byte> writer, XmlRpcWriterOptions options)
    {
        _w = writer;
        _options = options;
    }

    private static string BuildSpecial()
    {
        var sb = new System.Text.StringBuilder("&<>\uFFFE\uFFFF");
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
        var sb = new System.Text.StringBuilder("\t\n\r");
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
    }

    public void Response(object? value)
    {
        Raw("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n"u8);
        Value(value, 0);
        Raw("</param>\n</params>\n</methodResponse>\n"u8);
    }

    public void Fault(int code, string message)
    {
        Raw("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n"u8);
        Int(code);
        Raw("</member>\n<member>\n<name>faultString</name>\n"u8);
        String(message);
        Raw("</member>\n</struct></value>\n</fault>\n</methodResponse>\n"u8);
    }

    private void Raw(ReadOnlySpan<byte> bytes)
    {
        var span = _w.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        _w.Advance(bytes.Length);
    }

    /// <summary>Writes escaped text; refuses characters XML cannot carry.</summary>
    private void Text(string s)
    {
        var rest = s.AsSpan();
        while (!rest.IsEmpty)
        {
            var i = rest.IndexOfAnyExcept(SafeAscii);
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
            var span = _w.GetSpan(chunk.Length * 3);
            var n = Encoding.UTF8.GetBytes(chunk, span);
            _w.Advance(n);
            text = text[chunk.Length..];
        }
    }

    private void Ascii(ReadOnlySpan<char> text)
    {
        var span = _w.GetSpan(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            span[i] = (byte)text[i];
        }
        _w.Advance(text.Length);
    }
    private void Value(object? value, int depth)
    {
        switch (value)
        {
            case null:
                Raw("<value><nil/></value>"u8);
                return;
            case string s:
                String(s);
                return;
            case int i:
                Int(i);
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
                foreach (var kv in od)
                {
                    Member(kv.Key, kv.Value, depth);
                }
                Raw("</struct></value>\n"u8);
                return;
            case Dictionary<string, object?> dict:
                StructStart(depth);
                foreach (var kv in dict)
                {
                    Member(kv.Key, kv.Value, depth);
                }
                Raw("</struct></value>\n"u8);
                return;
            case List<object?> list:
                ArrayStart(depth);
                foreach (var item in list)
                {
                    Value(item, depth + 1);
                }
                Raw("</data></array></value>\n"u8);
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
            case DateTimeOffset dto:
                KojiTime(dto.DateTime, dto.Offset);
                return;
            case DateTime dt:
                DateTimeValue(dt);
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
        Raw("<member>\n<name>"u8);
        Text(key);
        Raw("</name>\n"u8);
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
        Raw("<value><int>"u8);
        var span = _w.GetSpan(11);
        i.TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
        _w.Advance(n);
        Raw("</int></value>\n"u8);
    }

    private void Long(long l)
    {
        if (l is >= int.MinValue and <= int.MaxValue)
        {
            Int((int)l);
            return;
        }
        Raw("<value><i8>"u8);
        var span = _w.GetSpan(20);
        l.TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
        _w.Advance(n);
        Raw("</i8></value>\n"u8);
    }

    private void Double(double d)
    {
        Raw("<value><double>"u8);
        Span<char> chars = stackalloc char[PythonFloat.MaxLength];
        PythonFloat.TryFormat(d, chars, out var n);
        Ascii(chars[..n]);
        Raw("</double></value>\n"u8);
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
            var span = _w.GetSpan(77);
            System.Buffers.Text.Base64.EncodeToUtf8(chunk, span, out _, out var n);
            span[n++] = (byte)'\n';
            _w.Advance(n);
            bytes = bytes[chunk.Length..];
        }
        Raw("</base64></value>\n"u8);
    }

    private void DateTimeValue(DateTime dt)
    {
        if (_options.DateTimeAsString)
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
        var span = _w.GetSpan(32);
        dt.TryFormat(span, out var n, "yyyyMMdd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);
        _w.Advance(n);
        Raw("</dateTime.iso8601></value>\n"u8);
    }

    private void KojiTime(DateTime local, TimeSpan? offset)
    {
        // Python's isoformat(' '): microseconds only when non-zero, offset as +HH:MM.
        Raw("<value><string>"u8);
        var buf = _w.GetSpan(48);
        local.TryFormat(buf, out var pos, "yyyy'-'MM'-'dd' 'HH':'mm':'ss", CultureInfo.InvariantCulture);
        var micro = (int)(local.Ticks % TimeSpan.TicksPerSecond / 10);
        if (micro != 0)
        {
            buf[pos++] = (byte)'.';
            micro.TryFormat(buf[pos..], out var n, "D6", CultureInfo.InvariantCulture);
            pos += n;
        }
        if (offset is { } off)
        {
            buf[pos++] = off < TimeSpan.Zero ? (byte)'-' : (byte)'+';
            off.Duration().TryFormat(buf[pos..], out var n, "hh':'mm", CultureInfo.InvariantCulture);
            pos += n;
        }
        _w.Advance(pos);
        Raw("</string></value>\n"u8);
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
