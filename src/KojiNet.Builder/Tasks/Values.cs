using System.Globalization;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tasks;

/// <summary>Reading decoded XML-RPC values the way Python code reads them.</summary>
public static class Values
{
    /// <summary>An array value (empty for nil).</summary>
    public static IReadOnlyList<object?> List(object? value) => value switch
    {
        null => [],
        IReadOnlyList<object?> list => list,
        System.Collections.IEnumerable e and not string and not IReadOnlyDictionary<string, object?> => e.Cast<object?>().ToList(),
        _ => throw new InvalidCastException($"expected an array, got {value.GetType().Name}"),
    };

    /// <summary>A struct value (empty for nil).</summary>
    public static IReadOnlyDictionary<string, object?> Dict(object? value) => value switch
    {
        null => new Dictionary<string, object?>(StringComparer.Ordinal),
        IReadOnlyDictionary<string, object?> d => d,
        _ => throw new InvalidCastException($"expected a struct, got {value.GetType().Name}"),
    };

    /// <summary>An integer value (int or i8).</summary>
    public static int Int(object? value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);

    /// <summary>An integer value or null.</summary>
    public static int? IntOrNull(object? value) => value is null ? null : Int(value);

    /// <summary>A string value or null.</summary>
    public static string? Str(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    /// <summary>Python truthiness.</summary>
    public static bool Truthy(object? value) => XmlRpcMethodCall.IsTruthy(value);

    /// <summary>The struct's <paramref name="key"/>, or null.</summary>
    public static object? Get(this IReadOnlyDictionary<string, object?> dict, string key) => dict.GetValueOrDefault(key);
}
