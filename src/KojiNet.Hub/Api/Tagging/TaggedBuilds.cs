using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Data;

namespace KojiNet.Hub.Api.Tagging;

/// <summary>A tagged build: the build row plus the tag it was found in and the tagging event.</summary>
internal sealed record TaggedBuildRow(BuildRow Build, int TagId, int CreateEvent);

internal sealed class TagPackageEntry
{
    public int Tag_Id { get; init; }

    public string Name { get; init; } = "";

    public bool Blocked { get; init; }
}

/// <summary>
/// Koji's <c>readTaggedBuilds</c> (api-core.md §3.3): the builds tagged in a tag and, with
/// <c>inherit</c>, its ancestors; most recently tagged first, the tag before its parents; builds
/// of packages absent from or blocked in the tag's inherited package list are skipped. The whole
/// chain is read with one query for the package lists and one for the listings.
/// </summary>
internal static class TaggedBuilds
{
    public sealed record Options(int? Event, bool Inherit, object? Latest, string? Package, string? Owner, string? Type, bool? Draft);

    public static async Task<IReadOnlyList<(TaggedBuildRow Build, string TagName)>> ReadAsync(CallContext ctx, TagRow tag, Options o)
    {
        if (TagCache.Serves(ctx, o.Event) && o.Type is null
            && await TagCache.For(ctx.Hub).FindAsync(ctx, tag.Id, withChain: true).ConfigureAwait(false) is { } lookup)
        {
            return await ReadAsync(ctx, lookup, o).ConfigureAwait(false);
        }
        return await ReadFromDatabaseAsync(ctx, tag, o).ConfigureAwait(false);
    }

    /// <summary>
    /// <see cref="ReadAsync(CallContext, TagRow, Options)"/> for a tag found through the
    /// <see cref="TagCache"/>: current data without a type filter is selected from the cached
    /// listings (and the selection kept for the next call with the same options); anything else
    /// is read from the database.
    /// </summary>
    public static async Task<IReadOnlyList<(TaggedBuildRow Build, string TagName)>> ReadAsync(CallContext ctx, TagLookup lookup, Options o)
    {
        if (!TagCache.Serves(ctx, o.Event) || o.Type is not null)
        {
            return await ReadFromDatabaseAsync(ctx, lookup.Config, o).ConfigureAwait(false);
        }
        var limit = Limit(o.Latest);
        var key = (o.Inherit, limit, o.Package, o.Owner, o.Draft);
        var chain = await lookup.ChainAsync().ConfigureAwait(false);
        if (chain.Selections.TryGetValue(key, out var known))
        {
            return known;
        }
        var cache = TagCache.For(ctx.Hub);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<(TaggedBuildRow, string)>();
        foreach (var member in o.Inherit ? chain.Tags : [lookup.Tag])
        {
            if (await cache.ListingAsync(ctx, member).ConfigureAwait(false) is not { } listing)
            {
                // Too large to keep: this one goes to the database.
                return await ReadFromDatabaseAsync(ctx, lookup.Config, o).ConfigureAwait(false);
            }
            foreach (var (b, createEvent) in listing)
            {
                if ((o.Package is not null && !string.Equals(b.Package_Name, o.Package, StringComparison.Ordinal))
                    || (o.Owner is not null && !string.Equals(b.Owner_Name, o.Owner, StringComparison.Ordinal))
                    || (o.Draft is { } draft && b.Draft != draft)
                    || !chain.Packages.TryGetValue(b.Package_Name, out var blocked) || blocked)
                {
                    continue;
                }
                if (limit > 0)
                {
                    var count = seen.GetValueOrDefault(b.Package_Name);
                    if (count >= limit)
                    {
                        continue;
                    }
                    seen[b.Package_Name] = count + 1;
                }
                result.Add((new TaggedBuildRow(b, member.Id, createEvent), member.Name));
            }
        }
        if (result.Count <= MaxKeptSelection)
        {
            if (chain.Selections.Count >= MaxSelectionsPerChain)
            {
                chain.Selections.Clear();
            }
            chain.Selections[key] = result;
        }
        return result;
    }

