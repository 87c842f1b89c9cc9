using System.Globalization;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Tasks;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Repos;

/// <summary>
/// Repos of tags (api-core.md §7, kojira.md §2, §5.7): lookups, the state machine, buildroot
/// references, and the legacy direct <c>newRepo</c> call. The request queue is in
/// <see cref="RepoQueue"/>; building a repo's tree in <see cref="RepoInit"/>.
/// </summary>
internal static class RepoApi
{
    /// <summary>A repo id argument (Koji's <c>convert_value(..., int)</c>).</summary>
    public static int RepoId(object? value) => value switch
    {
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        bool b => b ? 1 : 0,
        double d when d == Math.Floor(d) && Math.Abs(d) < int.MaxValue => (int)d,
        string s when int.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) => i,
        _ => throw KojiErrors.Parameter($"Invalid type for value {UserQueries.Repr(value)}: <class '{ArgumentBinder.PythonTypeName(value)}'>"),
    };

    /// <summary>An optional event id argument; null stays null.</summary>
    public static int? EventId(object? value) => value is null ? null : RepoId(value);

    [KojiMethod("repoInfo", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> RepoInfo(CallContext ctx, object? repo_id, bool strict = false)
    {
        var repo = await RepoViews.RepoAsync(ctx, RepoId(repo_id)).ConfigureAwait(false);
        return repo is null && strict ? throw KojiErrors.Generic("query returned no rows") : repo;
    }

    [KojiMethod("getRepo", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> GetRepo(CallContext ctx, object? tag, object? state = null, object? @event = null, bool dist = false,
        object? min_event = null)
    {
        var tagRow = (await Lookup.NameAsync(ctx, "tag", tag, strict: true).ConfigureAwait(false))!;
        var stateValue = EventId(state);
        var eventValue = EventId(@event);
        var minEvent = EventId(min_event);
        var clauses = new List<QueryView.Clause> { new("tag_id", "=", tagRow.Id), new("dist", "IS", dist) };
        if (eventValue is { } ev && ev != 0)
        {
            // The legacy event argument: the newest repo of that time, whatever its state.
            clauses.Add(new("create_event", "<=", ev));
        }
        else
        {
            clauses.Add(new("state", "=", stateValue ?? RepoStates.Ready));
        }
        if (minEvent is { } min)
        {
            clauses.Add(new("create_event", ">=", min));
        }
        var rows = await RepoViews.Repos.RowsAsync(ctx, clauses,
            Common.QueryOptions.Parse(new Dictionary<string, object?>(StringComparer.Ordinal) { ["order"] = "-creation_time,-id", ["limit"] = 1 })).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    [KojiMethod("getActiveRepos", ReadOnly = true)]
    public static async Task<object> GetActiveRepos(CallContext ctx) =>
        await RepoViews.Repos.QueryAsync(ctx, new List<object?> { new List<object?> { "state", "!=", RepoStates.Deleted } },
            new List<object?> { "id", "tag_id", "create_event", "create_ts", "state", "dist", "task_id", "tag_name", "creation_ts", "state_ts", "end_event", "opts" },
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["order"] = "id" }).ConfigureAwait(false);

    [KojiMethod("repo.get", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> Get(CallContext ctx, object? tag, object? min_event = null, object? at_event = null, object? opts = null)
    {
        var tagRow = (await Lookup.NameAsync(ctx, "tag", tag, strict: true).ConfigureAwait(false))!;
        return await FindReadyAsync(ctx, tagRow.Id, EventId(min_event), EventId(at_event), RepoOpts.Convert(opts, strict: true)).ConfigureAwait(false);
    }

    /// <summary>
    /// Koji's <c>get_repo</c>: the READY non-dist repo of the tag with the newest create event
    /// that has every requested option (equal value) and no custom option that was not requested,
    /// at <paramref name="atEvent"/> exactly or at or after <paramref name="minEvent"/>.
    /// </summary>
    public static async Task<Dictionary<string, object?>?> FindReadyAsync(CallContext ctx, int tagId, int? minEvent, int? atEvent, IReadOnlyDictionary<string, bool> opts)
    {
        var clauses = new List<QueryView.Clause>
        {
            new("tag_id", "=", tagId), new("dist", "IS", false), new("state", "=", RepoStates.Ready),
        };
        if (atEvent is { } at)
        {
            clauses.Add(new("create_event", "=", at));
        }
        else if (minEvent is { } min)
        {
            clauses.Add(new("create_event", ">=", min));
        }
        var rows = await RepoViews.Repos.RowsAsync(ctx, clauses,
            Common.QueryOptions.Parse(new Dictionary<string, object?>(StringComparer.Ordinal) { ["order"] = "-create_event,-id" })).ConfigureAwait(false);
        foreach (var row in rows)
        {
            var repoOpts = RepoViews.Opts(row, "opts") ?? [];
            var custom = RepoViews.Opts(row, "custom_opts") ?? [];
            if (RepoOpts.IsSubset(opts, repoOpts) && RepoOpts.IsSubset(custom, opts))
            {
                return row;
            }
        }
        return null;
    }

    [KojiMethod("repo.query", ReadOnly = true)]
    public static Task<object> Query(CallContext ctx, object? clauses, object? fields = null, IReadOnlyDictionary<string, object?>? opts = null) =>
        RepoViews.Repos.QueryAsync(ctx, clauses, fields, opts);

    [KojiMethod("repo.references", ReadOnly = true)]
    public static async Task<List<Dictionary<string, object?>>> References(CallContext ctx, object? repo_id) =>
        await ReferencesAsync(ctx, RepoId(repo_id)).ConfigureAwait(false);

    private sealed class ReferenceRow
    {
        public int Id { get; init; }

        public int Host_Id { get; init; }

        public int Task_Id { get; init; }

        public int Create_Event { get; init; }

        public int? State { get; init; }
    }

    /// <summary>Koji's <c>repo_references</c>: the standard buildroots using the repo that are not retired (nor expired).</summary>
    public static async Task<List<Dictionary<string, object?>>> ReferencesAsync(CallContext ctx, int repoId)
    {
        var rows = await ctx.QueryAsync<ReferenceRow>("""
            SELECT buildroot_id AS id, host_id, task_id, create_event, state
            FROM standard_buildroot
            WHERE repo_id = @repoId AND retire_event IS NULL
            ORDER BY buildroot_id
            """, new { repoId }).ConfigureAwait(false);
        return rows.Where(r => r.State != BuildrootStates.Expired).Select(r => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = r.Id,
            ["host_id"] = r.Host_Id,
            ["task_id"] = r.Task_Id,
            ["create_event"] = r.Create_Event,
            ["state"] = r.State,
        }).ToList();
    }

    [KojiMethod("repo.setState")]
    public static async Task<object?> SetState(CallContext ctx, object? repo_id, object? state)
    {
        await ctx.AssertPermAsync("repo").ConfigureAwait(false);
        await SetStateAsync(ctx, RepoId(repo_id), RepoStateNames.Parse(state)).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("repoExpire")]
    public static async Task<object?> RepoExpire(CallContext ctx, object? repo_id)
    {
        await ctx.AssertPermAsync("repo").ConfigureAwait(false);
        await SetStateAsync(ctx, RepoId(repo_id), RepoStates.Expired).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("repoProblem")]
    public static async Task<object?> RepoProblem(CallContext ctx, object? repo_id)
    {
        await ctx.AssertPermAsync("repo").ConfigureAwait(false);
        await SetStateAsync(ctx, RepoId(repo_id), RepoStates.Problem).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("repoDelete")]
    public static async Task<int> RepoDelete(CallContext ctx, object? repo_id)
    {
        await ctx.AssertPermAsync("repo").ConfigureAwait(false);
        var id = RepoId(repo_id);
        await LockRepoAsync(ctx, id).ConfigureAwait(false);
        var references = await ReferencesAsync(ctx, id).ConfigureAwait(false);
        if (references.Count == 0)
        {
            await SetStateAsync(ctx, id, RepoStates.Deleted).ConfigureAwait(false);
        }
        return references.Count;
    }

    private sealed class StateRow
    {
        public int State { get; init; }

        public bool Dist { get; init; }
    }

    private static Task<StateRow?> LockRepoAsync(CallContext ctx, int repoId) =>
        ctx.QuerySingleOrDefaultAsync<StateRow>(
            "SELECT state, dist FROM repo WHERE id = @repoId" + (ctx.Engine == Data.DatabaseEngine.PostgreSql ? " FOR UPDATE" : ""), new { repoId });

    /// <summary>
    /// Koji's <c>repo_set_state</c> (kojira.md §2): states only move forward, except that DELETED
    /// may be set from any state and is final; setting the current state changes nothing. Every
    /// change stamps <c>state_time</c>; entering READY fulfils the matching requests.
    /// </summary>
    public static async Task SetStateAsync(CallContext ctx, int repoId, int state, bool check = true)
    {
        var current = await LockRepoAsync(ctx, repoId).ConfigureAwait(false) ?? throw KojiErrors.Generic("query returned no rows");
        if (current.State == state)
        {
            return;
        }
        if (current.State == RepoStates.Deleted)
        {
            throw KojiErrors.Generic($"Repo {repoId} is deleted");
        }
        if (check && state != RepoStates.Deleted && current.State > state)
        {
            throw KojiErrors.Generic($"Invalid repo state transition for repo {repoId}: {RepoStateNames.Name(current.State)} -> {RepoStateNames.Name(state)}");
        }
        await ctx.ExecuteAsync("UPDATE repo SET state = @state, state_time = @now WHERE id = @repoId", new { state, now = ctx.Hub.Now(), repoId }).ConfigureAwait(false);
        if (state == RepoStates.Ready && !current.Dist)
        {
            await RepoQueue.FulfilAsync(ctx, repoId).ConfigureAwait(false);
        }
    }

    [KojiMethod("newRepo")]
    public static async Task<int> NewRepo(CallContext ctx, object? tag, object? @event = null, bool src = false, bool debuginfo = false, bool separate_src = false)
    {
        if (!ctx.Hub.Config.Repos.AllowNewRepo)
        {
            throw KojiErrors.NotAllowed("newRepo api call is disabled");
        }
        var session = ctx.AssertLogin();
        if (!await ctx.HasPermAsync("repo").ConfigureAwait(false))
        {
            await ctx.AssertPermAsync("regen-repo").ConfigureAwait(false);
        }
        await TagQueries.GetAsync(ctx, tag).ConfigureAwait(false);
        var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (@event is not null)
        {
            kwargs["event"] = EventId(@event);
        }
        if (src)
        {
            kwargs["src"] = true;
        }
        if (separate_src)
        {
            kwargs["separate_src"] = true;
        }
        if (debuginfo)
        {
            kwargs["debuginfo"] = true;
        }
        return await RepoTasks.CreateNewRepoTaskAsync(ctx, tag, kwargs, session.UserId).ConfigureAwait(false);
    }
}
