using System.Globalization;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Users;
using KojiNet.Rpm.Versions;

namespace KojiNet.Hub.Api.Builds;

/// <summary>A <c>build</c> row joined with its package, owner, promoter, volume, creation event and content generator.</summary>
internal sealed class BuildRow
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

    public string? Source { get; init; }

    public string? Extra { get; init; }

    public int? Cg_Id { get; init; }

    public string? Cg_Name { get; init; }

    private string? _nvr;
    private string? _creationTime;
    private string? _startTime;
    private string? _completionTime;
    private string? _promotionTime;

    // A row is never changed once read, so its derived strings are made once (cached rows are
    // returned by many calls).
    public string Nvr => _nvr ??= $"{Package_Name}-{Version}-{Release}";

    /// <summary>The build's id, state and NVR.</summary>
    public BuildRef Ref => new(Id, State, Nvr);

    /// <summary><see cref="Creation_Ts"/> as Koji's time string.</summary>
    public string CreationTime => _creationTime ??= KojiTime.Format(Creation_Ts)!;

    /// <summary><see cref="Start_Ts"/> as Koji's time string, or null.</summary>
    public string? StartTime => Start_Ts is null ? null : _startTime ??= KojiTime.Format(Start_Ts);

    /// <summary><see cref="Completion_Ts"/> as Koji's time string, or null.</summary>
    public string? CompletionTime => Completion_Ts is null ? null : _completionTime ??= KojiTime.Format(Completion_Ts);

    /// <summary><see cref="Promotion_Ts"/> as Koji's time string, or null.</summary>
    public string? PromotionTime => Promotion_Ts is null ? null : _promotionTime ??= KojiTime.Format(Promotion_Ts);
}

/// <summary>A parsed build-info argument: an id, or else an NVR (<see cref="BuildQueries.ParseInfo"/>).</summary>
internal readonly record struct BuildInfo(int? Id, (string Name, string Version, string Release) Nvr);

/// <summary>What tagging needs of a build: its id, state and NVR.</summary>
internal sealed record BuildRef(int Id, int State, string Nvr);

/// <summary>Koji's build states (model.md §1).</summary>
internal static class BuildStates
{
    public const int Building = 0;
    public const int Complete = 1;
    public const int Deleted = 2;
    public const int Failed = 3;
    public const int Canceled = 4;

    public static string Name(int state) => state switch
    {
        Building => "BUILDING",
        Complete => "COMPLETE",
        Deleted => "DELETED",
        Failed => "FAILED",
        Canceled => "CANCELED",
        _ => state.ToString(CultureInfo.InvariantCulture),
    };
}

/// <summary>Finding builds by Koji's build-info forms and shaping the build structs.</summary>
internal static class BuildQueries
{
    /// <summary>The select list and joins every build query starts from (alias <c>b</c> for build, <c>p</c> for package).</summary>
    public const string SelectFrom = "SELECT " + Columns + " FROM build b " + Joins;

    /// <summary>The columns <see cref="Map(FastRow)"/> reads, in order.</summary>
    public const string Columns = """
        b.id AS Id, b.pkg_id AS Package_Id, p.name AS Package_Name, b.version AS Version, b.release AS Release,
               b.epoch AS Epoch, b.draft AS Draft, b.state AS State, b.task_id AS Task_Id, b.owner AS Owner_Id,
               ou.name AS Owner_Name, b.promoter AS Promoter_Id, pu.name AS Promoter_Name, b.volume_id AS Volume_Id,
               v.name AS Volume_Name, b.create_event AS Creation_Event_Id, ev.time AS Creation_Ts,
               b.start_time AS Start_Ts, b.completion_time AS Completion_Ts, b.promotion_time AS Promotion_Ts,
               b.source AS Source, b.extra AS Extra, b.cg_id AS Cg_Id, cg.name AS Cg_Name
        """;

