using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.Tagging;

/// <summary>A tagged build: the build row plus the tag it was found in and the tagging event.</summary>
internal sealed class TaggedBuildRow
{
    public int Id { get; init; }

    public int Package_Id { get; init; }

    public string Package_Name { get; init; } = "";

    public string Version { get; init; } = "";

    public string Release { get; init; } = "";

    public int? Epoch { get; init; }

    public bool Draft { get; init; }

    public int State { get; init; }

    public int? Task_Id { get; init; }

    public int Owner_Id { get; init; }

    public string Owner_Name { get; init; } = "";

    public int? Promoter_Id { get; init; }

    public string? Promoter_Name { get; init; }

    public int Volume_Id { get; init; }

    public string Volume_Name { get; init; } = "";

    public int Creation_Event_Id { get; init; }

    public double Creation_Ts { get; init; }

    public double? Start_Ts { get; init; }

    public double? Completion_Ts { get; init; }

    public double? Promotion_Ts { get; init; }

    public string? Extra { get; init; }

    public int Tag_Id { get; init; }

    public int Create_Event { get; init; }
}

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
        var rows = await ctx.QueryAsync<TaggedBuildRow>($"""
            SELECT b.id AS Id, b.pkg_id AS Package_Id, p.name AS Package_Name, b.version AS Version, b.release AS Release,
                   b.epoch AS Epoch, b.draft AS Draft, b.state AS State, b.task_id AS Task_Id, b.owner AS Owner_Id,
                   ou.name AS Owner_Name, b.promoter AS Promoter_Id, pu.name AS Promoter_Name, b.volume_id AS Volume_Id,
                   v.name AS Volume_Name, b.create_event AS Creation_Event_Id, ev.time AS Creation_Ts,
                   b.start_time AS Start_Ts, b.completion_time AS Completion_Ts, b.promotion_time AS Promotion_Ts,
                   b.extra AS Extra, tl.tag_id AS Tag_Id, tl.create_event AS Create_Event
            FROM tag_listing tl
            JOIN build b ON b.id = tl.build_id
            JOIN package p ON p.id = b.pkg_id
            JOIN users ou ON ou.id = b.owner
            LEFT JOIN users pu ON pu.id = b.promoter
            JOIN volume v ON v.id = b.volume_id
            JOIN events ev ON ev.id = b.create_event
            WHERE {string.Join(" AND ", where)}
            ORDER BY tl.create_event DESC, b.id DESC
            """, p).ConfigureAwait(false);
        var byTag = rows.ToLookup(r => r.Tag_Id);
        var names = (await ctx.QueryAsync<(int, string)>($"SELECT id, name FROM tag WHERE id IN {tagIn}", p).ConfigureAwait(false))
            .ToDictionary(t => t.Item1, t => t.Item2);

        var limit = o.Latest switch
        {
            null or false => 0,
            true => 1,
            int n => n,
            long n => (int)n,
            _ => ArgumentBinder.Truthy(o.Latest) ? 1 : 0,
        };
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var result = new List<(TaggedBuildRow, string)>();
        foreach (var tagId in o.Inherit ? chain : [tag.Id])
        {
            foreach (var b in byTag[tagId])
            {
                if (!packages.TryGetValue(b.Package_Name, out var blocked) || blocked)
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
                result.Add((b, names[tagId]));
            }
        }
        return result;
    }

    /// <summary>The listTagged row (wire capture 06): no <c>*_ts</c> fields; <c>extra</c> only on request.</summary>
    public static Dictionary<string, object?> ToStruct(TaggedBuildRow b, string tagName, bool extra, string? type)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["build_id"] = b.Id,
            ["completion_time"] = KojiTime.Format(b.Completion_Ts),
            ["create_event"] = b.Create_Event,
            ["creation_event_id"] = b.Creation_Event_Id,
            ["creation_time"] = KojiTime.Format(b.Creation_Ts),
            ["draft"] = b.Draft,
            ["epoch"] = b.Epoch,
            ["id"] = b.Id,
            ["name"] = b.Package_Name,
            ["nvr"] = $"{b.Package_Name}-{b.Version}-{b.Release}",
            ["owner_id"] = b.Owner_Id,
            ["owner_name"] = b.Owner_Name,
            ["package_id"] = b.Package_Id,
            ["package_name"] = b.Package_Name,
            ["promoter_id"] = b.Promoter_Id,
            ["promoter_name"] = b.Promoter_Name,
            ["promotion_time"] = KojiTime.Format(b.Promotion_Ts),
            ["release"] = b.Release,
            ["start_time"] = KojiTime.Format(b.Start_Ts),
            ["state"] = b.State,
            ["tag_id"] = b.Tag_Id,
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
