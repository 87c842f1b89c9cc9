using System.Buffers;

namespace KojiNet.XmlRpc;

/// <summary>
/// Writes XML-RPC documents straight to a <see cref="Stream"/> or an <see cref="IBufferWriter{T}"/>
/// (such as ASP.NET Core's <c>Response.BodyWriter</c>), byte for byte in the layout Python's
/// <c>xmlrpc.client</c> (and so the Koji hub) produces: UTF-8, declaration
/// <c>&lt;?xml version='1.0'?&gt;</c>, the same line breaks. Encoding is a direct UTF-8 emitter
/// (the document shape is fixed, so <see cref="System.Xml.XmlWriter"/>'s generality only costs time).
/// </summary>
/// <remarks>
/// <para>CLR values map to XML-RPC as follows:</para>
/// <list type="bullet">
/// <item><see langword="null"/> → <c>&lt;nil/&gt;</c>.</item>
/// <item><see cref="bool"/> → <c>boolean</c>.</item>
/// <item><see cref="int"/>, <see cref="short"/>, <see cref="sbyte"/>, <see cref="byte"/>,
/// <see cref="ushort"/>, <see cref="uint"/>, <see cref="long"/>, <see cref="ulong"/>,
/// <see cref="System.Numerics.BigInteger"/> and enums (by their numeric value) → <c>int</c> when
/// the value fits 32 bits, <c>i8</c> when it fits 64 bits, <see cref="OverflowException"/> beyond.</item>
/// <item><see cref="double"/>, <see cref="float"/>, <see cref="decimal"/> → <c>double</c> in Python <c>repr</c> form.</item>
/// <item><see cref="string"/>, <see cref="char"/> → <c>string</c>; only <c>&amp;</c>, <c>&lt;</c>,
/// <c>&gt;</c> are escaped. Characters XML cannot carry (most C0 controls, lone surrogates)
/// raise <see cref="ArgumentException"/>.</item>
/// <item><see cref="byte"/>[], <see cref="ReadOnlyMemory{T}"/>/<see cref="Memory{T}"/> of bytes → <c>base64</c>.</item>
/// <item><see cref="DateTimeOffset"/> → <c>string</c> in Koji's form <c>YYYY-MM-DD HH:MM:SS[.ffffff]+HH:MM</c>.</item>
/// <item><see cref="DateTime"/> → <c>dateTime.iso8601</c> <c>YYYYMMDDTHH:MM:SS</c>, or a Koji string
/// when <see cref="XmlRpcWriterOptions.DateTimeAsString"/> is set.</item>
/// <item>Dictionaries with <see cref="string"/> keys (generic or <see cref="System.Collections.IDictionary"/>)
/// → <c>struct</c>, members in enumeration order.</item>
/// <item>Any other <see cref="System.Collections.IEnumerable"/> (lists, arrays, lazy sequences) → <c>array</c>.</item>
/// <item>Anything else → <see cref="NotSupportedException"/>.</item>
/// </list>
/// <para>An exception while writing leaves a partial document in the destination; a hub that
/// must turn such errors into faults writes into a buffer first.</para>
/// </remarks>
public static class XmlRpcWriter
{
    /// <summary>Writes a <c>methodCall</c> (keyword arguments as the trailing <c>__starstar</c> struct).</summary>
    public static void WriteMethodCall(Stream destination, XmlRpcMethodCall call, XmlRpcWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(call);
        using var w = new StreamBufferWriter(destination);
        new ValueWriter(w, options ?? XmlRpcWriterOptions.Default).MethodCall(call);
        w.Flush();
    }

    /// <summary>Writes a <c>methodCall</c> into a buffer writer.</summary>
    public static void WriteMethodCall(IBufferWriter<byte> destination, XmlRpcMethodCall call, XmlRpcWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(call);
        new ValueWriter(destination, options ?? XmlRpcWriterOptions.Default).MethodCall(call);
    }

    /// <summary>
    /// Writes a successful <c>methodResponse</c> carrying <paramref name="value"/>. Without
    /// <paramref name="options"/> the hub's choices apply (<see cref="XmlRpcWriterOptions.Hub"/>).
    /// </summary>
    public static void WriteResponse(Stream destination, object? value, XmlRpcWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var w = new StreamBufferWriter(destination);
        new ValueWriter(w, options ?? XmlRpcWriterOptions.Hub).Response(value);
        w.Flush();
    }

    /// <summary>Writes a successful <c>methodResponse</c> into a buffer writer.</summary>
    public static void WriteResponse(IBufferWriter<byte> destination, object? value, XmlRpcWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        new ValueWriter(destination, options ?? XmlRpcWriterOptions.Hub).Response(value);
    }

    /// <summary>Writes a fault <c>methodResponse</c> (<c>faultCode</c>, <c>faultString</c>).</summary>
    public static void WriteFault(Stream destination, int faultCode, string faultString)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(faultString);
        using var w = new StreamBufferWriter(destination);
        new ValueWriter(w, XmlRpcWriterOptions.Hub).Fault(faultCode, faultString);
        w.Flush();
    }

    /// <summary>Writes a fault <c>methodResponse</c> into a buffer writer.</summary>
    public static void WriteFault(IBufferWriter<byte> destination, int faultCode, string faultString)
    {
        ArgumentNullException.ThrowIfNull(destination);
        ArgumentNullException.ThrowIfNull(faultString);
        new ValueWriter(destination, XmlRpcWriterOptions.Hub).Fault(faultCode, faultString);
    }

    /// <summary>Writes a fault <c>methodResponse</c> for <paramref name="fault"/> (code and string only, as Koji does).</summary>
    public static void WriteFault(Stream destination, XmlRpcFaultException fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        WriteFault(destination, fault.FaultCode, fault.FaultString);
    }

    /// <summary>
    /// Writes a <c>methodResponse</c> to a stream that only allows asynchronous writes (an
    /// HTTP response body): the document is encoded once into pooled memory, then copied.
    /// </summary>
    public static async Task WriteResponseAsync(Stream destination, object? value, XmlRpcWriterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var buffer = new PooledBuffer();
        WriteResponse(buffer, value, options);
        await buffer.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a <c>methodCall</c> to a stream that only allows asynchronous writes (see <see cref="WriteResponseAsync"/>).</summary>
    public static async Task WriteMethodCallAsync(Stream destination, XmlRpcMethodCall call, XmlRpcWriterOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var buffer = new PooledBuffer();
        WriteMethodCall(buffer, call, options);
        await buffer.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes a fault <c>methodResponse</c> to a stream that only allows asynchronous writes.</summary>
    public static async Task WriteFaultAsync(Stream destination, int faultCode, string faultString,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        using var buffer = new PooledBuffer();
        WriteFault(buffer, faultCode, faultString);
        await buffer.CopyToAsync(destination, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Encodes a <c>methodCall</c> into a new byte array.</summary>
    public static byte[] ToBytes(XmlRpcMethodCall call, XmlRpcWriterOptions? options = null)
    {
        var b = new ArrayBufferWriter<byte>(1024);
        WriteMethodCall(b, call, options);
        return b.WrittenSpan.ToArray();
    }

    /// <summary>Encodes a successful <c>methodResponse</c> into a new byte array (hub options by default).</summary>
    public static byte[] ResponseToBytes(object? value, XmlRpcWriterOptions? options = null)
    {
        var b = new ArrayBufferWriter<byte>(1024);
        WriteResponse(b, value, options);
        return b.WrittenSpan.ToArray();
    }
}
