using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Data;
using KojiNet.Hub.Scheduling;

namespace KojiNet.Hub.Api.Tasks;

/// <summary>
/// State changes of one task (spec/api-host.md §4.1), shared by the client API, the host API and
/// the scheduler. Callers check permissions; these check the state machine. On PostgreSQL the
/// task row is locked (<c>FOR UPDATE</c>) while it is checked and changed; on SQLite every
/// writing call already runs alone.
/// </summary>
internal static class TaskActions
{
    private sealed class StateRow
    {
        public int State { get; init; }

        public int? Host_Id { get; init; }

        public int? Parent { get; init; }

        public int Owner { get; init; }
    }

    private static string RowLock(CallContext ctx) => ctx.Engine == DatabaseEngine.PostgreSql ? " FOR UPDATE" : "";

    private static Task<StateRow?> LockRowAsync(CallContext ctx, int taskId) =>
        ctx.QuerySingleOrDefaultAsync<StateRow>($"SELECT state, host_id, parent, owner FROM task WHERE id = @taskId{RowLock(ctx)}", new { taskId });

    /// <summary>The session's host id (the caller is a host user), or null.</summary>
    public static Task<int?> SessionHostIdAsync(CallContext ctx) => ctx.UserId is { } uid
        ? ctx.ScalarAsync<int?>("SELECT id FROM host WHERE user_id = @uid", new { uid })
        : Task.FromResult<int?>(null);

    /// <summary>Upstream's <c>Task.verifyOwner</c>: whether the caller owns the task (GenericError when it does not exist).</summary>
    public static async Task<bool> VerifyOwnerAsync(CallContext ctx, int taskId)
    {
        if (ctx.UserId is not { } uid)
        {
            return false;
        }
        var row = await LockRowAsync(ctx, taskId).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such task: {taskId}");
        return row.Owner == uid;
    }

    /// <summary>Upstream's <c>Task.verifyHost</c>: whether the task is OPEN and held by <paramref name="hostId"/> (the caller's host when null).</summary>
    public static async Task<bool> VerifyHostAsync(CallContext ctx, int taskId, int? hostId = null)
    {
        hostId ??= await SessionHostIdAsync(ctx).ConfigureAwait(false);
        if (hostId is null)
        {
            return false;
        }
        var row = await LockRowAsync(ctx, taskId).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such task: {taskId}");
        return row.State == TaskStates.Open && row.Host_Id == hostId;
    }

