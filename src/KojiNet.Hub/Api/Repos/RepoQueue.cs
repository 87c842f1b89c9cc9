using System.Text;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Events;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Tasks;
using KojiNet.Hub.Data;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api.Repos;

/// <summary>
/// The repo request queue (kojira.md §5): whoever needs a repo asks with <c>repo.request</c>
/// and polls <c>repo.checkRequest</c>; queued requests become <c>newRepo</c> tasks
/// (<c>repo.checkQueue</c>, bounded by <c>MaxRepoTasks</c>) and are fulfilled when a matching
/// repo becomes READY. Unlike upstream, which waits for the repo service's next poll, a new
/// request is turned into a task as soon as the call that made it commits.
/// </summary>
internal static class RepoQueue
{
    /// <summary>Koji's <c>PRIO_DEFAULT</c>: request priorities are given relative to it.</summary>
    public const int DefaultPriority = 20;

    [KojiMethod("repo.request")]
    public static async Task<Dictionary<string, object?>> Request(CallContext ctx, object? tag, object? min_event = null, object? at_event = null, object? opts = null,
        object? priority = null, bool force = false)
    {
        ctx.AssertLogin();
        var tagRow = await TagQueries.GetAsync(ctx, tag).ConfigureAwait(false);
        var requested = RepoOpts.Convert(opts, strict: true);
        if (requested.GetValueOrDefault("maven") && !ctx.Hub.Config.Operation.EnableMaven)
        {
            throw KojiErrors.Generic("Maven support not enabled");
        }
        int? atEvent = null;
        int minEvent;
        if (at_event is not null)
        {
            if (min_event is not null)
            {
                throw KojiErrors.Parameter("The min_event and at_event options conflict");
            }
            atEvent = await ValidEventAsync(ctx, at_event).ConfigureAwait(false);
            minEvent = 0;
        }
        else if (min_event is "last")
        {
            minEvent = await EventApi.TagLastChangeEvent(ctx, tagRow.Id).ConfigureAwait(false) ?? 0;
        }
        else if (min_event is null)
        {
            minEvent = await DefaultMinEventAsync(ctx, tagRow, ctx.Hub.Config.Repos.RepoLag).ConfigureAwait(false);
        }
        else
        {
            minEvent = await ValidEventAsync(ctx, min_event).ConfigureAwait(false);
        }
        int prio = DefaultPriority;
        if (priority is not null)
        {
            var relative = RepoApi.RepoId(priority);
            if (relative < 0 && !await ctx.HasPermAsync("admin").ConfigureAwait(false))
            {
                throw KojiErrors.NotAllowed("only admins may create high-priority requests");
            }
            prio = DefaultPriority + relative;
        }
        return await RequestAsync(ctx, tagRow, atEvent is null ? minEvent : null, atEvent, requested, prio, force).ConfigureAwait(false);
    }

    private static async Task<int> ValidEventAsync(CallContext ctx, object? value)
    {
        var id = RepoApi.RepoId(value);
        if (await ctx.ScalarAsync<int?>("SELECT id FROM events WHERE id = @id", new { id }).ConfigureAwait(false) is null)
        {
            throw KojiErrors.Parameter($"Invalid event: {id}");
        }
        return id;
    }

