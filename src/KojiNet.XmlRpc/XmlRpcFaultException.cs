namespace KojiNet.XmlRpc;

/// <summary>
/// An XML-RPC fault: a <c>faultCode</c> and a <c>faultString</c>. Hub code throws it to answer a
/// call with a fault (codes in <see cref="KojiFaultCode"/>); the client side gets it from
/// <see cref="XmlRpcResponse.GetValueOrThrow"/>. <see cref="Exception.Message"/> is the fault string.
/// </summary>
public class XmlRpcFaultException : Exception
{
    /// <summary>Creates a fault with the given code and string.</summary>
    public XmlRpcFaultException(int faultCode, string faultString)
        : base(faultString)
    {
        FaultCode = faultCode;
    }

    /// <summary>Creates a fault with the given code and string and the error that caused it.</summary>
    public XmlRpcFaultException(int faultCode, string faultString, Exception? innerException)
        : base(faultString, innerException)
    {
        FaultCode = faultCode;
    }

    /// <summary>Creates a <see cref="KojiFaultCode.GenericError"/> fault with the given string.</summary>
    public XmlRpcFaultException(string faultString)
        : this(KojiFaultCode.GenericError, faultString)
    {
    }

    /// <summary>Creates a <see cref="KojiFaultCode.GenericError"/> fault with the given string and cause.</summary>
    public XmlRpcFaultException(string faultString, Exception? innerException)
        : this(KojiFaultCode.GenericError, faultString, innerException)
    {
    }

    /// <summary>Creates a <see cref="KojiFaultCode.GenericError"/> fault with a generic string.</summary>
    public XmlRpcFaultException()
        : this(KojiFaultCode.GenericError, "error")
    {
    }

    /// <summary>The <c>faultCode</c> member.</summary>
    public int FaultCode { get; }

    /// <summary>The <c>faultString</c> member (same as <see cref="Exception.Message"/>).</summary>
    public string FaultString => Message;

    /// <summary>
    /// Extra members of the fault struct besides faultCode and faultString (for example the
    /// <c>traceback</c> array of a multicall fault), or <see langword="null"/>.
    /// </summary>
    public IReadOnlyDictionary<string, object?>? Extra { get; init; }

    /// <summary>The Koji exception class name of <see cref="FaultCode"/>, or <see langword="null"/>.</summary>
    public string? KojiErrorName => KojiFaultCode.GetName(FaultCode);
}
