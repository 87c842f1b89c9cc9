using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Users;
using KojiNet.Rpm.Versions;

namespace KojiNet.Hub.Api.Rpms;

/// <summary>An <c>rpminfo</c> row with its external repo name.</summary>
internal sealed class RpmRow
{
    public int Id { get; init; }

    public string Name { get; init; } = "";

    public string Version { get; init; } = "";

    public string Release { get; init; } = "";

    public int? Epoch { get; init; }

    public string Arch { get; init; } = "";

    public bool? Draft { get; init; }

    public string Payloadhash { get; init; } = "";

    public long Size { get; init; }

    public long Buildtime { get; init; }

    public int? Build_Id { get; init; }

    public int? Buildroot_Id { get; init; }

    public int External_Repo_Id { get; init; }

    public string External_Repo_Name { get; init; } = "";

    public bool Metadata_Only { get; init; }

    public string? Extra { get; init; }

    /// <summary>A signature key of the rpm, where a query joins <c>rpmsigs</c> (listTaggedRPMS with <c>rpmsigs</c>).</summary>
    public string? Sigkey { get; init; }

    public string Nvra => $"{Name}-{Version}-{Release}.{Arch}";
}

/// <summary>Finding RPMs by Koji's rpm-info forms and shaping the rpm structs (api-core.md §4.2).</summary>
internal static class RpmQueries
{
    public const string SelectFrom = """
        SELECT r.id AS Id, r.name AS Name, r.version AS Version, r.release AS Release, r.epoch AS Epoch, r.arch AS Arch,
               r.draft AS Draft, r.payloadhash AS Payloadhash, r.size AS Size, r.buildtime AS Buildtime,
               r.build_id AS Build_Id, r.buildroot_id AS Buildroot_Id, r.external_repo_id AS External_Repo_Id,
               er.name AS External_Repo_Name, r.metadata_only AS Metadata_Only, r.extra AS Extra
        FROM rpminfo r JOIN external_repo er ON er.id = r.external_repo_id
        """;

    /// <summary>Preference among rows sharing an NVRA: internal non-draft, then newest draft, then newest external.</summary>
    private const string Preference = """
         ORDER BY CASE WHEN r.external_repo_id = 0 AND r.draft = FALSE THEN 0 WHEN r.external_repo_id = 0 THEN 1 ELSE 2 END, r.id DESC
        """;

    /// <summary>
    /// Every rpm matching an rpm-info argument (int id, decimal-string id, <c>N-V-R.A[.rpm][@location]</c>
    /// or a struct with <c>id</c> or <c>name</c>, <c>version</c>, <c>release</c>, <c>arch</c> and
    /// optional <c>location</c>), best match first.
    /// </summary>
    public static async Task<IReadOnlyList<RpmRow>> FindAllAsync(CallContext ctx, object? info)
    {
        switch (info)
        {
            case int or long:
                return await ByIdAsync(ctx, Convert.ToInt32(info, CultureInfo.InvariantCulture)).ConfigureAwait(false);
            case string s when s.Length > 0 && s.All(char.IsAsciiDigit):
                return await ByIdAsync(ctx, int.Parse(s, CultureInfo.InvariantCulture)).ConfigureAwait(false);
            case string s:
                {
                    string? location = null;
                    var at = s.LastIndexOf('@');
                    var text = s;
                    if (at >= 0)
                    {
                        location = s[(at + 1)..];
                        text = s[..at];
                    }
                    if (text.EndsWith(".rpm", StringComparison.Ordinal))
                    {
                        text = text[..^4];
                    }
                    if (!Nvra.TryParse(text, out var nvra))
                    {
                        throw KojiErrors.Generic($"invalid format: {s}");
                    }
                    return await ByNvraAsync(ctx, nvra.Name, nvra.Version, nvra.Release, nvra.Arch, location).ConfigureAwait(false);
                }
            case IReadOnlyDictionary<string, object?> d:
                if (d.GetValueOrDefault("id") is int or long)
                {
                    return await ByIdAsync(ctx, Convert.ToInt32(d["id"], CultureInfo.InvariantCulture)).ConfigureAwait(false);
                }
                if (d.GetValueOrDefault("name") is string n && d.GetValueOrDefault("version") is string v
                    && d.GetValueOrDefault("release") is string r && d.GetValueOrDefault("arch") is string a)
                {
                    return await ByNvraAsync(ctx, n, v, r, a, d.GetValueOrDefault("location") as string).ConfigureAwait(false);
                }
                throw KojiErrors.Generic($"Invalid rpminfo: {UserQueries.Repr(info)}");
            default:
                throw KojiErrors.Generic($"Invalid type for rpminfo: {ArgumentBinder.PythonTypeName(info)}");
        }
    }