    /// <summary>The joins <see cref="Columns"/> needs after <c>FROM build b</c>.</summary>
    public const string Joins = """
        JOIN package p ON p.id = b.pkg_id
        JOIN users ou ON ou.id = b.owner
        LEFT JOIN users pu ON pu.id = b.promoter
        JOIN volume v ON v.id = b.volume_id
        JOIN events ev ON ev.id = b.create_event
        LEFT JOIN content_generator cg ON cg.id = b.cg_id
        """;

    private const string ByIdSql = SelectFrom + " WHERE b.id = @id";

    private const string ByNvrSql = SelectFrom + """
         WHERE p.name = @name AND b.version = @version AND b.release = @release
         ORDER BY b.draft, b.id DESC
        """;

    /// <summary>
    /// A select of one <see cref="BuildRef"/> (columns id, state, name, version, release), by
    /// <c>@buildId</c> or by <c>@name</c>, <c>@version</c>, <c>@release</c> as <see cref="ByNvrAsync"/> picks.
    /// </summary>
    public static string RefSelect(BuildInfo info) => info.Id is not null
        ? "SELECT b.id, b.state, p.name, b.version, b.release FROM build b JOIN package p ON p.id = b.pkg_id WHERE b.id = @buildId"
        : """
          SELECT b.id, b.state, p.name, b.version, b.release FROM build b JOIN package p ON p.id = b.pkg_id
          WHERE p.name = @name AND b.version = @version AND b.release = @release ORDER BY b.draft, b.id DESC LIMIT 1
          """;

    public static Task<BuildRow?> ByIdAsync(CallContext ctx, int id) =>
        FastQuery.FirstOrDefaultAsync(ctx, ByIdSql, [("id", id)], Map);

    /// <summary>The build with this NVR: a non-draft one, else the newest draft.</summary>
    public static Task<BuildRow?> ByNvrAsync(CallContext ctx, string name, string version, string release) =>
        FastQuery.FirstOrDefaultAsync(ctx, ByNvrSql, [("name", name), ("version", version), ("release", release)], Map);

    /// <summary>A <see cref="BuildRow"/> from the columns of <see cref="SelectFrom"/>, by position.</summary>
    public static BuildRow Map(FastRow r) => Map(r, null);

    /// <summary>
    /// Like <see cref="Map(FastRow)"/>; names repeated from row to row (package, owner, volume)
    /// are taken from <paramref name="names"/> when given, so rows kept in memory share them.
    /// </summary>
    public static BuildRow Map(FastRow r, Dictionary<string, string>? names) => new()
    {
        Id = r.Int(0),
        Package_Id = r.Int(1),
        Package_Name = Shared(names, r.String(2)),
        Version = r.String(3),
        Release = r.String(4),
        Epoch = r.IntOrNull(5),
        Draft = r.Bool(6),
        State = r.Int(7),
        Task_Id = r.IntOrNull(8),
        Owner_Id = r.Int(9),
        Owner_Name = Shared(names, r.String(10)),
        Promoter_Id = r.IntOrNull(11),
        Promoter_Name = r.StringOrNull(12) is { } promoter ? Shared(names, promoter) : null,
        Volume_Id = r.Int(13),
        Volume_Name = Shared(names, r.String(14)),
        Creation_Event_Id = r.Int(15),
        Creation_Ts = r.Double(16),
        Start_Ts = r.DoubleOrNull(17),
        Completion_Ts = r.DoubleOrNull(18),
        Promotion_Ts = r.DoubleOrNull(19),
        Source = r.StringOrNull(20),
        Extra = r.StringOrNull(21),
        Cg_Id = r.IntOrNull(22),
        Cg_Name = r.StringOrNull(23),
    };

    private static string Shared(Dictionary<string, string>? names, string value)
    {
        if (names is null)
        {
            return value;
        }
        if (names.TryGetValue(value, out var shared))
        {
            return shared;
        }
        names[value] = value;
        return value;
    }

