using System.Buffers;
using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Xml;

namespace KojiNet.XmlRpc;

/// <summary>Encodes values onto an <see cref="XmlWriter"/> in Python's marshaller layout.</summary>
internal sealed class ValueWriter
{
    // Guards against cyclic object graphs; far deeper than anything Koji returns.
    private const int MaxWriteDepth = 512;
    private const string Nil = "<value><nil/></value>";

    private readonly XmlWriter _w;
    private readonly XmlRpcWriterOptions _options;
    private readonly char[] _scratch = new char[96];

    public ValueWriter(XmlWriter writer, XmlRpcWriterOptions options)
    {
        _w = writer;
        _options = options;
    }

    public void MethodCall(XmlRpcMethodCall call)
    {
        _w.WriteRaw("<?xml version='1.0'?>\n<methodCall>\n<methodName>");
        _w.WriteString(call.MethodName);
        _w.WriteRaw("</methodName>\n<params>\n");
        var ps = call.Params;
        for (var i = 0; i < ps.Count; i++)
        {
            _w.WriteRaw("<param>\n");
            Value(ps[i], 0);
            _w.WriteRaw("</param>\n");
        }
        _w.WriteRaw("</params>\n</methodCall>\n");
        _w.Flush();
    }

    public void Response(object? value)
    {
        _w.WriteRaw("<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n");
        Value(value, 0);
        _w.WriteRaw("</param>\n</params>\n</methodResponse>\n");
        _w.Flush();
    }

    public void Fault(int code, string message)
    {
        _w.WriteRaw("<?xml version='1.0'?>\n<methodResponse>\n<fault>\n<value><struct>\n<member>\n<name>faultCode</name>\n");
        Int(code);
        _w.WriteRaw("</member>\n<member>\n<name>faultString</name>\n");
        String(message);
        _w.WriteRaw("</member>\n</struct></value>\n</fault>\n</methodResponse>\n");
        _w.Flush();
    }

    private void Value(object? value, int depth)
    {
        switch (value)
        {
            case null:
                _w.WriteRaw(Nil);
                return;
            case string s:
                String(s);
                return;
            case int i:
                Int(i);
                return;
            case bool b:
                _w.WriteRaw(b ? "<value><boolean>1</boolean></value>\n" : "<value><boolean>0</boolean></value>\n");
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
                _w.WriteRaw("</struct></value>\n");
                return;
            case Dictionary<string, object?> dict:
                StructStart(depth);
                foreach (var kv in dict)
                {
                    Member(kv.Key, kv.Value, depth);
                }
                _w.WriteRaw("</struct></value>\n");
                return;
            case List<object?> list:
                ArrayStart(depth);
                foreach (var item in list)
                {
                    Value(item, depth + 1);
                }
                _w.WriteRaw("</data></array></value>\n");
                return;
            case object?[] array:
                ArrayStart(depth);
                foreach (var item in array)
                {
                    Value(item, depth + 1);
                }
                _w.WriteRaw("</data></array></value>\n");
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
                _w.WriteRaw("</struct></value>\n");
                return;
            case IDictionary<string, object?> gd:
                StructStart(depth);
                foreach (var kv in gd)
                {
                    Member(kv.Key, kv.Value, depth);
                }
                _w.WriteRaw("</struct></value>\n");
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
                _w.WriteRaw("</struct></value>\n");
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
                _w.WriteRaw("</data></array></value>\n");
                return;
            default:
                throw new NotSupportedException($"cannot marshal {value.GetType()} objects");
        }
    }

    private void StructStart(int depth)
    {
        CheckDepth(depth);
        _w.WriteRaw("<value><struct>\n");
    }

    private void ArrayStart(int depth)
    {
        CheckDepth(depth);
        _w.WriteRaw("<value><array><data>\n");
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
        _w.WriteRaw("<member>\n<name>");
        _w.WriteString(key);
        _w.WriteRaw("</name>\n");
        Value(value, depth + 1);
        _w.WriteRaw("</member>\n");
    }

    private void String(string s)
    {
        _w.WriteRaw("<value><string>");
        _w.WriteString(s);
        _w.WriteRaw("</string></value>\n");
    }

    private void Int(int i)
    {
        var pos = Put(0, "<value><int>");
        i.TryFormat(_scratch.AsSpan(pos), out var n, default, CultureInfo.InvariantCulture);
        pos = Put(pos + n, "</int></value>\n");
        _w.WriteRaw(_scratch, 0, pos);
    }

    private int Put(int pos, string s)
    {
        s.CopyTo(_scratch.AsSpan(pos));
        return pos + s.Length;
    }

    private void Long(long l)
    {
        if (l is >= int.MinValue and <= int.MaxValue)
        {
            Int((int)l);
            return;
        }
        var pos = Put(0, "<value><i8>");
        l.TryFormat(_scratch.AsSpan(pos), out var n, default, CultureInfo.InvariantCulture);
        pos = Put(pos + n, "</i8></value>\n");
        _w.WriteRaw(_scratch, 0, pos);
    }

    private void Double(double d)
    {
        var pos = Put(0, "<value><double>");
        PythonFloat.TryFormat(d, _scratch.AsSpan(pos), out var n);
        pos = Put(pos + n, "</double></value>\n");
        _w.WriteRaw(_scratch, 0, pos);
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
        _w.WriteRaw("<value><base64>\n");
        var line = new char[77];
        while (!bytes.IsEmpty)
        {
            var chunk = bytes[..Math.Min(57, bytes.Length)];
            Convert.TryToBase64Chars(chunk, line, out var n);
            line[n++] = '\n';
            _w.WriteRaw(line, 0, n);
            bytes = bytes[chunk.Length..];
        }
        _w.WriteRaw("</base64></value>\n");
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
        var pos = Put(0, "<value><dateTime.iso8601>");
        dt.TryFormat(_scratch.AsSpan(pos), out var n, "yyyyMMdd'T'HH':'mm':'ss", CultureInfo.InvariantCulture);
        pos = Put(pos + n, "</dateTime.iso8601></value>\n");
        _w.WriteRaw(_scratch, 0, pos);
    }

    private void KojiTime(DateTime local, TimeSpan? offset)
    {
        // Python's isoformat(' '): microseconds only when non-zero, offset as +HH:MM.
        var buf = _scratch.AsSpan();
        var pos = Put(0, "<value><string>");
        local.TryFormat(buf[pos..], out var n, "yyyy'-'MM'-'dd' 'HH':'mm':'ss", CultureInfo.InvariantCulture);
        pos += n;
        var micro = (int)(local.Ticks % TimeSpan.TicksPerSecond / 10);
        if (micro != 0)
        {
            buf[pos++] = '.';
            micro.TryFormat(buf[pos..], out n, "D6", CultureInfo.InvariantCulture);
            pos += n;
        }
        if (offset is { } off)
        {
            buf[pos++] = off < TimeSpan.Zero ? '-' : '+';
            off.Duration().TryFormat(buf[pos..], out n, "hh':'mm", CultureInfo.InvariantCulture);
            pos += n;
        }
        pos = Put(pos, "</string></value>\n");
        _w.WriteRaw(_scratch, 0, pos);
    }
}

/// <summary>A write-only stream over an <see cref="IBufferWriter{T}"/>; flushing is a no-op.</summary>
internal sealed class BufferWriterStream(IBufferWriter<byte> destination) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Flush()
    {
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override void Write(ReadOnlySpan<byte> buffer) => destination.Write(buffer);
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
