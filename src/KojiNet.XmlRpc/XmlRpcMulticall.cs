namespace KojiNet.XmlRpc;

/// <summary>
/// The shapes of <c>multiCall</c> / <c>system.multicall</c>. The request has one parameter: an
/// array of structs <c>{methodName: string, params: array}</c> (params using the same trailing
/// <c>__starstar</c> struct for keyword arguments). The result is an array with one entry per
/// call: a one-element array <c>[result]</c> for a success, a struct
/// <c>{faultCode, faultString[, traceback]}</c> for a failure.
/// </summary>
public static class XmlRpcMulticall
{
    /// <summary>The method name the Koji client uses.</summary>
    public const string KojiMethodName = "multiCall";

    /// <summary>The standard XML-RPC method name.</summary>
    public const string StandardMethodName = "system.multicall";

    /// <summary>Whether <paramref name="methodName"/> is one of the two multicall names.</summary>
    public static bool IsMulticall(string methodName) =>
        string.Equals(methodName, KojiMethodName, StringComparison.Ordinal)
        || string.Equals(methodName, StandardMethodName, StringComparison.Ordinal);

    /// <summary>
    /// The list of call entries of a multicall request: its single parameter, which must be an
    /// array. Entries are left undecoded; pass each to <see cref="ToMethodCall"/> so that a bad
    /// entry fails only its own slot.
    /// </summary>
    /// <exception cref="XmlRpcFaultException">The parameters are not one array (ParameterError).</exception>
    public static IReadOnlyList<object?> GetCalls(XmlRpcMethodCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        if (call.Args.Count != 1 || call.Kwargs.Count != 0 || call.Args[0] is not IReadOnlyList<object?> calls)
        {
            throw new XmlRpcFaultException(KojiFaultCode.ParameterError,
                "multiCall() takes exactly one argument: a list of calls");
        }
        return calls;
    }

    /// <summary>
    /// Decodes one entry of a multicall request into a call (keyword arguments split off).
    /// </summary>
    /// <exception cref="XmlRpcFaultException">The entry is not a struct with a string
    /// <c>methodName</c> and an array <c>params</c> (code <see cref="KojiFaultCode.Unexpected"/>,
    /// as Koji reports the KeyError/TypeError it hits).</exception>
    public static XmlRpcMethodCall ToMethodCall(object? entry)
    {
        if (entry is not IReadOnlyDictionary<string, object?> st)
        {
            throw new XmlRpcFaultException(KojiFaultCode.Unexpected, "multicall entry is not a struct");
        }
        if (!st.TryGetValue("methodName", out var name) || name is not string methodName)
        {
            throw new XmlRpcFaultException(KojiFaultCode.Unexpected, "'methodName'");
        }
        if (!st.TryGetValue("params", out var ps) || ps is not IReadOnlyList<object?> parameters)
        {
            throw new XmlRpcFaultException(KojiFaultCode.Unexpected, "'params'");
        }
        return XmlRpcMethodCall.FromParams(methodName, parameters);
    }

    /// <summary>Builds the request entry <c>{methodName, params}</c> for one call.</summary>
    public static IReadOnlyDictionary<string, object?> ToEntry(XmlRpcMethodCall call)
    {
        ArgumentNullException.ThrowIfNull(call);
        return new OrderedDictionary<string, object?>(2, StringComparer.Ordinal)
        {
            ["methodName"] = call.MethodName,
            ["params"] = call.Params,
        };
    }

    /// <summary>Builds the complete multicall request for <paramref name="calls"/>.</summary>
    public static XmlRpcMethodCall CreateRequest(IEnumerable<XmlRpcMethodCall> calls, string methodName = KojiMethodName)
    {
        ArgumentNullException.ThrowIfNull(calls);
        var entries = new List<object?>();
        foreach (var c in calls)
        {
            entries.Add(ToEntry(c));
        }
        return new XmlRpcMethodCall(methodName, [entries]);
    }