    /// <summary>
    /// Resolves a build-info argument: int id, NVR string (an <c>epoch:</c> prefix is ignored) or a
    /// struct with <c>id</c> or <c>name</c>/<c>version</c>/<c>release</c>. A string that is not an
    /// NVR is GenericError <c>invalid format</c> whatever the caller's strictness.
    /// </summary>
    public static async Task<BuildRow?> FindAsync(CallContext ctx, object? info) => ParseInfo(info) switch
    {
        { Id: { } id } => await ByIdAsync(ctx, id).ConfigureAwait(false),
        { Nvr: var (n, v, r) } => await ByNvrAsync(ctx, n, v, r).ConfigureAwait(false),
    };

    /// <summary>
    /// A build-info argument as an id or an NVR, with <see cref="FindAsync"/>'s errors for the
    /// forms it does not accept.
    /// </summary>
    public static BuildInfo ParseInfo(object? info)
    {
        switch (info)
        {
            case int id:
                return new(id, default);
            case long l when l is >= int.MinValue and <= int.MaxValue:
                return new((int)l, default);
            case string s:
                {
                    var text = s;
                    var colon = text.IndexOf(':', StringComparison.Ordinal);
                    if (colon >= 0 && colon < text.IndexOf('-', StringComparison.Ordinal))
                    {
                        text = text[(colon + 1)..];
                    }
                    if (!Nvr.TryParse(text, out var nvr))
                    {
                        throw KojiErrors.Generic($"invalid format: {s}");
                    }
                    return new(null, (nvr.Name, nvr.Version, nvr.Release));
                }
            case IReadOnlyDictionary<string, object?> d:
                if (d.GetValueOrDefault("id") is int or long)
                {
                    return new(Convert.ToInt32(d["id"], CultureInfo.InvariantCulture), default);
                }
                if (d.GetValueOrDefault("name") is string n && d.GetValueOrDefault("version") is string v && d.GetValueOrDefault("release") is string r)
                {
                    return new(null, (n, v, r));
                }
                throw KojiErrors.Generic($"Invalid build info: {UserQueries.Repr(info)}");
            default:
                throw KojiErrors.Parameter($"Invalid name or id value: {UserQueries.Repr(info)}");
        }
    }

    /// <summary>Like <see cref="FindAsync"/> but a missing build is GenericError <c>No such build: ...</c>.</summary>
    public static async Task<BuildRow> GetAsync(CallContext ctx, object? info) =>
        await FindAsync(ctx, info).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such build: {Str(info)}");

    /// <summary>Python's <c>str</c> of an argument, as Koji's messages print it.</summary>
    public static string Str(object? value) => value is string s ? s : UserQueries.Repr(value);

    /// <summary>The decoded <c>extra</c> JSON, or null.</summary>
    public static object? DecodeExtra(string? json) => json is null ? null : PyJson.Decode(json);

    /// <summary>The <c>getBuild</c> struct (api-core.md §4.1, wire capture 05).</summary>
    public static Dictionary<string, object?> ToStruct(BuildRow b) => new(32, StringComparer.Ordinal)
    {
        ["build_id"] = b.Id,
        ["cg_id"] = b.Cg_Id,
        ["cg_name"] = b.Cg_Name,
        ["completion_time"] = b.CompletionTime,
        ["completion_ts"] = b.Completion_Ts,
        ["creation_event_id"] = b.Creation_Event_Id,
        ["creation_time"] = b.CreationTime,
        ["creation_ts"] = b.Creation_Ts,
        ["draft"] = b.Draft,
        ["epoch"] = b.Epoch,
        ["extra"] = DecodeExtra(b.Extra),
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
        ["promotion_ts"] = b.Promotion_Ts,
        ["release"] = b.Release,
        ["source"] = b.Source,
        ["start_time"] = b.StartTime,
        ["start_ts"] = b.Start_Ts,
        ["state"] = b.State,
        ["task_id"] = b.Task_Id,
        ["version"] = b.Version,
        ["volume_id"] = b.Volume_Id,
        ["volume_name"] = b.Volume_Name,
    };

