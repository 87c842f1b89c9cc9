using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Dapper;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Builds;

/// <summary>Build lookup, listing, creation and deletion (api-core.md §4.1, §4.3).</summary>
internal static partial class BuildApi
{
    [KojiMethod("getBuild", ReadOnly = true)]
    internal static async Task<object?> GetBuild(CallContext ctx, object? buildInfo, bool strict = false)
    {
        var build = await BuildQueries.FindAsync(ctx, buildInfo).ConfigureAwait(false);
        if (build is null)
        {
            return strict ? throw KojiErrors.Generic($"No such build: {BuildQueries.Str(buildInfo)}") : null;
        }
        return BuildQueries.ToStruct(build);
    }

    private static readonly Dictionary<string, string> ListColumns = new(StringComparer.Ordinal)
    {
        ["build_id"] = "b.id",
        ["version"] = "b.version",
        ["release"] = "b.release",
        ["epoch"] = "b.epoch",
        ["draft"] = "b.draft",
        ["state"] = "b.state",
        ["package_id"] = "b.pkg_id",
        ["package_name"] = "p.name",
        ["name"] = "p.name",
        ["nvr"] = "p.name || '-' || b.version || '-' || b.release",
        ["owner_id"] = "b.owner",
        ["owner_name"] = "ou.name",
        ["promoter_id"] = "b.promoter",
        ["promoter_name"] = "pu.name",
        ["volume_id"] = "b.volume_id",
        ["volume_name"] = "v.name",
        ["source"] = "b.source",
        ["creation_event_id"] = "b.create_event",
        ["creation_time"] = "ev.time",
        ["creation_ts"] = "ev.time",
        ["start_time"] = "b.start_time",
        ["start_ts"] = "b.start_time",
        ["completion_time"] = "b.completion_time",
        ["completion_ts"] = "b.completion_time",
        ["promotion_time"] = "b.promotion_time",
        ["promotion_ts"] = "b.promotion_time",
        ["task_id"] = "b.task_id",
        ["extra"] = "b.extra",
    };

    [KojiMethod("listBuilds", ReadOnly = true)]
    internal static async Task<object?> ListBuilds(CallContext ctx, object? packageID = null, object? userID = null, int? taskID = null,
        string? prefix = null, int? state = null, int? volumeID = null, string? source = null, object? createdBefore = null,
        object? createdAfter = null, object? completeBefore = null, object? completeAfter = null, string? type = null,
        IReadOnlyDictionary<string, object?>? typeInfo = null, IReadOnlyDictionary<string, object?>? queryOpts = null,
        string? pattern = null, object? cgID = null, bool? draft = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        var where = new List<string>();
        var p = new DynamicParameters();
        if (packageID is not null)
        {
            var pkg = packageID switch
            {
                int or long => await ctx.ScalarAsync<int?>("SELECT id FROM package WHERE id = @id", new { id = Convert.ToInt32(packageID, CultureInfo.InvariantCulture) }).ConfigureAwait(false),
                string s => await ctx.ScalarAsync<int?>("SELECT id FROM package WHERE name = @s", new { s }).ConfigureAwait(false),
                _ => throw KojiErrors.Parameter($"Invalid name or id value: {UserQueries.Repr(packageID)}"),
            };
            if (pkg is null)
            {
                return opts.Shape([]);
            }
            where.Add("b.pkg_id = @pkg");
            p.Add("pkg", pkg);
        }
        if (userID is not null)
        {
            var user = await UserQueries.FindAsync(ctx, userID).ConfigureAwait(false);
            if (user is null)
            {
                return opts.Shape([]);
            }
            where.Add("b.owner = @owner");
            p.Add("owner", user.Id);
        }
        if (cgID is not null)
        {
            var cg = cgID switch
            {
                int or long => await ctx.ScalarAsync<int?>("SELECT id FROM content_generator WHERE id = @id", new { id = Convert.ToInt32(cgID, CultureInfo.InvariantCulture) }).ConfigureAwait(false),
                string s => await ctx.ScalarAsync<int?>("SELECT id FROM content_generator WHERE name = @s", new { s }).ConfigureAwait(false),
                _ => throw KojiErrors.Parameter($"Invalid name or id value: {UserQueries.Repr(cgID)}"),
            };
            if (cg is null)
            {
                return opts.Shape([]);
            }
            where.Add("b.cg_id = @cg");
            p.Add("cg", cg);
        }
        if (taskID is { } t)
        {
            where.Add(t == -1 ? "b.task_id IS NOT NULL" : "b.task_id = @taskID");
            p.Add("taskID", t);
        }
        if (prefix is not null)
        {
            where.Add("lower(substr(p.name, 1, length(@prefix))) = lower(@prefix)");
            p.Add("prefix", prefix);
        }
        if (state is { } st)
        {
            where.Add("b.state = @state");
            p.Add("state", st);
        }
        if (volumeID is { } vol)
        {
            where.Add("b.volume_id = @volumeID");
            p.Add("volumeID", vol);
        }
        if (source is not null)
        {
            where.Add(@"lower(b.source) LIKE lower(@source) ESCAPE '\'");
            p.Add("source", GlobToLike(source));
        }
        if (pattern is not null)
        {
            where.Add(@"lower(p.name || '-' || b.version || '-' || b.release) LIKE lower(@pattern) ESCAPE '\'");
            p.Add("pattern", GlobToLike(pattern));
        }
        AddTime(where, p, "ev.time", "<", createdBefore, "createdBefore");
        AddTime(where, p, "ev.time", ">", createdAfter, "createdAfter");
        AddTime(where, p, "b.completion_time", "<", completeBefore, "completeBefore");
        AddTime(where, p, "b.completion_time", ">", completeAfter, "completeAfter");
        if (draft is { } dr)
        {
            where.Add(dr ? "b.draft = TRUE" : "b.draft = FALSE");
        }
        if (type is not null)
        {
            var btype = await ctx.ScalarAsync<int?>("SELECT id FROM btype WHERE name = @type", new { type }).ConfigureAwait(false)
                ?? throw KojiErrors.Generic($"unsupported build type: {type}");
            where.Add("EXISTS (SELECT 1 FROM build_types bt WHERE bt.build_id = b.id AND bt.btype_id = @btype)");
            p.Add("btype", btype);
        }
        _ = typeInfo;
        var sql = BuildQueries.SelectFrom + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + opts.OrderBySql(ListColumns, "b.id") + opts.LimitSql(ctx.Engine);
        var rows = (await ctx.QueryAsync<BuildRow>(sql, p).ConfigureAwait(false)).Select(ListStruct).ToList();
        return opts.Shape(rows);
    }

