using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.Groups;

/// <summary>
/// Build groups of tags (api-core.md §10): the groups (comps), their packages and the groups
/// they require, all event-versioned and inherited. Every change needs the <c>tag</c>
/// permission. Adding an entry that is already there with the same values changes nothing;
/// blocking is an entry of its own that hides the inherited one.
/// </summary>
internal static class GroupApi
{
    private static readonly string[] GroupFields = ["exported", "display_name", "is_default", "uservisible", "description", "langonly", "biarchonly"];

    [KojiMethod("getTagGroups", ReadOnly = true)]
    public static async Task<List<Dictionary<string, object?>>> GetTagGroups(CallContext ctx, object? tag, int? @event = null, bool inherit = true,
        bool incl_pkgs = true, bool incl_reqs = true, bool incl_blocked = false)
    {
        var tagRow = (await Lookup.NameAsync(ctx, "tag", tag, strict: true).ConfigureAwait(false))!;
        var groups = await TagGroups.ReadVisibleAsync(ctx, tagRow.Id, @event, inherit, incl_pkgs, incl_reqs, incl_blocked).ConfigureAwait(false);
        return groups.Select(g => g.ToStruct(incl_blocked)).ToList();
    }

    [KojiMethod("groupListAdd")]
    public static async Task<object?> GroupListAdd(CallContext ctx, object? taginfo, object? grpinfo, bool block = false, bool force = false, KwArgs opts = null!)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = await TagQueries.GetAsync(ctx, taginfo).ConfigureAwait(false);
        if (grpinfo is string name)
        {
            NameValidation.InternalName(ctx, name);
        }
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, create: true).ConfigureAwait(false))!;
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var field in GroupFields)
        {
            if (opts.Values.TryGetValue(field, out var v))
            {
                values[field] = GroupField(field, v);
            }
        }
        values["blocked"] = block;
        var groups = await TagGroups.ReadAsync(ctx, tag.Id, null, inherit: true, withPackages: false, withReqs: false).ConfigureAwait(false);
        if (groups.TryGetValue(group.Id, out var previous))
        {
            if (previous.Config.Blocked && !force)
            {
                throw KojiErrors.Generic($"group {group.Name} is blocked in tag {tag.Name}");
            }
            var old = GroupValues(previous.Config);
            var changed = false;
            foreach (var (field, oldValue) in old)
            {
                if (values.TryGetValue(field, out var v))
                {
                    changed |= !Equals(v, oldValue);
                }
                else
                {
                    values[field] = oldValue;
                }
            }
            if (!changed)
            {
                return null;
            }
        }
        values.TryAdd("display_name", group.Name);
        values.TryAdd("biarchonly", false);
        values.TryAdd("exported", true);
        values.TryAdd("uservisible", true);
        values["display_name"] ??= group.Name;
        await Versioning.RevokeAsync(ctx, "group_config", "group_id = @g AND tag_id = @t", new { g = group.Id, t = tag.Id }).ConfigureAwait(false);
        values["group_id"] = group.Id;
        values["tag_id"] = tag.Id;
        await Versioning.InsertAsync(ctx, "group_config", values).ConfigureAwait(false);
        return null;
    }

    private static Dictionary<string, object?> GroupValues(GroupConfigRow c) => new(StringComparer.Ordinal)
    {
        ["exported"] = c.Exported,
        ["display_name"] = c.Display_Name,
        ["is_default"] = c.Is_Default,
        ["uservisible"] = c.Uservisible,
        ["description"] = c.Description,
        ["langonly"] = c.Langonly,
        ["biarchonly"] = c.Biarchonly,
        ["blocked"] = c.Blocked,
    };

    /// <summary>A group option as stored: booleans for the flags, text (or null) for the rest.</summary>
    private static object? GroupField(string field, object? value) => field switch
    {
        "exported" or "is_default" or "uservisible" or "biarchonly" => value is null ? null : ArgumentBinder.Truthy(value),
        "display_name" => value as string ?? throw KojiErrors.Parameter($"Invalid type for display_name: {ArgumentBinder.PythonTypeName(value)}"),
        _ => value is null or string ? value : throw KojiErrors.Parameter($"Invalid type for {field}: {ArgumentBinder.PythonTypeName(value)}"),
    };

    [KojiMethod("groupListRemove")]
    public static async Task<object?> GroupListRemove(CallContext ctx, object? taginfo, object? grpinfo, bool force = false)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = await TagQueries.GetAsync(ctx, taginfo).ConfigureAwait(false);
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, strict: true).ConfigureAwait(false))!;
        var p = new { g = group.Id, t = tag.Id };
        if (!force && await ctx.ScalarAsync<int?>("SELECT 1 FROM group_config WHERE group_id = @g AND tag_id = @t AND revoke_event IS NULL", p).ConfigureAwait(false) is null)
        {
            throw KojiErrors.Generic($"No group: {group.Name} found for tag: {tag.Name}");
        }
        await Versioning.RevokeAsync(ctx, "group_config", "group_id = @g AND tag_id = @t", p).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("groupListBlock")]
    public static Task<object?> GroupListBlock(CallContext ctx, object? taginfo, object? grpinfo) =>
        GroupListAdd(ctx, taginfo, grpinfo, block: true, force: false, new KwArgs(new Dictionary<string, object?>(StringComparer.Ordinal)));

    [KojiMethod("groupListUnblock")]
    public static async Task<object?> GroupListUnblock(CallContext ctx, object? taginfo, object? grpinfo)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = (await Lookup.NameAsync(ctx, "tag", taginfo, strict: true).ConfigureAwait(false))!;
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, strict: true).ConfigureAwait(false))!;
        var p = new { g = group.Id, t = tag.Id };
        if (await ctx.ScalarAsync<bool?>("SELECT blocked FROM group_config WHERE group_id = @g AND tag_id = @t AND revoke_event IS NULL", p).ConfigureAwait(false) != true)
        {
            throw KojiErrors.Generic($"group {group.Name} is NOT blocked in tag {tag.Name}");
        }
        await Versioning.RevokeAsync(ctx, "group_config", "group_id = @g AND tag_id = @t", p).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("groupPackageListAdd")]
    public static async Task<object?> GroupPackageListAdd(CallContext ctx, object? taginfo, object? grpinfo, string pkg_name, bool block = false, bool force = false,
        KwArgs opts = null!)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = (await Lookup.NameAsync(ctx, "tag", taginfo, strict: true).ConfigureAwait(false))!;
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, strict: true).ConfigureAwait(false))!;
        if (string.IsNullOrEmpty(pkg_name))
        {
            throw KojiErrors.Parameter("Invalid package name: ''");
        }
        var groups = await TagGroups.ReadAsync(ctx, tag.Id, null, inherit: true, withPackages: true, withReqs: false).ConfigureAwait(false);
        var cfg = PresentGroup(groups, group, tag);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (opts.Values.TryGetValue("type", out var type))
        {
            values["type"] = type as string ?? throw KojiErrors.Parameter($"Invalid type for type: {ArgumentBinder.PythonTypeName(type)}");
        }
        if (opts.Values.TryGetValue("basearchonly", out var basearch))
        {
            values["basearchonly"] = basearch is null ? null : ArgumentBinder.Truthy(basearch);
        }
        if (opts.Values.TryGetValue("requires", out var requires))
        {
            values["requires"] = requires is null or string ? requires : throw KojiErrors.Parameter($"Invalid type for requires: {ArgumentBinder.PythonTypeName(requires)}");
        }
        if (cfg.Packages!.TryGetValue(pkg_name, out var previous))
        {
            if (previous.Blocked && !force)
            {
                throw KojiErrors.Generic($"package {pkg_name} blocked in group {group.Name}, tag {tag.Name}");
            }
            var changed = block;
            foreach (var (field, oldValue) in new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["type"] = previous.Type,
                ["basearchonly"] = previous.Basearchonly,
                ["requires"] = previous.Requires,
            })
            {
                if (values.TryGetValue(field, out var v))
                {
                    changed |= !Equals(v, oldValue);
                }
                else
                {
                    values[field] = oldValue;
                }
            }
            if (!changed && !force)
            {
                return null;
            }
        }
        values.TryAdd("type", "mandatory");
        values["type"] ??= "mandatory";
        var key = new { g = group.Id, t = tag.Id, pkg = pkg_name };
        await Versioning.RevokeAsync(ctx, "group_package_listing", "group_id = @g AND tag_id = @t AND package = @pkg", key).ConfigureAwait(false);
        values["group_id"] = group.Id;
        values["tag_id"] = tag.Id;
        values["package"] = pkg_name;
        values["blocked"] = block;
        await Versioning.InsertAsync(ctx, "group_package_listing", values).ConfigureAwait(false);
        return null;
    }

    private static TagGroup PresentGroup(Dictionary<int, TagGroup> groups, NameRow group, NameRow tag)
    {
        if (!groups.TryGetValue(group.Id, out var cfg))
        {
            throw KojiErrors.Generic($"group {group.Name} not present in tag {tag.Name}");
        }
        if (cfg.Config.Blocked)
        {
            throw KojiErrors.Generic($"group {group.Name} is blocked in tag {tag.Name}");
        }
        return cfg;
    }

    [KojiMethod("groupPackageListRemove")]
    public static async Task<object?> GroupPackageListRemove(CallContext ctx, object? taginfo, object? grpinfo, string pkg_name)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = (await Lookup.NameAsync(ctx, "tag", taginfo, strict: true).ConfigureAwait(false))!;
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, strict: true).ConfigureAwait(false))!;
        await Versioning.RevokeAsync(ctx, "group_package_listing", "group_id = @g AND tag_id = @t AND package = @pkg",
            new { g = group.Id, t = tag.Id, pkg = pkg_name }).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("groupPackageListBlock")]
    public static Task<object?> GroupPackageListBlock(CallContext ctx, object? taginfo, object? grpinfo, string pkg_name) =>
        GroupPackageListAdd(ctx, taginfo, grpinfo, pkg_name, block: true, force: false, new KwArgs(new Dictionary<string, object?>(StringComparer.Ordinal)));

    [KojiMethod("groupPackageListUnblock")]
    public static async Task<object?> GroupPackageListUnblock(CallContext ctx, object? taginfo, object? grpinfo, string pkg_name)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = (await Lookup.NameAsync(ctx, "tag", taginfo, strict: true).ConfigureAwait(false))!;
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, strict: true).ConfigureAwait(false))!;
        var key = new { g = group.Id, t = tag.Id, pkg = pkg_name };
        if (await ctx.ScalarAsync<bool?>("SELECT blocked FROM group_package_listing WHERE group_id = @g AND tag_id = @t AND package = @pkg AND revoke_event IS NULL", key)
            .ConfigureAwait(false) != true)
        {
            throw KojiErrors.Generic($"package {pkg_name} is NOT blocked in group {group.Id}, tag {tag.Id}");
        }
        await Versioning.RevokeAsync(ctx, "group_package_listing", "group_id = @g AND tag_id = @t AND package = @pkg", key).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("groupReqListAdd")]
    public static async Task<object?> GroupReqListAdd(CallContext ctx, object? taginfo, object? grpinfo, object? reqinfo, bool block = false, bool force = false,
        KwArgs opts = null!)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = (await Lookup.NameAsync(ctx, "tag", taginfo, strict: true).ConfigureAwait(false))!;
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, strict: true).ConfigureAwait(false))!;
        var req = (await Lookup.NameAsync(ctx, "groups", reqinfo, strict: true).ConfigureAwait(false))!;
        var groups = await TagGroups.ReadAsync(ctx, tag.Id, null, inherit: true, withPackages: false, withReqs: true).ConfigureAwait(false);
        var cfg = PresentGroup(groups, group, tag);
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (opts.Values.TryGetValue("type", out var type))
        {
            values["type"] = type is null or string ? type : throw KojiErrors.Parameter($"Invalid type for type: {ArgumentBinder.PythonTypeName(type)}");
        }
        if (opts.Values.TryGetValue("is_metapkg", out var meta))
        {
            values["is_metapkg"] = ArgumentBinder.Truthy(meta);
        }
        if (cfg.Reqs!.TryGetValue(req.Id, out var previous))
        {
            if (previous.Blocked && !force)
            {
                throw KojiErrors.Generic($"requirement on group {req.Name} blocked in group {group.Name}, tag {tag.Name}");
            }
            var changed = block;
            foreach (var (field, oldValue) in new Dictionary<string, object?>(StringComparer.Ordinal) { ["type"] = previous.Type, ["is_metapkg"] = previous.Is_Metapkg })
            {
                if (values.TryGetValue(field, out var v))
                {
                    changed |= !Equals(v, oldValue);
                }
                else
                {
                    values[field] = oldValue;
                }
            }
            if (!changed)
            {
                return null;
            }
        }
        values.TryAdd("type", "mandatory");
        values.TryAdd("is_metapkg", false);
        var key = new { g = group.Id, t = tag.Id, r = req.Id };
        await Versioning.RevokeAsync(ctx, "group_req_listing", "group_id = @g AND tag_id = @t AND req_id = @r", key).ConfigureAwait(false);
        values["group_id"] = group.Id;
        values["tag_id"] = tag.Id;
        values["req_id"] = req.Id;
        values["blocked"] = block;
        await Versioning.InsertAsync(ctx, "group_req_listing", values).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("groupReqListRemove")]
    public static async Task<object?> GroupReqListRemove(CallContext ctx, object? taginfo, object? grpinfo, object? reqinfo, object? force = null)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        _ = force; // accepted for compatibility; it never changed anything
        var tag = (await Lookup.NameAsync(ctx, "tag", taginfo, strict: true).ConfigureAwait(false))!;
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, strict: true).ConfigureAwait(false))!;
        var req = (await Lookup.NameAsync(ctx, "groups", reqinfo, strict: true).ConfigureAwait(false))!;
        await Versioning.RevokeAsync(ctx, "group_req_listing", "group_id = @g AND tag_id = @t AND req_id = @r",
            new { g = group.Id, t = tag.Id, r = req.Id }).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("groupReqListBlock")]
    public static Task<object?> GroupReqListBlock(CallContext ctx, object? taginfo, object? grpinfo, object? reqinfo) =>
        GroupReqListAdd(ctx, taginfo, grpinfo, reqinfo, block: true, force: false, new KwArgs(new Dictionary<string, object?>(StringComparer.Ordinal)));

    [KojiMethod("groupReqListUnblock")]
    public static async Task<object?> GroupReqListUnblock(CallContext ctx, object? taginfo, object? grpinfo, object? reqinfo)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = (await Lookup.NameAsync(ctx, "tag", taginfo, strict: true).ConfigureAwait(false))!;
        var group = (await Lookup.NameAsync(ctx, "groups", grpinfo, strict: true).ConfigureAwait(false))!;
        var req = (await Lookup.NameAsync(ctx, "groups", reqinfo, strict: true).ConfigureAwait(false))!;
        var key = new { g = group.Id, t = tag.Id, r = req.Id };
        if (await ctx.ScalarAsync<bool?>("SELECT blocked FROM group_req_listing WHERE group_id = @g AND tag_id = @t AND req_id = @r AND revoke_event IS NULL", key)
            .ConfigureAwait(false) != true)
        {
            throw KojiErrors.Generic($"group req {req.Id} is NOT blocked in group {group.Id}, tag {tag.Id}");
        }
        await Versioning.RevokeAsync(ctx, "group_req_listing", "group_id = @g AND tag_id = @t AND req_id = @r", key).ConfigureAwait(false);
        return null;
    }
}
