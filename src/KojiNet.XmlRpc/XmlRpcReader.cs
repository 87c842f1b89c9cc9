using System.Buffers;
using System.Xml;

namespace KojiNet.XmlRpc;

/// <summary>
/// Reads XML-RPC documents from a <see cref="Stream"/> with an <see cref="XmlReader"/>, without
/// materialising the document as a string. DTDs and entity declarations are refused, nesting
/// and length are limited (<see cref="XmlRpcReaderOptions"/>), and every malformed document
/// raises <see cref="XmlRpcFormatException"/>.
/// </summary>
/// <remarks>
/// <para>Decoded values are plain CLR objects:</para>
/// <list type="bullet">
/// <item><c>nil</c> → <see langword="null"/>.</item>
/// <item><c>boolean</c> → <see cref="bool"/> (only <c>0</c> and <c>1</c> are accepted, as in Python).</item>
/// <item><c>int</c>, <c>i4</c>, <c>i2</c>, <c>i1</c> → <see cref="int"/> (values outside 32 bits are refused);
/// <c>i8</c>, <c>biginteger</c> → <see cref="long"/>. Code that takes integers should accept both
/// (Python does not distinguish them).</item>
/// <item><c>double</c>, <c>float</c> → <see cref="double"/>; <c>bigdecimal</c> → <see cref="decimal"/>.</item>
/// <item><c>string</c> and a <c>value</c> without a type element → <see cref="string"/>.</item>
/// <item><c>base64</c> → <see cref="byte"/>[].</item>
/// <item><c>dateTime.iso8601</c> (<c>YYYYMMDDTHH:MM:SS</c> or <c>YYYY-MM-DDTHH:MM:SS</c>) →
/// <see cref="DateTime"/> of <see cref="DateTimeKind.Unspecified"/> kind.</item>
/// <item><c>struct</c> → <see cref="OrderedDictionary{TKey, TValue}"/> of <see cref="string"/> to
/// <see cref="object"/>, ordinal keys, in document order (a repeated name keeps its first
/// position and its last value, like a Python dict). Consume it as
/// <see cref="IReadOnlyDictionary{TKey, TValue}"/>.</item>
/// <item><c>array</c> → <see cref="List{T}"/> of <see cref="object"/>; consume it as
/// <see cref="IReadOnlyList{T}"/>.</item>
/// </list>
/// <para>Element names are matched on their local name, so a namespace prefix (<c>ex:nil</c>)
/// is ignored. Attributes, comments and processing instructions are ignored.</para>
/// </remarks>
public static class XmlRpcReader
{
    /// <summary>Reads a <c>methodCall</c>, splitting off Koji keyword arguments.</summary>
    /// <exception cref="XmlRpcFormatException">The document is not an acceptable methodCall.</exception>
    /// <exception cref="XmlRpcRequestTooLargeException">The document is longer than allowed.</exception>
    public static XmlRpcMethodCall ReadMethodCall(Stream source, XmlRpcReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= XmlRpcReaderOptions.Default;
        return WithParser(source, options, static p => p.MethodCall());
    }

    /// <summary>Reads a <c>methodResponse</c>: a value or a fault.</summary>
    /// <exception cref="XmlRpcFormatException">The document is not an acceptable methodResponse.</exception>
    /// <exception cref="XmlRpcRequestTooLargeException">The document is longer than allowed.</exception>
    public static XmlRpcResponse ReadResponse(Stream source, XmlRpcReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= XmlRpcReaderOptions.Default;
        return WithParser(source, options, static p => p.Response());
    }

    /// <summary>
    /// Reads a <c>methodCall</c> from a stream that should be read asynchronously (an HTTP
    /// request body): the bytes (at most <see cref="XmlRpcReaderOptions.MaxRequestLength"/>) are
    /// read asynchronously into pooled memory, then parsed.
    /// </summary>
    public static async Task<XmlRpcMethodCall> ReadMethodCallAsync(Stream source, XmlRpcReaderOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= XmlRpcReaderOptions.Default;
        var (buffer, length) = await BufferAsync(source, options.MaxRequestLength, cancellationToken).ConfigureAwait(false);
        try
        {
            using var ms = new MemoryStream(buffer, 0, length, writable: false);
            return WithParser(ms, options, static p => p.MethodCall());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a <c>methodResponse</c> asynchronously (see <see cref="ReadMethodCallAsync"/>).</summary>
    public static async Task<XmlRpcResponse> ReadResponseAsync(Stream source, XmlRpcReaderOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= XmlRpcReaderOptions.Default;
        var (buffer, length) = await BufferAsync(source, options.MaxRequestLength, cancellationToken).ConfigureAwait(false);
        try
        {
            using var ms = new MemoryStream(buffer, 0, length, writable: false);
            return WithParser(ms, options, static p => p.Response());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static T WithParser<T>(Stream source, XmlRpcReaderOptions options, Func<XmlRpcParser, T> read)
    {
        var limit = options.MaxRequestLength;
        var stream = limit > 0 ? new LimitedReadStream(source, limit) : source;
        var parser = new XmlRpcParser(stream, options.MaxDepth);
        try
        {
            return read(parser);
        }
        finally
        {
            parser.Dispose();
        }
    }

    private static async Task<(byte[] Buffer, int Length)> BufferAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
        var max = limit > 0 ? limit : Array.MaxLength;
        var buffer = ArrayPool<byte>.Shared.Rent(16384);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var n = await source.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return (buffer, length);
                }
                length += n;
                if (length > max)
                {
                    throw new XmlRpcRequestTooLargeException(limit);
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }
}

/// <summary>Counts the bytes read from the inner stream and fails once they exceed a limit.</summary>
internal sealed class LimitedReadStream(Stream inner, long limit) : Stream
{
    private long _read;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _read; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        Count(n);
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Count(n);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private void Count(int n)
    {
        _read += n;
        if (_read > limit)
        {
            throw new XmlRpcRequestTooLargeException(limit);
        }
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
