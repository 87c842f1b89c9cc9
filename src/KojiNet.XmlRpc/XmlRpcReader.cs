using System.Buffers;

namespace KojiNet.XmlRpc;

/// <summary>
/// Reads XML-RPC documents from a <see cref="Stream"/>: the bytes (at most
/// <see cref="XmlRpcReaderOptions.MaxRequestLength"/>) are read into pooled memory and parsed
/// there as UTF-8 by a parser that accepts exactly the XML that XML-RPC needs. DTDs and entity
/// references other than the predefined ones and character references are refused, nesting and
/// length are limited (<see cref="XmlRpcReaderOptions"/>), and every malformed document raises
/// <see cref="XmlRpcFormatException"/>.
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
/// is ignored. Attributes, comments and processing instructions are ignored. CDATA sections
/// and character references are accepted in text; CR LF and CR in text become LF, as in any XML
/// parser. Documents must be UTF-8 (with or without a byte order mark).</para>
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
        var (buffer, length) = Buffer(source, options.MaxRequestLength);
        try
        {
            return XmlRpcParser.ParseMethodCall(buffer.AsSpan(0, length), options.MaxDepth);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a <c>methodResponse</c>: a value or a fault.</summary>
    /// <exception cref="XmlRpcFormatException">The document is not an acceptable methodResponse.</exception>
    /// <exception cref="XmlRpcRequestTooLargeException">The document is longer than allowed.</exception>
    public static XmlRpcResponse ReadResponse(Stream source, XmlRpcReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= XmlRpcReaderOptions.Default;
        var (buffer, length) = Buffer(source, options.MaxRequestLength);
        try
        {
            return XmlRpcParser.ParseResponse(buffer.AsSpan(0, length), options.MaxDepth);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Reads a <c>methodCall</c> from UTF-8 bytes already in memory.</summary>
    /// <exception cref="XmlRpcFormatException">The document is not an acceptable methodCall.</exception>
    /// <exception cref="XmlRpcRequestTooLargeException">The document is longer than allowed.</exception>
    public static XmlRpcMethodCall ReadMethodCall(ReadOnlySpan<byte> document, XmlRpcReaderOptions? options = null)
    {
        options ??= XmlRpcReaderOptions.Default;
        CheckLength(document.Length, options.MaxRequestLength);
        return XmlRpcParser.ParseMethodCall(document, options.MaxDepth);
    }

    /// <summary>Reads a <c>methodResponse</c> from UTF-8 bytes already in memory.</summary>
    /// <exception cref="XmlRpcFormatException">The document is not an acceptable methodResponse.</exception>
    /// <exception cref="XmlRpcRequestTooLargeException">The document is longer than allowed.</exception>
    public static XmlRpcResponse ReadResponse(ReadOnlySpan<byte> document, XmlRpcReaderOptions? options = null)
    {
        options ??= XmlRpcReaderOptions.Default;
        CheckLength(document.Length, options.MaxRequestLength);
        return XmlRpcParser.ParseResponse(document, options.MaxDepth);
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
            return XmlRpcParser.ParseMethodCall(buffer.AsSpan(0, length), options.MaxDepth);
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
            return XmlRpcParser.ParseResponse(buffer.AsSpan(0, length), options.MaxDepth);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void CheckLength(long length, long limit)
    {
        if (limit > 0 && length > limit)
        {
            throw new XmlRpcRequestTooLargeException(limit);
        }
    }

    private static int InitialSize(Stream source, long limit)
    {
        // A seekable stream says how much is left; read it in one go (one byte more to see the end).
        var size = 16384L;
        if (source.CanSeek)
        {
            var left = source.Length - source.Position;
            size = Math.Max(left + 1, 16);
        }
        if (limit > 0)
        {
            size = Math.Min(size, limit + 1);
        }
        return (int)Math.Min(size, Array.MaxLength);
    }

    private static (byte[] Buffer, int Length) Buffer(Stream source, long limit)
    {
        var max = limit > 0 ? limit : Array.MaxLength;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialSize(source, limit));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length);
                }
                var n = source.Read(buffer.AsSpan(length));
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

    private static async Task<(byte[] Buffer, int Length)> BufferAsync(Stream source, long limit, CancellationToken cancellationToken)
    {
        var max = limit > 0 ? limit : Array.MaxLength;
        var buffer = ArrayPool<byte>.Shared.Rent(InitialSize(source, limit));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    buffer = Grow(buffer, length);
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

    private static byte[] Grow(byte[] buffer, int length)
    {
        if (buffer.Length >= Array.MaxLength)
        {
            throw new XmlRpcRequestTooLargeException(Array.MaxLength);
        }
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, Array.MaxLength));
        buffer.AsSpan(0, length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }
}
