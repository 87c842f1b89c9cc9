namespace KojiNet.XmlRpc;

/// <summary>
/// A decoded <c>methodResponse</c>: either one result value or a fault.
/// </summary>
public sealed class XmlRpcResponse
{
    private XmlRpcResponse(object? value, XmlRpcFaultException? fault)
    {
        Value = value;
        Fault = fault;
    }

    /// <summary>The result value (<see langword="null"/> for <c>nil</c> and for a fault).</summary>
    public object? Value { get; }

    /// <summary>The fault, or <see langword="null"/> for a successful response.</summary>
    public XmlRpcFaultException? Fault { get; }

    /// <summary>Whether the response is a fault.</summary>
    public bool IsFault => Fault is not null;

    /// <summary>A successful response carrying <paramref name="value"/>.</summary>
    public static XmlRpcResponse Success(object? value) => new(value, null);

    /// <summary>A fault response.</summary>
    public static XmlRpcResponse FromFault(XmlRpcFaultException fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return new XmlRpcResponse(null, fault);
    }

    /// <summary>The result value, or throws <see cref="Fault"/>.</summary>
    public object? GetValueOrThrow() => Fault is null ? Value : throw Fault;
}
