using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Hosts;
using KojiNet.Hub.Scheduling;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api.Tasks;

/// <summary>The client's task calls (api-core.md §6): reading tasks and their results, canceling, resubmitting, priorities.</summary>
internal static class TaskApi
{
    [KojiMethod("getTaskInfo", ReadOnly = true, Doc = "Get information about a task")]
    public static async Task<object?> GetTaskInfo(CallContext ctx, object? task_id, bool request = false, bool strict = false)
    {
        if (task_id is IReadOnlyList<object?> ids)
        {
            var list = new List<object?>(ids.Count);
            foreach (var id in ids)
            {
                list.Add(await InfoAsync(ctx, TaskQueries.TaskId(id), request, strict).ConfigureAwait(false));
            }
            return list;
        }
        return await InfoAsync(ctx, TaskQueries.TaskId(task_id), request, strict).ConfigureAwait(false);
    }

    private static async Task<Dictionary<string, object?>?> InfoAsync(CallContext ctx, int taskId, bool request, bool strict)
    {
        var row = await TaskQueries.FindAsync(ctx, taskId, request).ConfigureAwait(false);
        if (row is null)
        {
            return strict ? throw KojiErrors.Generic("query returned no rows") : null;
        }
        return TaskQueries.ToStruct(row, request);
    }

    [KojiMethod("getTaskRequest", ReadOnly = true, Doc = "Return the request parameters of a task")]
    public static async Task<IReadOnlyList<object?>> GetTaskRequest(CallContext ctx, object? taskId)
    {
        var row = await TaskQueries.GetAsync(ctx, TaskQueries.TaskId(taskId), withRequest: true).ConfigureAwait(false);
        return TaskQueries.DecodeRequest(row.Request);
    }

    [KojiMethod("getTaskResult", ReadOnly = true, Doc = "Return the result of a finished task; a failed task's fault is raised")]
    public static async Task<object?> GetTaskResult(CallContext ctx, object? taskId, bool raise_fault = true)
    {
        var id = TaskQueries.TaskId(taskId);
        return await ResultAsync(ctx, id, raise_fault).ConfigureAwait(false);
    }

    private sealed class ResultRow
    {
        public int State { get; init; }

        public string? Result { get; init; }
    }

    /// <summary>
    /// Upstream's <c>Task.getResult</c>: the value a CLOSED task returned; a FAILED task's fault
    /// raised (or returned as a struct without <paramref name="raiseFault"/>); GenericError for
    /// a CANCELED or unfinished task.
    /// </summary>
    public static async Task<object?> ResultAsync(CallContext ctx, int taskId, bool raiseFault)
    {
        var row = await ctx.QuerySingleOrDefaultAsync<ResultRow>("SELECT state, result FROM task WHERE id = @taskId", new { taskId }).ConfigureAwait(false)
            ?? throw KojiErrors.Generic("No such task");
        if (row.State == TaskStates.Canceled)
        {
            throw KojiErrors.Generic($"Task {taskId} is canceled");
        }
        if (row.State is not (TaskStates.Closed or TaskStates.Failed))
        {
            throw KojiErrors.Generic($"Task {taskId} is not finished");
        }
        if (row.Result is null)
        {
            return null;
        }
        var response = TaskQueries.DecodeResult(row.Result);
        if (response.Fault is { } fault)
        {
            return raiseFault ? throw new XmlRpcFaultException(fault.FaultCode, fault.FaultString) : TaskQueries.FaultStruct(fault);
        }
        return response.Value;
    }

    [KojiMethod("getTaskChildren", ReadOnly = true, Doc = "Return a list of the children of the task")]
    public static async Task<List<Dictionary<string, object?>>> GetTaskChildren(CallContext ctx, object? task_id, bool request = false, bool strict = false)
    {
        var id = TaskQueries.TaskId(task_id);
        if (strict)
        {
            await TaskQueries.GetAsync(ctx, id).ConfigureAwait(false);
        }
        return (await TaskQueries.ChildrenAsync(ctx, id, request).ConfigureAwait(false)).Select(r => TaskQueries.ToStruct(r, request)).ToList();
    }

