using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.Groups;

/// <summary>A <c>group_config</c> row with the group's name.</summary>
internal sealed class GroupConfigRow
{
    public int Group_Id { get; init; }

    public string Name { get; init; } = "";

    public int Tag_Id { get; init; }

    public bool Blocked { get; init; }

    public bool? Exported { get; init; }

    public string Display_Name { get; init; } = "";

    public bool? Is_Default { get; init; }

    public bool? Uservisible { get; init; }

    public string? Description { get; init; }

    public string? Langonly { get; init; }

    public bool? Biarchonly { get; init; }
}

/// <summary>A <c>group_package_listing</c> row: a package of a group.</summary>
internal sealed class GroupPackageRow
{
    public int Group_Id { get; init; }

    public int Tag_Id { get; init; }

    public string Package { get; init; } = "";

    public bool Blocked { get; init; }

    public string Type { get; init; } = "";

    public bool? Basearchonly { get; init; }

    public string? Requires { get; init; }

    public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
    {
        ["group_id"] = Group_Id,
        ["tag_id"] = Tag_Id,
        ["package"] = Package,
        ["blocked"] = Blocked,
        ["type"] = Type,
        ["basearchonly"] = Basearchonly,
        ["requires"] = Requires,
    };
}

/// <summary>A <c>group_req_listing</c> row: a group required by a group, with the required group's name.</summary>
internal sealed class GroupReqRow
{
    public int Group_Id { get; init; }

    public int Tag_Id { get; init; }

    public int Req_Id { get; init; }

    public bool Blocked { get; init; }

    public string? Type { get; init; }

    public bool Is_Metapkg { get; init; }

    public string Name { get; init; } = "";

    public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
    {
        ["group_id"] = Group_Id,
        ["tag_id"] = Tag_Id,
        ["req_id"] = Req_Id,
        ["blocked"] = Blocked,
        ["type"] = Type,
        ["is_metapkg"] = Is_Metapkg,
        ["name"] = Name,
    };
}

/// <summary>
/// One build group of a tag as inheritance resolves it: the first definition of the group met
/// along the tag's inheritance, and (when read) its packages and required groups, each likewise
/// the first entry met. Entries keep the order they were found in.
/// </summary>
internal sealed class TagGroup(GroupConfigRow config)
{
    public GroupConfigRow Config { get; } = config;

    /// <summary>Packages by name; null when packages were not read.</summary>
    public Dictionary<string, GroupPackageRow>? Packages { get; set; }

    /// <summary>Required groups by group id; null when requirements were not read.</summary>
    public Dictionary<int, GroupReqRow>? Reqs { get; set; }

    /// <summary>The getTagGroups struct; blocked packages and requirements only with <paramref name="includeBlocked"/>.</summary>
    public Dictionary<string, object?> ToStruct(bool includeBlocked)
    {
        var c = Config;
        var s = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = c.Name,
            ["group_id"] = c.Group_Id,
            ["tag_id"] = c.Tag_Id,
            ["blocked"] = c.Blocked,
            ["exported"] = c.Exported,
            ["display_name"] = c.Display_Name,
            ["is_default"] = c.Is_Default,
            ["uservisible"] = c.Uservisible,
            ["description"] = c.Description,
            ["langonly"] = c.Langonly,
            ["biarchonly"] = c.Biarchonly,
        };
        if (Packages is not null)
        {
            s["packagelist"] = Packages.Values.Where(p => includeBlocked || !p.Blocked).Select(p => (object?)p.ToStruct()).ToList();
        }
        if (Reqs is not null)
        {
            s["grouplist"] = Reqs.Values.Where(r => includeBlocked || !r.Blocked).Select(r => (object?)r.ToStruct()).ToList();
        }
        return s;
    }
}

