using System.Globalization;
using System.Text.Json;
using KojiNet.Hub.Api;
using KojiNet.Hub.Api.Tasks;
using KojiNet.Hub.Data;

namespace KojiNet.Hub.Scheduling;

/// <summary>What one scheduler pass did.</summary>
internal sealed record SchedulerPassResult(bool Ran, int Assigned, int Freed)
{
    public static readonly SchedulerPassResult Skipped = new(false, 0, 0);
}

/// <summary>
/// One pass of the task scheduler (spec/api-host.md §3) in the caller's transaction, under the
/// <c>scheduler</c> lock: hosts that stopped checking in are marked not ready; ASSIGNED tasks
/// nobody opened and OPEN tasks of silent hosts are freed; stale refusals are dropped; then the
/// free tasks are assigned (<see cref="SchedulePlanner"/>). Unlike upstream the timeouts are
/// applied before the assignment, so a freed task finds its new host in the same pass.
/// </summary>
internal static class SchedulerPass
{
    private sealed class HostRow
    {
        public int Id { get; init; }

        public string Name { get; init; } = "";

        public double? Update_Time { get; init; }

        public double Task_Load { get; init; }

        public bool Ready { get; init; }

        public bool? Enabled { get; init; }

        public string? Arches { get; init; }

        public double? Capacity { get; init; }
    }

    private sealed class TaskRow
    {
        public int Id { get; init; }

        public int State { get; init; }

        public bool? Waiting { get; init; }

        public double Weight { get; init; }

        public int Channel_Id { get; init; }

        public int? Host_Id { get; init; }

        public string Arch { get; init; } = "";

        public string Method { get; init; } = "";

        public int Priority { get; init; }

        public double Create_Time { get; init; }

        public SchedulerTask ToTask() => new()
        {
            Id = Id,
            State = State,
            Waiting = Waiting == true,
            Weight = Weight,
            ChannelId = Channel_Id,
            HostId = Host_Id,
            Arch = Arch,
            Method = Method,
            Priority = Priority,
            CreateTs = Create_Time,
        };
    }

    private sealed class RefusalRow
    {
        public int Id { get; init; }

        public int Task_Id { get; init; }

        public int Host_Id { get; init; }

        public bool Soft { get; init; }

        public double Time { get; init; }

        public int State { get; init; }
    }

    /// <summary>
    /// Runs a pass. <paramref name="waitForLock"/>: wait for a pass running elsewhere (else
    /// skip); <paramref name="ignoreInterval"/>: run even if the last interval-limited pass was
    /// less than <c>RunInterval</c> ago (else such a pass is skipped and the time is recorded).
    /// </summary>
    public static async Task<SchedulerPassResult> RunAsync(CallContext ctx, bool waitForLock, bool ignoreInterval)
    {
        if (!await LockAsync(ctx, waitForLock).ConfigureAwait(false))
        {
            return SchedulerPassResult.Skipped;
        }
        if (!ignoreInterval && !await CheckIntervalAsync(ctx).ConfigureAwait(false))
        {
            return SchedulerPassResult.Skipped;
        }
        var options = ctx.Hub.Config.Scheduler;
        var now = ctx.Hub.Now();
        var hostRows = (await ctx.QueryAsync<HostRow>("""
            SELECT h.id, h.name, h.update_time, h.task_load, h.ready, hc.enabled, hc.arches, hc.capacity
            FROM host h LEFT JOIN host_config hc ON hc.host_id = h.id AND hc.revoke_event IS NULL
            ORDER BY h.id
            """).ConfigureAwait(false)).ToList();

        // Ready check: a host that has not checked in lately is not ready.
        foreach (var h in hostRows.Where(h => h.Ready && h.Enabled == true && (h.Update_Time is not { } ts || now - ts > options.ReadyTimeout)))
        {
            await ctx.ExecuteAsync("UPDATE host SET ready = FALSE WHERE id = @id", new { id = h.Id }).ConfigureAwait(false);
            await SchedulerRecords.LogAsync(ctx, $"Marking host not ready: {h.Name}", hostId: h.Id).ConfigureAwait(false);
        }
        var freed = await CheckActiveTasksAsync(ctx, hostRows.ToDictionary(h => h.Id), now).ConfigureAwait(false);

        var hosts = await LoadHostsAsync(ctx, hostRows, now).ConfigureAwait(false);
        var refusals = await LoadRefusalsAsync(ctx, now).ConfigureAwait(false);
        var free = (await ctx.QueryAsync<TaskRow>($"""
            SELECT id, state, waiting, weight, channel_id, host_id, arch, method, priority, create_time
            FROM task WHERE state = {TaskStates.Free} ORDER BY priority, create_time, id LIMIT 1000
            """).ConfigureAwait(false)).Select(t => t.ToTask()).ToList();
        var assigned = 0;
        if (free.Count > 0)
        {
            var active = (await ctx.QueryAsync<TaskRow>($"""
                SELECT id, state, waiting, weight, channel_id, host_id, arch, method, priority, create_time
                FROM task WHERE state IN ({TaskStates.Open}, {TaskStates.Assigned}) AND host_id IS NOT NULL
                """).ConfigureAwait(false)).Select(t => t.ToTask()).ToList();
            foreach (var (taskId, hostId) in SchedulePlanner.Plan(free, active, hosts, refusals, options.CapacityOvercommit))
            {
                if (await AssignAsync(ctx, taskId, hostId, force: false, overrideRuns: false).ConfigureAwait(false))
                {
                    assigned++;
                }
            }
        }
        if (assigned + freed > 0)
        {
            await TaskEvents.WakeAsync(ctx).ConfigureAwait(false);
        }
        return new SchedulerPassResult(true, assigned, freed);
    }

