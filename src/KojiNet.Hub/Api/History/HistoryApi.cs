using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.History;

/// <summary><c>queryHistory</c> (model.md §2.4): every version of the event-versioned tables, with name lookups.</summary>
internal static class HistoryApi
{
    /// <summary>One versioned table: its joins (alias <c>x</c> is the table), its members and the entity filters it answers.</summary>
    private sealed record Table(string Joins, (string Member, string Sql)[] Members, Dictionary<string, string[]> Entities, string[] Bools)
    {
        /// <summary>Members stored as JSON text that upstream's JSONB column hands back decoded.</summary>
        public string[] Json { get; init; } = [];
    }

    private static Dictionary<string, string[]> E(params (string Entity, string[] Columns)[] e) =>
        e.ToDictionary(x => x.Entity, x => x.Columns, StringComparer.Ordinal);

    private static readonly SortedDictionary<string, Table> Tables = new(StringComparer.Ordinal)
    {
        ["user_perms"] = new("JOIN users u ON u.id = x.user_id JOIN permissions pm ON pm.id = x.perm_id",
            [("user_id", "x.user_id"), ("user.name", "u.name"), ("perm_id", "x.perm_id"), ("permission.name", "pm.name")],
            E(("user", ["x.user_id"]), ("permission", ["x.perm_id"])), []),
        ["user_groups"] = new("JOIN users u ON u.id = x.user_id JOIN users g ON g.id = x.group_id",
            [("user_id", "x.user_id"), ("user.name", "u.name"), ("group_id", "x.group_id"), ("group.name", "g.name")],
            E(("user", ["x.user_id"])), []),
        ["cg_users"] = new("JOIN users u ON u.id = x.user_id JOIN content_generator cg ON cg.id = x.cg_id",
            [("user_id", "x.user_id"), ("user.name", "u.name"), ("cg_id", "x.cg_id"), ("content_generator.name", "cg.name")],
            E(("user", ["x.user_id"]), ("cg", ["x.cg_id"])), []),
        ["tag_inheritance"] = new("JOIN tag t ON t.id = x.tag_id JOIN tag pt ON pt.id = x.parent_id",
            [("tag_id", "x.tag_id"), ("tag.name", "t.name"), ("parent_id", "x.parent_id"), ("parent.name", "pt.name"), ("priority", "x.priority"),
             ("maxdepth", "x.maxdepth"), ("intransitive", "x.intransitive"), ("noconfig", "x.noconfig"), ("pkg_filter", "x.pkg_filter")],
            E(("tag", ["x.tag_id", "x.parent_id"])), ["intransitive", "noconfig"]),
        ["tag_config"] = new("JOIN tag t ON t.id = x.tag_id LEFT JOIN permissions pm ON pm.id = x.perm_id",
            [("tag_id", "x.tag_id"), ("tag.name", "t.name"), ("arches", "x.arches"), ("perm_id", "x.perm_id"), ("permission.name", "pm.name"),
             ("locked", "x.locked"), ("maven_support", "x.maven_support"), ("maven_include_all", "x.maven_include_all")],
            E(("tag", ["x.tag_id"]), ("permission", ["x.perm_id"])), ["locked", "maven_support", "maven_include_all"]),
        ["tag_extra"] = new("JOIN tag t ON t.id = x.tag_id",
            [("tag_id", "x.tag_id"), ("tag.name", "t.name"), ("key", "x.key"), ("value", "x.value")],
            E(("tag", ["x.tag_id"]), ("xkey", ["x.key"])), []),
        ["build_target_config"] = new("JOIN build_target bt ON bt.id = x.build_target_id JOIN tag bta ON bta.id = x.build_tag JOIN tag dta ON dta.id = x.dest_tag",
            [("build_target_id", "x.build_target_id"), ("build_target.name", "bt.name"), ("build_tag", "x.build_tag"), ("build_tag.name", "bta.name"),
             ("dest_tag", "x.dest_tag"), ("dest_tag.name", "dta.name")],
            E(("build_target", ["x.build_target_id"]), ("tag", ["x.build_tag", "x.dest_tag"])), []),
        ["external_repo_config"] = new("JOIN external_repo er ON er.id = x.external_repo_id",
            [("external_repo_id", "x.external_repo_id"), ("external_repo.name", "er.name"), ("url", "x.url")],
            E(("external_repo", ["x.external_repo_id"])), []),
        ["external_repo_data"] = new("JOIN external_repo er ON er.id = x.external_repo_id",
            [("external_repo_id", "x.external_repo_id"), ("external_repo.name", "er.name"), ("data", "x.data")],
            E(("external_repo", ["x.external_repo_id"])), [])
        { Json = ["data"] },
        ["host_config"] = new("JOIN host h ON h.id = x.host_id",
            [("host_id", "x.host_id"), ("host.name", "h.name"), ("arches", "x.arches"), ("capacity", "x.capacity"), ("description", "x.description"),
             ("comment", "x.comment"), ("enabled", "x.enabled")],
            E(("host", ["x.host_id"])), ["enabled"]),
        ["host_channels"] = new("JOIN host h ON h.id = x.host_id JOIN channels c ON c.id = x.channel_id",
            [("host_id", "x.host_id"), ("host.name", "h.name"), ("channel_id", "x.channel_id"), ("channels.name", "c.name")],
            E(("host", ["x.host_id"]), ("channel", ["x.channel_id"])), []),
        ["tag_external_repos"] = new("JOIN tag t ON t.id = x.tag_id JOIN external_repo er ON er.id = x.external_repo_id",
            [("tag_id", "x.tag_id"), ("tag.name", "t.name"), ("external_repo_id", "x.external_repo_id"), ("external_repo.name", "er.name"),
             ("priority", "x.priority"), ("merge_mode", "x.merge_mode"), ("arches", "x.arches")],
            E(("tag", ["x.tag_id"]), ("external_repo", ["x.external_repo_id"])), []),
        ["tag_listing"] = new("JOIN build b ON b.id = x.build_id JOIN package pk ON pk.id = b.pkg_id JOIN tag t ON t.id = x.tag_id",
            [("build_id", "x.build_id"), ("name", "pk.name"), ("version", "b.version"), ("release", "b.release"), ("epoch", "b.epoch"),
             ("build.state", "b.state"), ("tag_id", "x.tag_id"), ("tag.name", "t.name")],
            E(("build", ["x.build_id"]), ("tag", ["x.tag_id"]), ("package", ["b.pkg_id"])), []),
        ["tag_packages"] = new("JOIN package pk ON pk.id = x.package_id JOIN tag t ON t.id = x.tag_id",
            [("package_id", "x.package_id"), ("package.name", "pk.name"), ("tag_id", "x.tag_id"), ("tag.name", "t.name"),
             ("blocked", "x.blocked"), ("extra_arches", "x.extra_arches")],
            E(("package", ["x.package_id"]), ("tag", ["x.tag_id"])), ["blocked"]),
        ["tag_package_owners"] = new("JOIN package pk ON pk.id = x.package_id JOIN tag t ON t.id = x.tag_id JOIN users ow ON ow.id = x.owner",
            [("package_id", "x.package_id"), ("package.name", "pk.name"), ("tag_id", "x.tag_id"), ("tag.name", "t.name"),
             ("owner", "x.owner"), ("owner.name", "ow.name")],
            E(("package", ["x.package_id"]), ("tag", ["x.tag_id"]), ("user", ["x.owner"])), []),
        ["group_config"] = new("JOIN groups g ON g.id = x.group_id JOIN tag t ON t.id = x.tag_id",
            [("group_id", "x.group_id"), ("group.name", "g.name"), ("tag_id", "x.tag_id"), ("tag.name", "t.name"), ("blocked", "x.blocked"),
             ("exported", "x.exported"), ("display_name", "x.display_name"), ("is_default", "x.is_default"), ("uservisible", "x.uservisible"),
             ("description", "x.description"), ("langonly", "x.langonly"), ("biarchonly", "x.biarchonly")],
            E(("group", ["x.group_id"]), ("tag", ["x.tag_id"])), ["blocked", "exported", "is_default", "uservisible", "biarchonly"]),
        ["group_req_listing"] = new("JOIN groups g ON g.id = x.group_id JOIN tag t ON t.id = x.tag_id JOIN groups rq ON rq.id = x.req_id",
            [("group_id", "x.group_id"), ("group.name", "g.name"), ("tag_id", "x.tag_id"), ("tag.name", "t.name"), ("req_id", "x.req_id"),
             ("req.name", "rq.name"), ("blocked", "x.blocked"), ("type", "x.type"), ("is_metapkg", "x.is_metapkg")],
            E(("group", ["x.group_id"]), ("tag", ["x.tag_id"])), ["blocked", "is_metapkg"]),
        ["group_package_listing"] = new("JOIN groups g ON g.id = x.group_id JOIN tag t ON t.id = x.tag_id",
            [("group_id", "x.group_id"), ("group.name", "g.name"), ("tag_id", "x.tag_id"), ("tag.name", "t.name"), ("package", "x.package"),
             ("blocked", "x.blocked"), ("type", "x.type"), ("basearchonly", "x.basearchonly"), ("requires", "x.requires")],
            E(("group", ["x.group_id"]), ("tag", ["x.tag_id"]), ("package", ["x.package"])), ["blocked", "basearchonly"]),
    };