    private static async Task<IReadOnlyList<RpmRow>> ByIdAsync(CallContext ctx, int id) =>
        (await ctx.QueryAsync<RpmRow>(SelectFrom + " WHERE r.id = @id", new { id }).ConfigureAwait(false)).ToList();

    private static async Task<IReadOnlyList<RpmRow>> ByNvraAsync(CallContext ctx, string name, string version, string release, string arch, string? location)
    {
        var sql = SelectFrom + " WHERE r.name = @name AND r.version = @version AND r.release = @release AND r.arch = @arch"
            + (location is null ? "" : " AND er.name = @location") + Preference;
        return (await ctx.QueryAsync<RpmRow>(sql, new { name, version, release, arch, location }).ConfigureAwait(false)).ToList();
    }

    public static async Task<RpmRow?> FindAsync(CallContext ctx, object? info) =>
        (await FindAllAsync(ctx, info).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>The <c>getRPM</c> struct.</summary>
    public static Dictionary<string, object?> ToStruct(RpmRow r) => new(StringComparer.Ordinal)
    {
        ["arch"] = r.Arch,
        ["build_id"] = r.Build_Id,
        ["buildroot_id"] = r.Buildroot_Id,
        ["buildtime"] = r.Buildtime,
        ["draft"] = r.Draft,
        ["epoch"] = r.Epoch,
        ["external_repo_id"] = r.External_Repo_Id,
        ["external_repo_name"] = r.External_Repo_Name,
        ["extra"] = BuildQueries.DecodeExtra(r.Extra),
        ["id"] = r.Id,
        ["metadata_only"] = r.Metadata_Only,
        ["name"] = r.Name,
        ["payloadhash"] = r.Payloadhash,
        ["release"] = r.Release,
        ["size"] = r.Size,
        ["version"] = r.Version,
    };

    /// <summary>The rpm's file under <c>packages/</c>, or null for external rpms and builds without files (deleted).</summary>
    public static async Task<string?> FilePathAsync(CallContext ctx, RpmRow rpm)
    {
        if (rpm.Build_Id is not { } buildId)
        {
            return null;
        }
        var build = await BuildQueries.ByIdAsync(ctx, buildId).ConfigureAwait(false);
        if (build is null || build.State == BuildStates.Deleted)
        {
            return null;
        }
        return ctx.Hub.Storage.RpmPath(build.Package_Name, build.Version, build.Release, rpm.Name, rpm.Arch);
    }
}

/// <summary>getRPM, listRPMs, listBuildRPMs.</summary>
internal static class RpmApi
{
    [KojiMethod("getRPM", ReadOnly = true)]
    internal static async Task<object?> GetRpm(CallContext ctx, object? rpminfo, bool strict = false, bool multi = false)
    {
        var rows = await RpmQueries.FindAllAsync(ctx, rpminfo).ConfigureAwait(false);
        if (multi)
        {
            return rows.Select(RpmQueries.ToStruct).ToList();
        }
        if (rows.Count == 0)
        {
            return strict ? throw KojiErrors.Generic($"No such rpm: {BuildQueries.Str(rpminfo)}") : null;
        }
        return RpmQueries.ToStruct(rows[0]);
    }

