using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.Targets;

/// <summary>Build targets (api-core.md §5): a name mapping to a build tag and a destination tag.</summary>
internal static class TargetApi
{
    private sealed class TargetRow
    {
        public int Id { get; init; }

        public string Name { get; init; } = "";

        public int Build_Tag { get; init; }

        public string Build_Tag_Name { get; init; } = "";

        public int Dest_Tag { get; init; }

        public string Dest_Tag_Name { get; init; } = "";

        public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
        {
            ["build_tag"] = Build_Tag,
            ["build_tag_name"] = Build_Tag_Name,
            ["dest_tag"] = Dest_Tag,
            ["dest_tag_name"] = Dest_Tag_Name,
            ["id"] = Id,
            ["name"] = Name,
        };
    }

    private static readonly Dictionary<string, string> OrderColumns = new(StringComparer.Ordinal)
    {
        ["id"] = "build_target.id",
        ["name"] = "build_target.name",
        ["build_tag"] = "btc.build_tag",
        ["build_tag_name"] = "bt.name",
        ["dest_tag"] = "btc.dest_tag",
        ["dest_tag_name"] = "dt.name",
    };

    private static async Task<List<TargetRow>> QueryAsync(CallContext ctx, string where, object param, int? atEvent, string orderLimit = " ORDER BY build_target.id") =>
        (await ctx.QueryAsync<TargetRow>($"""
            SELECT build_target.id, build_target.name, btc.build_tag, bt.name AS build_tag_name, btc.dest_tag, dt.name AS dest_tag_name
            FROM build_target_config btc
            JOIN build_target ON build_target.id = btc.build_target_id
            JOIN tag bt ON bt.id = btc.build_tag
            JOIN tag dt ON dt.id = btc.dest_tag
            WHERE {Versioning.Active("btc", atEvent)}{where}{orderLimit}
            """, param).ConfigureAwait(false)).ToList();

    private static async Task<TargetRow?> FindAsync(CallContext ctx, object? info, int? atEvent)
    {
        var (id, name) = TagQueries.NameOrId(info);
        var rows = id is { } i
            ? await QueryAsync(ctx, " AND build_target.id = @i", new { i, @event = atEvent }, atEvent).ConfigureAwait(false)
            : await QueryAsync(ctx, " AND build_target.name = @name", new { name, @event = atEvent }, atEvent).ConfigureAwait(false);
        return rows.FirstOrDefault();
    }

    private static async Task<TargetRow> GetAsync(CallContext ctx, object? info) =>
        await FindAsync(ctx, info, null).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such build target: {Lookup.Str(info)}");

    [KojiMethod("getBuildTarget", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> GetBuildTarget(CallContext ctx, object? info, int? @event = null, bool strict = false)
    {
        var row = await FindAsync(ctx, info, @event).ConfigureAwait(false);
        if (row is null && strict)
        {
            throw KojiErrors.Generic($"No such build target: {Lookup.Str(info)}");
        }
        return row?.ToStruct();
    }

    [KojiMethod("getBuildTargets", ReadOnly = true)]
    public static async Task<object> GetBuildTargets(CallContext ctx, object? info = null, int? @event = null, object? buildTagID = null, object? destTagID = null,
        IReadOnlyDictionary<string, object?>? queryOpts = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        var where = "";
        int? id = null, buildTag = null, destTag = null;
        string? name = null;
        if (info is not null)
        {
            (id, name) = TagQueries.NameOrId(info);
            where += id is null ? " AND build_target.name = @name" : " AND build_target.id = @id";
        }
        if (buildTagID is not null)
        {
            buildTag = (await Lookup.NameAsync(ctx, "tag", buildTagID).ConfigureAwait(false))?.Id ?? -1;
            where += " AND btc.build_tag = @buildTag";
        }
        if (destTagID is not null)
        {
            destTag = (await Lookup.NameAsync(ctx, "tag", destTagID).ConfigureAwait(false))?.Id ?? -1;
            where += " AND btc.dest_tag = @destTag";
        }
        var rows = await QueryAsync(ctx, where, new { id, name, buildTag, destTag, @event }, @event,
            opts.OrderBySql(OrderColumns, "build_target.id") + opts.LimitSql(ctx.Engine)).ConfigureAwait(false);
        return opts.Shape(rows.Select(r => (IReadOnlyDictionary<string, object?>)r.ToStruct()).ToList());
    }

    private static async Task<(int Build, int Dest)> TagsAsync(CallContext ctx, object? buildTag, object? destTag)
    {
        var build = await TagQueries.FindAsync(ctx, buildTag, null).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"build tag '{Lookup.Str(buildTag)}' does not exist");
        var dest = await TagQueries.FindAsync(ctx, destTag, null).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"destination tag '{Lookup.Str(destTag)}' does not exist");
        return (build.Id, dest.Id);
    }

