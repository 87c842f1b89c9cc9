namespace KojiNet.XmlRpc;

/// <summary>
/// A request or response document that is not acceptable XML-RPC: not well-formed XML, a DTD or
/// entity declaration, an unknown value type, a bad number, boolean, base64 or date, a missing
/// <c>methodName</c>, text outside a value, or nesting deeper than the configured limit.
/// The message is the reason. A hub answers it with HTTP 400 <c>Invalid request: &lt;reason&gt;</c>.
/// </summary>
public class XmlRpcFormatException : Exception
{
    /// <summary>Creates the exception with the reason.</summary>
    public XmlRpcFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the underlying error.</summary>
    public XmlRpcFormatException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason (prefer the other constructors).</summary>
    public XmlRpcFormatException() : base("malformed XML-RPC document")
    {
    }
}

/// <summary>
/// The document is longer than <see cref="XmlRpcReaderOptions.MaxRequestLength"/> bytes.
/// Koji answers this like any other invalid request (HTTP 400); a hub may prefer 413.
/// </summary>
public sealed class XmlRpcRequestTooLargeException : XmlRpcFormatException
{
    /// <summary>Creates the exception for a document over <paramref name="limit"/> bytes.</summary>
    public XmlRpcRequestTooLargeException(long limit)
        : base(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"request too long: more than {limit} bytes"))
    {
        Limit = limit;
    }

    /// <summary>Creates the exception with the reason.</summary>
    public XmlRpcRequestTooLargeException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the reason and the underlying error.</summary>
    public XmlRpcRequestTooLargeException(string message, Exception? innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic reason.</summary>
    public XmlRpcRequestTooLargeException() : base("request too long")
    {
    }

    /// <summary>The limit in bytes that was exceeded (0 when unknown).</summary>
    public long Limit { get; }
}
