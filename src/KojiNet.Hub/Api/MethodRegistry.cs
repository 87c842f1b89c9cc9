using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace KojiNet.Hub.Api;

/// <summary>How one parameter of an API method is filled.</summary>
internal enum ParameterKind
{
    /// <summary>A Koji parameter bound from the call's positional or keyword arguments.</summary>
    Normal,

    /// <summary>Python's <c>*args</c>.</summary>
    VarArgs,

    /// <summary>Python's <c>**kwargs</c>.</summary>
    KwArgs,

    /// <summary>The call context, supplied by the hub.</summary>
    Context,
}

/// <summary>One parameter of an API method.</summary>
internal sealed record KojiParameter(string Name, Type Type, ParameterKind Kind, bool HasDefault, object? Default);

/// <summary>An API method: its Koji name and signature, and how to invoke it.</summary>
internal sealed class KojiMethod
{
    public KojiMethod(string name, string? doc, bool readOnly, MethodInfo method)
    {
        Name = name;
        Doc = doc;
        ReadOnly = readOnly;
        Method = method;
        Parameters = method.GetParameters().Select(ToParameter).ToArray();
        Normal = Parameters.Where(p => p.Kind == ParameterKind.Normal).ToArray();
        ArgDesc = BuildArgDesc();
        var ret = method.ReturnType;
        _taskResult = ret.IsGenericType && ret.GetGenericTypeDefinition() == typeof(Task<>)
            ? ret.GetProperty("Result")
            : null;
    }

    private readonly PropertyInfo? _taskResult;

    public string Name { get; }

    public string? Doc { get; }

    /// <summary>Whether the method only reads.</summary>
    public bool ReadOnly { get; }

    public MethodInfo Method { get; }

    public IReadOnlyList<KojiParameter> Parameters { get; }

    /// <summary>The Koji parameters in order (without the context).</summary>
    public IReadOnlyList<KojiParameter> Normal { get; }

    /// <summary>Python-style signature text, e.g. <c>(tagInfo, strict=False, event=None)</c>.</summary>
    public string ArgDesc { get; }

    /// <summary>Invokes the method with bound arguments and awaits it if asynchronous.</summary>
    public async Task<object?> InvokeAsync(object?[] arguments)
    {
        object? result;
        try
        {
            result = Method.Invoke(null, arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        if (result is Task task)
        {
            await task.ConfigureAwait(false);
            return _taskResult?.GetValue(task);
        }
        return result;
    }

    private static KojiParameter ToParameter(ParameterInfo p)
    {
        var kind = p.ParameterType == typeof(CallContext) ? ParameterKind.Context
            : p.ParameterType == typeof(VarArgs) ? ParameterKind.VarArgs
            : p.ParameterType == typeof(KwArgs) ? ParameterKind.KwArgs
            : ParameterKind.Normal;
        return new KojiParameter(p.Name!, p.ParameterType, kind, p.HasDefaultValue, p.HasDefaultValue ? p.DefaultValue : null);
    }

    private string BuildArgDesc()
    {
        var parts = new List<string>();
        foreach (var p in Parameters)
        {
            switch (p.Kind)
            {
                case ParameterKind.Normal:
                    parts.Add(p.HasDefault ? $"{p.Name}={PythonRepr(p.Default)}" : p.Name);
                    break;
                case ParameterKind.VarArgs:
                    parts.Add("*" + p.Name);
                    break;
                case ParameterKind.KwArgs:
                    parts.Add("**" + p.Name);
                    break;
            }
        }
        return "(" + string.Join(", ", parts) + ")";
    }

    /// <summary>How Python would print a default value in a signature.</summary>
    public static string PythonRepr(object? value) => value switch
    {
        null => "None",
        true => "True",
        false => "False",
        string s => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "None",
    };

    /// <summary>The <c>_listapi</c> entry for this method.</summary>
    public Dictionary<string, object?> ToListApiEntry()
    {
        var args = new List<object?>();
        var names = new List<object?>();
        var defaults = new List<object?>();
        string? varargs = null;
        string? varkw = null;
        foreach (var p in Parameters)
        {
            switch (p.Kind)
            {
                case ParameterKind.Normal:
                    names.Add(p.Name);
                    if (p.HasDefault)
                    {
                        args.Add(new object?[] { p.Name, p.Default });
                        defaults.Add(p.Default);
                    }
                    else
                    {
                        args.Add(p.Name);
                    }
                    break;
                case ParameterKind.VarArgs:
                    varargs = p.Name;
                    args.Add(p.Name);
                    break;
                case ParameterKind.KwArgs:
                    varkw = p.Name;
                    args.Add(p.Name);
                    break;
            }
        }
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = Name,
            ["doc"] = Doc,
            ["argspec"] = new object?[]
            {
                names, varargs, varkw, defaults.Count > 0 ? defaults : null, new List<object?>(), null,
                new Dictionary<string, object?>(StringComparer.Ordinal),
            },
            ["argdesc"] = ArgDesc,
            ["args"] = args,
        };
    }

    /// <summary><c>system.methodHelp</c> text.</summary>
    public string Help()
    {
        var sb = new StringBuilder(Name).Append('(').Append(ArgDesc.AsSpan(1, ArgDesc.Length - 2)).Append(')');
        if (Doc is not null)
        {
            sb.Append("\ndescription: ").Append(Doc);
        }
        return sb.ToString();
    }
}

/// <summary>
/// Every API method of the hub, found by reflection on <see cref="KojiMethodAttribute"/> once at
/// start-up. Lookups by name are ordinal and case-sensitive, as in Koji.
/// </summary>
internal sealed class MethodRegistry
{
    private readonly FrozenDictionary<string, KojiMethod> _methods;

    public MethodRegistry(IEnumerable<Type> apiTypes)
    {
        var methods = new Dictionary<string, KojiMethod>(StringComparer.Ordinal);
        foreach (var type in apiTypes)
        {
            foreach (var m in type.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var attr = m.GetCustomAttribute<KojiMethodAttribute>();
                if (attr is null)
                {
                    continue;
                }
                if (!methods.TryAdd(attr.Name, new KojiMethod(attr.Name, attr.Doc, attr.ReadOnly, m)))
                {
                    throw new InvalidOperationException($"API method {attr.Name} is defined twice");
                }
            }
        }
        _methods = methods.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>The registry of every API class in this assembly.</summary>
    public static MethodRegistry Default { get; } = new(typeof(MethodRegistry).Assembly.GetTypes()
        .Where(t => t.Namespace?.StartsWith("KojiNet.Hub.Api", StringComparison.Ordinal) == true));

    public KojiMethod? Find(string name) => _methods.GetValueOrDefault(name);

    public IEnumerable<KojiMethod> All => _methods.Values.OrderBy(m => m.Name, StringComparer.Ordinal);
}
