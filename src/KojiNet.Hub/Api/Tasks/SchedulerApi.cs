using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Users;
using KojiNet.Hub.Scheduling;

namespace KojiNet.Hub.Api.Tasks;

/// <summary>
/// The <c>scheduler.*</c> namespace (spec/api-host.md §3.4): anonymous introspection of runs,
/// refusals, host data and the scheduler log, and the admin's <c>doRun</c>.
/// </summary>
internal static class SchedulerApi
{
    /// <summary>One queryable view: its tables, its fields (alias → SQL, whether it needs the joins) and default fields.</summary>
    private sealed record View(string From, string Joins, IReadOnlyDictionary<string, (string Sql, bool Join)> Fields, string[] Defaults, string[] Booleans);

    private static Dictionary<string, (string, bool)> TaskHostFields(string own) => new(StringComparer.Ordinal)
    {
        ["method"] = ("task.method", true),
        ["state"] = ("task.state", true),
        ["owner"] = ("task.owner", true),
        ["arch"] = ("task.arch", true),
        ["channel_id"] = ("task.channel_id", true),
        ["host_name"] = ("host.name", true),
        ["host_ready"] = ("host.ready", true),
        ["task_id"] = (own + ".task_id", false),
        ["host_id"] = (own + ".host_id", false),
    };

    private static readonly View Runs = new("scheduler_task_runs",
        "LEFT JOIN task ON task.id = scheduler_task_runs.task_id LEFT JOIN host ON host.id = scheduler_task_runs.host_id",
        new Dictionary<string, (string, bool)>(TaskHostFields("scheduler_task_runs"), StringComparer.Ordinal)
        {
            ["id"] = ("scheduler_task_runs.id", false),
            ["active"] = ("scheduler_task_runs.active", false),
            ["create_ts"] = ("scheduler_task_runs.create_time", false),
            ["start_ts"] = ("task.start_time", true),
            ["completion_ts"] = ("task.completion_time", true),
        },
        ["id", "task_id", "host_id", "active", "create_ts"], ["active", "host_ready"]);

    private static readonly View Refusals = new("scheduler_task_refusals",
        "LEFT JOIN task ON task.id = scheduler_task_refusals.task_id LEFT JOIN host ON host.id = scheduler_task_refusals.host_id",
        new Dictionary<string, (string, bool)>(TaskHostFields("scheduler_task_refusals"), StringComparer.Ordinal)
        {
            ["id"] = ("scheduler_task_refusals.id", false),
            ["by_host"] = ("scheduler_task_refusals.by_host", false),
            ["soft"] = ("scheduler_task_refusals.soft", false),
            ["msg"] = ("scheduler_task_refusals.msg", false),
            ["ts"] = ("scheduler_task_refusals.time", false),
        },
        ["id", "task_id", "host_id", "by_host", "soft", "msg", "ts"], ["by_host", "soft", "host_ready"]);

    private static readonly View LogMessages = new("scheduler_log_messages",
        "LEFT JOIN task ON task.id = scheduler_log_messages.task_id LEFT JOIN host ON host.id = scheduler_log_messages.host_id",
        new Dictionary<string, (string, bool)>(TaskHostFields("scheduler_log_messages"), StringComparer.Ordinal)
        {
            ["id"] = ("scheduler_log_messages.id", false),
            ["msg"] = ("scheduler_log_messages.msg", false),
            ["msg_ts"] = ("scheduler_log_messages.msg_time", false),
        },
        ["id", "task_id", "host_id", "msg", "msg_ts"], ["host_ready"]);

    [KojiMethod("scheduler.getTaskRuns", ReadOnly = true, Doc = "Query scheduler task runs")]
    public static Task<object> GetTaskRuns(CallContext ctx, IReadOnlyList<object?>? clauses = null, object? fields = null, IReadOnlyDictionary<string, object?>? opts = null) =>
        QueryAsync(ctx, Runs, clauses, fields, opts);

    [KojiMethod("scheduler.getTaskRefusals", ReadOnly = true, Doc = "Query task refusals")]
    public static Task<object> GetTaskRefusals(CallContext ctx, IReadOnlyList<object?>? clauses = null, object? fields = null) =>
        QueryAsync(ctx, Refusals, clauses, fields, null);

    [KojiMethod("scheduler.getLogMessages", ReadOnly = true, Doc = "Query scheduler log messages")]
    public static Task<object> GetLogMessages(CallContext ctx, IReadOnlyList<object?>? clauses = null, object? fields = null, IReadOnlyDictionary<string, object?>? opts = null) =>
        QueryAsync(ctx, LogMessages, clauses, fields, opts);