    private static void AddTime(List<string> where, DynamicParameters p, string column, string op, object? value, string name)
    {
        if (KojiTime.ParseFilter(value) is { } ts)
        {
            where.Add($"{column} {op} @{name}");
            p.Add(name, ts);
        }
    }

    /// <summary>A shell glob (<c>*</c>, <c>?</c>) as a LIKE pattern with <c>\</c> as escape.</summary>
    public static string GlobToLike(string glob)
    {
        var sb = new StringBuilder();
        foreach (var c in glob)
        {
            sb.Append(c switch
            {
                '*' => "%",
                '?' => "_",
                '%' or '_' or '\\' => "\\" + c,
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>The <c>listBuilds</c> row: the getBuild struct keyed by <c>build_id</c> only, without CG fields.</summary>
    private static IReadOnlyDictionary<string, object?> ListStruct(BuildRow b)
    {
        var d = BuildQueries.ToStruct(b);
        d.Remove("id");
        d.Remove("cg_id");
        d.Remove("cg_name");
        return d;
    }

    [KojiMethod("createEmptyBuild")]
    internal static async Task<int> CreateEmptyBuild(CallContext ctx, object? name, object? version, object? release, object? epoch,
        object? owner = null, bool draft = false)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        if (name is not string n || version is not string v || release is not string r)
        {
            throw KojiErrors.Parameter("name, version and release must be strings");
        }
        int? ep = epoch switch
        {
            null => null,
            int i => i,
            long l => (int)l,
            _ => throw KojiErrors.Parameter($"Invalid epoch: {UserQueries.Repr(epoch)}"),
        };
        var ownerId = ctx.AssertLogin().UserId;
        if (owner is not null)
        {
            ownerId = (await UserQueries.FindAsync(ctx, owner).ConfigureAwait(false)
                ?? throw KojiErrors.Generic($"No such user: {BuildQueries.Str(owner)}")).Id;
        }
        var now = ctx.Hub.Now();
        return await BuildQueries.NewBuildAsync(ctx, n, v, r, ep, ownerId, draft, BuildStates.Complete, now, now, last: true).ConfigureAwait(false);
    }

    [GeneratedRegex(@"^(?<head>.*?)(?<num>\d+)(?<tail>(\.[^\d.][^.]*)?)$", RegexOptions.CultureInvariant)]
    private static partial Regex ReleaseNumber();

    [KojiMethod("getNextRelease", ReadOnly = true)]
    internal static async Task<string> GetNextRelease(CallContext ctx, IReadOnlyDictionary<string, object?> build_info,
        [System.Runtime.InteropServices.Optional, System.Runtime.InteropServices.DefaultParameterValue(1)] object? incr)
    {
        var step = incr switch
        {
            int i => i,
            long l => l,
            _ => throw KojiErrors.Parameter("incr parameter must be an integer"),
        };
        if (build_info.GetValueOrDefault("name") is not string name || build_info.GetValueOrDefault("version") is not string version)
        {
            throw KojiErrors.Generic("build_info must contain name and version");
        }
        var release = await ctx.ScalarAsync<string?>("""
            SELECT b.release FROM build b JOIN package p ON p.id = b.pkg_id
            WHERE p.name = @name AND b.version = @version AND b.state IN (0, 1, 2) AND b.draft = FALSE
            ORDER BY b.id DESC LIMIT 1
            """, new { name, version }).ConfigureAwait(false);
        if (release is null)
        {
            return "1";
        }
        if (long.TryParse(release, NumberStyles.None, CultureInfo.InvariantCulture, out var plain))
        {
            return (plain + step).ToString(CultureInfo.InvariantCulture);
        }
        // "N.dist" → "(N+incr).dist"; "a.b.N" → "a.b.(N+incr)".
        var parts = release.Split('.');
        if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first))
        {
            return (first + step).ToString(CultureInfo.InvariantCulture) + "." + parts[1];
        }
        if (parts.Length > 1 && long.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last))
        {
            return string.Join('.', parts[..^1]) + "." + (last + step).ToString(CultureInfo.InvariantCulture);
        }
        throw new XmlRpc.XmlRpcFaultException(XmlRpc.KojiFaultCode.BuildError, $"Unable to increment release value: {release}");
    }