    private static Task InsertConfigAsync(CallContext ctx, int targetId, int buildTag, int destTag) =>
        Versioning.InsertAsync(ctx, "build_target_config", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["build_target_id"] = targetId,
            ["build_tag"] = buildTag,
            ["dest_tag"] = destTag,
        });

    [KojiMethod("createBuildTarget")]
    public static async Task<object?> CreateBuildTarget(CallContext ctx, string name, object? build_tag, object? dest_tag)
    {
        await ctx.AssertPermAsync("target").ConfigureAwait(false);
        NameValidation.InternalName(ctx, name);
        if (await FindAsync(ctx, name, null).ConfigureAwait(false) is not null)
        {
            throw KojiErrors.Generic($"A build target with the name '{name}' already exists");
        }
        var (build, dest) = await TagsAsync(ctx, build_tag, dest_tag).ConfigureAwait(false);
        var target = (await Lookup.NameAsync(ctx, "build_target", name, create: true).ConfigureAwait(false))!;
        await InsertConfigAsync(ctx, target.Id, build, dest).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("editBuildTarget")]
    public static async Task<object?> EditBuildTarget(CallContext ctx, object? buildTargetInfo, string name, object? build_tag, object? dest_tag)
    {
        await ctx.AssertPermAsync("target").ConfigureAwait(false);
        var target = await GetAsync(ctx, buildTargetInfo).ConfigureAwait(false);
        NameValidation.InternalName(ctx, name);
        var (build, dest) = await TagsAsync(ctx, build_tag, dest_tag).ConfigureAwait(false);
        if (!string.Equals(name, target.Name, StringComparison.Ordinal))
        {
            if (await ctx.ScalarAsync<int?>("SELECT id FROM build_target WHERE name = @name", new { name }).ConfigureAwait(false) is not null)
            {
                throw KojiErrors.Generic($"A build target with the name '{name}' already exists");
            }
            await ctx.ExecuteAsync("UPDATE build_target SET name = @name WHERE id = @id", new { name, id = target.Id }).ConfigureAwait(false);
        }
        if (build != target.Build_Tag || dest != target.Dest_Tag)
        {
            await Versioning.RevokeAsync(ctx, "build_target_config", "build_target_id = @id", new { id = target.Id }).ConfigureAwait(false);
            await InsertConfigAsync(ctx, target.Id, build, dest).ConfigureAwait(false);
        }
        return null;
    }

    [KojiMethod("deleteBuildTarget")]
    public static async Task<object?> DeleteBuildTarget(CallContext ctx, object? buildTargetInfo)
    {
        await ctx.AssertPermAsync("target").ConfigureAwait(false);
        var target = await GetAsync(ctx, buildTargetInfo).ConfigureAwait(false);
        await Versioning.RevokeAsync(ctx, "build_target_config", "build_target_id = @id", new { id = target.Id }).ConfigureAwait(false);
        return null;
    }
}
