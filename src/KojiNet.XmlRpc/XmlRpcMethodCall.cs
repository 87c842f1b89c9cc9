namespace KojiNet.XmlRpc;

/// <summary>
/// A decoded or to-be-encoded <c>methodCall</c>. Koji passes keyword arguments as one trailing
/// struct flagged with <c>__starstar: true</c>; this type keeps them apart from the positional
/// arguments: <see cref="Args"/> are the positional ones, <see cref="Kwargs"/> the keyword ones
/// (without the flag), and <see cref="Params"/> the parameters exactly as on the wire.
/// </summary>
public sealed class XmlRpcMethodCall
{
    /// <summary>The name of the flag member that marks a keyword-argument struct.</summary>
    public const string StarStarKey = "__starstar";

    private static readonly IReadOnlyDictionary<string, object?> NoKwargs =
        new Dictionary<string, object?>(0, StringComparer.Ordinal).AsReadOnly();

    /// <summary>
    /// Creates a call from positional arguments and optional keyword arguments (a call to encode).
    /// </summary>
    public XmlRpcMethodCall(string methodName, IReadOnlyList<object?> args,
        IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        ArgumentNullException.ThrowIfNull(methodName);
        ArgumentNullException.ThrowIfNull(args);
        MethodName = methodName;
        Args = args;
        Kwargs = kwargs is null || kwargs.Count == 0 ? NoKwargs : kwargs;
        if (Kwargs.Count == 0)
        {
            Params = args;
        }
        else
        {
            var kw = new OrderedDictionary<string, object?>(Kwargs.Count + 1, StringComparer.Ordinal);
            foreach (var (key, value) in Kwargs)
            {
                kw[key] = value;
            }
            kw[StarStarKey] = true;
            var all = new List<object?>(args.Count + 1);
            all.AddRange(args);
            all.Add(kw);
            Params = all;
        }
    }

    private XmlRpcMethodCall(string methodName, IReadOnlyList<object?> parameters, IReadOnlyList<object?> args,
        IReadOnlyDictionary<string, object?> kwargs)
    {
        MethodName = methodName;
        Params = parameters;
        Args = args;
        Kwargs = kwargs;
    }

    /// <summary>The method name (may be empty if the document had an empty <c>methodName</c>).</summary>
    public string MethodName { get; }

    /// <summary>Every parameter as on the wire, including a trailing keyword-argument struct.</summary>
    public IReadOnlyList<object?> Params { get; }

    /// <summary>The positional arguments (<see cref="Params"/> without the keyword-argument struct).</summary>
    public IReadOnlyList<object?> Args { get; }

    /// <summary>The keyword arguments without the <c>__starstar</c> flag; empty when there are none.</summary>
    public IReadOnlyDictionary<string, object?> Kwargs { get; }

    /// <summary>
    /// Splits wire parameters the way the Koji hub does: if the last one is a struct whose
    /// <c>__starstar</c> member is truthy (in Python's sense), it becomes the keyword arguments.
    /// </summary>
    public static XmlRpcMethodCall FromParams(string methodName, IReadOnlyList<object?> parameters)
    {
        ArgumentNullException.ThrowIfNull(methodName);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count > 0 && parameters[^1] is IReadOnlyDictionary<string, object?> last
            && last.TryGetValue(StarStarKey, out var flag) && IsTruthy(flag))
        {
            var kwargs = new OrderedDictionary<string, object?>(last.Count - 1, StringComparer.Ordinal);
            foreach (var (key, value) in last)
            {
                if (!string.Equals(key, StarStarKey, StringComparison.Ordinal))
                {
                    kwargs[key] = value;
                }
            }
            var args = new object?[parameters.Count - 1];
            for (var i = 0; i < args.Length; i++)
            {
                args[i] = parameters[i];
            }
            return new XmlRpcMethodCall(methodName, parameters, args, kwargs);
        }
        return new XmlRpcMethodCall(methodName, parameters, parameters, NoKwargs);
    }

    /// <summary>
    /// Python truthiness of a decoded value: <see langword="null"/>, <see langword="false"/>,
    /// zero, empty strings, empty arrays and empty structs are false; everything else is true.
    /// </summary>
    public static bool IsTruthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        int i => i != 0,
        long l => l != 0,
        double d => d != 0,
        decimal m => m != 0,
        string s => s.Length != 0,
        byte[] bytes => bytes.Length != 0,
        System.Collections.ICollection c => c.Count != 0,
        _ => true,
    };
}