    private static readonly Dictionary<string, string> Columns = new(StringComparer.Ordinal)
    {
        ["id"] = "r.id",
        ["name"] = "r.name",
        ["version"] = "r.version",
        ["release"] = "r.release",
        ["epoch"] = "r.epoch",
        ["arch"] = "r.arch",
        ["draft"] = "r.draft",
        ["payloadhash"] = "r.payloadhash",
        ["size"] = "r.size",
        ["buildtime"] = "r.buildtime",
        ["build_id"] = "r.build_id",
        ["buildroot_id"] = "r.buildroot_id",
        ["external_repo_id"] = "r.external_repo_id",
        ["external_repo_name"] = "er.name",
        ["metadata_only"] = "r.metadata_only",
        ["extra"] = "r.extra",
        ["nvr"] = "r.name || '-' || r.version || '-' || r.release",
    };

    [KojiMethod("listRPMs", ReadOnly = true)]
    internal static async Task<object?> ListRpms(CallContext ctx, int? buildID = null, int? buildrootID = null, int? imageID = null,
        int? componentBuildrootID = null, int? hostID = null, object? arches = null, IReadOnlyDictionary<string, object?>? queryOpts = null,
        bool? draft = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        var where = new List<string>();
        var p = new DynamicParameters();
        if (buildID is { } b)
        {
            where.Add("r.build_id = @buildID");
            p.Add("buildID", b);
        }
        if (buildrootID is { } br)
        {
            where.Add("r.buildroot_id = @buildrootID");
            p.Add("buildrootID", br);
        }
        if (imageID is not null || componentBuildrootID is not null || hostID is not null)
        {
            // Image components, buildroot listings and host buildroots are not recorded by this hub yet.
            return opts.Shape([]);
        }
        switch (arches)
        {
            case null:
                break;
            case string a:
                where.Add("r.arch = @arch");
                p.Add("arch", a);
                break;
            case IReadOnlyList<object?> list:
                var names = list.Select(x => x as string ?? throw KojiErrors.Parameter($"Invalid arch: {UserQueries.Repr(x)}")).ToList();
                if (names.Count == 0)
                {
                    return opts.Shape([]);
                }
                where.Add("r.arch IN (" + string.Join(", ", names.Select((_, i) => "@arch" + i.ToString(CultureInfo.InvariantCulture))) + ")");
                for (var i = 0; i < names.Count; i++)
                {
                    p.Add("arch" + i.ToString(CultureInfo.InvariantCulture), names[i]);
                }
                break;
            default:
                throw KojiErrors.Generic($"Invalid type for \"arches\" parameter: <class '{ArgumentBinder.PythonTypeName(arches)}'>");
        }
        if (draft is { } d)
        {
            where.Add(d ? "r.draft = TRUE" : "(r.draft = FALSE OR r.draft IS NULL)");
        }
        var sql = RpmQueries.SelectFrom + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + opts.OrderBySql(Columns, "r.id") + opts.LimitSql(ctx.Engine);
        var rows = (await ctx.QueryAsync<RpmRow>(sql, p).ConfigureAwait(false)).Select(ListStruct).ToList();
        return opts.Shape(rows);
    }

    private static IReadOnlyDictionary<string, object?> ListStruct(RpmRow r)
    {
        var d = RpmQueries.ToStruct(r);
        d["nvr"] = $"{r.Name}-{r.Version}-{r.Release}";
        return d;
    }

    [KojiMethod("listBuildRPMs", ReadOnly = true)]
    internal static async Task<object?> ListBuildRpms(CallContext ctx, object? build)
    {
        var id = build is int i ? i : (await BuildQueries.GetAsync(ctx, build).ConfigureAwait(false)).Id;
        return await ListRpms(ctx, buildID: id).ConfigureAwait(false);
    }
}
