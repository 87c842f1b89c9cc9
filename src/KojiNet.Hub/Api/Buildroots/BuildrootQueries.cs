using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Tasks;

namespace KojiNet.Hub.Api.Buildroots;

/// <summary>A <c>buildroot</c> row with its <c>standard_buildroot</c> part, host, repo, tag and events.</summary>
internal sealed class BuildrootRow
{
    public int Id { get; init; }

    public int Br_Type { get; init; }

    public int? Cg_Id { get; init; }

    public string? Cg_Name { get; init; }

    public string? Cg_Version { get; init; }

    public string? Container_Arch { get; init; }

    public string? Container_Type { get; init; }

    public string? Host_Os { get; init; }

    public string? Host_Arch { get; init; }

    public string? Extra { get; init; }

    public int? State { get; init; }

    public int? Task_Id { get; init; }

    public int? Host_Id { get; init; }

    public string? Host_Name { get; init; }

    public int? Repo_Id { get; init; }

    public int? Repo_State { get; init; }

    public int? Tag_Id { get; init; }

    public string? Tag_Name { get; init; }

    public int? Create_Event_Id { get; init; }

    public double? Create_Ts { get; init; }

    public int? Retire_Event_Id { get; init; }

    public double? Retire_Ts { get; init; }

    public int? Repo_Create_Event_Id { get; init; }

    public double? Repo_Create_Ts { get; init; }

    /// <summary>Set when the query was filtered by an rpm: whether that rpm was an update in the buildroot.</summary>
    public bool? Is_Update { get; init; }

    public bool IsStandard => Br_Type == BuildrootStates.TypeStandard && Host_Id is not null;
}

/// <summary>Koji's <c>query_buildroots</c> and the buildroot structs (api-core.md §8).</summary>
internal static class BuildrootQueries
{
    public const string Columns = """
        br.id AS Id, br.br_type AS Br_Type, br.cg_id AS Cg_Id, cg.name AS Cg_Name, br.cg_version AS Cg_Version,
        br.container_arch AS Container_Arch, br.container_type AS Container_Type, br.host_os AS Host_Os,
        br.host_arch AS Host_Arch, br.extra AS Extra, sb.state AS State, sb.task_id AS Task_Id, h.id AS Host_Id,
        h.name AS Host_Name, r.id AS Repo_Id, r.state AS Repo_State, t.id AS Tag_Id, t.name AS Tag_Name,
        ce.id AS Create_Event_Id, ce.time AS Create_Ts, re.id AS Retire_Event_Id, re.time AS Retire_Ts,
        rc.id AS Repo_Create_Event_Id, rc.time AS Repo_Create_Ts
        """;

    public const string Joins = """
        LEFT JOIN standard_buildroot sb ON sb.buildroot_id = br.id
        LEFT JOIN content_generator cg ON cg.id = br.cg_id
        LEFT JOIN host h ON h.id = sb.host_id
        LEFT JOIN repo r ON r.id = sb.repo_id
        LEFT JOIN tag t ON t.id = r.tag_id
        LEFT JOIN events ce ON ce.id = sb.create_event
        LEFT JOIN events re ON re.id = sb.retire_event
        LEFT JOIN events rc ON rc.id = r.create_event
        """;

    /// <summary>Field alias → SQL expression, for <c>queryOpts.order</c>.</summary>
    public static readonly Dictionary<string, string> OrderColumns = new(StringComparer.Ordinal)
    {
        ["id"] = "br.id",
        ["br_type"] = "br.br_type",
        ["cg_id"] = "br.cg_id",
        ["cg_name"] = "cg.name",
        ["cg_version"] = "br.cg_version",
        ["container_arch"] = "br.container_arch",
        ["arch"] = "br.container_arch",
        ["container_type"] = "br.container_type",
        ["host_os"] = "br.host_os",
        ["host_arch"] = "br.host_arch",
        ["extra"] = "br.extra",
        ["state"] = "sb.state",
        ["task_id"] = "sb.task_id",
        ["host_id"] = "h.id",
        ["host_name"] = "h.name",
        ["repo_id"] = "r.id",
        ["repo_state"] = "r.state",
        ["tag_id"] = "t.id",
        ["tag_name"] = "t.name",
        ["create_event_id"] = "ce.id",
        ["create_event_time"] = "ce.time",
        ["create_ts"] = "ce.time",
        ["retire_event_id"] = "re.id",
        ["retire_event_time"] = "re.time",
        ["retire_ts"] = "re.time",
        ["repo_create_event_id"] = "rc.id",
        ["repo_create_event_time"] = "rc.time",
    };

    /// <summary>The buildroot with this id, or null.</summary>
    public static async Task<BuildrootRow?> ByIdAsync(CallContext ctx, int id) =>
        await ctx.QueryFirstOrDefaultAsync<BuildrootRow>($"SELECT {Columns} FROM buildroot br {Joins} WHERE br.id = @id", new { id }).ConfigureAwait(false);

    /// <summary>Koji's <c>BuildRoot(id)</c>: the buildroot, or GenericError <c>no buildroot with ID: N</c>.</summary>
    public static async Task<BuildrootRow> GetAsync(CallContext ctx, int id) =>
        await ByIdAsync(ctx, id).ConfigureAwait(false) ?? throw KojiErrors.Generic($"no buildroot with ID: {id}");

    /// <summary>The buildroot struct of <c>getBuildroot</c>/<c>listBuildroots</c>.</summary>
    public static Dictionary<string, object?> ToStruct(BuildrootRow b)
    {
        var d = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["arch"] = b.Container_Arch,
            ["br_type"] = b.Br_Type,
            ["cg_id"] = b.Cg_Id,
            ["cg_name"] = b.Cg_Name,
            ["cg_version"] = b.Cg_Version,
            ["container_arch"] = b.Container_Arch,
            ["container_type"] = b.Container_Type,
            ["create_event_id"] = b.Create_Event_Id,
            ["create_event_time"] = KojiTime.Format(b.Create_Ts),
            ["create_ts"] = b.Create_Ts,
            ["extra"] = BuildQueries.DecodeExtra(b.Extra),
            ["host_arch"] = b.Host_Arch,
            ["host_id"] = b.Host_Id,
            ["host_name"] = b.Host_Name,
            ["host_os"] = b.Host_Os,
            ["id"] = b.Id,
            ["repo_create_event_id"] = b.Repo_Create_Event_Id,
            ["repo_create_event_time"] = KojiTime.Format(b.Repo_Create_Ts),
            ["repo_id"] = b.Repo_Id,
            ["repo_state"] = b.Repo_State,
            ["retire_event_id"] = b.Retire_Event_Id,
            ["retire_event_time"] = KojiTime.Format(b.Retire_Ts),
            ["retire_ts"] = b.Retire_Ts,
            ["state"] = b.State,
            ["tag_id"] = b.Tag_Id,
            ["tag_name"] = b.Tag_Name,
            ["task_id"] = b.Task_Id,
        };
        if (b.Is_Update is { } update)
        {
            d["is_update"] = update;
        }
        return d;
    }
}
