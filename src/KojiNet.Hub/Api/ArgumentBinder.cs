using System.Globalization;

namespace KojiNet.Hub.Api;

/// <summary>
/// Binds an XML-RPC call's positional and keyword arguments to a method's parameters with
/// Python's rules, and converts values to the parameter types. Mistakes give ParameterError
/// (1019) with Python's TypeError wording, which clients match on
/// (e.g. <c>got an unexpected keyword argument</c>).
/// </summary>
internal static class ArgumentBinder
{
    public static object?[] Bind(KojiMethod method, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs, CallContext context)
    {
        var parameters = method.Parameters;
        var values = new object?[parameters.Count];
        var assigned = new bool[parameters.Count];
        var normalIndex = new List<int>();
        int varArgsIndex = -1, kwArgsIndex = -1;
        for (var i = 0; i < parameters.Count; i++)
        {
            switch (parameters[i].Kind)
            {
                case ParameterKind.Normal:
                    normalIndex.Add(i);
                    break;
                case ParameterKind.VarArgs:
                    varArgsIndex = i;
                    break;
                case ParameterKind.KwArgs:
                    kwArgsIndex = i;
                    break;
                case ParameterKind.Context:
                    values[i] = context;
                    assigned[i] = true;
                    break;
            }
        }

        var positional = Math.Min(args.Count, normalIndex.Count);
        for (var a = 0; a < positional; a++)
        {
            values[normalIndex[a]] = args[a];
            assigned[normalIndex[a]] = true;
        }
        if (args.Count > normalIndex.Count)
        {
            if (varArgsIndex < 0)
            {
                throw KojiErrors.Parameter(string.Create(CultureInfo.InvariantCulture,
                    $"{method.Name}() takes {normalIndex.Count} positional argument{(normalIndex.Count == 1 ? "" : "s")} but {args.Count} {(args.Count == 1 ? "was" : "were")} given"));
            }
            values[varArgsIndex] = new VarArgs(args.Skip(normalIndex.Count).ToArray());
        }
        else if (varArgsIndex >= 0)
        {
            values[varArgsIndex] = new VarArgs([]);
        }

        Dictionary<string, object?>? extra = kwArgsIndex >= 0 ? new(StringComparer.Ordinal) : null;
        foreach (var (key, value) in kwargs)
        {
            var target = normalIndex.FindIndex(i => parameters[i].Name == key);
            if (target < 0)
            {
                if (extra is null)
                {
                    throw KojiErrors.Parameter($"{method.Name}() got an unexpected keyword argument '{key}'");
                }
                extra[key] = value;
                continue;
            }
            var index = normalIndex[target];
            if (assigned[index])
            {
                throw KojiErrors.Parameter($"{method.Name}() got multiple values for argument '{key}'");
            }
            values[index] = value;
            assigned[index] = true;
        }
        if (kwArgsIndex >= 0)
        {
            values[kwArgsIndex] = new KwArgs(extra!);
        }

        var missing = normalIndex.Where(i => !assigned[i] && !parameters[i].HasDefault).Select(i => parameters[i].Name).ToList();
        if (missing.Count > 0)
        {
            var names = missing.Count == 1
                ? $"'{missing[0]}'"
                : string.Join(", ", missing.Take(missing.Count - 1).Select(n => $"'{n}'")) + $" and '{missing[^1]}'";
            throw KojiErrors.Parameter(string.Create(CultureInfo.InvariantCulture,
                $"{method.Name}() missing {missing.Count} required positional argument{(missing.Count == 1 ? "" : "s")}: {names}"));
        }

        foreach (var i in normalIndex)
        {
            var p = parameters[i];
            values[i] = assigned[i] ? Convert(method, p, values[i]) : p.Default;
        }
        return values;
    }

    private static object? Convert(KojiMethod method, KojiParameter p, object? value)
    {
        var type = p.Type;
        if (type == typeof(object))
        {
            return value;
        }
        var underlying = Nullable.GetUnderlyingType(type);
        if (value is null)
        {
            // Python passes None anywhere; a non-nullable value parameter takes its default.
            if (underlying is not null || !type.IsValueType)
            {
                return null;
            }
            if (type == typeof(bool))
            {
                return false;
            }
            throw WrongType(method, p, value);
        }
        var target = underlying ?? type;
        if (target == typeof(bool))
        {
            return Truthy(value);
        }
        if (target == typeof(int))
        {
            return value switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                bool b => b ? 1 : 0,
                _ => throw WrongType(method, p, value),
            };
        }
        if (target == typeof(long))
        {
            return value switch
            {
                int i => (long)i,
                long l => l,
                bool b => b ? 1L : 0L,
                _ => throw WrongType(method, p, value),
            };
        }
        if (target == typeof(double))
        {
            return value switch
            {
                int i => (double)i,
                long l => (double)l,
                double d => d,
                _ => throw WrongType(method, p, value),
            };
        }
        if (target.IsInstanceOfType(value))
        {
            return value;
        }
        throw WrongType(method, p, value);
    }

    /// <summary>Python truthiness of an XML-RPC value.</summary>
    public static bool Truthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        int i => i != 0,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        System.Collections.ICollection c => c.Count > 0,
        _ => true,
    };

    private static Exception WrongType(KojiMethod method, KojiParameter p, object? value) =>
        KojiErrors.Parameter($"{method.Name}(): invalid type for argument '{p.Name}': {PythonTypeName(value)}");

    /// <summary>The Python type name of an XML-RPC value, as TypeError messages print it.</summary>
    public static string PythonTypeName(object? value) => value switch
    {
        null => "NoneType",
        bool => "bool",
        int or long => "int",
        double => "float",
        string => "str",
        byte[] => "bytes",
        DateTime => "datetime",
        IReadOnlyDictionary<string, object?> => "dict",
        IReadOnlyList<object?> => "list",
        _ => value.GetType().Name,
    };
}