    // Selections kept per chain (calls with many different package or owner filters would
    // otherwise keep one each), and the largest kept (whole listings of big tags are cheap to
    // select again, and would double what the cache holds).
    private const int MaxSelectionsPerChain = 64;

    private const int MaxKeptSelection = 10_000;

    private static int Limit(object? latest) => latest switch
    {
        null or false => 0,
        true => 1,
        int n => n,
        long n => (int)n,
        _ => ArgumentBinder.Truthy(latest) ? 1 : 0,
    };

    private static async Task<IReadOnlyList<(TaggedBuildRow Build, string TagName)>> ReadFromDatabaseAsync(CallContext ctx, TagRow tag, Options o)
    {
        var path = await Inheritance.SearchPathAsync(ctx, tag.Id, o.Event).ConfigureAwait(false);
        var chain = new List<int>();
        foreach (var (id, _, _) in path)
        {
            if (!chain.Contains(id))
            {
                chain.Add(id);
            }
        }
        var p = new DynamicParameters();
        p.Add("event", o.Event);
        var tagIn = "(" + string.Join(", ", chain.Select((_, i) => "@t" + i.ToString(CultureInfo.InvariantCulture))) + ")";
        for (var i = 0; i < chain.Count; i++)
        {
            p.Add("t" + i.ToString(CultureInfo.InvariantCulture), chain[i]);
        }

        // The inherited package list: the first entry along the search path wins (blocked ones too).
        var entries = (await ctx.QueryAsync<TagPackageEntry>($"""
            SELECT tp.tag_id AS Tag_Id, pk.name AS Name, tp.blocked AS Blocked
            FROM tag_packages tp JOIN package pk ON pk.id = tp.package_id
            WHERE tp.tag_id IN {tagIn} AND {Versioning.Active("tp", o.Event)}
            """, p).ConfigureAwait(false)).ToLookup(e => e.Tag_Id);
        var packages = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (tagId, filter, _) in path)
        {
            foreach (var e in entries[tagId])
            {
                if (!packages.ContainsKey(e.Name) && Inheritance.FilterMatches(filter, e.Name))
                {
                    packages[e.Name] = e.Blocked;
                }
            }
        }

        var where = new List<string> { "b.state = 1", Versioning.Active("tl", o.Event) };
        where.Add(o.Inherit ? $"tl.tag_id IN {tagIn}" : "tl.tag_id = @self");
        p.Add("self", tag.Id);
        if (o.Package is not null)
        {
            where.Add("p.name = @package");
            p.Add("package", o.Package);
        }
        if (o.Owner is not null)
        {
            where.Add("ou.name = @owner");
            p.Add("owner", o.Owner);
        }
        if (o.Draft is { } draft)
        {
            where.Add(draft ? "b.draft = TRUE" : "b.draft = FALSE");
        }
        if (o.Type is not null)
        {
            var btype = await ctx.ScalarAsync<int?>("SELECT id FROM btype WHERE name = @type", new { type = o.Type }).ConfigureAwait(false)
                ?? throw KojiErrors.Generic($"unsupported build type: {o.Type}");
            where.Add("EXISTS (SELECT 1 FROM build_types bt WHERE bt.build_id = b.id AND bt.btype_id = @btype)");
            p.Add("btype", btype);
        }
        // Which builds: a narrow scan of the listings; the full rows only for the builds kept.
        var args = p.ParameterNames.Select(n => (n, (object?)p.Get<object?>(n))).ToArray();
        var listings = await FastQuery.ListAsync(ctx, $"""
            SELECT tl.tag_id, tl.build_id, tl.create_event, p.name
            FROM tag_listing tl
            JOIN build b ON b.id = tl.build_id
            JOIN package p ON p.id = b.pkg_id
            {(o.Owner is not null ? "JOIN users ou ON ou.id = b.owner" : "")}
            WHERE {string.Join(" AND ", where)}
            ORDER BY tl.create_event DESC, b.id DESC
            """, args, r => (TagId: r.Int(0), BuildId: r.Int(1), Event: r.Int(2), Package: r.String(3))).ConfigureAwait(false);
        var byTag = listings.ToLookup(r => r.TagId);
        var names = (await FastQuery.ListAsync(ctx, $"SELECT id, name FROM tag WHERE id IN {tagIn}", args, r => (r.Int(0), r.String(1))).ConfigureAwait(false))
            .ToDictionary(t => t.Item1, t => t.Item2);