    /// <summary>
    /// Assigns a task to a host (FREE → ASSIGNED; with <paramref name="force"/> from any
    /// unfinished state) and records the run; with <paramref name="overrideRuns"/> no run is
    /// recorded, so the scheduler's timeouts leave the assignment alone.
    /// </summary>
    public static async Task<bool> AssignAsync(CallContext ctx, int taskId, int hostId, bool force, bool overrideRuns)
    {
        if (!await TaskActions.LockAsync(ctx, taskId, hostId, TaskStates.Assigned, force).ConfigureAwait(false))
        {
            await SchedulerRecords.LogAsync(ctx, "Assignment failed", taskId, hostId).ConfigureAwait(false);
            return false;
        }
        await SchedulerRecords.LogAsync(ctx, overrideRuns ? "Assigning task (override)" : "Assigning task", taskId, hostId).ConfigureAwait(false);
        await TaskActions.EndRunsAsync(ctx, taskId).ConfigureAwait(false);
        if (!overrideRuns)
        {
            await ctx.ExecuteAsync("INSERT INTO scheduler_task_runs (task_id, host_id, active, create_time) VALUES (@taskId, @hostId, TRUE, @now)",
                new { taskId, hostId, now = ctx.Hub.Now() }).ConfigureAwait(false);
        }
        await TaskEvents.WakeAsync(ctx).ConfigureAwait(false);
        return true;
    }

    private static async Task<bool> LockAsync(CallContext ctx, bool wait)
    {
        if (ctx.Engine != DatabaseEngine.PostgreSql)
        {
            return true; // SQLite: writing calls run one at a time already
        }
        var row = await ctx.ScalarAsync<string?>(
            "SELECT name FROM locks WHERE name = 'scheduler' FOR UPDATE" + (wait ? "" : " SKIP LOCKED")).ConfigureAwait(false);
        return row is not null;
    }