/// <summary>
/// Koji's build groups of a tag (api-core.md §10): the tag's own <c>group_config</c>,
/// <c>group_package_listing</c> and <c>group_req_listing</c> entries, then its ancestors' in
/// inheritance order, the first entry of a group, package or requirement winning (a blocking
/// entry wins too, and hides what it blocks). Package filters of inheritance links do not apply
/// to groups.
/// </summary>
internal static class TagGroups
{
    /// <summary>
    /// The groups of tag <paramref name="tagId"/> as of <paramref name="atEvent"/>, blocked ones
    /// included, by group id in the order found. Packages and requirements of blocked groups are
    /// not collected; a requirement on a group the tag does not have is ignored.
    /// </summary>
    public static async Task<Dictionary<int, TagGroup>> ReadAsync(CallContext ctx, int tagId, int? atEvent, bool inherit, bool withPackages, bool withReqs)
    {
        var chain = new List<int> { tagId };
        if (inherit)
        {
            foreach (var entry in await Inheritance.ReadFullInheritanceAsync(ctx, tagId, atEvent).ConfigureAwait(false))
            {
                if (!chain.Contains(entry.Link.Parent_Id))
                {
                    chain.Add(entry.Link.Parent_Id);
                }
            }
        }
        var p = new DynamicParameters();
        p.Add("event", atEvent);
        var tagIn = "(" + string.Join(", ", chain.Select((id, i) =>
        {
            var name = "t" + i.ToString(CultureInfo.InvariantCulture);
            p.Add(name, id);
            return "@" + name;
        })) + ")";

        var configs = (await ctx.QueryAsync<GroupConfigRow>($"""
            SELECT gc.group_id, g.name, gc.tag_id, gc.blocked, gc.exported, gc.display_name, gc.is_default, gc.uservisible,
                   gc.description, gc.langonly, gc.biarchonly
            FROM group_config gc JOIN groups g ON g.id = gc.group_id
            WHERE gc.tag_id IN {tagIn} AND {Versioning.Active("gc", atEvent)}
            ORDER BY gc.group_id
            """, p).ConfigureAwait(false)).ToLookup(r => r.Tag_Id);
        var groups = new Dictionary<int, TagGroup>();
        foreach (var id in chain)
        {
            foreach (var row in configs[id])
            {
                groups.TryAdd(row.Group_Id, new TagGroup(row));
            }
        }

        if (withPackages)
        {
            foreach (var g in groups.Values)
            {
                g.Packages = new Dictionary<string, GroupPackageRow>(StringComparer.Ordinal);
            }
            var packages = (await ctx.QueryAsync<GroupPackageRow>($"""
                SELECT gp.group_id, gp.tag_id, gp.package, gp.blocked, gp.type, gp.basearchonly, gp.requires
                FROM group_package_listing gp
                WHERE gp.tag_id IN {tagIn} AND {Versioning.Active("gp", atEvent)}
                ORDER BY gp.group_id, gp.package
                """, p).ConfigureAwait(false)).ToLookup(r => r.Tag_Id);
            foreach (var id in chain)
            {
                foreach (var row in packages[id])
                {
                    if (groups.TryGetValue(row.Group_Id, out var g) && !g.Config.Blocked)
                    {
                        g.Packages!.TryAdd(row.Package, row);
                    }
                }
            }
        }

        if (withReqs)
        {
            foreach (var g in groups.Values)
            {
                g.Reqs = [];
            }
            var reqs = (await ctx.QueryAsync<GroupReqRow>($"""
                SELECT gr.group_id, gr.tag_id, gr.req_id, gr.blocked, gr.type, gr.is_metapkg, g.name
                FROM group_req_listing gr JOIN groups g ON g.id = gr.req_id
                WHERE gr.tag_id IN {tagIn} AND {Versioning.Active("gr", atEvent)}
                ORDER BY gr.group_id, gr.req_id
                """, p).ConfigureAwait(false)).ToLookup(r => r.Tag_Id);
            foreach (var id in chain)
            {
                foreach (var row in reqs[id])
                {
                    if (groups.TryGetValue(row.Group_Id, out var g) && !g.Config.Blocked && groups.ContainsKey(row.Req_Id))
                    {
                        g.Reqs!.TryAdd(row.Req_Id, row);
                    }
                }
            }
        }
        return groups;
    }

    /// <summary>
    /// Koji's <c>readTagGroups</c>: the groups with packages and requirements, blocked groups
    /// (and blocked packages and requirements) left out unless <paramref name="includeBlocked"/>.
    /// </summary>
    public static async Task<List<TagGroup>> ReadVisibleAsync(CallContext ctx, int tagId, int? atEvent, bool inherit = true,
        bool withPackages = true, bool withReqs = true, bool includeBlocked = false)
    {
        var groups = await ReadAsync(ctx, tagId, atEvent, inherit, withPackages, withReqs).ConfigureAwait(false);
        var result = new List<TagGroup>();
        foreach (var g in groups.Values)
        {
            if (g.Config.Blocked && !includeBlocked)
            {
                continue;
            }
            if (!includeBlocked)
            {
                if (g.Packages is not null)
                {
                    g.Packages = g.Packages.Where(kv => !kv.Value.Blocked).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                }
                if (g.Reqs is not null)
                {
                    g.Reqs = g.Reqs.Where(kv => !kv.Value.Blocked).ToDictionary(kv => kv.Key, kv => kv.Value);
                }
            }
            result.Add(g);
        }
        return result;
    }
}