    /// <summary>The package id for a name, created when missing.</summary>
    public static async Task<int> EnsurePackageAsync(CallContext ctx, string name)
    {
        var id = await ctx.ScalarAsync<int?>("SELECT id FROM package WHERE name = @name", new { name }).ConfigureAwait(false);
        return id ?? await ctx.ExecuteScalarAsync<int>("INSERT INTO package (name) VALUES (@name) RETURNING id", new { name }).ConfigureAwait(false);
    }

    /// <summary>Marks the build as having the btype <paramref name="btype"/> (idempotent).</summary>
    public static async Task AddTypeAsync(CallContext ctx, int buildId, string btype)
    {
        var btypeId = await ctx.ScalarAsync<int?>("SELECT id FROM btype WHERE name = @btype", new { btype }).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"unsupported build type: {btype}");
        var has = await ctx.ScalarAsync<int?>("SELECT 1 FROM build_types WHERE build_id = @buildId AND btype_id = @btypeId", new { buildId, btypeId }).ConfigureAwait(false);
        if (has is null)
        {
            await ctx.ExecuteAsync("INSERT INTO build_types (build_id, btype_id) VALUES (@buildId, @btypeId)", new { buildId, btypeId }).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Creates a build (Koji's <c>new_build</c>): package created when needed. An existing NVR is
    /// an error, except a BUILDING build of the same task re-initialised (its id is returned) and a
    /// FAILED/CANCELED build with no tag history and no rpms, which is recycled (same id). Drafts get
    /// the release <c>&lt;release&gt;,draft_&lt;id&gt;</c> and <c>extra.draft</c>.
    /// </summary>
    /// <param name="extra">The build's <c>extra</c> struct, or null.</param>
    /// <param name="last">The caller does nothing more in the database afterwards.</param>
    public static async Task<int> NewBuildAsync(CallContext ctx, string name, string version, string release, int? epoch,
        int owner, bool draft, int state, double? start, double? completion, string? source = null, int? taskId = null,
        IReadOnlyDictionary<string, object?>? extra = null, bool last = false)
    {
        NameValidation.InternalName(ctx, name);
        // The package and a non-draft build of the same NVR, in one statement.
        var found = await FastQuery.FirstOrDefaultAsync(ctx, """
            SELECT p.id, b.id, b.state, b.task_id
            FROM package p LEFT JOIN build b ON b.pkg_id = p.id AND b.version = @version AND b.release = @release AND b.draft = FALSE
            WHERE p.name = @name
            """, [("name", name), ("version", version), ("release", release)],
            r => new PackageAndBuild { Package_Id = r.Int(0), Build_Id = r.IntOrNull(1), Build_State = r.IntOrNull(2), Build_Task_Id = r.IntOrNull(3) }).ConfigureAwait(false);
        var pkgId = found?.Package_Id ?? await EnsurePackageAsync(ctx, name).ConfigureAwait(false);
        var extraJson = extra is null ? null : PyJson.Encode(extra);
        if (!draft)
        {
            var old = found?.Build_Id is { } oldId
                ? new { Id = oldId, State = found.Build_State ?? 0, Task_Id = found.Build_Task_Id }
                : null;
            if (old is not null)
            {
                if (old.State == BuildStates.Building)
                {
                    // The controlling task restarted and initialises its build again.
                    return state == BuildStates.Building && old.Task_Id == taskId
                        ? old.Id
                        : throw KojiErrors.Generic($"Build already in progress (task {UserQueries.Repr(old.Task_Id)})");
                }
                if (old.State is not (BuildStates.Failed or BuildStates.Canceled))
                {
                    throw KojiErrors.Generic(string.Create(CultureInfo.InvariantCulture,
                        $"Build already exists (id={old.Id}, state={BuildStates.Name(old.State)}): {{'name': '{name}', 'version': '{version}', 'release': '{release}'}}"));
                }
                if (await ctx.ScalarAsync<int?>("SELECT 1 WHERE EXISTS (SELECT 1 FROM tag_listing WHERE build_id = @id)", new { id = old.Id }).ConfigureAwait(false) is not null)
                {
                    throw KojiErrors.Generic("Build already exists. Unable to recycle, has tag history");
                }
                if (await ctx.ScalarAsync<int?>("SELECT 1 WHERE EXISTS (SELECT 1 FROM rpminfo WHERE build_id = @id)", new { id = old.Id }).ConfigureAwait(false) is not null)
                {
                    throw KojiErrors.Generic("Build already exists. Unable to recycle, has rpm data");
                }
                var eventId = await ctx.GetEventAsync().ConfigureAwait(false);
                await ctx.ExecuteAsync("""
                    UPDATE build SET epoch = @epoch, state = @state, owner = @owner, start_time = @start,
                        completion_time = @completion, create_event = @eventId, task_id = @taskId, source = @source,
                        extra = @extraJson, cg_id = NULL, volume_id = 0
                    WHERE id = @id
                    """, new { epoch, state, owner, start, completion, eventId, taskId, source, extraJson, id = old.Id }).ConfigureAwait(false);
                await ctx.ExecuteAsync("DELETE FROM build_types WHERE build_id = @id", new { id = old.Id }).ConfigureAwait(false);
                return old.Id;
            }
        }
        else if (extra?.ContainsKey("draft") == true)
        {
            throw KojiErrors.Generic("\"draft\" found in input extra which is reserved already");
        }
        var buildId = (int)(await ctx.InsertWithEventAsync("""
            INSERT INTO build (volume_id, pkg_id, version, release, epoch, draft, source, create_event, start_time, completion_time, state, owner, task_id, extra)
            VALUES (0, @pkgId, @version, @release, @epoch, @draft, @source, @_event, @start, @completion, @state, @owner, @taskId, @extraJson)
            """, [("pkgId", pkgId), ("version", version), ("release", release), ("epoch", epoch), ("draft", draft), ("source", source),
                ("start", start), ("completion", completion), ("state", state), ("owner", owner), ("taskId", taskId), ("extraJson", extraJson)], "id",
            last: last && !draft).ConfigureAwait(false)
            ?? throw new InvalidOperationException("build insert returned no id"));
        if (draft)
        {
            var draftRelease = string.Create(CultureInfo.InvariantCulture, $"{release},draft_{buildId}");
            if (await ctx.ScalarAsync<int?>("""
                SELECT b.id FROM build b JOIN package p ON p.id = b.pkg_id
                WHERE p.name = @name AND b.version = @version AND b.release = @draftRelease
                """, new { name, version, draftRelease }).ConfigureAwait(false) is not null)
            {
                throw KojiErrors.Generic($"The build already exists: {{'name': '{name}', 'version': '{version}', 'release': '{draftRelease}'}}");
            }
            var withDraft = new Dictionary<string, object?>(extra ?? new Dictionary<string, object?>(), StringComparer.Ordinal)
            {
                ["draft"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["target_release"] = release, ["promoted"] = false },
            };
            await ctx.ExecuteAsync("UPDATE build SET release = @draftRelease, extra = @extra WHERE id = @buildId",
                new { draftRelease, extra = PyJson.Encode(withDraft), buildId }).ConfigureAwait(false);
        }
        return buildId;
    }
}

/// <summary>A package id and, if there is one, the non-draft build of an NVR (<see cref="BuildQueries.NewBuildAsync"/>).</summary>
internal sealed class PackageAndBuild
{
    public int Package_Id { get; init; }

    public int? Build_Id { get; init; }

    public int? Build_State { get; init; }

    public int? Build_Task_Id { get; init; }
}
