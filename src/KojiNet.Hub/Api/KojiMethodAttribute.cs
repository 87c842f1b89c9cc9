namespace KojiNet.Hub.Api;

/// <summary>
/// Marks a static method as a hub API method callable over XML-RPC. Its parameters are Koji's
/// parameters, with Koji's names, order and defaults (the registry builds <c>_listapi</c> from
/// them and a test compares them with upstream's signatures). A parameter of type
/// <see cref="CallContext"/> is supplied by the hub, not by the caller.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class KojiMethodAttribute(string name) : Attribute
{
    /// <summary>The XML-RPC method name, e.g. <c>getTag</c> or <c>host.updateHost</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The description <c>_listapi</c> and <c>system.methodHelp</c> show.</summary>
    public string? Doc { get; init; }

    /// <summary>
    /// The method never writes. On SQLite such calls run without taking the write lock; a
    /// write attempted by one is a bug and fails.
    /// </summary>
    public bool ReadOnly { get; init; }
}

/// <summary>The extra positional arguments of a method declared with Python's <c>*args</c>.</summary>
internal sealed class VarArgs(IReadOnlyList<object?> values)
{
    public IReadOnlyList<object?> Values { get; } = values;
}

/// <summary>The extra keyword arguments of a method declared with Python's <c>**kwargs</c>.</summary>
internal sealed class KwArgs(IReadOnlyDictionary<string, object?> values)
{
    public IReadOnlyDictionary<string, object?> Values { get; } = values;

    public object? Get(string name) => Values.GetValueOrDefault(name);
}