    /// <summary>
    /// Koji's <c>request_repo</c> after argument checks: a READY repo that satisfies the request
    /// (unless <paramref name="force"/>), else an active request for the same tag, the same
    /// options and the same <c>at_event</c> or a <c>min_event</c> at least as new (its priority
    /// raised to ours), else a new request. A new request is handed to the queue check once the
    /// call commits.
    /// </summary>
    public static async Task<Dictionary<string, object?>> RequestAsync(CallContext ctx, TagRow tag, int? minEvent, int? atEvent,
        IReadOnlyDictionary<string, bool> opts, int priority, bool force)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal) { ["repo"] = null, ["request"] = null, ["duplicate"] = false };
        if (!force && await RepoApi.FindReadyAsync(ctx, tag.Id, minEvent, atEvent, opts).ConfigureAwait(false) is { } repo)
        {
            result["repo"] = repo;
            return result;
        }
        var clauses = new List<QueryView.Clause> { new("tag_id", "=", tag.Id), new("active", "IS", true) };
        clauses.Add(atEvent is { } at ? new("at_event", "=", at) : new("min_event", ">=", minEvent));
        var candidates = await RepoViews.Queue.RowsAsync(ctx, clauses, QueryOptions.Parse(new Dictionary<string, object?>(StringComparer.Ordinal) { ["order"] = "priority,id" }))
            .ConfigureAwait(false);
        var duplicate = candidates.FirstOrDefault(r => RepoOpts.AreEqual(RepoViews.Opts(r, "opts") ?? [], opts));
        if (duplicate is not null)
        {
            if (RepoViews.Int(duplicate, "priority") > priority)
            {
                await SetPriorityAsync(ctx, RepoViews.Int(duplicate, "id"), priority).ConfigureAwait(false);
                duplicate["priority"] = priority;
            }
            result["request"] = duplicate;
            result["duplicate"] = true;
            return result;
        }
        var now = ctx.Hub.Now();
        var owner = ctx.AssertLogin().UserId;
        var id = await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO repo_queue (create_time, owner, priority, tag_id, at_event, min_event, opts, update_time, active, tries)
            VALUES (@now, @owner, @priority, @tagId, @atEvent, @minEvent, @opts, @now, TRUE, 0)
            RETURNING id
            """, new { now, owner, priority, tagId = tag.Id, atEvent, minEvent, opts = RepoOpts.ToJson(opts) }).ConfigureAwait(false);
        result["request"] = await RepoViews.RequestAsync(ctx, id).ConfigureAwait(false);
        var hub = ctx.Hub;
        ctx.AfterCommit(() => RepoTasks.KickQueue(hub, owner));
        return result;
    }

    /// <summary>
    /// Koji's <c>default_min_event</c>: the last event before now − lag (tag extra
    /// <c>repo.lag</c>, else <paramref name="defaultLag"/>) rounded down to <c>RepoLagWindow</c>
    /// (the tag's first change on a brand-new instance), but never later than the tag's last change.
    /// </summary>
    public static async Task<int> DefaultMinEventAsync(CallContext ctx, TagRow tag, int defaultLag)
    {
        var last = await EventApi.TagLastChangeEvent(ctx, tag.Id).ConfigureAwait(false) ?? 0;
        var lag = defaultLag;
        foreach (var extra in await TagQueries.ExtraRowsAsync(ctx, tag.Id, null).ConfigureAwait(false))
        {
            if (extra.Key == "repo.lag" && extra.Value is not null && PyJson.Decode(extra.Value) is int tagLag)
            {
                lag = tagLag;
            }
        }
        return await LaggedEventAsync(ctx, tag.Id, last, lag).ConfigureAwait(false);
    }

    private static async Task<int> LaggedEventAsync(CallContext ctx, int tagId, int last, int lag)
    {
        var window = Math.Max(1, ctx.Hub.Config.Repos.RepoLagWindow);
        var baseTs = Math.Floor((ctx.Hub.Now() - lag) / window) * window;
        var baseEvent = await ctx.ScalarAsync<int?>("SELECT id FROM events WHERE time < @baseTs ORDER BY id DESC LIMIT 1", new { baseTs }).ConfigureAwait(false)
            ?? await EventApi.TagFirstChangeEvent(ctx, tagId).ConfigureAwait(false) ?? last;
        return Math.Min(baseEvent, last);
    }

    [KojiMethod("repo.checkRequest", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>> CheckRequest(CallContext ctx, object? req_id)
    {
        var req = await RepoViews.RequestAsync(ctx, RepoApi.RepoId(req_id)).ConfigureAwait(false) ?? throw KojiErrors.Generic("No such request");
        var result = new Dictionary<string, object?>(StringComparer.Ordinal) { ["repo"] = null, ["request"] = req };
        if (RepoViews.IntOrNull(req, "repo_id") is { } repoId)
        {
            result["repo"] = await RepoViews.RepoAsync(ctx, repoId).ConfigureAwait(false);
        }
        else if (RepoViews.IntOrNull(req, "task_id") is { } taskId)
        {
            result["task"] = await RepoTasks.TaskInfoAsync(ctx, taskId).ConfigureAwait(false);
        }
        return result;
    }

    [KojiMethod("repo.queryQueue", ReadOnly = true)]
    public static Task<object> QueryQueue(CallContext ctx, object? clauses = null, object? fields = null, IReadOnlyDictionary<string, object?>? opts = null) =>
        RepoViews.Queue.QueryAsync(ctx, clauses, fields, opts);

    [KojiMethod("repo.setRequestPriority")]
    public static async Task<object?> SetRequestPriority(CallContext ctx, object? req_id, object? priority)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        await SetPriorityAsync(ctx, RepoApi.RepoId(req_id), RepoApi.RepoId(priority)).ConfigureAwait(false);
        return null;
    }

    private static Task SetPriorityAsync(CallContext ctx, int id, int priority) =>
        ctx.ExecuteAsync("UPDATE repo_queue SET priority = @priority WHERE id = @id", new { priority, id });

    [KojiMethod("repo.checkQueue")]
    public static async Task<object?> CheckQueue(CallContext ctx)
    {
        var session = await AssertRepoPermAsync(ctx).ConfigureAwait(false);
        await CheckQueueAsync(ctx, session, waitForLock: false).ConfigureAwait(false);
        return null;
    }

    private static async Task<int> AssertRepoPermAsync(CallContext ctx)
    {
        await ctx.AssertPermAsync("repo").ConfigureAwait(false);
        return ctx.AssertLogin().UserId;
    }

    private sealed class Pending
    {
        public required Dictionary<string, object?> Row { get; init; }

        public Dictionary<string, object?> Updates { get; } = new(StringComparer.Ordinal);

        public int Id => RepoViews.Int(Row, "id");

        public int? TaskId { get; set; }

        public Dictionary<string, bool> Opts => RepoViews.Opts(Row, "opts") ?? [];
    }

    /// <summary>
    /// Koji's <c>check_repo_queue</c> (kojira.md §5.3): under the <c>repo-queue</c> lock, settles
    /// requests whose task ended (a CLOSED task's valid repo fulfils the request; a failed one is
    /// retried up to <c>RepoRetries</c> times), then makes <c>newRepo</c> tasks for waiting
    /// requests in priority order while fewer than <c>MaxRepoTasks</c> (<c>MaxRepoTasksMaven</c>
    /// for maven repos) are running, and finally drops inactive requests older than
    /// <c>RequestCleanTime</c> minutes. <paramref name="fallbackOwner"/> owns the tasks when the
    /// <c>RepoQueueUser</c> does not exist.
    /// </summary>
    public static async Task CheckQueueAsync(CallContext ctx, int fallbackOwner, bool waitForLock)
    {
        if (!await LockQueueAsync(ctx, waitForLock).ConfigureAwait(false))
        {
            return;
        }
        var options = ctx.Hub.Config.Repos;
        var waiting = (await RepoViews.Queue.RowsAsync(ctx, [new("repo_id", "IS", null), new("active", "IS", true)],
            QueryOptions.Parse(new Dictionary<string, object?>(StringComparer.Ordinal) { ["order"] = "priority,id" })).ConfigureAwait(false))
            .Select(r => new Pending { Row = r, TaskId = RepoViews.IntOrNull(r, "task_id") }).ToList();
        var running = 0;
        var runningMaven = 0;
        foreach (var req in waiting)
        {
            if (req.TaskId is not { } taskId)
            {
                continue;
            }
            var taskState = RepoViews.IntOrNull(req.Row, "task_state");
            var retry = false;
            if (taskState == TaskStates.Closed)
            {
                var repo = await RepoOfTaskAsync(ctx, taskId).ConfigureAwait(false);
                if (repo is not null && ValidFor(req.Row, repo))
                {
                    req.Updates["repo_id"] = RepoViews.Int(repo, "id");
                    req.Updates["active"] = false;
                }
                else
                {
                    retry = true;
                }
            }
            else if (RepoViews.TaskFailed(taskState))
            {
                retry = true;
            }
            else
            {
                running++;
                if (req.Opts.GetValueOrDefault("maven"))
                {
                    runningMaven++;
                }
            }
            if (retry)
            {
                if (RepoViews.Int(req.Row, "tries") > options.RepoRetries)
                {
                    req.Updates["active"] = false;
                }
                else
                {
                    req.Updates["task_id"] = null;
                    req.TaskId = null;
                }
            }
        }
        int? owner = null;
        foreach (var req in waiting)
        {
            if (req.TaskId is not null || req.Updates.ContainsKey("active"))
            {
                continue;
            }
            if (running >= options.MaxRepoTasks)
            {
                break;
            }
            var maven = req.Opts.GetValueOrDefault("maven");
            if (maven && runningMaven >= options.MaxRepoTasksMaven)
            {
                continue;
            }
            owner ??= await ctx.ScalarAsync<int?>("SELECT id FROM users WHERE name = @name", new { name = options.RepoQueueUser }).ConfigureAwait(false) ?? fallbackOwner;
            var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal) { ["opts"] = RepoOpts.ToStruct(RepoOpts.Convert(req.Row["opts"], strict: true)) };
            if (RepoViews.IntOrNull(req.Row, "at_event") is { } at)
            {
                kwargs["event"] = at;
            }
            var tagSpec = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = req.Row["tag_id"], ["name"] = req.Row["tag_name"] };
            var taskId = await RepoTasks.CreateNewRepoTaskAsync(ctx, tagSpec, kwargs, owner.Value).ConfigureAwait(false);
            running++;
            if (maven)
            {
                runningMaven++;
            }
            req.Updates["task_id"] = taskId;
            req.Updates["tries"] = RepoViews.Int(req.Row, "tries") + 1;
        }
        var changed = false;
        var now = ctx.Hub.Now();
        foreach (var req in waiting.Where(r => r.Updates.Count > 0))
        {
            changed = true;
            var sets = new StringBuilder("update_time = @now");
            var p = new Dapper.DynamicParameters();
            p.Add("now", now);
            p.Add("id", req.Id);
            foreach (var (column, value) in req.Updates)
            {
                sets.Append(", ").Append(column).Append(" = @").Append(column);
                p.Add(column, value);
            }
            await ctx.ExecuteAsync($"UPDATE repo_queue SET {sets} WHERE id = @id", p).ConfigureAwait(false);
        }
        if (changed)
        {
            await ctx.ExecuteAsync("DELETE FROM repo_queue WHERE active = FALSE AND update_time < @cutoff",
                new { cutoff = now - (options.RequestCleanTime * 60.0) }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes the <c>repo-queue</c> lock for the transaction (PostgreSQL row lock; SQLite already
    /// serialises writers). Without <paramref name="wait"/> a held lock means another check is
    /// running: false.
    /// </summary>
    private static async Task<bool> LockQueueAsync(CallContext ctx, bool wait)
    {
        if (ctx.Engine == DatabaseEngine.PostgreSql)
        {
            var got = await ctx.ScalarAsync<string?>(
                "SELECT name FROM locks WHERE name = 'repo-queue' FOR UPDATE" + (wait ? "" : " SKIP LOCKED")).ConfigureAwait(false);
            if (got is not null)
            {
                return true;
            }
        }
        if (await ctx.ScalarAsync<string?>("SELECT name FROM locks WHERE name = 'repo-queue'").ConfigureAwait(false) is null)
        {
            throw KojiErrors.Lock("Lock not defined: repo-queue");
        }
        return ctx.Engine == DatabaseEngine.Sqlite;
    }

    /// <summary>The repo a CLOSED newRepo task made (its result is <c>[repo_id, event_id]</c>), or null.</summary>
    private static async Task<Dictionary<string, object?>?> RepoOfTaskAsync(CallContext ctx, int taskId)
    {
        var result = await ctx.ScalarAsync<string?>("SELECT result FROM task WHERE id = @taskId", new { taskId }).ConfigureAwait(false);
        if (result is null)
        {
            return null;
        }
        try
        {
            var response = XmlRpcReader.ReadResponse(Encoding.UTF8.GetBytes(result), new XmlRpcReaderOptions { MaxRequestLength = 0 });
            if (response.IsFault || response.Value is not IReadOnlyList<object?> { Count: > 0 } value)
            {
                return null;
            }
            return await RepoViews.RepoAsync(ctx, RepoApi.RepoId(value[0])).ConfigureAwait(false);
        }
        catch (Exception e) when (e is XmlRpcFormatException or XmlRpcFaultException)
        {
            return null;
        }
    }

    /// <summary>Koji's <c>valid_repo</c>: the repo is READY, of the request's tag and event, with every requested option and no other custom option.</summary>
    private static bool ValidFor(Dictionary<string, object?> req, Dictionary<string, object?> repo)
    {
        if (RepoViews.Int(repo, "tag_id") != RepoViews.Int(req, "tag_id") || RepoViews.Int(repo, "state") != RepoStates.Ready)
        {
            return false;
        }
        var createEvent = RepoViews.Int(repo, "create_event");
        if (RepoViews.IntOrNull(req, "at_event") is { } at ? createEvent != at : createEvent < (RepoViews.IntOrNull(req, "min_event") ?? 0))
        {
            return false;
        }
        var repoOpts = RepoViews.Opts(repo, "opts");
        var reqOpts = RepoViews.Opts(req, "opts") ?? [];
        return repoOpts is { Count: > 0 } && RepoOpts.IsSubset(reqOpts, repoOpts) && RepoOpts.IsSubset(RepoViews.Opts(repo, "custom_opts") ?? [], reqOpts);
    }

    /// <summary>
    /// Koji's <c>repo_done_hook</c> (kojira.md §5.4): a repo that became READY fulfils every
    /// active request of its tag whose options it has, that asks for each of its custom options,
    /// and whose event rule it meets.
    /// </summary>
    public static async Task FulfilAsync(CallContext ctx, int repoId)
    {
        var repo = await RepoViews.RepoAsync(ctx, repoId).ConfigureAwait(false);
        if (repo is null || repo["dist"] is true || RepoViews.Opts(repo, "opts") is not { } opts || RepoViews.Opts(repo, "custom_opts") is not { } custom)
        {
            return;
        }
        var createEvent = RepoViews.Int(repo, "create_event");
        var requests = await RepoViews.Queue.RowsAsync(ctx,
            [new("tag_id", "=", RepoViews.Int(repo, "tag_id")), new("active", "IS", true), new("repo_id", "IS", null)]).ConfigureAwait(false);
        var ids = new List<int>();
        foreach (var req in requests)
        {
            var reqOpts = RepoViews.Opts(req, "opts") ?? [];
            var eventOk = RepoViews.IntOrNull(req, "at_event") is { } at ? at == createEvent : (RepoViews.IntOrNull(req, "min_event") ?? 0) <= createEvent;
            if (eventOk && RepoOpts.IsSubset(reqOpts, opts) && RepoOpts.IsSubset(custom, reqOpts))
            {
                ids.Add(RepoViews.Int(req, "id"));
            }
        }
        foreach (var id in ids)
        {
            await ctx.ExecuteAsync("UPDATE repo_queue SET repo_id = @repoId, active = FALSE, update_time = @now WHERE id = @id",
                new { repoId, now = ctx.Hub.Now(), id }).ConfigureAwait(false);
        }
    }

    [KojiMethod("repo.autoRequests")]
    public static async Task<object?> AutoRequests(CallContext ctx)
    {
        await AssertRepoPermAsync(ctx).ConfigureAwait(false);
        var rows = await ctx.QueryAsync<TagExtraKeyRow>(
            "SELECT tag_id, key, value FROM tag_extra WHERE key IN ('repo.auto', 'repo.lag') AND revoke_event IS NULL ORDER BY tag_id").ConfigureAwait(false);
        var auto = new List<int>();
        var lags = new Dictionary<int, int>();
        foreach (var row in rows)
        {
            if (row.Value is null)
            {
                continue;
            }
            object? value;
            try
            {
                value = PyJson.Decode(row.Value);
            }
            catch (System.Text.Json.JsonException)
            {
                continue;
            }
            if (row.Key == "repo.auto" && ArgumentBinder.Truthy(value))
            {
                auto.Add(row.Tag_Id);
            }
            else if (row.Key == "repo.lag" && value is int lag)
            {
                lags[row.Tag_Id] = lag;
            }
        }
        foreach (var tagId in auto)
        {
            if (await TagQueries.FindAsync(ctx, tagId, null).ConfigureAwait(false) is not { } tag
                || await EventApi.TagLastChangeEvent(ctx, tagId).ConfigureAwait(false) is not { } last)
            {
                continue;
            }
            var minEvent = await LaggedEventAsync(ctx, tagId, last, lags.GetValueOrDefault(tagId, ctx.Hub.Config.Repos.RepoAutoLag)).ConfigureAwait(false);
            // Automatic requests yield to on-demand ones.
            await RequestAsync(ctx, tag, minEvent, null, new Dictionary<string, bool>(StringComparer.Ordinal), DefaultPriority + 5, force: false).ConfigureAwait(false);
        }
        return null;
    }

    private sealed class TagExtraKeyRow
    {
        public int Tag_Id { get; init; }

        public string Key { get; init; } = "";

        public string? Value { get; init; }
    }

    private sealed class OpenRepoRow
    {
        public int Id { get; init; }

        public int Tag_Id { get; init; }

        public int Create_Event { get; init; }
    }

    [KojiMethod("repo.updateEndEvents")]
    public static async Task<object?> UpdateEndEvents(CallContext ctx)
    {
        await AssertRepoPermAsync(ctx).ConfigureAwait(false);
        var repos = await ctx.QueryAsync<OpenRepoRow>(
            "SELECT id, tag_id, create_event FROM repo WHERE end_event IS NULL AND state = @ready ORDER BY id", new { ready = RepoStates.Ready }).ConfigureAwait(false);
        var unchangedSince = new Dictionary<int, int?>();
        foreach (var repo in repos)
        {
            if (unchangedSince.TryGetValue(repo.Tag_Id, out var last) && (last ?? 0) <= repo.Create_Event)
            {
                continue;
            }
            var end = await EventApi.TagFirstChangeEvent(ctx, repo.Tag_Id, repo.Create_Event).ConfigureAwait(false);
            if (end is null)
            {
                unchangedSince[repo.Tag_Id] = await EventApi.TagLastChangeEvent(ctx, repo.Tag_Id).ConfigureAwait(false);
            }
            else
            {
                await ctx.ExecuteAsync("UPDATE repo SET end_event = @end WHERE id = @id", new { end, id = repo.Id }).ConfigureAwait(false);
            }
        }
        return null;
    }
}