    /// <summary>The result slot of a successful call: a one-element array.</summary>
    public static IReadOnlyList<object?> Success(object? result) => new object?[] { result };

    /// <summary>
    /// The result slot of a failed call: <c>{faultCode, faultString}</c>, plus <c>traceback</c>
    /// (array of strings) when given, as Koji adds for errors raised by hub code.
    /// </summary>
    public static IReadOnlyDictionary<string, object?> Fault(int faultCode, string faultString,
        IReadOnlyList<string>? traceback = null)
    {
        ArgumentNullException.ThrowIfNull(faultString);
        var d = new OrderedDictionary<string, object?>(3, StringComparer.Ordinal)
        {
            ["faultCode"] = faultCode,
            ["faultString"] = faultString,
        };
        if (traceback is not null)
        {
            d["traceback"] = traceback;
        }
        return d;
    }

    /// <summary>The result slot for a fault exception (its <see cref="XmlRpcFaultException.Extra"/> members are kept).</summary>
    public static IReadOnlyDictionary<string, object?> Fault(XmlRpcFaultException fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        var d = new OrderedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["faultCode"] = fault.FaultCode,
            ["faultString"] = fault.FaultString,
        };
        if (fault.Extra is not null)
        {
            foreach (var (key, value) in fault.Extra)
            {
                d[key] = value;
            }
        }
        return d;
    }

    /// <summary>
    /// Decodes a multicall result array (client side) into one <see cref="XmlRpcResponse"/> per call.
    /// </summary>
    /// <exception cref="XmlRpcFormatException">The value does not have the multicall result shape.</exception>
    public static IReadOnlyList<XmlRpcResponse> ParseResults(object? value)
    {
        if (value is not IReadOnlyList<object?> slots)
        {
            throw new XmlRpcFormatException("multicall result is not an array");
        }
        var results = new XmlRpcResponse[slots.Count];
        for (var i = 0; i < slots.Count; i++)
        {
            results[i] = slots[i] switch
            {
                IReadOnlyList<object?> { Count: 1 } one => XmlRpcResponse.Success(one[0]),
                IReadOnlyDictionary<string, object?> st => XmlRpcResponse.FromFault(FaultFromStruct(st)),
                _ => throw new XmlRpcFormatException(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"multicall result {i} is neither a one-element array nor a fault struct")),
            };
        }
        return results;
    }

    /// <summary>
    /// Turns a fault struct (<c>faultCode</c> int, <c>faultString</c> string, anything else kept
    /// in <see cref="XmlRpcFaultException.Extra"/>) into an exception.
    /// </summary>
    /// <exception cref="XmlRpcFormatException">The struct lacks an int faultCode or a string faultString.</exception>
    public static XmlRpcFaultException FaultFromStruct(IReadOnlyDictionary<string, object?> fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        if (!fault.TryGetValue("faultCode", out var code) || code is not (int or long))
        {
            throw new XmlRpcFormatException("fault struct without an integer faultCode");
        }
        if (!fault.TryGetValue("faultString", out var text) || text is not string faultString)
        {
            throw new XmlRpcFormatException("fault struct without a string faultString");
        }
        if (code is long l && l is < int.MinValue or > int.MaxValue)
        {
            throw new XmlRpcFormatException("faultCode out of range");
        }
        var faultCode = code is int i ? i : (int)(long)code;
        OrderedDictionary<string, object?>? extra = null;
        if (fault.Count > 2)
        {
            extra = new OrderedDictionary<string, object?>(fault.Count - 2, StringComparer.Ordinal);
            foreach (var (key, value) in fault)
            {
                if (!string.Equals(key, "faultCode", StringComparison.Ordinal)
                    && !string.Equals(key, "faultString", StringComparison.Ordinal))
                {
                    extra[key] = value;
                }
            }
        }
        return new XmlRpcFaultException(faultCode, faultString) { Extra = extra };
    }
}
