using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using KojiNet.Hub.Api.Hosts;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Tasks;
using KojiNet.Hub.Api.Users;
using KojiNet.Hub.Scheduling;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api.HostCalls;

/// <summary>
/// The task side of the builder API (spec/api-host.md §2.1, §2.2): identity and check-in,
/// getting, opening, refusing, closing and failing tasks, subtasks and waiting on them. Every
/// call requires a host user on an exclusive session (<see cref="HostCallerChecks"/>), and the
/// task-scoped ones that the task is OPEN and held by the caller. Also our extension
/// <c>host.waitTasks</c>, the long-poll that lets a builder hear of work at once.
/// </summary>
internal static class HostTaskApi
{
    /// <summary>The longest <c>host.waitTasks</c> wait, in seconds.</summary>
    public const double MaxWaitSeconds = 60;

    // Even without a signal a waiting long-poll looks again this often (a lost notification costs at most this).
    private static readonly TimeSpan Recheck = TimeSpan.FromSeconds(5);

    [KojiMethod("host.getID", ReadOnly = true, Doc = "The id of the calling host")]
    public static async Task<int> GetID(CallContext ctx) => (await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false)).HostId;

    [KojiMethod("host.getHost", ReadOnly = true, Doc = "Information about the calling host")]
    public static async Task<Dictionary<string, object?>> GetHost(CallContext ctx)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        return (await HostApi.FindAsync(ctx, host.HostId, strict: true, atEvent: null).ConfigureAwait(false))!.ToStruct();
    }

    [KojiMethod("host.isEnabled", ReadOnly = true, Doc = "Whether the calling host is enabled")]
    public static async Task<bool> IsEnabled(CallContext ctx)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        return (await HostApi.FindAsync(ctx, host.HostId, strict: true, atEvent: null).ConfigureAwait(false))!.Enabled;
    }

    [KojiMethod("host.updateHost", Doc = "Check in: the host's load, readiness and (1.35) its data")]
    public static async Task<object?> UpdateHost(CallContext ctx, object? task_load, object? ready, object? data = null)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var load = ToFloat(task_load);
        if (load < 0)
        {
            throw KojiErrors.Parameter($"Invalid task load: {load.ToString(CultureInfo.InvariantCulture)}");
        }
        var isReady = ArgumentBinder.Truthy(ready);
        var wasReady = await ctx.ScalarAsync<bool>("SELECT ready FROM host WHERE id = @id", new { id = host.HostId }).ConfigureAwait(false);
        await ctx.ExecuteAsync("UPDATE host SET task_load = @load, ready = @isReady, update_time = @now WHERE id = @id",
            new { load, isReady, now = ctx.Hub.Now(), id = host.HostId }).ConfigureAwait(false);
        var dataChanged = data is not null && await SetDataAsync(ctx, host.HostId, data).ConfigureAwait(false);
        if (isReady && (!wasReady || dataChanged))
        {
            await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
        }
        return null;
    }

    [KojiMethod("host.setHostData", Doc = "Store the host's data (methods it runs, maxjobs...)")]
    public static async Task<object?> SetHostData(CallContext ctx, object? hostdata)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        if (hostdata is string json)
        {
            try
            {
                hostdata = PyJson.Decode(json);
            }
            catch (JsonException)
            {
                throw KojiErrors.Parameter("Host data should be a dictionary");
            }
        }
        if (await SetDataAsync(ctx, host.HostId, hostdata).ConfigureAwait(false))
        {
            await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>Replaces <c>scheduler_host_data</c> of a host; returns whether it changed.</summary>
    private static async Task<bool> SetDataAsync(CallContext ctx, int hostId, object? data)
    {
        if (data is not IReadOnlyDictionary<string, object?>)
        {
            throw KojiErrors.Parameter("Host data should be a dictionary");
        }
        var json = PyJson.Encode(data);
        var old = await ctx.ScalarAsync<string?>("SELECT data FROM scheduler_host_data WHERE host_id = @hostId", new { hostId }).ConfigureAwait(false);
        if (string.Equals(old, json, StringComparison.Ordinal))
        {
            return false;
        }
        await ctx.ExecuteAsync("""
            INSERT INTO scheduler_host_data (host_id, data) VALUES (@hostId, @json)
            ON CONFLICT (host_id) DO UPDATE SET data = excluded.data
            """, new { hostId, json }).ConfigureAwait(false);
        return true;
    }

    private sealed class AssignedRow
    {
        public int Id { get; init; }

        public int State { get; init; }

        public int Channel_Id { get; init; }

        public int? Host_Id { get; init; }

        public string Arch { get; init; } = "";

        public string Method { get; init; } = "";

        public int Priority { get; init; }

        public double Create_Time { get; init; }

        public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
        {
            ["arch"] = Arch,
            ["channel_id"] = Channel_Id,
            ["create_ts"] = Create_Time,
            ["host_id"] = Host_Id,
            ["id"] = Id,
            ["method"] = Method,
            ["priority"] = Priority,
            ["state"] = State,
        };
    }

    private static async Task<List<Dictionary<string, object?>>> AssignedAsync(CallContext ctx, int hostId) =>
        (await ctx.QueryAsync<AssignedRow>($"""
            SELECT id, state, channel_id, host_id, arch, method, priority, create_time FROM task
            WHERE host_id = @hostId AND state = {TaskStates.Assigned} ORDER BY priority, create_time, id
            """, new { hostId }).ConfigureAwait(false)).Select(r => r.ToStruct()).ToList();

    /// <summary>The host's ASSIGNED tasks; when there are none a (RunInterval-limited) scheduler pass runs first.</summary>
    private static async Task<List<Dictionary<string, object?>>> TasksForAsync(CallContext ctx, int hostId)
    {
        var tasks = await AssignedAsync(ctx, hostId).ConfigureAwait(false);
        if (tasks.Count == 0 && (await SchedulerPass.RunAsync(ctx, waitForLock: false, ignoreInterval: false).ConfigureAwait(false)).Assigned > 0)
        {
            tasks = await AssignedAsync(ctx, hostId).ConfigureAwait(false);
        }
        return tasks;
    }

    [KojiMethod("host.getTasks", Doc = "The tasks assigned to the calling host, by priority")]
    public static async Task<List<Dictionary<string, object?>>> GetTasks(CallContext ctx)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        return await TasksForAsync(ctx, host.HostId).ConfigureAwait(false);
    }

    [KojiMethod("host.getLoadData", Doc = "Legacy: [[this host with its channels], its assigned tasks]")]
    public static async Task<List<object?>> GetLoadData(CallContext ctx)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var info = (await HostApi.FindAsync(ctx, host.HostId, strict: true, atEvent: null).ConfigureAwait(false))!.ToStruct();
        info["channels"] = (await ctx.QueryAsync<int>(
            "SELECT channel_id FROM host_channels WHERE host_id = @id AND revoke_event IS NULL ORDER BY channel_id", new { id = host.HostId })
            .ConfigureAwait(false)).Select(c => (object?)c).ToList();
        var tasks = await TasksForAsync(ctx, host.HostId).ConfigureAwait(false);
        return [new List<object?> { info }, tasks];
    }

    [KojiMethod("host.openTask", Doc = "Open a task assigned to (or free for) the calling host; nil if it cannot be taken")]
    public static async Task<SortedDictionary<string, object?>?> OpenTask(CallContext ctx, object? task_id)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var id = TaskQueries.TaskId(task_id);
        var before = await TaskQueries.GetAsync(ctx, id).ConfigureAwait(false);
        if (!await TaskActions.LockAsync(ctx, id, host.HostId, TaskStates.Open).ConfigureAwait(false))
        {
            await SchedulerRecords.LogAsync(ctx, "Host failed to open task", id, host.HostId).ConfigureAwait(false);
            return null;
        }
        if (before.State == TaskStates.Free)
        {
            // Taken without an assignment: a run makes the host timeout apply to it too.
            await SchedulerRecords.StartRunAsync(ctx, id, host.HostId).ConfigureAwait(false);
        }
        var row = await TaskQueries.GetAsync(ctx, id, withRequest: true).ConfigureAwait(false);
        var s = row.ToStruct();
        s["request"] = row.Request;
        return new SortedDictionary<string, object?>(s, StringComparer.Ordinal);
    }

    [KojiMethod("host.refuseTask", Doc = "Refuse a task assigned to or held by the calling host; it is freed")]
    public static async Task<object?> RefuseTask(CallContext ctx, object? task_id, bool soft = true, string msg = "")
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var task = await TaskQueries.GetAsync(ctx, TaskQueries.TaskId(task_id)).ConfigureAwait(false);
        if (task.Host_Id != host.HostId)
        {
            return null; // not ours (any more): nothing to refuse
        }
        await SchedulerRecords.SetRefusalAsync(ctx, host.HostId, task.Id, soft, byHost: true, msg ?? "").ConfigureAwait(false);
        await TaskActions.FreeAsync(ctx, task.Id).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("host.setTaskWeight", Doc = "Set the weight of a task the calling host holds")]
    public static async Task<object?> SetTaskWeight(CallContext ctx, object? task_id, object? weight)
    {
        var id = TaskQueries.TaskId(task_id);
        await HostCallerChecks.VerifyTaskAsync(ctx, id).ConfigureAwait(false);
        await TaskActions.SetWeightAsync(ctx, id, ToFloat(weight)).ConfigureAwait(false);
        return null;
    }

    private sealed class HeldRow
    {
        public int Id { get; init; }

        public bool? Waiting { get; init; }

        public double Weight { get; init; }
    }

    [KojiMethod("host.getHostTasks", ReadOnly = true, Doc = "The calling host's OPEN tasks; alert marks waiting ones with a finished awaited subtask")]
    public static async Task<List<Dictionary<string, object?>>> GetHostTasks(CallContext ctx)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var rows = await ctx.QueryAsync<HeldRow>($"SELECT id, waiting, weight FROM task WHERE host_id = @h AND state = {TaskStates.Open} ORDER BY id",
            new { h = host.HostId }).ConfigureAwait(false);
        var alerted = (await ctx.QueryAsync<int>($"""
            SELECT DISTINCT c.parent FROM task c JOIN task p ON p.id = c.parent
            WHERE p.host_id = @h AND p.state = {TaskStates.Open} AND p.waiting = TRUE AND c.awaited = TRUE
              AND c.state IN ({TaskStates.Closed}, {TaskStates.Canceled}, {TaskStates.Failed})
            """, new { h = host.HostId }).ConfigureAwait(false)).ToHashSet();
        return rows.Select(r =>
        {
            var s = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = r.Id, ["waiting"] = r.Waiting, ["weight"] = r.Weight };
            if (r.Waiting == true && alerted.Contains(r.Id))
            {
                s["alert"] = true;
            }
            return s;
        }).ToList();
    }

    [KojiMethod("host.freeTasks", Doc = "Free the listed tasks the calling host holds (others are skipped)")]
    public static async Task<object?> FreeTasks(CallContext ctx, IReadOnlyList<object?>? tasks)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        foreach (var t in tasks ?? [])
        {
            var id = TaskQueries.TaskId(t);
            if (await TaskActions.VerifyHostAsync(ctx, id, host.HostId).ConfigureAwait(false))
            {
                await TaskActions.FreeAsync(ctx, id).ConfigureAwait(false);
            }
        }
        return null;
    }

    [KojiMethod("host.closeTask", Doc = "Close a task with its result (an XML-RPC methodResponse document)")]
    public static async Task<object?> CloseTask(CallContext ctx, object? task_id, string response)
    {
        var id = TaskQueries.TaskId(task_id);
        await HostCallerChecks.VerifyTaskAsync(ctx, id).ConfigureAwait(false);
        TaskQueries.ValidateResponse(response);
        await TaskActions.FinishAsync(ctx, id, response, TaskStates.Closed).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("host.failTask", Doc = "Fail a task with its fault (an XML-RPC fault methodResponse document)")]
    public static async Task<object?> FailTask(CallContext ctx, object? task_id, string response)
    {
        var id = TaskQueries.TaskId(task_id);
        await HostCallerChecks.VerifyTaskAsync(ctx, id).ConfigureAwait(false);
        TaskQueries.ValidateResponse(response);
        await TaskActions.FinishAsync(ctx, id, response, TaskStates.Failed).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("host.subtask", Doc = "Create a subtask of a task the calling host holds; a repeated label returns the existing subtask")]
    public static async Task<int> Subtask(CallContext ctx, string method, IReadOnlyList<object?> arglist, object? parent, KwArgs opts)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var parentId = TaskQueries.TaskId(parent);
        await HostCallerChecks.AssertHoldsAsync(ctx, host, parentId).ConfigureAwait(false);
        return await SubtaskAsync(ctx, method, arglist, parentId, opts.Values).ConfigureAwait(false);
    }

    [KojiMethod("host.subtask2", Doc = "host.subtask with the subtask's own arguments as *args/**kwargs")]
    public static async Task<int> Subtask2(CallContext ctx, object? _HostExports__parent, IReadOnlyDictionary<string, object?> _HostExports__taskopts,
        string _HostExports__method, VarArgs args, KwArgs opts)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var parentId = TaskQueries.TaskId(_HostExports__parent);
        await HostCallerChecks.AssertHoldsAsync(ctx, host, parentId).ConfigureAwait(false);
        var arglist = TaskMaker.EncodeArgs(args.Values, opts.Values);
        return await SubtaskAsync(ctx, _HostExports__method, arglist, parentId, _HostExports__taskopts).ConfigureAwait(false);
    }

    private static async Task<int> SubtaskAsync(CallContext ctx, string method, IReadOnlyList<object?> arglist, int parentId, IReadOnlyDictionary<string, object?> opts)
    {
        if (opts.ContainsKey("owner"))
        {
            throw KojiErrors.NotAllowed("The owner option is not allowed here");
        }
        var label = opts.GetValueOrDefault("label") switch
        {
            null => null,
            string s => s,
            var other => throw KojiErrors.Parameter($"Invalid type for value '{UserApi.Plain(other)}': {UserApi.PythonClass(other)}"),
        };
        if (opts.GetValueOrDefault("kwargs") is { } kwargs)
        {
            arglist = TaskMaker.EncodeArgs(arglist, kwargs as IReadOnlyDictionary<string, object?>
                ?? throw KojiErrors.Parameter("kwargs must be a struct"));
        }
        return await TaskMaker.MakeTaskAsync(ctx, method, arglist, new TaskOptions
        {
            Parent = parentId,
            Label = label,
            Arch = StringOpt(opts, "arch"),
            Channel = StringOpt(opts, "channel"),
            Priority = opts.GetValueOrDefault("priority") is { } p ? TaskQueries.TaskId(p) : null,
            Assign = opts.GetValueOrDefault("assign") is { } a ? TaskQueries.TaskId(a) : null,
        }).ConfigureAwait(false);
    }

    private static string? StringOpt(IReadOnlyDictionary<string, object?> opts, string key) => opts.GetValueOrDefault(key) switch
    {
        null => null,
        string s => s,
        var other => throw KojiErrors.Parameter($"Invalid type for value '{UserApi.Plain(other)}': {UserApi.PythonClass(other)}"),
    };

    [KojiMethod("host.taskSetWait", Doc = "Mark a held task waiting, and the subtasks it waits for (nil: all of them)")]
    public static async Task<object?> TaskSetWait(CallContext ctx, object? parent, IReadOnlyList<object?>? tasks)
    {
        var parentId = TaskQueries.TaskId(parent);
        await HostCallerChecks.VerifyTaskAsync(ctx, parentId).ConfigureAwait(false);
        await ctx.ExecuteAsync("UPDATE task SET waiting = TRUE WHERE id = @parentId", new { parentId }).ConfigureAwait(false);
        if (tasks is null)
        {
            await ctx.ExecuteAsync("UPDATE task SET awaited = TRUE WHERE parent = @parentId", new { parentId }).ConfigureAwait(false);
        }
        else if (tasks.Count > 0)
        {
            var ids = tasks.Select(TaskQueries.TaskId).ToHashSet();
            foreach (var child in await ctx.QueryAsync<int>("SELECT id FROM task WHERE parent = @parentId", new { parentId }).ConfigureAwait(false))
            {
                await ctx.ExecuteAsync("UPDATE task SET awaited = @awaited WHERE id = @child",
                    new { awaited = ids.Contains(child), child }).ConfigureAwait(false);
            }
        }
        // A waiting task's weight no longer counts as load.
        await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("host.taskWait", Doc = "[finished, unfinished] awaited subtasks of a held task; the finished ones stop being awaited")]
    public static async Task<List<object?>> TaskWait(CallContext ctx, object? parent)
    {
        var parentId = TaskQueries.TaskId(parent);
        await HostCallerChecks.VerifyTaskAsync(ctx, parentId).ConfigureAwait(false);
        var finished = new List<object?>();
        var unfinished = new List<object?>();
        foreach (var (id, state) in await ctx.QueryAsync<(int Id, int State)>(
            "SELECT id, state FROM task WHERE parent = @parentId AND awaited = TRUE ORDER BY id", new { parentId }).ConfigureAwait(false))
        {
            (TaskStates.IsFinished(state) ? finished : unfinished).Add(id);
        }
        foreach (var id in finished.Cast<int>())
        {
            await ctx.ExecuteAsync("UPDATE task SET awaited = FALSE WHERE id = @id", new { id }).ConfigureAwait(false);
        }
        return [finished, unfinished];
    }

    [KojiMethod("host.taskWaitResults", Doc = "End the wait of a held task and return [task_id, result] of the given (nil: all finished) subtasks")]
    public static async Task<List<object?>> TaskWaitResults(CallContext ctx, object? parent, IReadOnlyList<object?>? tasks, IReadOnlyList<object?>? canfail = null)
    {
        var parentId = TaskQueries.TaskId(parent);
        await HostCallerChecks.VerifyTaskAsync(ctx, parentId).ConfigureAwait(false);
        await ctx.ExecuteAsync("UPDATE task SET waiting = FALSE WHERE id = @parentId", new { parentId }).ConfigureAwait(false);
        await ctx.ExecuteAsync("UPDATE task SET awaited = FALSE WHERE parent = @parentId", new { parentId }).ConfigureAwait(false);
        var canFail = (canfail ?? []).Select(TaskQueries.TaskId).ToHashSet();
        List<int> ids;
        if (tasks is null)
        {
            ids = (await ctx.QueryAsync<int>(
                $"SELECT id FROM task WHERE parent = @parentId AND state IN ({TaskStates.Closed}, {TaskStates.Canceled}, {TaskStates.Failed}) ORDER BY id",
                new { parentId }).ConfigureAwait(false)).ToList();
        }
        else
        {
            ids = tasks.Select(TaskQueries.TaskId).ToList();
        }
        var results = new List<object?>(ids.Count);
        foreach (var id in ids)
        {
            object? result;
            try
            {
                result = await TaskApi.ResultAsync(ctx, id, raiseFault: !canFail.Contains(id)).ConfigureAwait(false);
            }
            catch (XmlRpcFaultException e) when (canFail.Contains(id) && e.FaultCode == KojiFaultCode.GenericError)
            {
                // A canceled (or unfinished) subtask that may fail gives its error as the result.
                result = TaskQueries.FaultStruct(e);
            }
            results.Add(new List<object?> { id, result });
        }
        return results;
    }

    private sealed record Snapshot(int Assigned, HashSet<int> Open, HashSet<int> Finished);

    // This host's ASSIGNED and OPEN tasks, and the finished awaited subtasks of its waiting tasks.
    private static async Task<Snapshot> LookAsync(CallContext ctx, int hostId)
    {
        var rows = await ctx.QueryAsync<(int Id, int State, int Kind)>($"""
            SELECT id, state, 0 AS kind FROM task WHERE host_id = @hostId AND state IN ({TaskStates.Open}, {TaskStates.Assigned})
            UNION ALL
            SELECT c.id, c.state, 1 AS kind FROM task c JOIN task p ON p.id = c.parent
            WHERE p.host_id = @hostId AND p.state = {TaskStates.Open} AND p.waiting = TRUE AND c.awaited = TRUE
              AND c.state IN ({TaskStates.Closed}, {TaskStates.Canceled}, {TaskStates.Failed})
            """, new { hostId }).ConfigureAwait(false);
        var snapshot = new Snapshot(0, [], []);
        var assigned = 0;
        foreach (var (id, state, kind) in rows)
        {
            if (kind == 1)
            {
                snapshot.Finished.Add(id);
            }
            else if (state == TaskStates.Assigned)
            {
                assigned++;
            }
            else
            {
                snapshot.Open.Add(id);
            }
        }
        // Between looks the call holds no transaction (and so no snapshot of the database).
        await ctx.EndTransactionAsync().ConfigureAwait(false);
        return snapshot with { Assigned = assigned };
    }

    /// <summary>
    /// Koji.NET's long-poll for builders (not in upstream Koji). Returns true as soon as there is
    /// something for this host to look at: a task ASSIGNED to it (at once if there already is one),
    /// a task it holds that is no longer OPEN on it (canceled, freed, reassigned — the ones in
    /// <paramref name="tasks"/> if given, else those it held when the call began), or a newly
    /// finished awaited subtask of one of its waiting tasks (the <c>alert</c> of
    /// <c>host.getHostTasks</c>). Returns false after <paramref name="timeout"/> seconds (at most
    /// 60) or when the hub shuts down. A builder loops: updateHost → getTasks → open → waitTasks.
    /// </summary>
    [KojiMethod("host.waitTasks", ReadOnly = true, Doc = "Koji.NET: wait until the calling host has something to look at (assigned task, lost task, finished subtask) or timeout seconds pass")]
    public static async Task<bool> WaitTasks(CallContext ctx, double timeout = 30, IReadOnlyList<object?>? tasks = null)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var held = tasks?.Select(TaskQueries.TaskId).ToHashSet();
        var signals = ctx.Hub.TaskSignals;
        var pulse = signals.NextPulse;
        var first = await LookAsync(ctx, host.HostId).ConfigureAwait(false);
        held ??= first.Open;
        if (first.Assigned > 0 || !held.IsSubsetOf(first.Open))
        {
            return true;
        }
        var limit = double.IsNaN(timeout) ? 0 : Math.Clamp(timeout, 0, MaxWaitSeconds);
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.CancellationToken, signals.Stopping);
        while (true)
        {
            var remaining = TimeSpan.FromSeconds(limit) - clock.Elapsed;
            if (remaining <= TimeSpan.Zero || stop.IsCancellationRequested)
            {
                return false;
            }
            using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token))
            {
                var delay = Task.Delay(remaining < Recheck ? remaining : Recheck, wait.Token);
                await Task.WhenAny(pulse, delay).ConfigureAwait(false);
                await wait.CancelAsync().ConfigureAwait(false);
            }
            if (stop.IsCancellationRequested)
            {
                return false;
            }
            pulse = signals.NextPulse;
            var now = await LookAsync(ctx, host.HostId).ConfigureAwait(false);
            if (now.Assigned > 0 || !held.IsSubsetOf(now.Open) || !now.Finished.IsSubsetOf(first.Finished))
            {
                return true;
            }
        }
    }

    /// <summary>Python's <c>float(value)</c> for the numbers builders send.</summary>
    private static double ToFloat(object? value) => value switch
    {
        int i => i,
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => throw KojiErrors.Parameter($"Invalid type for value '{UserApi.Plain(value)}': {UserApi.PythonClass(value)}"),
    };
}
