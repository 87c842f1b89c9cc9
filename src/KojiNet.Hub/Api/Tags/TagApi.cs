using System.Globalization;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Tags;

/// <summary>Tag CRUD and inheritance methods (api-core.md §3.1, §3.2).</summary>
internal static class TagApi
{
    [KojiMethod("getTag", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> GetTag(CallContext ctx, object? tagInfo, bool strict = false, int? @event = null, bool blocked = false)
    {
        if (TagCache.Serves(ctx, @event))
        {
            var lookup = await TagCache.For(ctx.Hub).FindAsync(ctx, tagInfo, withChain: false).ConfigureAwait(false);
            return lookup is null
                ? strict ? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tagInfo)}") : null
                : TagQueries.ToStruct(lookup.Config, await lookup.ExtraAsync().ConfigureAwait(false), null, blocked);
        }
        var tag = await TagQueries.FindAsync(ctx, tagInfo, @event).ConfigureAwait(false);
        if (tag is null)
        {
            return strict ? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tagInfo)}") : null;
        }
        return await TagQueries.ToStructAsync(ctx, tag, @event, blocked).ConfigureAwait(false);
    }

    /// <summary>Not read-only: <c>create=True</c> registers a bare tag name (no configuration), as upstream does.</summary>
    [KojiMethod("getTagID")]
    public static async Task<int?> GetTagId(CallContext ctx, object? info, bool strict = false, bool create = false) =>
        (await Lookup.NameAsync(ctx, "tag", info, strict, create).ConfigureAwait(false))?.Id;

    /// <summary>A listTags row: the tag plus, when listing by package, its package-list entry.</summary>
    private sealed class ListTagRow : TagRow
    {
        public int? Owner_Id { get; init; }

        public string? Owner_Name { get; init; }

        public bool? Blocked { get; init; }

        public string? Extra_Arches { get; init; }
    }

    [KojiMethod("listTags", ReadOnly = true)]
    public static async Task<object> ListTags(CallContext ctx, object? build = null, object? package = null, bool perms = true, IReadOnlyDictionary<string, object?>? queryOpts = null, string? pattern = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        if (build is not null && package is not null)
        {
            throw KojiErrors.Generic("only one of build and package may be specified");
        }
        var joins = "";
        var where = "tc.revoke_event IS NULL";
        var extraCols = "";
        object param;
        if (build is not null)
        {
            var buildId = await BuildIdAsync(ctx, build).ConfigureAwait(false);
            joins = " JOIN tag_listing tl ON tl.tag_id = tag.id";
            where += " AND tl.revoke_event IS NULL AND tl.build_id = @buildId";
            param = new { buildId };
        }
        else if (package is not null)
        {
            var pkg = await Lookup.NameAsync(ctx, "package", package).ConfigureAwait(false)
                ?? throw KojiErrors.Generic($"No such package: {Lookup.Str(package)}");
            joins = """
                 JOIN tag_packages tp ON tp.tag_id = tag.id
                 LEFT JOIN tag_package_owners tpo ON tpo.tag_id = tp.tag_id AND tpo.package_id = tp.package_id AND tpo.revoke_event IS NULL
                 LEFT JOIN users ON users.id = tpo.owner
                """;
            where += " AND tp.revoke_event IS NULL AND tp.package_id = @pkgId";
            extraCols = ", tpo.owner AS owner_id, users.name AS owner_name, tp.blocked, tp.extra_arches";
            param = new { pkgId = pkg.Id };
        }
        else
        {
            param = new { };
        }
        var rows = await ctx.QueryAsync<ListTagRow>($"""
            SELECT tag.id, tag.name, tc.arches, tc.perm_id, permissions.name AS perm, tc.locked, tc.maven_support, tc.maven_include_all{extraCols}
            FROM tag_config tc JOIN tag ON tag.id = tc.tag_id LEFT JOIN permissions ON permissions.id = tc.perm_id{joins}
            WHERE {where}
            ORDER BY tag.id
            """, param).ConfigureAwait(false);
        var glob = pattern is null ? null : Lookup.Glob(pattern);
        var result = new List<IReadOnlyDictionary<string, object?>>();
        foreach (var r in rows)
        {
            if (glob is not null && !glob.IsMatch(r.Name))
            {
                continue;
            }
            var s = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = r.Id,
                ["name"] = r.Name,
                ["arches"] = r.Arches,
                ["locked"] = r.Locked,
                ["maven_support"] = r.Maven_Support,
                ["maven_include_all"] = r.Maven_Include_All,
            };
            if (perms)
            {
                s["perm_id"] = r.Perm_Id;
                s["perm"] = r.Perm;
            }
            if (package is not null)
            {
                s["owner_id"] = r.Owner_Id;
                s["owner_name"] = r.Owner_Name;
                s["blocked"] = r.Blocked ?? false;
                s["extra_arches"] = r.Extra_Arches;
            }
            result.Add(s);
        }
        return opts.ApplyInMemory(result);
    }

    /// <summary>The id of a build given as id, NVR string or struct; GenericError when unknown.</summary>
    private static async Task<int> BuildIdAsync(CallContext ctx, object? build)
    {
        int? id = null;
        switch (build)
        {
            case int i:
                id = await ctx.ScalarAsync<int?>("SELECT id FROM build WHERE id = @i", new { i }).ConfigureAwait(false);
                break;
            case long l when l is >= int.MinValue and <= int.MaxValue:
                id = await ctx.ScalarAsync<int?>("SELECT id FROM build WHERE id = @i", new { i = (int)l }).ConfigureAwait(false);
                break;
            case string s:
                var nvr = s.Contains(':', StringComparison.Ordinal) ? s[(s.IndexOf(':', StringComparison.Ordinal) + 1)..] : s;
                var r = nvr.LastIndexOf('-');
                var v = r > 0 ? nvr.LastIndexOf('-', r - 1) : -1;
                if (v <= 0 || r == nvr.Length - 1 || v + 1 == r)
                {
                    throw KojiErrors.Generic($"invalid format: {s}");
                }
                id = await ctx.ScalarAsync<int?>("""
                    SELECT build.id FROM build JOIN package ON package.id = build.pkg_id
                    WHERE package.name = @name AND build.version = @version AND build.release = @release
                    """, new { name = nvr[..v], version = nvr[(v + 1)..r], release = nvr[(r + 1)..] }).ConfigureAwait(false);
                break;
            case IReadOnlyDictionary<string, object?> d when d.GetValueOrDefault("id") is int or long:
                return await BuildIdAsync(ctx, d["id"]).ConfigureAwait(false);
            case IReadOnlyDictionary<string, object?> d:
                id = await ctx.ScalarAsync<int?>("""
                    SELECT build.id FROM build JOIN package ON package.id = build.pkg_id
                    WHERE package.name = @name AND build.version = @version AND build.release = @release
                    """, new { name = d.GetValueOrDefault("name") as string, version = d.GetValueOrDefault("version") as string, release = d.GetValueOrDefault("release") as string }).ConfigureAwait(false);
                break;
            default:
                throw KojiErrors.Generic($"Invalid type for buildInfo: {ArgumentBinder.PythonTypeName(build)}");
        }
        return id ?? throw KojiErrors.Generic($"No such build: {Lookup.Str(build)}");
    }

    [KojiMethod("createTag")]
    public static async Task<int> CreateTag(CallContext ctx, string name, object? parent = null, object? arches = null, object? perm = null,
        bool locked = false, bool maven_support = false, bool maven_include_all = false, IReadOnlyDictionary<string, object?>? extra = null)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        NameValidation.InternalName(ctx, name);
        if ((maven_support || maven_include_all) && !ctx.Hub.Config.Operation.EnableMaven)
        {
            throw KojiErrors.Generic("Maven support not enabled");
        }
        if (await TagQueries.FindAsync(ctx, name, null).ConfigureAwait(false) is not null)
        {
            throw KojiErrors.Generic($"A tag with the name {name} already exists");
        }
        TagRow? parentTag = null;
        if (parent is not null)
        {
            parentTag = await TagQueries.FindAsync(ctx, parent, null).ConfigureAwait(false)
                ?? throw KojiErrors.Generic($"Parent tag '{Lookup.Str(parent)}' could not be found");
        }
        int? permId = perm is null ? null : (await Lookup.NameAsync(ctx, "permissions", perm, strict: true).ConfigureAwait(false))!.Id;
        var archList = Lookup.Arches(arches) ?? "";
        var tagId = (await Lookup.NameAsync(ctx, "tag", name, create: true).ConfigureAwait(false))!.Id;
        await Versioning.InsertAsync(ctx, "tag_config", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tag_id"] = tagId,
            ["arches"] = archList,
            ["perm_id"] = permId,
            ["locked"] = locked,
            ["maven_support"] = maven_support,
            ["maven_include_all"] = maven_include_all,
        }).ConfigureAwait(false);
        if (parentTag is not null)
        {
            await InsertLinkAsync(ctx, tagId, parentTag.Id, 0, null, false, false, "").ConfigureAwait(false);
        }
        foreach (var (key, value) in extra ?? new Dictionary<string, object?>())
        {
            await Versioning.InsertAsync(ctx, "tag_extra", new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["tag_id"] = tagId,
                ["key"] = key,
                ["value"] = PyJson.Encode(value),
            }).ConfigureAwait(false);
        }
        return tagId;
    }

    [KojiMethod("editTag2")]
    public static async Task<object?> EditTag2(CallContext ctx, object? tagInfo, KwArgs kwargs)
    {
        await EditAsync(ctx, tagInfo, kwargs.Values).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("editTag")]
    public static async Task<object?> EditTag(CallContext ctx, object? tagInfo, object? name, object? arches, object? locked, object? permissionID, object? extra = null)
    {
        await TagQueries.GetAsync(ctx, tagInfo).ConfigureAwait(false);
        var kw = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = name,
            ["arches"] = arches,
            ["locked"] = locked,
            ["perm_id"] = permissionID,
        };
        if (extra is not null)
        {
            kw["extra"] = extra;
        }
        await EditAsync(ctx, tagInfo, kw).ConfigureAwait(false);
        return null;
    }

    private static async Task EditAsync(CallContext ctx, object? tagInfo, IReadOnlyDictionary<string, object?> kw)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = await TagQueries.GetAsync(ctx, tagInfo).ConfigureAwait(false);
        if ((ArgumentBinder.Truthy(kw.GetValueOrDefault("maven_support")) || ArgumentBinder.Truthy(kw.GetValueOrDefault("maven_include_all")))
            && !ctx.Hub.Config.Operation.EnableMaven)
        {
            throw KojiErrors.Generic("Maven support not enabled");
        }
        var extra = kw.GetValueOrDefault("extra") switch
        {
            null => new Dictionary<string, object?>(),
            IReadOnlyDictionary<string, object?> d => d,
            var other => throw KojiErrors.Parameter($"Invalid type for extra: {ArgumentBinder.PythonTypeName(other)}"),
        };
        var removeExtra = KeyList(kw.GetValueOrDefault("remove_extra"), "remove_extra");
        var blockExtra = KeyList(kw.GetValueOrDefault("block_extra"), "block_extra");
        foreach (var key in removeExtra.Concat(blockExtra))
        {
            if (extra.ContainsKey(key))
            {
                throw KojiErrors.Generic($"Can not both add/update and remove tag-extra: '{key}'");
            }
        }

        int? permId = tag.Perm_Id;
        var permGiven = kw.ContainsKey("perm_id") || kw.ContainsKey("perm");
        if (permGiven)
        {
            var perm = kw.ContainsKey("perm_id") ? kw["perm_id"] : kw["perm"];
            permId = perm is null ? null : (await Lookup.NameAsync(ctx, "permissions", perm, strict: true).ConfigureAwait(false))!.Id;
        }

        if (kw.GetValueOrDefault("name") is { } newNameValue && ArgumentBinder.Truthy(newNameValue))
        {
            if (newNameValue is not string newName)
            {
                throw KojiErrors.Parameter($"Invalid type for name: {ArgumentBinder.PythonTypeName(newNameValue)}");
            }
            if (!string.Equals(newName, tag.Name, StringComparison.Ordinal))
            {
                NameValidation.InternalName(ctx, newName);
                var taken = await ctx.ScalarAsync<int?>("SELECT id FROM tag WHERE name = @newName", new { newName }).ConfigureAwait(false);
                if (taken is { } other)
                {
                    throw KojiErrors.Generic($"Name {newName} already taken by tag {other.ToString(CultureInfo.InvariantCulture)}");
                }
                await ctx.ExecuteAsync("UPDATE tag SET name = @newName WHERE id = @id", new { newName, id = tag.Id }).ConfigureAwait(false);
            }
        }

        var arches = kw.ContainsKey("arches") ? Lookup.Arches(kw["arches"]) : tag.Arches;
        var locked = kw.ContainsKey("locked") ? ArgumentBinder.Truthy(kw["locked"]) : tag.Locked;
        var mavenSupport = kw.ContainsKey("maven_support") ? ArgumentBinder.Truthy(kw["maven_support"]) : tag.Maven_Support;
        var mavenAll = kw.ContainsKey("maven_include_all") ? ArgumentBinder.Truthy(kw["maven_include_all"]) : tag.Maven_Include_All;
        if (!string.Equals(arches, tag.Arches, StringComparison.Ordinal) || locked != tag.Locked || permId != tag.Perm_Id
            || mavenSupport != tag.Maven_Support || mavenAll != tag.Maven_Include_All)
        {
            await Versioning.RevokeAsync(ctx, "tag_config", "tag_id = @id", new { id = tag.Id }).ConfigureAwait(false);
            await Versioning.InsertAsync(ctx, "tag_config", new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["tag_id"] = tag.Id,
                ["arches"] = arches,
                ["perm_id"] = permId,
                ["locked"] = locked,
                ["maven_support"] = mavenSupport,
                ["maven_include_all"] = mavenAll,
            }).ConfigureAwait(false);
        }

        foreach (var (key, value) in extra)
        {
            await SetExtraAsync(ctx, tag.Id, key, PyJson.Encode(value)).ConfigureAwait(false);
        }
        foreach (var key in blockExtra)
        {
            await SetExtraAsync(ctx, tag.Id, key, null).ConfigureAwait(false);
        }
        foreach (var key in removeExtra)
        {
            var n = await Versioning.RevokeAsync(ctx, "tag_extra", "tag_id = @id AND key = @key", new { id = tag.Id, key }).ConfigureAwait(false);
            if (n == 0)
            {
                throw KojiErrors.Generic($"Tag {tag.Name} has not {key} extra");
            }
        }
    }

    private static async Task SetExtraAsync(CallContext ctx, int tagId, string key, string? json)
    {
        await Versioning.RevokeAsync(ctx, "tag_extra", "tag_id = @tagId AND key = @key", new { tagId, key }).ConfigureAwait(false);
        await Versioning.InsertAsync(ctx, "tag_extra", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tag_id"] = tagId,
            ["key"] = key,
            ["value"] = json,
        }).ConfigureAwait(false);
    }

    private static List<string> KeyList(object? value, string name) => value switch
    {
        null => [],
        string s => [s],
        IReadOnlyList<object?> l => l.Select(k => k as string ?? throw KojiErrors.Parameter($"Invalid type for {name}: {UserQueries.Repr(k)}")).ToList(),
        _ => throw KojiErrors.Parameter($"Invalid type for {name}: {ArgumentBinder.PythonTypeName(value)}"),
    };

    [KojiMethod("deleteTag")]
    public static async Task<object?> DeleteTag(CallContext ctx, object? tagInfo)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = await TagQueries.GetAsync(ctx, tagInfo).ConfigureAwait(false);
        var p = new { id = tag.Id };
        await Versioning.RevokeAsync(ctx, "tag_config", "tag_id = @id", p).ConfigureAwait(false);
        await Versioning.RevokeAsync(ctx, "tag_extra", "tag_id = @id", p).ConfigureAwait(false);
        await Versioning.RevokeAsync(ctx, "tag_inheritance", "tag_id = @id OR parent_id = @id", p).ConfigureAwait(false);
        await Versioning.RevokeAsync(ctx, "build_target_config", "build_tag = @id OR dest_tag = @id", p).ConfigureAwait(false);
        foreach (var table in new[] { "tag_listing", "tag_packages", "tag_package_owners", "tag_external_repos", "group_config", "group_req_listing", "group_package_listing" })
        {
            await Versioning.RevokeAsync(ctx, table, "tag_id = @id", p).ConfigureAwait(false);
        }
        return null;
    }

    [KojiMethod("getInheritanceData", ReadOnly = true)]
    public static async Task<IReadOnlyList<Dictionary<string, object?>>> GetInheritanceData(CallContext ctx, object? tag, int? @event = null)
    {
        var row = (await Lookup.NameAsync(ctx, "tag", tag, strict: true).ConfigureAwait(false))!;
        return (await Inheritance.ReadParentsAsync(ctx, row.Id, @event).ConfigureAwait(false)).Select(Inheritance.ParentStruct).ToList();
    }

    [KojiMethod("getFullInheritance", ReadOnly = true)]
    public static async Task<IReadOnlyList<Dictionary<string, object?>>> GetFullInheritance(CallContext ctx, object? tag, int? @event = null, bool reverse = false, KwArgs kwargs = null!)
    {
        if ((ArgumentBinder.Truthy(kwargs.Get("stops")) || ArgumentBinder.Truthy(kwargs.Get("jumps"))))
        {
            throw KojiErrors.Parameter("'stops' and 'jumps' are no longer supported");
        }
        var row = (await Lookup.NameAsync(ctx, "tag", tag, strict: true).ConfigureAwait(false))!;
        return (await Inheritance.ReadFullInheritanceAsync(ctx, row.Id, @event, reverse).ConfigureAwait(false))
            .Select(e => Inheritance.EntryStruct(e, reverse)).ToList();
    }

    private static readonly string[] LinkFields = ["parent_id", "priority", "maxdepth", "intransitive", "noconfig", "pkg_filter"];

    private sealed class PendingLink
    {
        public int ParentId { get; init; }

        public int Priority { get; init; }

        public int? Maxdepth { get; init; }

        public bool Intransitive { get; init; }

        public bool Noconfig { get; init; }

        public string? PkgFilter { get; init; }

        public bool Delete { get; set; }

        public bool IsUpdate { get; set; }
    }

    [KojiMethod("setInheritanceData")]
    public static async Task<object?> SetInheritanceData(CallContext ctx, object? tag, object? data, bool clear = false)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tagRow = (await Lookup.NameAsync(ctx, "tag", tag, strict: true).ConfigureAwait(false))!;
        var changes = data switch
        {
            IReadOnlyDictionary<string, object?> d => [d],
            IReadOnlyList<object?> l => l.Select(x => x as IReadOnlyDictionary<string, object?>
                ?? throw KojiErrors.Parameter($"Invalid inheritance data: {UserQueries.Repr(x)}")).ToList(),
            _ => throw KojiErrors.Parameter($"Invalid inheritance data: {UserQueries.Repr(data)}"),
        };
        foreach (var link in changes)
        {
            var delete = ArgumentBinder.Truthy(link.GetValueOrDefault("delete link"));
            foreach (var f in delete ? ["parent_id"] : LinkFields)
            {
                if (!link.ContainsKey(f))
                {
                    throw KojiErrors.Generic($"No value for {f}");
                }
            }
        }
        var current = (await Inheritance.ReadParentsAsync(ctx, tagRow.Id, null).ConfigureAwait(false)).ToDictionary(
            l => l.Parent_Id,
            l => new PendingLink { ParentId = l.Parent_Id, Priority = l.Priority, Maxdepth = l.Maxdepth, Intransitive = l.Intransitive, Noconfig = l.Noconfig, PkgFilter = l.Pkg_Filter });
        foreach (var link in changes)
        {
            var parentId = IntField(link, "parent_id")!.Value;
            current.TryGetValue(parentId, out var orig);
            if (ArgumentBinder.Truthy(link.GetValueOrDefault("delete link")))
            {
                if (orig is not null)
                {
                    orig.Delete = true;
                    orig.IsUpdate = true;
                }
                continue;
            }
            var pending = new PendingLink
            {
                ParentId = parentId,
                Priority = IntField(link, "priority") ?? throw KojiErrors.Generic("No value for priority"),
                Maxdepth = IntField(link, "maxdepth"),
                Intransitive = ArgumentBinder.Truthy(link["intransitive"]),
                Noconfig = ArgumentBinder.Truthy(link["noconfig"]),
                PkgFilter = link["pkg_filter"] switch
                {
                    null => null,
                    string s => s,
                    var other => throw KojiErrors.Parameter($"Invalid pkg_filter: {UserQueries.Repr(other)}"),
                },
                IsUpdate = true,
            };
            if (orig is null || clear || orig.Priority != pending.Priority || orig.Maxdepth != pending.Maxdepth
                || orig.Intransitive != pending.Intransitive || orig.Noconfig != pending.Noconfig
                || !string.Equals(orig.PkgFilter ?? "", pending.PkgFilter ?? "", StringComparison.Ordinal))
            {
                if (parentId == tagRow.Id)
                {
                    throw KojiErrors.Generic("A tag cannot inherit from itself");
                }
                if (await ctx.ScalarAsync<int?>("SELECT id FROM tag WHERE id = @parentId", new { parentId }).ConfigureAwait(false) is null)
                {
                    throw KojiErrors.Generic($"No such entry in table tag: {parentId.ToString(CultureInfo.InvariantCulture)}");
                }
                current[parentId] = pending;
            }
        }
        if (clear)
        {
            foreach (var link in current.Values.Where(l => !l.IsUpdate))
            {
                link.Delete = true;
                link.IsUpdate = true;
            }
        }
        if (!current.Values.Any(l => l.IsUpdate))
        {
            return null;
        }
        foreach (var group in current.Values.Where(l => !l.Delete).GroupBy(l => l.Priority))
        {
            if (group.Count() > 1)
            {
                var ids = "[" + string.Join(", ", group.Select(l => l.ParentId.ToString(CultureInfo.InvariantCulture))) + "]";
                throw KojiErrors.Generic($"Inheritance priorities must be unique (pri {group.Key.ToString(CultureInfo.InvariantCulture)}: {ids} )");
            }
        }
        foreach (var link in current.Values.Where(l => l.IsUpdate))
        {
            await Versioning.RevokeAsync(ctx, "tag_inheritance", "tag_id = @tagId AND parent_id = @parentId", new { tagId = tagRow.Id, parentId = link.ParentId }).ConfigureAwait(false);
        }
        foreach (var link in current.Values.Where(l => l.IsUpdate && !l.Delete))
        {
            await InsertLinkAsync(ctx, tagRow.Id, link.ParentId, link.Priority, link.Maxdepth, link.Intransitive, link.Noconfig, link.PkgFilter).ConfigureAwait(false);
        }
        return null;
    }

    private static int? IntField(IReadOnlyDictionary<string, object?> link, string name) => link.GetValueOrDefault(name) switch
    {
        null => null,
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        bool b => b ? 1 : 0,
        var other => throw KojiErrors.Parameter($"Invalid {name}: {UserQueries.Repr(other)}"),
    };

    private static Task InsertLinkAsync(CallContext ctx, int tagId, int parentId, int priority, int? maxdepth, bool intransitive, bool noconfig, string? pkgFilter) =>
        Versioning.InsertAsync(ctx, "tag_inheritance", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tag_id"] = tagId,
            ["parent_id"] = parentId,
            ["priority"] = priority,
            ["maxdepth"] = maxdepth,
            ["intransitive"] = intransitive,
            ["noconfig"] = noconfig,
            ["pkg_filter"] = pkgFilter,
        });

    [KojiMethod("getBuildConfig", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>> GetBuildConfig(CallContext ctx, object? tag, int? @event = null)
    {
        var tagRow = await TagQueries.GetAsync(ctx, tag, @event).ConfigureAwait(false);
        var result = TagQueries.BaseStruct(tagRow);
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        var extraFrom = new Dictionary<string, object?>(StringComparer.Ordinal);
        var blockedKeys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var row in await TagQueries.ExtraRowsAsync(ctx, tagRow.Id, @event).ConfigureAwait(false))
        {
            Take(row);
        }
        Dictionary<string, object?>? archesFrom = null;
        string? arches = tagRow.Arches;
        foreach (var entry in await Inheritance.ReadFullInheritanceAsync(ctx, tagRow.Id, @event).ConfigureAwait(false))
        {
            if (entry.Noconfig)
            {
                continue;
            }
            var parentId = entry.Link.Parent_Id;
            if (string.IsNullOrEmpty(arches))
            {
                var parent = await TagQueries.FindAsync(ctx, parentId, @event).ConfigureAwait(false);
                if (parent is not null && !string.IsNullOrEmpty(parent.Arches))
                {
                    arches = parent.Arches;
                    archesFrom = new(StringComparer.Ordinal) { ["id"] = parent.Id, ["name"] = parent.Name };
                }
            }
            foreach (var row in await TagQueries.ExtraRowsAsync(ctx, parentId, @event).ConfigureAwait(false))
            {
                if (!extra.ContainsKey(row.Key) && !blockedKeys.Contains(row.Key))
                {
                    Take(row);
                    extraFrom[row.Key] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = parentId, ["name"] = entry.Link.Name };
                }
            }
        }
        result["arches"] = arches;
        result["extra"] = extra;
        result["config_inheritance"] = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["arches"] = archesFrom,
            ["extra"] = extraFrom.Where(kv => extra.ContainsKey(kv.Key)).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
        };
        if (@event is { } e)
        {
            result["query_event"] = e;
        }
        return result;

        void Take(TagExtraRow row)
        {
            if (row.Value is null)
            {
                blockedKeys.Add(row.Key);
            }
            else
            {
                extra[row.Key] = PyJson.Decode(row.Value);
            }
        }
    }
}