    private static async Task<bool> CheckIntervalAsync(CallContext ctx)
    {
        var now = ctx.Hub.Now();
        var stored = await ctx.ScalarAsync<string?>("SELECT data FROM scheduler_sys_data WHERE name = 'last_run_ts'").ConfigureAwait(false);
        var last = stored is not null && double.TryParse(stored, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0;
        var delta = now - last;
        bool run;
        if (delta < 0)
        {
            run = false; // the clock went back: record now so the next pass runs in time
        }
        else if (delta < ctx.Hub.Config.Scheduler.RunInterval)
        {
            return false;
        }
        else
        {
            run = true;
        }
        await ctx.ExecuteAsync("""
            INSERT INTO scheduler_sys_data (name, data) VALUES ('last_run_ts', @data)
            ON CONFLICT (name) DO UPDATE SET data = excluded.data
            """, new { data = now.ToString("R", CultureInfo.InvariantCulture) }).ConfigureAwait(false);
        return run;
    }

    private static async Task<List<SchedulerHost>> LoadHostsAsync(CallContext ctx, List<HostRow> rows, double now)
    {
        var channels = (await ctx.QueryAsync<(int HostId, int ChannelId)>("""
            SELECT hch.host_id, hch.channel_id FROM host_channels hch JOIN channels c ON c.id = hch.channel_id
            WHERE hch.revoke_event IS NULL AND c.enabled = TRUE ORDER BY hch.channel_id
            """).ConfigureAwait(false)).ToLookup(r => r.HostId, r => r.ChannelId);
        var data = (await ctx.QueryAsync<(int HostId, string? Data)>("SELECT host_id, data FROM scheduler_host_data").ConfigureAwait(false))
            .ToDictionary(r => r.HostId, r => r.Data);
        var maxJobs = ctx.Hub.Config.Scheduler.MaxJobs;
        var readyTimeout = ctx.Hub.Config.Scheduler.ReadyTimeout;
        return rows.Where(h => h.Enabled == true).Select(h => new SchedulerHost
        {
            Id = h.Id,
            Name = h.Name,
            UpdateTs = h.Update_Time,
            TaskLoad = h.Task_Load,
            // The ready check above may just have cleared it.
            Ready = h.Ready && h.Update_Time is { } ts && now - ts <= readyTimeout,
            Capacity = h.Capacity ?? 2.0,
            Arches = h.Arches ?? "",
            Channels = channels[h.Id].ToList(),
            MaxJobs = MaxJobsOf(data.GetValueOrDefault(h.Id)) ?? maxJobs,
        }).ToList();
    }

    /// <summary>The <c>maxjobs</c> a host reported in its data, if any.</summary>
    public static int? MaxJobsOf(string? json)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("maxjobs", out var m) && m.ValueKind == JsonValueKind.Number && m.TryGetInt32(out var n) ? n : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static async Task<Dictionary<int, HashSet<int>>> LoadRefusalsAsync(CallContext ctx, double now)
    {
        var cutoff = now - ctx.Hub.Config.Scheduler.SoftRefusalTimeout;
        var result = new Dictionary<int, HashSet<int>>();
        var drop = new List<int>();
        foreach (var r in await ctx.QueryAsync<RefusalRow>(
            "SELECT r.id, r.task_id, r.host_id, r.soft, r.time, t.state FROM scheduler_task_refusals r JOIN task t ON t.id = r.task_id")
            .ConfigureAwait(false))
        {
            if ((r.Soft && r.Time < cutoff) || r.State is not (TaskStates.Free or TaskStates.Open or TaskStates.Assigned))
            {
                drop.Add(r.Id);
                continue;
            }
            if (!result.TryGetValue(r.Task_Id, out var set))
            {
                result[r.Task_Id] = set = [];
            }
            set.Add(r.Host_Id);
        }
        foreach (var id in drop)
        {
            await ctx.ExecuteAsync("DELETE FROM scheduler_task_refusals WHERE id = @id", new { id }).ConfigureAwait(false);
        }
        return result;
    }

    /// <summary>Applies the assignment and host timeouts to ASSIGNED and OPEN tasks; returns how many were freed.</summary>
    private static async Task<int> CheckActiveTasksAsync(CallContext ctx, Dictionary<int, HostRow> hosts, double now)
    {
        var options = ctx.Hub.Config.Scheduler;
        var active = await ctx.QueryAsync<(int Id, int State, int? HostId)>(
            $"SELECT id, state, host_id FROM task WHERE state IN ({TaskStates.Open}, {TaskStates.Assigned}) ORDER BY id").ConfigureAwait(false);
        var runs = (await ctx.QueryAsync<(int TaskId, double CreateTime)>(
            "SELECT task_id, create_time FROM scheduler_task_runs WHERE active = TRUE").ConfigureAwait(false))
            .ToLookup(r => r.TaskId, r => r.CreateTime);
        var freed = 0;
        foreach (var (taskId, state, hostId) in active)
        {
            if (hostId is not { } hid)
            {
                await SchedulerRecords.LogAsync(ctx, "Active task with no host", taskId).ConfigureAwait(false);
                await TaskActions.FreeAsync(ctx, taskId).ConfigureAwait(false);
                freed++;
                continue;
            }
            var taskRuns = runs[taskId].ToList();
            if (taskRuns.Count == 0 || !hosts.TryGetValue(hid, out var host))
            {
                continue; // assigned by hand with override: the scheduler leaves it alone
            }
            var assignTs = taskRuns.Min();
            if (state == TaskStates.Assigned)
            {
                if (now - assignTs > options.AssignTimeout)
                {
                    await SchedulerRecords.LogAsync(ctx, "Assignment timeout", taskId, hid).ConfigureAwait(false);
                    await TaskActions.FreeAsync(ctx, taskId).ConfigureAwait(false);
                    freed++;
                    if (host.Update_Time is { } seen && seen > assignTs)
                    {
                        // It checked in after the assignment, saw the task and did not take it.
                        await SchedulerRecords.SetRefusalAsync(ctx, hid, taskId, soft: true, byHost: false, "assignment timeout").ConfigureAwait(false);
                    }
                }
            }
            else
            {
                var age = now - (host.Update_Time ?? assignTs);
                if (age > options.HostTimeout)
                {
                    await SchedulerRecords.LogAsync(ctx, "Freeing task from unresponsive host", taskId, hid).ConfigureAwait(false);
                    await TaskActions.FreeAsync(ctx, taskId).ConfigureAwait(false);
                    freed++;
                }
            }
        }
        await ctx.ExecuteAsync($"""
            UPDATE scheduler_task_runs SET active = FALSE
            WHERE active = TRUE AND NOT EXISTS (
                SELECT 1 FROM task WHERE task.id = scheduler_task_runs.task_id AND task.state IN ({TaskStates.Open}, {TaskStates.Assigned}))
            """).ConfigureAwait(false);
        return freed;
    }
}
