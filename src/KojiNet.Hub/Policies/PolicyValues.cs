using System.Globalization;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Policies;

/// <summary>How policy code reads the loosely typed values of policy data (they come from XML-RPC or from hub code).</summary>
internal static class PolicyValues
{
    /// <summary>Python's <c>str.split()</c>: words separated by runs of whitespace.</summary>
    public static IReadOnlyList<string> SplitWords(string text) =>
        text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Python's <c>str()</c> of a scalar, for glob matching and messages.</summary>
    public static string Str(object? value) => value switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => UserQueries.Repr(value),
    };

    /// <summary>The number a value holds (Python counts booleans as 0 and 1), or null.</summary>
    public static double? Number(object? value) => value switch
    {
        bool b => b ? 1 : 0,
        int i => i,
        long l => l,
        double d => d,
        float f => f,
        decimal m => (double)m,
        _ => null,
    };

    /// <summary>The items of a list-like value (array, tuple, set), or null when it is not one.</summary>
    public static IReadOnlyList<object?>? Items(object? value) => value switch
    {
        null or string => null,
        IReadOnlyList<object?> l => l,
        System.Collections.IDictionary => null,
        System.Collections.IEnumerable e => e.Cast<object?>().ToList(),
        _ => null,
    };
}