    private static readonly string[] EntityNames =
        ["tag", "build", "package", "user", "permission", "external_repo", "build_target", "group", "cg", "host", "channel", "xkey"];

    [KojiMethod("queryHistory", ReadOnly = true)]
    internal static async Task<Dictionary<string, object?>> QueryHistory(CallContext ctx, IReadOnlyList<object?>? tables = null, KwArgs? kwargs = null)
    {
        var kw = kwargs?.Values ?? new Dictionary<string, object?>(StringComparer.Ordinal);
        var opts = QueryOptions.Parse(kw.GetValueOrDefault("queryOpts") as IReadOnlyDictionary<string, object?>);
        foreach (var key in kw.Keys)
        {
            if (!EntityNames.Contains(key) && key is not ("before" or "after" or "beforeEvent" or "afterEvent" or "active" or "editor" or "queryOpts"))
            {
                throw KojiErrors.Parameter($"queryHistory() got an unexpected keyword argument '{key}'");
            }
        }
        var names = tables is null ? Tables.Keys.ToList() : tables.Select(t => t as string ?? throw KojiErrors.Generic($"No such history table: {UserQueries.Repr(t)}")).ToList();
        foreach (var n in names)
        {
            if (!Tables.ContainsKey(n))
            {
                throw KojiErrors.Generic($"No such history table: {n}");
            }
        }

        var p = new DynamicParameters();
        var entityValues = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var entity in EntityNames)
        {
            if (kw.TryGetValue(entity, out var v) && v is not null)
            {
                entityValues[entity] = await ResolveAsync(ctx, entity, v).ConfigureAwait(false);
            }
        }
        var common = new List<string>();
        var flags = new List<string>();
        if (KojiTime.ParseFilter(kw.GetValueOrDefault("before")) is { } before)
        {
            p.Add("before", before);
            common.Add("(ce.time < @before OR re.time < @before)");
            flags.Add("CASE WHEN ce.time < @before THEN 1 ELSE 0 END AS \"_created_before\"");
            flags.Add("CASE WHEN re.time < @before THEN 1 ELSE 0 END AS \"_revoked_before\"");
        }
        if (KojiTime.ParseFilter(kw.GetValueOrDefault("after")) is { } after)
        {
            p.Add("after", after);
            common.Add("(ce.time > @after OR re.time > @after)");
            flags.Add("CASE WHEN ce.time > @after THEN 1 ELSE 0 END AS \"_created_after\"");
            flags.Add("CASE WHEN re.time > @after THEN 1 ELSE 0 END AS \"_revoked_after\"");
        }
        if (IntArg(kw, "beforeEvent") is { } beforeEvent)
        {
            p.Add("beforeEvent", beforeEvent);
            common.Add("(x.create_event < @beforeEvent OR x.revoke_event < @beforeEvent)");
            flags.Add("CASE WHEN x.create_event < @beforeEvent THEN 1 ELSE 0 END AS \"_created_before_event\"");
            flags.Add("CASE WHEN x.revoke_event < @beforeEvent THEN 1 ELSE 0 END AS \"_revoked_before_event\"");
        }
        if (IntArg(kw, "afterEvent") is { } afterEvent)
        {
            p.Add("afterEvent", afterEvent);
            common.Add("(x.create_event > @afterEvent OR x.revoke_event > @afterEvent)");
            flags.Add("CASE WHEN x.create_event > @afterEvent THEN 1 ELSE 0 END AS \"_created_after_event\"");
            flags.Add("CASE WHEN x.revoke_event > @afterEvent THEN 1 ELSE 0 END AS \"_revoked_after_event\"");
        }
        if (kw.TryGetValue("editor", out var editor) && editor is not null)
        {
            var user = await UserQueries.FindAsync(ctx, editor).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such user: {BuildQueries.Str(editor)}");
            p.Add("editor", user.Id);
            common.Add("(x.creator_id = @editor OR x.revoker_id = @editor)");
            flags.Add("CASE WHEN x.creator_id = @editor THEN 1 ELSE 0 END AS \"_created_by\"");
            flags.Add("CASE WHEN x.revoker_id = @editor THEN 1 ELSE 0 END AS \"_revoked_by\"");
        }
        if (kw.TryGetValue("active", out var active) && active is not null)
        {
            common.Add(ArgumentBinder.Truthy(active) ? "x.revoke_event IS NULL" : "x.revoke_event IS NOT NULL");
        }

        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            var table = Tables[name];
            if (entityValues.Keys.Any(e => !table.Entities.ContainsKey(e)))
            {
                continue;
            }
            var where = new List<string>(common);
            var tp = new DynamicParameters(p);
            foreach (var (entity, value) in entityValues)
            {
                tp.Add("e_" + entity, value);
                where.Add("(" + string.Join(" OR ", table.Entities[entity].Select(c => $"{c} = @e_{entity}")) + ")");
            }
            var select = string.Join(", ", table.Members.Select(m => $"{m.Sql} AS \"{m.Member}\"").Concat(flags));
            var sql = $"""
                SELECT x.create_event AS "create_event", x.revoke_event AS "revoke_event", x.creator_id AS "creator_id",
                       x.revoker_id AS "revoker_id", cu.name AS "creator_name", ru.name AS "revoker_name",
                       ce.time AS "create_ts", re.time AS "revoke_ts", {select}
                FROM {name} x {table.Joins}
                JOIN events ce ON ce.id = x.create_event LEFT JOIN events re ON re.id = x.revoke_event
                JOIN users cu ON cu.id = x.creator_id LEFT JOIN users ru ON ru.id = x.revoker_id
                {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
                ORDER BY x.create_event, x.revoke_event
                """;
            var rows = new List<IReadOnlyDictionary<string, object?>>();
            foreach (IDictionary<string, object?> row in await ctx.QueryAsync<dynamic>(sql, tp).ConfigureAwait(false))
            {
                var d = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var (k, v) in row)
                {
                    d[k] = k.StartsWith('_') || table.Bools.Contains(k) ? ToBool(v) : Normalize(v);
                    if (table.Json.Contains(k) && d[k] is string json)
                    {
                        d[k] = Tags.PyJson.Decode(json);
                    }
                }
                d["active"] = d["revoke_event"] is null ? true : null;
                rows.Add(d);
            }
            result[name] = opts.ApplyInMemory(rows);
        }
        return result;
    }

    private static int? IntArg(IReadOnlyDictionary<string, object?> kw, string name) => kw.GetValueOrDefault(name) switch
    {
        null => null,
        int i => i,
        long l => (int)l,
        var v => throw KojiErrors.Generic($"Invalid {name}: {UserQueries.Repr(v)}"),
    };

    private static object? ToBool(object? v) => v switch
    {
        null => null,
        bool b => b,
        DBNull => null,
        _ => Convert.ToInt64(v, CultureInfo.InvariantCulture) != 0,
    };

    private static object? Normalize(object? v) => v switch
    {
        DBNull => null,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        short s => (int)s,
        float f => (double)f,
        _ => v,
    };

    /// <summary>The id (or, for <c>xkey</c> and group package names, the text) an entity filter compares with.</summary>
    private static async Task<object> ResolveAsync(CallContext ctx, string entity, object value)
    {
        switch (entity)
        {
            case "xkey":
                return value as string ?? throw KojiErrors.Parameter($"Invalid xkey: {UserQueries.Repr(value)}");
            case "build":
                return (await BuildQueries.GetAsync(ctx, value).ConfigureAwait(false)).Id;
            case "user":
                return (await UserQueries.FindAsync(ctx, value).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such user: {BuildQueries.Str(value)}")).Id;
        }
        var table = entity switch
        {
            "tag" => "tag",
            "package" => "package",
            "permission" => "permissions",
            "external_repo" => "external_repo",
            "build_target" => "build_target",
            "group" => "groups",
            "cg" => "content_generator",
            "host" => "host",
            _ => "channels",
        };
        int? id = value switch
        {
            int i => await ctx.ScalarAsync<int?>($"SELECT id FROM {table} WHERE id = @i", new { i }).ConfigureAwait(false),
            long l => await ctx.ScalarAsync<int?>($"SELECT id FROM {table} WHERE id = @i", new { i = (int)l }).ConfigureAwait(false),
            string s => await ctx.ScalarAsync<int?>($"SELECT id FROM {table} WHERE name = @s", new { s }).ConfigureAwait(false),
            IReadOnlyDictionary<string, object?> d when d.GetValueOrDefault("id") is int i => i,
            _ => throw KojiErrors.Parameter($"Invalid name or id value: {UserQueries.Repr(value)}"),
        };
        if (entity == "package" && id is not null)
        {
            // group_package_listing names packages by text.
            return id.Value;
        }
        return id ?? throw KojiErrors.Generic($"No such {entity}: {BuildQueries.Str(value)}");
    }
}
