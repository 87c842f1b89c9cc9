using System.Globalization;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Common;

/// <summary>
/// Koji's <c>queryOpts</c> struct (api-core.md §0): <c>order</c> (comma-separated field aliases,
/// <c>-</c> for descending), <c>offset</c>, <c>limit</c>, <c>countOnly</c>, <c>asList</c>.
/// List methods build their SQL with <see cref="OrderBySql"/> and <see cref="LimitSql"/> and
/// shape their rows with <see cref="Shape"/>.
/// </summary>
internal sealed class QueryOptions
{
    public IReadOnlyList<(string Alias, bool Descending)> Order { get; private init; } = [];

    public int? Offset { get; private init; }

    public int? Limit { get; private init; }

    public bool CountOnly { get; private init; }

    public bool AsList { get; private init; }

    public static QueryOptions Parse(IReadOnlyDictionary<string, object?>? opts)
    {
        if (opts is null)
        {
            return new QueryOptions();
        }
        var order = new List<(string, bool)>();
        if (opts.GetValueOrDefault("order") is string o && o.Length > 0)
        {
            foreach (var part in o.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                order.Add(part.StartsWith('-') ? (part[1..], true) : (part, false));
            }
        }
        else if (opts.GetValueOrDefault("order") is { } bad and not string)
        {
            throw KojiErrors.Parameter($"Invalid order: {UserQueries.Repr(bad)}");
        }
        foreach (var key in opts.Keys)
        {
            if (key is not ("order" or "offset" or "limit" or "countOnly" or "asList" or "group" or "rowlock"))
            {
                throw KojiErrors.Parameter($"Invalid query option: {key}");
            }
        }
        return new QueryOptions
        {
            Order = order,
            Offset = ToInt(opts.GetValueOrDefault("offset"), "offset"),
            Limit = ToInt(opts.GetValueOrDefault("limit"), "limit"),
            CountOnly = ArgumentBinder.Truthy(opts.GetValueOrDefault("countOnly")),
            AsList = ArgumentBinder.Truthy(opts.GetValueOrDefault("asList")),
        };
    }

    /// <summary>
    /// <c>ORDER BY</c> for the requested order, mapping each alias through <paramref name="columns"/>
    /// (alias → SQL expression); an unknown alias is a fault. Empty when no order was asked for
    /// and no default is given.
    /// </summary>
    public string OrderBySql(IReadOnlyDictionary<string, string> columns, string? defaultOrder = null)
    {
        if (Order.Count == 0)
        {
            return defaultOrder is null ? "" : " ORDER BY " + defaultOrder;
        }
        var parts = new List<string>();
        foreach (var (alias, desc) in Order)
        {
            if (!columns.TryGetValue(alias, out var expr))
            {
                throw KojiErrors.Parameter($"Invalid order field: {alias}");
            }
            parts.Add(expr + (desc ? " DESC" : ""));
        }
        return " ORDER BY " + string.Join(", ", parts);
    }

    /// <summary><c>LIMIT</c>/<c>OFFSET</c> clause for the engine (PostgreSQL spells "no limit" ALL, SQLite -1).</summary>
    public string LimitSql(Data.DatabaseEngine engine)
    {
        if (Limit is null && Offset is null)
        {
            return "";
        }
        var limit = Limit is { } l ? l.ToString(CultureInfo.InvariantCulture) : engine == Data.DatabaseEngine.PostgreSql ? "ALL" : "-1";
        return string.Create(CultureInfo.InvariantCulture, $" LIMIT {limit} OFFSET {Offset ?? 0}");
    }

    /// <summary>
    /// The method's result for rows that are structs: the count with <c>countOnly</c>, rows as
    /// value arrays in alphabetical key order with <c>asList</c>, else the rows themselves.
    /// </summary>
    public object Shape(IReadOnlyList<IReadOnlyDictionary<string, object?>> rows)
    {
        if (CountOnly)
        {
            return rows.Count;
        }
        if (AsList)
        {
            return rows.Select(r => r.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList()).ToList();
        }
        return rows;
    }

    /// <summary>Applies order, offset and limit in memory ("python-side" methods), then <see cref="Shape"/>.</summary>
    public object ApplyInMemory(IEnumerable<IReadOnlyDictionary<string, object?>> rows)
    {
        var list = rows.ToList();
        if (Order.Count > 0)
        {
            IOrderedEnumerable<IReadOnlyDictionary<string, object?>>? sorted = null;
            foreach (var (alias, desc) in Order)
            {
                if (list.Count > 0 && !list[0].ContainsKey(alias))
                {
                    throw KojiErrors.Parameter($"Invalid order field: {alias}");
                }
                Func<IReadOnlyDictionary<string, object?>, object?> key = r => r.GetValueOrDefault(alias);
                sorted = sorted is null
                    ? (desc ? list.OrderByDescending(key, ValueComparer.Instance) : list.OrderBy(key, ValueComparer.Instance))
                    : (desc ? sorted.ThenByDescending(key, ValueComparer.Instance) : sorted.ThenBy(key, ValueComparer.Instance));
            }
            list = sorted!.ToList();
        }
        if (CountOnly)
        {
            return list.Count;
        }
        IEnumerable<IReadOnlyDictionary<string, object?>> page = list;
        if (Offset is { } off)
        {
            page = page.Skip(off);
        }
        if (Limit is { } lim)
        {
            page = page.Take(lim);
        }
        return new QueryOptions { AsList = AsList }.Shape(page.ToList());
    }

    private static int? ToInt(object? value, string name) => value switch
    {
        null => null,
        int i => i,
        long l => (int)l,
        _ => throw KojiErrors.Parameter($"Invalid {name}: {UserQueries.Repr(value)}"),
    };

    /// <summary>Orders XML-RPC values like Python would for sortable types (None first).</summary>
    private sealed class ValueComparer : IComparer<object?>
    {
        public static readonly ValueComparer Instance = new();

        public int Compare(object? x, object? y) => (x, y) switch
        {
            (null, null) => 0,
            (null, _) => -1,
            (_, null) => 1,
            (string a, string b) => string.CompareOrdinal(a, b),
            (IConvertible a, IConvertible b) when a is not string && b is not string =>
                a.ToDouble(CultureInfo.InvariantCulture).CompareTo(b.ToDouble(CultureInfo.InvariantCulture)),
            _ => string.CompareOrdinal(x.ToString(), y.ToString()),
        };
    }
}