    [KojiMethod("scheduler.getHostData", ReadOnly = true, Doc = "Return the data builders reported (all hosts, or one)")]
    public static async Task<List<Dictionary<string, object?>>> GetHostData(CallContext ctx, object? hostID = null)
    {
        int? hostId = hostID is null ? null : TaskQueries.TaskId(hostID);
        var rows = await ctx.QueryAsync<(int HostId, string? Data)>(
            "SELECT host_id, data FROM scheduler_host_data" + (hostId is null ? "" : " WHERE host_id = @hostId") + " ORDER BY host_id",
            new { hostId }).ConfigureAwait(false);
        return rows.Select(r => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["data"] = r.Data is null ? null : PyJson.Decode(r.Data),
            ["host_id"] = r.HostId,
        }).ToList();
    }

    [KojiMethod("scheduler.doRun", Doc = "Run the scheduler now (admin; normally it runs by itself)")]
    public static async Task<bool> DoRun(CallContext ctx, bool force = false)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var result = await SchedulerPass.RunAsync(ctx, waitForLock: force, ignoreInterval: force).ConfigureAwait(false);
        return result.Ran;
    }

    private static readonly HashSet<string> Operators = new(StringComparer.Ordinal) { "=", "!=", "<", ">", "<=", ">=", "IN", "NOT IN", "IS", "IS NOT" };

    /// <summary>
    /// Upstream's QueryView: <paramref name="clauses"/> = array of <c>[field, op, value]</c> or
    /// <c>[field, value]</c>; <paramref name="fields"/> = names, or <c>*</c>/<c>**</c> for all;
    /// ordered by id unless <c>opts.order</c> says otherwise.
    /// </summary>
    private static async Task<object> QueryAsync(CallContext ctx, View view, IReadOnlyList<object?>? clauses, object? fields, IReadOnlyDictionary<string, object?>? opts)
    {
        var names = fields switch
        {
            null => view.Defaults,
            "*" or "**" => view.Fields.Keys.Order(StringComparer.Ordinal).ToArray(),
            string one => [one],
            IReadOnlyList<object?> list => list.Select(f => f as string ?? throw KojiErrors.Parameter($"Invalid field: {UserQueries.Repr(f)}")).ToArray(),
            _ => throw KojiErrors.Parameter($"Invalid fields: {UserQueries.Repr(fields)}"),
        };
        foreach (var name in names)
        {
            if (!view.Fields.ContainsKey(name))
            {
                throw KojiErrors.Parameter($"Invalid field for query {name}");
            }
        }
        var p = new DynamicParameters();
        var where = new List<string>();
        var n = 0;
        foreach (var clause in clauses ?? [])
        {
            if (clause is not IReadOnlyList<object?> { Count: 2 or 3 } c || c[0] is not string field)
            {
                throw KojiErrors.Parameter($"Invalid clause: {UserQueries.Repr(clause)}");
            }
            var op = c.Count == 3 ? (c[1] as string ?? "").ToUpperInvariant() : "=";
            var value = c[^1];
            if (!view.Fields.TryGetValue(field, out var column))
            {
                throw KojiErrors.Parameter($"Invalid field for query {field}");
            }
            if (!Operators.Contains(op))
            {
                throw KojiErrors.Parameter($"Invalid operator: {c[1]}");
            }
            if (op is "IN" or "NOT IN")
            {
                var items = value as IReadOnlyList<object?> ?? throw KojiErrors.Parameter($"Invalid value for {op}: {UserQueries.Repr(value)}");
                var ps = items.Select(v =>
                {
                    var name = "c" + (n++).ToString(CultureInfo.InvariantCulture);
                    p.Add(name, v);
                    return "@" + name;
                }).DefaultIfEmpty("NULL");
                where.Add($"{column.Sql} {op} ({string.Join(", ", ps)})");
            }
            else if (value is null)
            {
                where.Add($"{column.Sql} {(op is "!=" or "IS NOT" ? "IS NOT" : "IS")} NULL");
            }
            else
            {
                var name = "c" + (n++).ToString(CultureInfo.InvariantCulture);
                p.Add(name, value);
                where.Add($"{column.Sql} {(op == "IS" ? "=" : op == "IS NOT" ? "!=" : op)} @{name}");
            }
        }
        var query = QueryOptions.Parse(opts);
        var order = view.Fields.ToDictionary(kv => kv.Key, kv => kv.Value.Sql, StringComparer.Ordinal);
        var select = string.Join(", ", names.Select((f, i) => $"{view.Fields[f].Sql} AS f{i.ToString(CultureInfo.InvariantCulture)}"));
        var sql = $"SELECT {select} FROM {view.From} {view.Joins}"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + query.OrderBySql(order, view.Fields["id"].Sql) + query.LimitSql(ctx.Engine);
        var tx = await ctx.GetTransactionAsync().ConfigureAwait(false);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        await using (var reader = await tx.Connection!.ExecuteReaderAsync(new CommandDefinition(sql, p, tx)).ConfigureAwait(false))
        {
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                var row = new SortedDictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < names.Length; i++)
                {
                    row[names[i]] = Normalize(reader.IsDBNull(i) ? null : reader.GetValue(i), view.Booleans.Contains(names[i]));
                }
                rows.Add(row);
            }
        }
        return query.Shape(rows);
    }

    // Database values as XML-RPC values (SQLite gives booleans as integers and ints as longs).
    private static object? Normalize(object? value, bool boolean) => value switch
    {
        null => null,
        long l when boolean => l != 0,
        int i when boolean => i != 0,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        float f => (double)f,
        _ => value,
    };
}