    [KojiMethod("getTaskDescendents", ReadOnly = true, Doc = "Map of task id (as a string) to its children, for the task and all its descendants")]
    public static async Task<Dictionary<string, object?>> GetTaskDescendents(CallContext ctx, object? task_id, bool request = false)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        var pending = new Stack<int>([TaskQueries.TaskId(task_id)]);
        while (pending.Count > 0)
        {
            var id = pending.Pop();
            var key = id.ToString(CultureInfo.InvariantCulture);
            if (result.ContainsKey(key))
            {
                throw KojiErrors.Generic($"Task LOOP at task {id}");
            }
            var children = await TaskQueries.ChildrenAsync(ctx, id, request).ConfigureAwait(false);
            result[key] = children.Select(r => TaskQueries.ToStruct(r, request)).ToList();
            for (var i = children.Count - 1; i >= 0; i--)
            {
                pending.Push(children[i].Id);
            }
        }
        return result;
    }

    [KojiMethod("taskFinished", ReadOnly = true, Doc = "Whether the task is CLOSED, CANCELED or FAILED")]
    public static async Task<bool> TaskFinished(CallContext ctx, object? taskId)
    {
        var row = await TaskQueries.GetAsync(ctx, TaskQueries.TaskId(taskId)).ConfigureAwait(false);
        return TaskStates.IsFinished(row.State);
    }

    private static readonly Dictionary<string, string> OrderColumns = new(StringComparer.Ordinal)
    {
        ["id"] = "task.id",
        ["state"] = "task.state",
        ["create_time"] = "task.create_time",
        ["create_ts"] = "task.create_time",
        ["start_time"] = "task.start_time",
        ["start_ts"] = "task.start_time",
        ["completion_time"] = "task.completion_time",
        ["completion_ts"] = "task.completion_time",
        ["channel_id"] = "task.channel_id",
        ["host_id"] = "task.host_id",
        ["parent"] = "task.parent",
        ["label"] = "task.label",
        ["waiting"] = "task.waiting",
        ["awaited"] = "task.awaited",
        ["owner"] = "task.owner",
        ["method"] = "task.method",
        ["arch"] = "task.arch",
        ["priority"] = "task.priority",
        ["weight"] = "task.weight",
        ["request"] = "task.request",
        ["result"] = "task.result",
        ["owner_name"] = "users.name",
        ["owner_type"] = "users.usertype",
    };

    [KojiMethod("listTasks", ReadOnly = true, Doc = "Return a list of tasks filtered by options")]
    public static async Task<object> ListTasks(CallContext ctx, IReadOnlyDictionary<string, object?>? opts = null, IReadOnlyDictionary<string, object?>? queryOpts = null)
    {
        opts ??= new Dictionary<string, object?>();
        var query = QueryOptions.Parse(queryOpts);
        var where = new List<string>();
        var p = new DynamicParameters();
        var n = 0;
        string Param(object? value)
        {
            var name = "p" + (n++).ToString(CultureInfo.InvariantCulture);
            p.Add(name, value);
            return "@" + name;
        }
        string InList(IEnumerable<object?> values) => "(" + string.Join(", ", values.Select(Param).DefaultIfEmpty("NULL")) + ")";
        foreach (var field in (string[])["arch", "state"])
        {
            if (opts.TryGetValue(field, out var include))
            {
                where.Add($"task.{field} IN {InList(Values(include, field))}");
            }
            if (opts.TryGetValue("not_" + field, out var exclude))
            {
                where.Add($"task.{field} NOT IN {InList(Values(exclude, field))}");
            }
        }
        foreach (var field in (string[])["owner", "host_id", "channel_id", "parent"])
        {
            if (opts.TryGetValue(field, out var include))
            {
                where.Add(include switch
                {
                    null => $"task.{field} IS NULL",
                    IReadOnlyList<object?> list => $"task.{field} IN {InList(list.Select(v => (object?)IntOpt(v, field)))}",
                    _ => $"task.{field} = {Param(IntOpt(include, field))}",
                });
            }
            if (opts.TryGetValue("not_" + field, out var exclude))
            {
                where.Add(exclude switch
                {
                    null => $"task.{field} IS NOT NULL",
                    IReadOnlyList<object?> list => $"task.{field} NOT IN {InList(list.Select(v => (object?)IntOpt(v, field)))}",
                    _ => $"task.{field} != {Param(IntOpt(exclude, field))}",
                });
            }
        }
        foreach (var (key, column, op) in (ReadOnlySpan<(string, string, string)>)[
            ("createdBefore", "create_time", "<"), ("createdAfter", "create_time", ">"),
            ("startedBefore", "start_time", "<"), ("startedAfter", "start_time", ">"),
            ("completeBefore", "completion_time", "<"), ("completeAfter", "completion_time", ">"),
            ("completedBefore", "completion_time", "<"), ("completedAfter", "completion_time", ">")])
        {
            if (opts.GetValueOrDefault(key) is { } value)
            {
                where.Add($"task.{column} {op} {Param(KojiTime.ParseFilter(value))}");
            }
        }
        if (opts.TryGetValue("method", out var method))
        {
            where.Add($"task.method = {Param(method as string ?? throw KojiErrors.Parameter($"Invalid method: {Users.UserQueries.Repr(method)}"))}");
        }
        var from = "FROM task LEFT JOIN users ON users.id = task.owner" + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "");
        if (query.CountOnly)
        {
            var limit = query.LimitSql(ctx.Engine);
            var sql = limit.Length == 0
                ? $"SELECT count(*) {from}"
                : $"SELECT count(*) FROM (SELECT task.id {from}{query.OrderBySql(OrderColumns)}{limit}) numrows";
            return await ctx.ScalarAsync<int>(sql, p).ConfigureAwait(false);
        }
        var rows = await ctx.QueryAsync<TaskRow>(
            $"SELECT {TaskQueries.Columns}, task.request, task.result, users.name AS owner_name, users.usertype AS owner_type {from}"
            + query.OrderBySql(OrderColumns, "task.id") + query.LimitSql(ctx.Engine), p).ConfigureAwait(false);
        var decode = !query.AsList && ArgumentBinder.Truthy(opts.GetValueOrDefault("decode"));
        var structs = new List<IReadOnlyDictionary<string, object?>>();
        foreach (var row in rows)
        {
            var s = row.ToStruct();
            s["request"] = decode && !string.IsNullOrEmpty(row.Request) ? TaskQueries.DecodeRequest(row.Request) : row.Request;
            s["result"] = decode && !string.IsNullOrEmpty(row.Result) ? DecodedResult(row.Result) : row.Result;
            s["owner_name"] = row.Owner_Name;
            s["owner_type"] = row.Owner_Type;
            structs.Add(new SortedDictionary<string, object?>(s, StringComparer.Ordinal));
        }
        return query.Shape(structs);
    }

    // A decoded result as listTasks(decode=True) gives it: the response's parameters (a one-element array), or the fault struct.
    private static object DecodedResult(string stored)
    {
        var response = TaskQueries.DecodeResult(stored);
        return response.Fault is { } fault ? TaskQueries.FaultStruct(fault) : new List<object?> { response.Value };
    }

    private static IEnumerable<object?> Values(object? value, string field) => value switch
    {
        IReadOnlyList<object?> list => list,
        int or long or string => [value],
        _ => throw KojiErrors.Parameter($"Invalid value for {field}: {Users.UserQueries.Repr(value)}"),
    };

    private static int IntOpt(object? value, string field) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        _ => throw KojiErrors.Parameter($"Invalid value for {field}: {Users.UserQueries.Repr(value)}"),
    };

    private static async Task AssertOwnerHostOrAdminAsync(CallContext ctx, int taskId)
    {
        if (!await TaskActions.VerifyOwnerAsync(ctx, taskId).ConfigureAwait(false)
            && !await TaskActions.VerifyHostAsync(ctx, taskId).ConfigureAwait(false))
        {
            await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        }
    }

    [KojiMethod("cancelTask", Doc = "Cancel a task (the owner, the host running it or an admin)")]
    public static async Task<object?> CancelTask(CallContext ctx, object? task_id, bool recurse = true)
    {
        var id = TaskQueries.TaskId(task_id);
        await AssertOwnerHostOrAdminAsync(ctx, id).ConfigureAwait(false);
        await TaskActions.CancelAsync(ctx, id, recurse).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("cancelTaskChildren", Doc = "Cancel the child tasks of a task (the owner, the host running it or an admin)")]
    public static async Task<object?> CancelTaskChildren(CallContext ctx, object? task_id)
    {
        var id = TaskQueries.TaskId(task_id);
        await AssertOwnerHostOrAdminAsync(ctx, id).ConfigureAwait(false);
        await TaskActions.CancelChildrenAsync(ctx, id).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("cancelTaskFull", Doc = "Cancel a task and every task of its tree (admin)")]
    public static async Task<object?> CancelTaskFull(CallContext ctx, object? task_id, bool strict = true)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        await TaskActions.CancelFullAsync(ctx, TaskQueries.TaskId(task_id), strict).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("resubmitTask", Doc = "Retry a canceled or failed top-level task with the same parameters")]
    public static async Task<int> ResubmitTask(CallContext ctx, object? taskID)
    {
        ctx.AssertLogin();
        var row = await TaskQueries.GetAsync(ctx, TaskQueries.TaskId(taskID), withRequest: true).ConfigureAwait(false);
        if (row.State is not (TaskStates.Canceled or TaskStates.Failed))
        {
            throw KojiErrors.Generic("only canceled or failed tasks may be resubmitted");
        }
        if (row.Parent is not null)
        {
            throw KojiErrors.Generic("only top-level tasks may be resubmitted");
        }
        if (ctx.UserId != row.Owner && !await ctx.IsAdminAsync().ConfigureAwait(false))
        {
            throw KojiErrors.Generic("only the task owner or an admin may resubmit a task");
        }
        var channel = (await ChannelApi.FindAsync(ctx, row.Channel_Id, strict: true).ConfigureAwait(false))!;
        return await TaskMaker.MakeTaskAsync(ctx, row.Method, TaskQueries.DecodeRequest(row.Request), new TaskOptions
        {
            Arch = row.Arch,
            Channel = channel.Name,
            Priority = row.Priority,
        }).ConfigureAwait(false);
    }

    [KojiMethod("setTaskPriority", Doc = "Set the (absolute) priority of a task, by default also of its descendants (admin)")]
    public static async Task<object?> SetTaskPriority(CallContext ctx, object? task_id, int priority, bool recurse = true)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var id = TaskQueries.TaskId(task_id);
        await TaskQueries.GetAsync(ctx, id).ConfigureAwait(false);
        await TaskActions.SetPriorityAsync(ctx, id, priority, recurse).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("freeTask", Doc = "Free a task (admin)")]
    public static async Task<object?> FreeTask(CallContext ctx, object? task_id)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        await TaskActions.FreeAsync(ctx, TaskQueries.TaskId(task_id)).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("assignTask", Doc = "Assign a task to a host (admin); force takes a non-free task, override keeps the scheduler from reassigning it")]
    public static async Task<bool> AssignTask(CallContext ctx, object? task_id, object? host, bool force = false, bool @override = false)
    {
        var id = TaskQueries.TaskId(task_id);
        if (host is not (int or long or string))
        {
            throw KojiErrors.Parameter($"Invalid type for value '{Users.UserApi.Plain(host)}': {Users.UserApi.PythonClass(host)}");
        }
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var h = (await HostApi.FindAsync(ctx, host, strict: true, atEvent: null).ConfigureAwait(false))!;
        return await SchedulerPass.AssignAsync(ctx, id, h.Id, force, @override).ConfigureAwait(false);
    }
}
