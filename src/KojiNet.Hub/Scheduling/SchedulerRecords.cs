using KojiNet.Hub.Api;

namespace KojiNet.Hub.Scheduling;

/// <summary>
/// The scheduler's own rows: refusals (<c>scheduler_task_refusals</c>), the log
/// (<c>scheduler_log_messages</c>, read by <c>scheduler.getLogMessages</c>) and the assignment
/// runs (<c>scheduler_task_runs</c>).
/// </summary>
internal static class SchedulerRecords
{
    /// <summary>Writes a scheduler log message.</summary>
    public static Task LogAsync(CallContext ctx, string msg, int? taskId = null, int? hostId = null) =>
        ctx.ExecuteAsync("INSERT INTO scheduler_log_messages (task_id, host_id, msg_time, msg) VALUES (@taskId, @hostId, @now, @msg)",
            new { taskId, hostId, now = ctx.Hub.Now(), msg });

    /// <summary>Records (or replaces) the refusal of a task by a host, and logs it.</summary>
    public static async Task SetRefusalAsync(CallContext ctx, int hostId, int taskId, bool soft, bool byHost, string msg)
    {
        var now = ctx.Hub.Now();
        await ctx.ExecuteAsync("""
            INSERT INTO scheduler_task_refusals (task_id, host_id, by_host, soft, msg, time) VALUES (@taskId, @hostId, @byHost, @soft, @msg, @now)
            ON CONFLICT (task_id, host_id) DO UPDATE SET by_host = excluded.by_host, soft = excluded.soft, msg = excluded.msg, time = excluded.time
            """, new { taskId, hostId, byHost, soft, msg, now }).ConfigureAwait(false);
        await LogAsync(ctx, $"Host refused task: {msg}", taskId, hostId).ConfigureAwait(false);
    }

    /// <summary>Starts a new scheduler run of a task on a host (older runs of the task end).</summary>
    public static async Task StartRunAsync(CallContext ctx, int taskId, int hostId)
    {
        await ctx.ExecuteAsync("UPDATE scheduler_task_runs SET active = FALSE WHERE task_id = @taskId AND active = TRUE", new { taskId }).ConfigureAwait(false);
        await ctx.ExecuteAsync("INSERT INTO scheduler_task_runs (task_id, host_id, active, create_time) VALUES (@taskId, @hostId, TRUE, @now)",
            new { taskId, hostId, now = ctx.Hub.Now() }).ConfigureAwait(false);
    }
}