        var limit = Limit(o.Latest);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var selected = new List<(int TagId, int BuildId, int Event)>();
        foreach (var tagId in o.Inherit ? chain : [tag.Id])
        {
            foreach (var b in byTag[tagId])
            {
                if (!packages.TryGetValue(b.Package, out var blocked) || blocked)
                {
                    continue;
                }
                if (limit > 0)
                {
                    var count = seen.GetValueOrDefault(b.Package);
                    if (count >= limit)
                    {
                        continue;
                    }
                    seen[b.Package] = count + 1;
                }
                selected.Add((tagId, b.BuildId, b.Event));
            }
        }
        var result = new List<(TaggedBuildRow, string)>(selected.Count);
        if (selected.Count == 0)
        {
            return result;
        }
        var ids = selected.Select(x => x.BuildId).Distinct().ToArray();
        var builds = (ctx.Engine == DatabaseEngine.Sqlite
            ? await FastQuery.ListAsync(ctx, BuildsByJsonIdsSql, [("ids", "[" + string.Join(",", ids.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]")], BuildQueries.Map).ConfigureAwait(false)
            : await FastQuery.ListAsync(ctx, BuildsByArraySql, [("ids", ids)], BuildQueries.Map).ConfigureAwait(false))
            .ToDictionary(b => b.Id);
        foreach (var (tagId, buildId, ev) in selected)
        {
            if (builds.TryGetValue(buildId, out var b))
            {
                result.Add((new TaggedBuildRow(b, tagId, ev), names[tagId]));
            }
        }
        return result;
    }

    private const string BuildsByJsonIdsSql = BuildQueries.SelectFrom + " WHERE b.id IN (SELECT value FROM json_each(@ids))";

    private const string BuildsByArraySql = BuildQueries.SelectFrom + " WHERE b.id = ANY(@ids)";

    /// <summary>The listTagged row (wire capture 06): no <c>*_ts</c> fields; <c>extra</c> only on request.</summary>
    public static Dictionary<string, object?> ToStruct(TaggedBuildRow tagged, string tagName, bool extra, string? type)
    {
        var b = tagged.Build;
        var d = new Dictionary<string, object?>(30, StringComparer.Ordinal)
        {
            ["build_id"] = b.Id,
            ["completion_time"] = b.CompletionTime,
            ["create_event"] = tagged.CreateEvent,
            ["creation_event_id"] = b.Creation_Event_Id,
            ["creation_time"] = b.CreationTime,
            ["draft"] = b.Draft,
            ["epoch"] = b.Epoch,
            ["id"] = b.Id,
            ["name"] = b.Package_Name,
            ["nvr"] = b.Nvr,
            ["owner_id"] = b.Owner_Id,
            ["owner_name"] = b.Owner_Name,
            ["package_id"] = b.Package_Id,
            ["package_name"] = b.Package_Name,
            ["promoter_id"] = b.Promoter_Id,
            ["promoter_name"] = b.Promoter_Name,
            ["promotion_time"] = b.PromotionTime,
            ["release"] = b.Release,
            ["start_time"] = b.StartTime,
            ["state"] = b.State,
            ["tag_id"] = tagged.TagId,
            ["tag_name"] = tagName,
            ["task_id"] = b.Task_Id,
            ["version"] = b.Version,
            ["volume_id"] = b.Volume_Id,
            ["volume_name"] = b.Volume_Name,
        };
        if (extra)
        {
            d["extra"] = BuildQueries.DecodeExtra(b.Extra);
        }
        // Type-specific info tables are not kept: the members exist, without values.
        if (type == "maven")
        {
            d["maven_group_id"] = null;
            d["maven_artifact_id"] = null;
            d["maven_version"] = null;
        }
        else if (type == "win")
        {
            d["platform"] = null;
        }
        return d;
    }
}
