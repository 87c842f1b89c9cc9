using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Repos;

/// <summary>How a view field is stored and returned.</summary>
internal enum FieldKind
{
    Int,
    Bool,
    String,

    /// <summary>Epoch seconds returned as Koji's time string (<c>*_time</c>).</summary>
    Time,

    /// <summary>Epoch seconds returned as a float (<c>*_ts</c>).</summary>
    Ts,

    /// <summary>JSON text returned as its value (repo options).</summary>
    Json,
}

/// <summary>A field of a <see cref="QueryView"/>: its SQL expression, kind, and whether it needs a join (not part of <c>*</c>).</summary>
internal sealed record ViewField(string Sql, FieldKind Kind, bool Joined = false);

/// <summary>
/// Koji's <c>QueryView</c> (the generic queries behind <c>repo.query</c> and
/// <c>repo.queryQueue</c>): <c>clauses</c> are <c>[field, op, value]</c> or <c>[field, value]</c>
/// (<c>=</c>, or <c>IN</c> for a list) with ops <c>IN = != &gt; &lt; &gt;= &lt;= IS</c>
/// <c>IS NOT @&gt; &lt;@</c>; <c>fields</c> are names, <c>*</c> (fields needing no join) or
/// <c>**</c> (all), default the view's default fields; <c>opts</c> is a queryOpts struct.
/// Conditions on JSON fields (<c>= != @&gt; &lt;@</c>) compare values, not text, and are applied
/// after the SQL ones.
/// </summary>
internal sealed class QueryView(string from, IReadOnlyDictionary<string, ViewField> fields, IReadOnlyList<string> defaultFields)
{
    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal) { "IN", "=", "!=", ">", "<", ">=", "<=", "IS", "IS NOT", "@>", "<@" };

    /// <summary>The field names, in declaration order.</summary>
    public IEnumerable<string> FieldNames => fields.Keys;

    /// <summary>One parsed condition.</summary>
    public sealed record Clause(string Field, string Op, object? Value);

    /// <summary>Parses the <c>clauses</c> argument; ParameterError for a bad clause, field or operator.</summary>
    public IReadOnlyList<Clause> ParseClauses(object? clauses)
    {
        var result = new List<Clause>();
        if (clauses is null)
        {
            return result;
        }
        if (clauses is not IReadOnlyList<object?> list)
        {
            throw KojiErrors.Parameter($"Invalid clauses: {UserQueries.Repr(clauses)}");
        }
        foreach (var item in list)
        {
            if (item is not IReadOnlyList<object?> clause || clause.Count is not (2 or 3) || clause[0] is not string field)
            {
                throw KojiErrors.Parameter($"Invalid clause: {UserQueries.Repr(item)}");
            }
            string op;
            object? value;
            if (clause.Count == 2)
            {
                value = clause[1];
                op = value is IReadOnlyList<object?> ? "IN" : "=";
            }
            else
            {
                op = (clause[1] as string ?? throw KojiErrors.Parameter($"Invalid operator: {UserQueries.Repr(clause[1])}")).ToUpperInvariant();
                if (!Operators.Contains(op))
                {
                    throw KojiErrors.Parameter($"Invalid operator: {op}");
                }
                value = clause[2];
            }
            if (!fields.ContainsKey(field))
            {
                throw KojiErrors.Parameter($"Invalid field for query {field}");
            }
            result.Add(new Clause(field, op, value));
        }
        return result;
    }

    /// <summary>The field names a <c>fields</c> argument selects.</summary>
    public IReadOnlyList<string> ParseFields(object? requested)
    {
        IEnumerable<object?> names = requested switch
        {
            null => defaultFields,
            string s => [s],
            IReadOnlyList<object?> l when l.Count == 0 => defaultFields,
            IReadOnlyList<object?> l => l,
            _ => throw KojiErrors.Parameter($"Invalid fields: {UserQueries.Repr(requested)}"),
        };
        var result = new List<string>();
        foreach (var n in names)
        {
            switch (n)
            {
                case "*":
                    result.AddRange(fields.Where(f => !f.Value.Joined).Select(f => f.Key));
                    break;
                case "**":
                    result.AddRange(fields.Keys);
                    break;
                case string s when fields.ContainsKey(s):
                    result.Add(s);
                    break;
                default:
                    throw KojiErrors.Parameter($"Invalid field for query {Lookup.Str(n)}");
            }
        }
        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>Runs the query for the API: rows of the selected fields, or the count, or value lists (queryOpts).</summary>
    public async Task<object> QueryAsync(CallContext ctx, object? clauses, object? requestedFields, IReadOnlyDictionary<string, object?>? opts)
    {
        var parsed = ParseClauses(clauses);
        var selected = ParseFields(requestedFields);
        var options = QueryOptions.Parse(opts);
        var rows = await RowsAsync(ctx, parsed, options).ConfigureAwait(false);
        if (options.CountOnly)
        {
            return rows.Count;
        }
        var projected = rows.Select(r => (IReadOnlyDictionary<string, object?>)selected.ToDictionary(f => f, f => r[f], StringComparer.Ordinal)).ToList();
        return options.AsList
            ? projected.Select(r => (object?)r.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Value).ToList()).ToList()
            : projected;
    }

    /// <summary>Every field of the rows matching <paramref name="clauses"/>, ordered and limited by <paramref name="options"/>.</summary>
    public async Task<List<Dictionary<string, object?>>> RowsAsync(CallContext ctx, IReadOnlyList<Clause> clauses, QueryOptions? options = null)
    {
        options ??= QueryOptions.Parse(null);
        var p = new DynamicParameters();
        var where = new List<string>();
        var memory = new List<Clause>();
        var n = 0;
        foreach (var c in clauses)
        {
            var f = fields[c.Field];
            if (f.Kind == FieldKind.Json && c.Op is "=" or "!=" or "@>" or "<@")
            {
                memory.Add(c);
                continue;
            }
            if (c.Op is "@>" or "<@")
            {
                throw KojiErrors.Parameter($"Invalid operator for field {c.Field}: {c.Op}");
            }
            var name = "v" + (n++).ToString(CultureInfo.InvariantCulture);
            switch (c.Op)
            {
                case "IS" or "IS NOT":
                    var literal = c.Value switch
                    {
                        null => "NULL",
                        true => "TRUE",
                        false => "FALSE",
                        _ => throw KojiErrors.Parameter($"Invalid value for {c.Op}: {UserQueries.Repr(c.Value)}"),
                    };
                    where.Add($"{f.Sql} {c.Op} {literal}");
                    break;
                case "IN":
                    if (c.Value is not IReadOnlyList<object?> values)
                    {
                        throw KojiErrors.Parameter($"Invalid value for IN: {UserQueries.Repr(c.Value)}");
                    }
                    if (values.Count == 0)
                    {
                        where.Add("1 = 0");
                        break;
                    }
                    var names = new List<string>();
                    for (var i = 0; i < values.Count; i++)
                    {
                        var item = name + "_" + i.ToString(CultureInfo.InvariantCulture);
                        p.Add(item, Coerce(f, c.Field, values[i]));
                        names.Add("@" + item);
                    }
                    where.Add($"{f.Sql} IN ({string.Join(", ", names)})");
                    break;
                default:
                    p.Add(name, Coerce(f, c.Field, c.Value));
                    where.Add($"{f.Sql} {(c.Op == "!=" ? "<>" : c.Op)} @{name}");
                    break;
            }
        }
        var order = options.OrderBySql(fields.ToDictionary(kv => kv.Key, kv => kv.Value.Sql, StringComparer.Ordinal));
        var limit = memory.Count == 0 && !options.CountOnly ? options.LimitSql(ctx.Engine) : "";
        var columns = string.Join(", ", fields.Select(kv => $"{kv.Value.Sql} AS {kv.Key}"));
        var sql = $"SELECT {columns} FROM {from}{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")}{order}{limit}";
        var raw = await ctx.QueryAsync<dynamic>(sql, p).ConfigureAwait(false);
        var rows = new List<Dictionary<string, object?>>();
        foreach (IDictionary<string, object?> r in raw.Cast<IDictionary<string, object?>>())
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var (key, f) in fields)
            {
                row[key] = Read(f, r[key]);
            }
            if (memory.All(c => Matches(row[c.Field], c)))
            {
                rows.Add(row);
            }
        }
        if (memory.Count > 0 && !options.CountOnly)
        {
            IEnumerable<Dictionary<string, object?>> page = rows;
            if (options.Offset is { } off)
            {
                page = page.Skip(off);
            }
            if (options.Limit is { } lim)
            {
                page = page.Take(lim);
            }
            rows = page.ToList();
        }
        return rows;
    }

    /// <summary>A stored value as the API returns it.</summary>
    private static object? Read(ViewField f, object? value)
    {
        if (value is null or DBNull)
        {
            return null;
        }
        return f.Kind switch
        {
            FieldKind.Int => System.Convert.ToInt32(value, CultureInfo.InvariantCulture),
            FieldKind.Bool => value is bool b ? b : System.Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0,
            FieldKind.String => System.Convert.ToString(value, CultureInfo.InvariantCulture),
            FieldKind.Time => KojiTime.Format(System.Convert.ToDouble(value, CultureInfo.InvariantCulture)),
            FieldKind.Ts => System.Convert.ToDouble(value, CultureInfo.InvariantCulture),
            FieldKind.Json => PyJson.Decode((string)value),
            _ => value,
        };
    }

    /// <summary>A clause value as a parameter for the field's column.</summary>
    private static object? Coerce(ViewField f, string field, object? value)
    {
        if (value is null)
        {
            return null;
        }
        return f.Kind switch
        {
            FieldKind.Int => value switch
            {
                int or long => System.Convert.ToInt32(value, CultureInfo.InvariantCulture),
                bool b => b ? 1 : 0,
                _ => throw KojiErrors.Parameter($"Invalid value for {field}: {UserQueries.Repr(value)}"),
            },
            FieldKind.Bool => ArgumentBinder.Truthy(value),
            FieldKind.String => value as string ?? throw KojiErrors.Parameter($"Invalid value for {field}: {UserQueries.Repr(value)}"),
            FieldKind.Time or FieldKind.Ts => KojiTime.ParseFilter(value),
            FieldKind.Json => value is string s ? s : PyJson.Encode(value),
            _ => value,
        };
    }

    /// <summary>A JSON-field condition evaluated on a row's value.</summary>
    private static bool Matches(object? actual, Clause c)
    {
        var wanted = c.Value is string s ? PyJson.Decode(s) : c.Value;
        return c.Op switch
        {
            "=" => JsonEquals(actual, wanted),
            "!=" => !JsonEquals(actual, wanted),
            "@>" => Contains(actual, wanted),
            "<@" => Contains(wanted, actual),
            _ => false,
        };
    }

    private static bool JsonEquals(object? a, object? b) => Contains(a, b) && Contains(b, a);

    /// <summary>PostgreSQL's JSONB containment for the values options hold: structs by key, lists by element, scalars by value.</summary>
    private static bool Contains(object? whole, object? part) => (whole, part) switch
    {
        (null, null) => true,
        (IReadOnlyDictionary<string, object?> w, IReadOnlyDictionary<string, object?> p) => p.All(kv => w.TryGetValue(kv.Key, out var v) && Contains(v, kv.Value)),
        (IReadOnlyList<object?> w, IReadOnlyList<object?> p) => p.All(x => w.Any(y => Contains(y, x))),
        (bool a, bool b) => a == b,
        (string a, string b) => string.Equals(a, b, StringComparison.Ordinal),
        (int or long or double, int or long or double) => System.Convert.ToDouble(whole, CultureInfo.InvariantCulture) == System.Convert.ToDouble(part, CultureInfo.InvariantCulture),
        _ => false,
    };
}
