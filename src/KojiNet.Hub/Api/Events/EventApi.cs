using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Events;

/// <summary>Events and tag change detection (model.md §2.3).</summary>
internal static class EventApi
{
    private sealed class EventRow
    {
        public int Id { get; init; }

        public double Time { get; init; }
    }

    /// <summary>Versioned tables whose rows belong to a tag (<c>tag_id</c>) and change its content.</summary>
    private static readonly string[] TagTables =
    [
        "tag_listing", "tag_inheritance", "tag_config", "tag_packages", "tag_external_repos", "tag_extra",
        "group_package_listing", "group_req_listing", "group_config",
    ];

    private static Dictionary<string, object?> ToStruct(EventRow e) => new(StringComparer.Ordinal) { ["id"] = e.Id, ["ts"] = e.Time };

    [KojiMethod("getLastEvent", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> GetLastEvent(CallContext ctx, object? before = null)
    {
        double? limit = before switch
        {
            null => null,
            int i => i,
            long l => l,
            double d => d,
            _ => throw KojiErrors.Generic($"Invalid type for before: <class '{ArgumentBinder.PythonTypeName(before)}'>"),
        };
        var row = limit is null
            ? await ctx.QueryFirstOrDefaultAsync<EventRow>("SELECT id, time FROM events ORDER BY id DESC LIMIT 1").ConfigureAwait(false)
            : await ctx.QueryFirstOrDefaultAsync<EventRow>("SELECT id, time FROM events WHERE time < @limit ORDER BY id DESC LIMIT 1", new { limit }).ConfigureAwait(false);
        return row is null ? null : ToStruct(row);
    }

    [KojiMethod("getEvent", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>> GetEvent(CallContext ctx, int id)
    {
        var row = await ctx.QuerySingleOrDefaultAsync<EventRow>("SELECT id, time FROM events WHERE id = @id", new { id }).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"No such event: {id}");
        return ToStruct(row);
    }

    [KojiMethod("tagChangedSinceEvent", ReadOnly = true)]
    public static async Task<bool> TagChangedSinceEvent(CallContext ctx, int @event, IReadOnlyList<object?> taglist)
    {
        var ids = new List<int>();
        foreach (var t in taglist)
        {
            if (await Lookup.NameAsync(ctx, "tag", t).ConfigureAwait(false) is { } row)
            {
                ids.Add(row.Id);
            }
        }
        if (ids.Count == 0)
        {
            return false;
        }
        var inList = string.Join(", ", ids);
        if (await ctx.ScalarAsync<int?>($"SELECT 1 FROM tag_updates WHERE update_event > @event AND tag_id IN ({inList}) LIMIT 1", new { @event }).ConfigureAwait(false) is not null)
        {
            return true;
        }
        foreach (var table in TagTables)
        {
            var hit = await ctx.ScalarAsync<int?>(
                $"SELECT 1 FROM {table} WHERE (create_event > @event OR revoke_event > @event) AND tag_id IN ({inList}) LIMIT 1", new { @event }).ConfigureAwait(false);
            if (hit is not null)
            {
                return true;
            }
        }
        return false;
    }

    [KojiMethod("tagLastChangeEvent", ReadOnly = true)]
    public static Task<int?> TagLastChangeEvent(CallContext ctx, object? tag, int? before = null, bool inherit = true) =>
        ChangeEventAsync(ctx, tag, before, inherit, last: true);

    [KojiMethod("tagFirstChangeEvent", ReadOnly = true)]
    public static Task<int?> TagFirstChangeEvent(CallContext ctx, object? tag, int? after = null, bool inherit = true) =>
        ChangeEventAsync(ctx, tag, after, inherit, last: false);

    /// <summary>
    /// The latest change at or before <paramref name="bound"/> (or the earliest after it) among the
    /// tag's content tables, its ancestors' when <paramref name="inherit"/> (inheritance as of the
    /// bound), and the external repos attached to any of them.
    /// </summary>
    private static async Task<int?> ChangeEventAsync(CallContext ctx, object? tag, int? bound, bool inherit, bool last)
    {
        var tagRow = await Lookup.NameAsync(ctx, "tag", tag).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tag)}");
        var ids = new List<int> { tagRow.Id };
        if (inherit)
        {
            ids.AddRange((await Inheritance.ReadFullInheritanceAsync(ctx, tagRow.Id, bound).ConfigureAwait(false)).Select(e => e.Link.Parent_Id));
        }
        var inList = string.Join(", ", ids.Distinct());
        var agg = last ? "MAX" : "MIN";
        string Cond(string col) => bound is null ? $"{col} IS NOT NULL" : last ? $"{col} <= @bound" : $"{col} > @bound";
        var queries = new List<string>
        {
            $"SELECT {agg}(update_event) FROM tag_updates WHERE tag_id IN ({inList}) AND {Cond("update_event")}",
        };
        foreach (var table in TagTables)
        {
            queries.Add($"SELECT {agg}(create_event) FROM {table} WHERE tag_id IN ({inList}) AND {Cond("create_event")}");
            queries.Add($"SELECT {agg}(revoke_event) FROM {table} WHERE tag_id IN ({inList}) AND {Cond("revoke_event")}");
        }
        var repos = $"SELECT external_repo_id FROM tag_external_repos WHERE tag_id IN ({inList})";
        foreach (var table in new[] { "external_repo_config", "external_repo_data" })
        {
            queries.Add($"SELECT {agg}(create_event) FROM {table} WHERE external_repo_id IN ({repos}) AND {Cond("create_event")}");
            queries.Add($"SELECT {agg}(revoke_event) FROM {table} WHERE external_repo_id IN ({repos}) AND {Cond("revoke_event")}");
        }
        int? best = null;
        foreach (var sql in queries)
        {
            if (await ctx.ScalarAsync<int?>(sql, new { bound }).ConfigureAwait(false) is { } e)
            {
                best = best is null ? e : last ? Math.Max(best.Value, e) : Math.Min(best.Value, e);
            }
        }
        return best;
    }
}