    /// <summary>
    /// Takes the task for <paramref name="hostId"/>: FREE (unheld), or ASSIGNED to that host, may
    /// become <paramref name="newState"/> (OPEN or ASSIGNED). With <paramref name="force"/> an
    /// unfinished task is taken from whoever holds it. Returns whether it was taken.
    /// </summary>
    public static async Task<bool> LockAsync(CallContext ctx, int taskId, int hostId, int newState, bool force = false)
    {
        var row = await LockRowAsync(ctx, taskId).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such task: {taskId}");
        var state = row.State;
        if (force && !TaskStates.IsFinished(state))
        {
            // an override: whatever the task was doing, it is now this host's
        }
        else if (state == TaskStates.Free)
        {
            if (row.Host_Id is not null)
            {
                return false;
            }
        }
        else if (state == TaskStates.Assigned)
        {
            if (row.Host_Id != hostId)
            {
                return false;
            }
            if (newState == TaskStates.Assigned)
            {
                return true;
            }
        }
        else
        {
            return false;
        }
        var now = ctx.Hub.Now();
        if (newState == TaskStates.Open)
        {
            await ctx.ExecuteAsync("UPDATE task SET state = @newState, host_id = @hostId, start_time = @now WHERE id = @taskId",
                new { newState, hostId, now, taskId }).ConfigureAwait(false);
        }
        else
        {
            await ctx.ExecuteAsync("UPDATE task SET state = @newState, host_id = @hostId WHERE id = @taskId",
                new { newState, hostId, taskId }).ConfigureAwait(false);
        }
        if (row.Host_Id is { } previous && previous != hostId)
        {
            // The host that held it sees it gone.
            await TaskEvents.WakeAsync(ctx).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Frees an unfinished task: FREE, no host, its scheduler run ended.</summary>
    public static async Task FreeAsync(CallContext ctx, int taskId)
    {
        var row = await LockRowAsync(ctx, taskId).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such task: {taskId}");
        if (TaskStates.IsFinished(row.State))
        {
            throw KojiErrors.Generic($"Cannot free task {taskId}, state is {TaskStates.Name(row.State)}");
        }
        await ctx.ExecuteAsync("UPDATE task SET state = @free, host_id = NULL WHERE id = @taskId", new { free = TaskStates.Free, taskId }).ConfigureAwait(false);
        await EndRunsAsync(ctx, taskId).ConfigureAwait(false);
        await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
        if (row.Host_Id is not null)
        {
            await TaskEvents.WakeAsync(ctx).ConfigureAwait(false); // its host sees it gone
        }
    }

    /// <summary>Marks the task's scheduler runs inactive.</summary>
    public static Task EndRunsAsync(CallContext ctx, int taskId) =>
        ctx.ExecuteAsync("UPDATE scheduler_task_runs SET active = FALSE WHERE task_id = @taskId AND active = TRUE", new { taskId });

    /// <summary>Sets the weight of a task.</summary>
    public static async Task SetWeightAsync(CallContext ctx, int taskId, double weight)
    {
        if (weight < 0 || double.IsNaN(weight) || double.IsInfinity(weight))
        {
            throw KojiErrors.Parameter($"Invalid task weight: {weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
        await ctx.ExecuteAsync("UPDATE task SET weight = @weight WHERE id = @taskId", new { weight, taskId }).ConfigureAwait(false);
        await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
    }

    /// <summary>Sets the (absolute) priority of a task and, with <paramref name="recurse"/>, of all its descendants.</summary>
    public static async Task SetPriorityAsync(CallContext ctx, int taskId, int priority, bool recurse)
    {
        var ids = new List<int> { taskId };
        if (recurse)
        {
            ids.AddRange(await DescendantsAsync(ctx, taskId).ConfigureAwait(false));
        }
        foreach (var id in ids)
        {
            await ctx.ExecuteAsync("UPDATE task SET priority = @priority WHERE id = @id", new { priority, id }).ConfigureAwait(false);
        }
        await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
    }

    /// <summary>Every descendant of a task, parents before their children.</summary>
    public static async Task<List<int>> DescendantsAsync(CallContext ctx, int taskId)
    {
        var result = new List<int>();
        var seen = new HashSet<int> { taskId };
        var queue = new Queue<int>([taskId]);
        while (queue.Count > 0)
        {
            var parent = queue.Dequeue();
            foreach (var child in await ctx.QueryAsync<int>("SELECT id FROM task WHERE parent = @parent ORDER BY id", new { parent }).ConfigureAwait(false))
            {
                if (!seen.Add(child))
                {
                    throw KojiErrors.Generic($"Task LOOP at task {child}");
                }
                result.Add(child);
                queue.Enqueue(child);
            }
        }
        return result;
    }

    /// <summary>Closes (CLOSED) or fails (FAILED) a task with its result document.</summary>
    public static async Task FinishAsync(CallContext ctx, int taskId, string result, int state)
    {
        _ = await LockRowAsync(ctx, taskId).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such task: {taskId}");
        await ctx.ExecuteAsync("UPDATE task SET state = @state, result = @result, completion_time = @now WHERE id = @taskId",
            new { state, result, now = ctx.Hub.Now(), taskId }).ConfigureAwait(false);
        await EndRunsAsync(ctx, taskId).ConfigureAwait(false);
        await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
        await TaskEvents.WakeAsync(ctx).ConfigureAwait(false); // a waiting parent may be alerted
    }

    /// <summary>
    /// Cancels a task that has not finished (CLOSED and FAILED tasks stay as they are: false),
    /// cancels the BUILDING builds it owns, and with <paramref name="recurse"/> its children.
    /// </summary>
    public static async Task<bool> CancelAsync(CallContext ctx, int taskId, bool recurse)
    {
        var row = await LockRowAsync(ctx, taskId).ConfigureAwait(false) ?? throw KojiErrors.Generic("query returned no rows");
        if (row.State == TaskStates.Canceled)
        {
            return true;
        }
        if (row.State is TaskStates.Closed or TaskStates.Failed)
        {
            return false;
        }
        var now = ctx.Hub.Now();
        await ctx.ExecuteAsync("UPDATE task SET state = @canceled, completion_time = @now WHERE id = @taskId",
            new { canceled = TaskStates.Canceled, now, taskId }).ConfigureAwait(false);
        await EndRunsAsync(ctx, taskId).ConfigureAwait(false);
        await ctx.ExecuteAsync("UPDATE build SET state = @canceled, completion_time = @now WHERE task_id = @taskId AND state = @building",
            new { canceled = BuildStates.Canceled, now, taskId, building = BuildStates.Building }).ConfigureAwait(false);
        await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
        // Its host (and a waiting parent) hear of it.
        await TaskEvents.WakeAsync(ctx).ConfigureAwait(false);
        if (recurse)
        {
            await CancelChildrenAsync(ctx, taskId).ConfigureAwait(false);
        }
        return true;
    }

    /// <summary>Cancels every child of a task, recursively.</summary>
    public static async Task CancelChildrenAsync(CallContext ctx, int taskId)
    {
        foreach (var child in await ctx.QueryAsync<int>("SELECT id FROM task WHERE parent = @taskId ORDER BY id", new { taskId }).ConfigureAwait(false))
        {
            await CancelAsync(ctx, child, recurse: true).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Cancels a whole task tree. With <paramref name="strict"/> the task must be top-level;
    /// otherwise the tree of its top-level ancestor is canceled.
    /// </summary>
    public static async Task CancelFullAsync(CallContext ctx, int taskId, bool strict)
    {
        var row = await LockRowAsync(ctx, taskId).ConfigureAwait(false) ?? throw KojiErrors.Generic("query returned no rows");
        var top = taskId;
        if (row.Parent is { } parent)
        {
            if (strict)
            {
                throw KojiErrors.Generic($"Task {taskId} is not top-level (parent={parent})");
            }
            var seen = new HashSet<int> { taskId };
            int? next = parent;
            while (next is { } p)
            {
                if (!seen.Add(p))
                {
                    throw KojiErrors.Generic($"Task LOOP at task {taskId}");
                }
                top = p;
                next = (await LockRowAsync(ctx, p).ConfigureAwait(false))?.Parent;
            }
        }
        // Every task of the tree, also below tasks that were already finished.
        await CancelAsync(ctx, top, recurse: false).ConfigureAwait(false);
        foreach (var id in await DescendantsAsync(ctx, top).ConfigureAwait(false))
        {
            await CancelAsync(ctx, id, recurse: false).ConfigureAwait(false);
        }
    }
}