    [KojiMethod("getBuildType", ReadOnly = true)]
    internal static async Task<object?> GetBuildType(CallContext ctx, object? buildInfo, bool strict = false)
    {
        var build = await BuildQueries.FindAsync(ctx, buildInfo).ConfigureAwait(false);
        if (build is null)
        {
            return strict ? throw KojiErrors.Generic($"No such build: {BuildQueries.Str(buildInfo)}") : null;
        }
        var names = await ctx.QueryAsync<string>(
            "SELECT t.name FROM build_types bt JOIN btype t ON t.id = bt.btype_id WHERE bt.build_id = @id ORDER BY t.id", new { id = build.Id }).ConfigureAwait(false);
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var n in names)
        {
            // Type-specific info tables (maven, win, image) are not kept; rpm has none.
            result[n] = n == "image" ? new Dictionary<string, object?>(StringComparer.Ordinal) { ["build_id"] = build.Id } : null;
        }
        return result;
    }

    [KojiMethod("deleteBuild")]
    internal static async Task<bool?> DeleteBuild(CallContext ctx, object? build, bool strict = true, int min_ref_age = 604800)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var b = await BuildQueries.GetAsync(ctx, build).ConfigureAwait(false);
        if (b.State == BuildStates.Deleted)
        {
            return null;
        }
        var tags = (await ctx.QueryAsync<string>(
            "SELECT t.name FROM tag_listing tl JOIN tag t ON t.id = tl.tag_id WHERE tl.build_id = @id AND tl.revoke_event IS NULL ORDER BY t.name",
            new { id = b.Id }).ConfigureAwait(false)).ToList();
        if (tags.Count > 0)
        {
            return strict ? throw KojiErrors.Generic($"Cannot delete build, tagged: {string.Join(", ", tags)}") : false;
        }
        // Recent use as a buildroot component keeps the build (model: buildroot_listing is not kept yet).
        _ = min_ref_age;
        await ctx.ExecuteAsync("DELETE FROM rpmsigs WHERE rpm_id IN (SELECT id FROM rpminfo WHERE build_id = @id)", new { id = b.Id }).ConfigureAwait(false);
        await ctx.ExecuteAsync("DELETE FROM rpm_checksum WHERE rpm_id IN (SELECT id FROM rpminfo WHERE build_id = @id)", new { id = b.Id }).ConfigureAwait(false);
        await ctx.ExecuteAsync("UPDATE build SET state = 2 WHERE id = @id", new { id = b.Id }).ConfigureAwait(false);
        var dir = ctx.Hub.Storage.BuildDir(b.Package_Name, b.Version, b.Release);
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
        return true;
    }
}
