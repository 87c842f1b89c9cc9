using System.Globalization;
using Dapper;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.HostCalls;
using KojiNet.Hub.Api.Rpms;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Tasks;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Buildroots;

/// <summary>
/// Buildroots: the builder's <c>host.newBuildRoot</c>, <c>host.setBuildRootState</c>,
/// <c>host.setBuildRootList</c> and <c>host.updateBuildRootList</c> (spec/api-host.md §2.4,
/// builder.md §12), and the client reads <c>getBuildroot</c>, <c>listBuildroots</c> and
/// <c>getBuildrootListing</c> (api-core.md §8).
/// </summary>
internal static class BuildrootApi
{
    [KojiMethod("host.newBuildRoot")]
    internal static async Task<int> NewBuildRoot(CallContext ctx, object? repo, object? arch, int? task_id = null)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        if (task_id is { } taskId)
        {
            await HostCallerChecks.AssertHoldsAsync(ctx, host, taskId).ConfigureAwait(false);
        }
        else
        {
            // standard_buildroot.task_id is NOT NULL (as upstream's): say so instead of failing in the database.
            throw KojiErrors.Generic("A standard buildroot needs a task: task_id is required");
        }
        var repoId = repo switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            _ => throw KojiErrors.Parameter($"Invalid repo id: {UserQueries.Repr(repo)}"),
        };
        if (await ctx.ScalarAsync<int?>("SELECT id FROM repo WHERE id = @repoId", new { repoId }).ConfigureAwait(false) is null)
        {
            throw KojiErrors.Generic($"No such repo: {repoId}");
        }
        var archName = ParseArch(arch);
        var brId = await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO buildroot (br_type, container_type, container_arch) VALUES (@type, 'chroot', @archName) RETURNING id
            """, new { type = BuildrootStates.TypeStandard, archName }).ConfigureAwait(false);
        var eventId = await ctx.GetEventAsync().ConfigureAwait(false);
        await ctx.ExecuteAsync("""
            INSERT INTO standard_buildroot (buildroot_id, host_id, repo_id, task_id, create_event, state)
            VALUES (@brId, @hostId, @repoId, @taskId, @eventId, @state)
            """, new { brId, hostId = host.HostId, repoId, taskId = task_id, eventId, state = BuildrootStates.Init }).ConfigureAwait(false);
        return brId;
    }

    /// <summary>Koji's <c>parse_arches(arch, strict=True)</c>: exactly one valid arch name.</summary>
    private static string ParseArch(object? arch)
    {
        var parsed = Lookup.Arches(arch) ?? throw KojiErrors.Generic("An arch is required");
        if (parsed.Length == 0 || parsed.Contains(' ', StringComparison.Ordinal))
        {
            throw KojiErrors.Generic($"Only one arch allowed: {Lookup.Str(arch)}");
        }
        return parsed;
    }

    [KojiMethod("host.setBuildRootState")]
    internal static async Task<object?> SetBuildRootState(CallContext ctx, int brootid, object? state, int? task_id = null)
    {
        var br = await LoadOwnAsync(ctx, brootid, task_id).ConfigureAwait(false);
        var target = BuildrootStates.Parse(state) ?? throw KojiErrors.Generic($"Invalid buildroot state: {UserQueries.Repr(state)}");
        if (target == BuildrootStates.Init)
        {
            throw KojiErrors.Generic("Cannot change buildroot state to INIT");
        }
        var lockClause = ctx.Engine == Data.DatabaseEngine.PostgreSql ? " FOR UPDATE" : "";
        var current = await ctx.ScalarAsync<int?>("SELECT state FROM standard_buildroot WHERE buildroot_id = @brootid" + lockClause, new { brootid }).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"Unable to get state for buildroot {br.Id}");
        if (current == BuildrootStates.Expired)
        {
            // Expiring an expired buildroot is a no-op; leaving EXPIRED is not allowed.
            return target == BuildrootStates.Expired ? null : throw KojiErrors.Generic($"buildroot {br.Id} is EXPIRED");
        }
        if (target == BuildrootStates.Expired)
        {
            var eventId = await ctx.GetEventAsync().ConfigureAwait(false);
            await ctx.ExecuteAsync("UPDATE standard_buildroot SET state = @target, retire_event = @eventId WHERE buildroot_id = @brootid",
                new { target, eventId, brootid }).ConfigureAwait(false);
        }
        else
        {
            await ctx.ExecuteAsync("UPDATE standard_buildroot SET state = @target WHERE buildroot_id = @brootid", new { target, brootid }).ConfigureAwait(false);
        }
        return null;
    }

    [KojiMethod("host.setBuildRootList")]
    internal static async Task<object?> SetBuildRootList(CallContext ctx, int brootid, object? rpmlist, int? task_id = null)
    {
        var br = await LoadOwnAsync(ctx, brootid, task_id).ConfigureAwait(false);
        if (br.State != BuildrootStates.Init)
        {
            throw KojiErrors.Generic(string.Create(CultureInfo.InvariantCulture, $"buildroot {br.Id} in wrong state {br.State}"));
        }
        await AddListingAsync(ctx, br, rpmlist, update: false).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("host.updateBuildRootList")]
    internal static async Task<object?> UpdateBuildRootList(CallContext ctx, int brootid, object? rpmlist, int? task_id = null)
    {
        var br = await LoadOwnAsync(ctx, brootid, task_id).ConfigureAwait(false);
        if (br.State != BuildrootStates.Building)
        {
            throw KojiErrors.Generic(string.Create(CultureInfo.InvariantCulture, $"buildroot {br.Id} in wrong state {br.State}"));
        }
        await AddListingAsync(ctx, br, rpmlist, update: true).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// The preconditions of the buildroot host calls: a host caller, holding <paramref name="taskId"/>
    /// when given; the buildroot exists, is a standard one of this host and, with a task, of that task.
    /// </summary>
    private static async Task<BuildrootRow> LoadOwnAsync(CallContext ctx, int brootid, int? taskId)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        if (taskId is { } t)
        {
            await HostCallerChecks.AssertHoldsAsync(ctx, host, t).ConfigureAwait(false);
        }
        var br = await BuildrootQueries.GetAsync(ctx, brootid).ConfigureAwait(false);
        if (!br.IsStandard)
        {
            throw KojiErrors.Generic($"Not a standard buildroot: {brootid}");
        }
        if (br.Host_Id != host.HostId)
        {
            throw KojiErrors.NotAllowed($"Host {host.HostId} not owner of buildroot {brootid}");
        }
        if (taskId is { } task && br.Task_Id != task)
        {
            throw KojiErrors.NotAllowed($"Task {task} does not have lock on buildroot {brootid}");
        }
        return br;
    }

    /// <summary>
    /// Records the rpms installed in a buildroot (Koji's <c>BuildRoot._setList</c>): internal rpms by
    /// <c>id</c> or NVRA (they must exist), external ones (with <c>location</c>) added to the
    /// external repo's rpms when new. Updates skip rpms already listed.
    /// </summary>
    private static async Task AddListingAsync(CallContext ctx, BuildrootRow br, object? rpmlist, bool update)
    {
        if (rpmlist is not IReadOnlyList<object?> items)
        {
            throw KojiErrors.Parameter($"Invalid rpmlist: {UserQueries.Repr(rpmlist)}");
        }
        var current = (await ctx.QueryAsync<int>("SELECT rpm_id FROM buildroot_listing WHERE buildroot_id = @id", new { id = br.Id }).ConfigureAwait(false))
            .ToHashSet();
        var ids = new SortedSet<int>();
        foreach (var item in items)
        {
            if (item is not IReadOnlyDictionary<string, object?> rpm)
            {
                throw KojiErrors.Parameter($"Invalid rpm info: {UserQueries.Repr(item)}");
            }
            var rpmId = rpm.GetValueOrDefault("location") is { } location && ArgumentBinder.Truthy(location)
                ? await ExternalRpmAsync(ctx, rpm, location).ConfigureAwait(false)
                : (await RpmQueries.FindAsync(ctx, rpm).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such rpm: {UserQueries.Repr(rpm)}")).Id;
            if (!current.Contains(rpmId))
            {
                ids.Add(rpmId);
            }
        }
        if (ids.Count > 0)
        {
            await ctx.ExecuteAsync("INSERT INTO buildroot_listing (buildroot_id, rpm_id, is_update) VALUES (@buildrootId, @rpmId, @update)",
                ids.Select(rpmId => new { buildrootId = br.Id, rpmId, update }).ToList()).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Koji's <c>add_external_rpm(rpminfo, location, strict=False)</c>: the rpm of the external repo
    /// with this NVRA, created when missing; a known one whose payload hash changed is an error.
    /// </summary>
    private static async Task<int> ExternalRpmAsync(CallContext ctx, IReadOnlyDictionary<string, object?> rpm, object location)
    {
        var repo = await ExternalRepoAsync(ctx, location).ConfigureAwait(false);
        string Text(string field) => rpm.TryGetValue(field, out var v)
            ? v as string ?? throw KojiErrors.Generic($"Invalid value for {field}: {UserQueries.Repr(v)}")
            : throw KojiErrors.Generic($"{field} field missing: {UserQueries.Repr(rpm)}");
        long Number(string field, bool nullable)
        {
            if (!rpm.TryGetValue(field, out var v))
            {
                throw KojiErrors.Generic($"{field} field missing: {UserQueries.Repr(rpm)}");
            }
            return v switch
            {
                int i => i,
                long l => l,
                null when nullable => long.MinValue,
                _ => throw KojiErrors.Generic($"Invalid value for {field}: {UserQueries.Repr(v)}"),
            };
        }
        var name = Text("name");
        var version = Text("version");
        var release = Text("release");
        var epochValue = Number("epoch", nullable: true);
        int? epoch = epochValue == long.MinValue ? null : (int)epochValue;
        var arch = Text("arch");
        var payloadhash = Text("payloadhash");
        var size = Number("size", nullable: false);
        var buildtime = Number("buildtime", nullable: false);

        var previous = await ctx.QueryFirstOrDefaultAsync<(int Id, string Payloadhash)>("""
            SELECT id, payloadhash FROM rpminfo
            WHERE name = @name AND version = @version AND release = @release AND arch = @arch AND external_repo_id = @repoId
            """, new { name, version, release, arch, repoId = repo.Id }).ConfigureAwait(false);
        if (previous.Id != 0)
        {
            if (previous.Payloadhash != payloadhash)
            {
                throw KojiErrors.Generic($"hash changed for external rpm: {name}-{version}-{release}.{arch}@{repo.Name} ({previous.Payloadhash} -> {payloadhash})");
            }
            return previous.Id;
        }
        return await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO rpminfo (build_id, buildroot_id, name, version, release, epoch, arch, draft, external_repo_id,
                                 payloadhash, size, buildtime, metadata_only)
            VALUES (NULL, NULL, @name, @version, @release, @epoch, @arch, NULL, @repoId, @payloadhash, @size, @buildtime, FALSE)
            RETURNING id
            """, new { name, version, release, epoch, arch, repoId = repo.Id, payloadhash, size, buildtime }).ConfigureAwait(false);
    }

    /// <summary>An external repo by id or name (not the internal placeholder); GenericError when unknown.</summary>
    private static async Task<NameRow> ExternalRepoAsync(CallContext ctx, object location)
    {
        var row = await Lookup.NameAsync(ctx, "external_repo", location).ConfigureAwait(false);
        if (row is null || row.Id == 0)
        {
            throw KojiErrors.Generic($"No such repo: {Lookup.Str(location)}");
        }
        return row;
    }

    [KojiMethod("getBuildroot", ReadOnly = true)]
    internal static async Task<object?> GetBuildroot(CallContext ctx, int buildrootID, bool strict = false)
    {
        var br = await BuildrootQueries.ByIdAsync(ctx, buildrootID).ConfigureAwait(false);
        if (br is null)
        {
            return strict ? throw KojiErrors.Generic($"No such buildroot: {buildrootID}") : null;
        }
        return BuildrootQueries.ToStruct(br);
    }

    [KojiMethod("listBuildroots", ReadOnly = true)]
    internal static async Task<object?> ListBuildroots(CallContext ctx, int? hostID = null, int? tagID = null, object? state = null, int? rpmID = null,
        int? archiveID = null, int? taskID = null, object? buildrootID = null, int? repoID = null, IReadOnlyDictionary<string, object?>? queryOpts = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        var where = new List<string>();
        var joins = new List<string>();
        var columns = BuildrootQueries.Columns;
        var p = new DynamicParameters();
        void In(string column, string name, object? value)
        {
            var values = value switch
            {
                int i => [i],
                long l => [(int)l],
                IReadOnlyList<object?> list => list.Select(x => x switch
                {
                    int i => i,
                    long l => (int)l,
                    _ => throw KojiErrors.Parameter($"Invalid {name}: {UserQueries.Repr(value)}"),
                }).ToList(),
                _ => throw KojiErrors.Parameter($"Invalid {name}: {UserQueries.Repr(value)}"),
            };
            if (values.Count == 0)
            {
                where.Add("1 = 0");
                return;
            }
            var names = values.Select((v, i) =>
            {
                var n = name + i.ToString(CultureInfo.InvariantCulture);
                p.Add(n, v);
                return "@" + n;
            });
            where.Add($"{column} IN ({string.Join(", ", names)})");
        }
        if (buildrootID is not null)
        {
            In("br.id", "buildrootID", buildrootID);
        }
        if (hostID is { } h)
        {
            where.Add("h.id = @hostID");
            p.Add("hostID", h);
        }
        if (tagID is { } t)
        {
            where.Add("t.id = @tagID");
            p.Add("tagID", t);
        }
        if (state is not null)
        {
            In("sb.state", "state", state);
        }
        if (rpmID is { } rpm)
        {
            joins.Add("JOIN buildroot_listing bl ON bl.buildroot_id = br.id");
            columns += ", bl.is_update AS Is_Update";
            where.Add("bl.rpm_id = @rpmID");
            p.Add("rpmID", rpm);
        }
        if (archiveID is not null)
        {
            // This hub keeps no archives (maven/win/image), so no buildroot used one.
            return opts.Shape([]);
        }
        if (taskID is { } task)
        {
            where.Add("sb.task_id = @taskID");
            p.Add("taskID", task);
        }
        if (repoID is { } repo && repo != 0)
        {
            where.Add("r.id = @repoID");
            p.Add("repoID", repo);
        }
        var order = new Dictionary<string, string>(BuildrootQueries.OrderColumns, StringComparer.Ordinal);
        if (rpmID is not null)
        {
            order["is_update"] = "bl.is_update";
        }
        var sql = $"SELECT {columns} FROM buildroot br {string.Join(" ", joins)} {BuildrootQueries.Joins}"
            + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")
            + opts.OrderBySql(order, "br.id") + opts.LimitSql(ctx.Engine);
        var rows = (await ctx.QueryAsync<BuildrootRow>(sql, p).ConfigureAwait(false)).Select(BuildrootQueries.ToStruct).ToList();
        return opts.Shape(rows);
    }

    [KojiMethod("getBuildrootListing", ReadOnly = true)]
    internal static async Task<object?> GetBuildrootListing(CallContext ctx, int id)
    {
        await BuildrootQueries.GetAsync(ctx, id).ConfigureAwait(false);
        var rows = await ctx.QueryAsync<ListingRow>("""
            SELECT bl.rpm_id AS Rpm_Id, bl.is_update AS Is_Update, r.name AS Name, r.version AS Version, r.release AS Release,
                   r.epoch AS Epoch, r.arch AS Arch, r.build_id AS Build_Id, r.draft AS Draft,
                   r.external_repo_id AS External_Repo_Id, er.name AS External_Repo_Name
            FROM buildroot_listing bl
            JOIN rpminfo r ON r.id = bl.rpm_id
            JOIN external_repo er ON er.id = r.external_repo_id
            WHERE bl.buildroot_id = @id
            ORDER BY bl.rpm_id
            """, new { id }).ConfigureAwait(false);
        return rows.Select(r => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["arch"] = r.Arch,
            ["build_id"] = r.Build_Id,
            ["draft"] = r.Draft,
            ["epoch"] = r.Epoch,
            ["external_repo_id"] = r.External_Repo_Id,
            ["external_repo_name"] = r.External_Repo_Name,
            ["is_update"] = r.Is_Update,
            ["name"] = r.Name,
            ["release"] = r.Release,
            ["rpm_id"] = r.Rpm_Id,
            ["version"] = r.Version,
        }).ToList();
    }

    private sealed class ListingRow
    {
        public int Rpm_Id { get; init; }

        public bool Is_Update { get; init; }

        public string Name { get; init; } = "";

        public string Version { get; init; } = "";

        public string Release { get; init; } = "";

        public int? Epoch { get; init; }

        public string Arch { get; init; } = "";

        public int? Build_Id { get; init; }

        public bool? Draft { get; init; }

        public int External_Repo_Id { get; init; }

        public string External_Repo_Name { get; init; } = "";
    }
}
