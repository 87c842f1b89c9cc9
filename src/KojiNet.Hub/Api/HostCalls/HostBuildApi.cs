using System.Globalization;
using KojiNet.Hub.Api.Buildroots;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Packages;
using KojiNet.Hub.Api.Rpms;
using KojiNet.Hub.Api.Tagging;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.HostCalls;

/// <summary>
/// The builder's build calls (spec/api-host.md §2.3, builder.md §10.5 and §20):
/// <c>host.initBuild</c>, <c>host.completeBuild</c>, <c>host.failBuild</c>,
/// <c>host.moveBuildToScratch</c>, <c>host.tagBuild</c>, <c>host.tagNotification</c>; and the
/// client's <c>getAverageBuildDuration</c>. Each call runs in the call's one transaction; an import
/// moves its files only after the database work and puts them back when the call fails.
/// </summary>
internal static class HostBuildApi
{
    [KojiMethod("host.initBuild")]
    internal static async Task<int> InitBuild(CallContext ctx, object? data)
    {
        if (data is not IReadOnlyDictionary<string, object?> d)
        {
            throw KojiErrors.Parameter($"Invalid build data: {UserQueries.Repr(data)}");
        }
        var taskId = d.GetValueOrDefault("task_id") switch
        {
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            null => throw KojiErrors.Generic("No task_id value for build"),
            var other => throw KojiErrors.Parameter($"Invalid task_id: {UserQueries.Repr(other)}"),
        };
        await HostCallerChecks.VerifyTaskAsync(ctx, taskId).ConfigureAwait(false);
        var owner = await TaskOwnerAsync(ctx, taskId).ConfigureAwait(false);

        string name;
        if (d.GetValueOrDefault("pkg_id") is { } pkgId)
        {
            name = (await Lookup.NameAsync(ctx, "package", pkgId, strict: true).ConfigureAwait(false))!.Name;
        }
        else
        {
            name = d.GetValueOrDefault("name") as string is { Length: > 0 } n ? n : throw KojiErrors.Generic("No name or package id provided for build");
        }
        foreach (var field in (string[])["version", "release", "epoch"])
        {
            if (!d.ContainsKey(field))
            {
                throw KojiErrors.Generic($"No {field} value for build");
            }
        }
        var version = d["version"] as string ?? throw KojiErrors.Generic($"Invalid version: {UserQueries.Repr(d["version"])}");
        var release = d["release"] as string ?? throw KojiErrors.Generic($"Invalid release: {UserQueries.Repr(d["release"])}");
        int? epoch = d["epoch"] switch
        {
            null => null,
            int i => i,
            long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
            var other => throw KojiErrors.Generic($"Invalid epoch: {UserQueries.Repr(other)}"),
        };
        var source = d.GetValueOrDefault("source") switch
        {
            null => null,
            string s => s,
            var other => throw KojiErrors.Generic($"Invalid source: {UserQueries.Repr(other)}"),
        };
        var extra = d.GetValueOrDefault("extra") switch
        {
            null => null,
            IReadOnlyDictionary<string, object?> e => e,
            var other => throw KojiErrors.Generic($"No such build extra data: {UserQueries.Repr(other)}"),
        };
        var draft = ArgumentBinder.Truthy(d.GetValueOrDefault("draft"));

        // The hub decides owner (the task's), state and times, whatever the builder sent.
        var buildId = await BuildQueries.NewBuildAsync(ctx, name, version, release, epoch, owner, draft, BuildStates.Building,
            ctx.Hub.Now(), completion: null, source, taskId, extra).ConfigureAwait(false);
        await BuildQueries.AddTypeAsync(ctx, buildId, "rpm").ConfigureAwait(false);
        return buildId;
    }

    [KojiMethod("host.completeBuild")]
    internal static async Task<object?> CompleteBuild(CallContext ctx, int task_id, int build_id, object? srpm, object? rpms,
        object? brmap = null, object? logs = null)
    {
        await HostCallerChecks.VerifyTaskAsync(ctx, task_id).ConfigureAwait(false);
        var storage = ctx.Hub.Storage;
        var srpmPath = RelPath(srpm, "srpm");
        var rpmPaths = RelPaths(rpms, "rpms");
        var brMap = ParseBrmap(brmap);
        var logMap = ParseLogs(logs);

        // Checks first; nothing is written until all of them passed.
        foreach (var relpath in rpmPaths.Prepend(srpmPath))
        {
            AssertExists(storage, relpath);
        }
        rpmPaths = NoarchRpms.Dedupe(rpmPaths, logMap, r => Resolve(storage, r));
        foreach (var brId in brMap.Values.Distinct())
        {
            await BuildrootQueries.GetAsync(ctx, brId).ConfigureAwait(false);
        }
        var source = RpmImport.Read(Resolve(storage, srpmPath));
        if (!source.Package.IsSource)
        {
            throw KojiErrors.Generic($"not a source package: {source.File}");
        }
        var volumeId = await VolumeForImportAsync(ctx, source.Package, task_id).ConfigureAwait(false);
        var build = await BuildQueries.ByIdAsync(ctx, build_id).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"No such build: {build_id}");
        var srpmRelease = build.Draft ? string.Create(CultureInfo.InvariantCulture, $"{source.Package.Release},draft_{build.Id}") : source.Package.Release;
        var checks = new (string Key, object? Build, object? Rpm)[]
        {
            ("name", build.Package_Name, source.Package.Name),
            ("version", build.Version, source.Package.Version),
            ("release", build.Release, srpmRelease),
            ("epoch", build.Epoch, (int?)source.Package.Epoch),
            ("task_id", build.Task_Id, task_id),
        };
        foreach (var (key, expected, actual) in checks)
        {
            if (!Equals(expected, actual))
            {
                throw KojiErrors.Generic($"Unable to complete build: {key} mismatch (build: {Py(expected)}, rpm: {Py(actual)})");
            }
        }
        if (build.State != BuildStates.Building)
        {
            throw KojiErrors.Generic($"Unable to complete build: state is {BuildStates.Name(build.State)}");
        }
        var imports = new List<(RpmToImport Rpm, int? Buildroot)>
        {
            (source, brMap.TryGetValue(srpmPath, out var srpmBr) ? srpmBr : null),
        };
        foreach (var relpath in rpmPaths)
        {
            var rpm = RpmImport.Read(Resolve(storage, relpath));
            RpmImport.CheckBelongsTo(rpm, build);
            imports.Add((rpm, brMap.TryGetValue(relpath, out var br) ? br : null));
        }
        RpmImport.CheckBelongsTo(source, build);

        var files = new FileMoves();
        foreach (var (rpm, _) in imports)
        {
            // <builddir>/<arch>/<the rpm's own N-V-R.A>.rpm (a draft's rpms keep their release; the build dir has the draft one).
            var dest = Path.Combine(storage.BuildDir(build.Package_Name, build.Version, build.Release), rpm.Arch, Path.GetFileName(rpm.File));
            files.MoveAndLink(rpm.File, dest, "Error importing archive file, {0} already exists");
            files.Write(RpmImport.SigCachePath(storage, build, rpm), rpm.SignatureHeader);
        }
        AddLogs(files, storage, logMap, storage.BuildLogDir(build.Package_Name, build.Version, build.Release, null),
            "Error importing build log. {0} already exists.");
        files.Check();

        // The database: the build completes and every rpm is recorded as importRPM records it.
        await ctx.ExecuteAsync("UPDATE build SET state = @state, completion_time = @now, volume_id = @volumeId WHERE id = @build_id",
            new { state = BuildStates.Complete, now = ctx.Hub.Now(), volumeId, build_id }).ConfigureAwait(false);
        var completed = (await BuildQueries.ByIdAsync(ctx, build_id).ConfigureAwait(false))!;
        foreach (var (rpm, buildroot) in imports)
        {
            await RpmImport.RecordAsync(ctx, rpm, completed, buildroot).ConfigureAwait(false);
        }
        var result = BuildQueries.ToStruct(completed);

        // Files last; put back if anything fails from here on (including the commit).
        files.Apply(ctx);
        return result;
    }

    [KojiMethod("host.failBuild")]
    internal static async Task<object?> FailBuild(CallContext ctx, int task_id, int build_id)
    {
        await HostCallerChecks.VerifyTaskAsync(ctx, task_id).ConfigureAwait(false);
        var lockClause = ctx.Engine == Data.DatabaseEngine.PostgreSql ? " FOR UPDATE" : "";
        var row = await ctx.QueryFirstOrDefaultAsync<BuildStateRow>(
            "SELECT state AS State, completion_time AS Completion_Time FROM build WHERE id = @build_id" + lockClause, new { build_id }).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"No such build: {build_id}");
        if (row.State != BuildStates.Building)
        {
            throw KojiErrors.Generic($"cannot update build {build_id}, state: {BuildStates.Name(row.State)}");
        }
        if (row.Completion_Time is { } completed)
        {
            throw KojiErrors.Generic($"cannot update build {build_id}, completed at {KojiTime.Format(completed)}");
        }
        await ctx.ExecuteAsync("UPDATE build SET state = @state, completion_time = @now WHERE id = @build_id",
            new { state = BuildStates.Failed, now = ctx.Hub.Now(), build_id }).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("host.moveBuildToScratch")]
    internal static async Task<object?> MoveBuildToScratch(CallContext ctx, int task_id, object? srpm, object? rpms, object? logs = null)
    {
        await HostCallerChecks.VerifyTaskAsync(ctx, task_id).ConfigureAwait(false);
        var storage = ctx.Hub.Storage;
        var srpmPath = RelPath(srpm, "srpm");
        var rpmPaths = RelPaths(rpms, "rpms");
        var logMap = ParseLogs(logs);
        foreach (var relpath in rpmPaths.Prepend(srpmPath))
        {
            AssertExists(storage, relpath);
        }
        rpmPaths = NoarchRpms.Dedupe(rpmPaths, logMap, r => Resolve(storage, r));
        var owner = await ctx.ScalarAsync<string?>("SELECT u.name FROM task t JOIN users u ON u.id = t.owner WHERE t.id = @task_id", new { task_id }).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"No such task: {task_id}");
        if (owner.Contains('/', StringComparison.Ordinal) || owner is "." or "..")
        {
            throw KojiErrors.Generic($"Invalid user name for a scratch directory: {owner}");
        }
        var dir = storage.ScratchTaskDir(owner, task_id);
        var files = new FileMoves();
        foreach (var relpath in rpmPaths.Prepend(srpmPath))
        {
            files.MoveAndLink(Resolve(storage, relpath), Path.Combine(dir, Path.GetFileName(relpath)), "Destination exists: {0}");
        }
        AddLogs(files, storage, logMap, Path.Combine(dir, "logs"), "Destination exists: {0}");
        files.Check();
        files.Apply(ctx);
        return null;
    }

    [KojiMethod("host.tagBuild")]
    internal static async Task<object?> TagBuild(CallContext ctx, int task_id, object? tag, object? build, bool force = false, object? fromtag = null)
    {
        await HostCallerChecks.VerifyTaskAsync(ctx, task_id).ConfigureAwait(false);
        var b = await BuildQueries.GetAsync(ctx, build).ConfigureAwait(false);
        var t = await TagQueries.GetAsync(ctx, tag).ConfigureAwait(false);
        var owner = await TaskOwnerAsync(ctx, task_id).ConfigureAwait(false);
        TagRow? from = fromtag is null ? null : await TagQueries.GetAsync(ctx, fromtag).ConfigureAwait(false);
        await ctx.Hub.Policies.AssertTagPolicyAsync(ctx, from is null ? "tag" : "move", t.Id, from?.Id, b.Id, force, owner).ConfigureAwait(false);

        // The package must be listed, unblocked, in the tag (inherited list); an admin session may force it in.
        var entry = await PackageLists.WinnerAsync(ctx, t.Id, b.Package_Id).ConfigureAwait(false);
        var problem = entry is null ? $"Package {b.Package_Name} not in list for {Lookup.Str(tag)}"
            : entry.Blocked ? $"Package {b.Package_Name} blocked in {Lookup.Str(tag)}"
            : null;
        if (problem is not null)
        {
            if (!force || !await ctx.IsAdminAsync().ConfigureAwait(false))
            {
                throw KojiErrors.Tag(problem);
            }
            await PackageApi.PackageListAdd(ctx, t.Id, b.Package_Id, block: false, force: true).ConfigureAwait(false);
        }

        // Untag and tag as the task owner, with the owner's tag access.
        if (from is not null)
        {
            await AssertTagAccessAsync(ctx, from, owner, force).ConfigureAwait(false);
            await TaggedApi.DirectUntagAsync(ctx, from, b, strict: true, owner).ConfigureAwait(false);
        }
        await AssertTagAccessAsync(ctx, t, owner, force).ConfigureAwait(false);
        await TaggedApi.DirectTagAsync(ctx, t, b.Ref, force, owner).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Koji's <c>check_tag_access</c> for <paramref name="userId"/>: a locked tag, or one whose
    /// permission the user lacks, is ActionNotAllowed unless the user is an admin and forces it.
    /// </summary>
    private static async Task AssertTagAccessAsync(CallContext ctx, TagRow tag, int userId, bool force)
    {
        var perms = await PermissionApi.UserPermsAsync(ctx, userId, withGroups: true).ConfigureAwait(false);
        var reason = tag.Locked ? "tag is locked"
            : tag.Perm is { } perm && !perms.Contains(perm) ? $"tag requires {perm} permission"
            : null;
        if (reason is not null && !(force && perms.Contains("admin")))
        {
            throw KojiErrors.NotAllowed(reason);
        }
    }

    /// <summary>The volume of an imported build: the <c>volume</c> policy (default rule <c>all :: DEFAULT</c>).</summary>
    private static async Task<int> VolumeForImportAsync(CallContext ctx, KojiNet.Rpm.RpmPackage srpm, int taskId)
    {
        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["package"] = srpm.Name,
            ["version"] = srpm.Version,
            ["release"] = srpm.Release,
            ["import_type"] = "rpm",
            ["task_id"] = taskId,
        };
        return (await ctx.Hub.Policies.VolumeAsync(ctx, data, @default: "DEFAULT").ConfigureAwait(false))?.Id ?? 0;
    }

    [KojiMethod("host.tagNotification")]
    internal static async Task<object?> TagNotification(CallContext ctx, object? is_successful, object? tag_id, object? from_id, object? build_id,
        object? user_id, bool ignore_success = false, string? failure_msg = "")
    {
        // Notification e-mail is not sent by this hub: the arguments are checked and nothing is stored.
        await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        if (is_successful is not (bool or int or long))
        {
            throw KojiErrors.Parameter($"Invalid is_successful: {UserQueries.Repr(is_successful)}");
        }
        _ = (ignore_success, failure_msg);
        if (tag_id is not null)
        {
            await TagQueries.GetAsync(ctx, tag_id).ConfigureAwait(false);
        }
        if (from_id is not null)
        {
            await TagQueries.GetAsync(ctx, from_id).ConfigureAwait(false);
        }
        if (build_id is not null)
        {
            await BuildQueries.GetAsync(ctx, build_id).ConfigureAwait(false);
        }
        if (user_id is not null && await UserQueries.FindAsync(ctx, user_id).ConfigureAwait(false) is null)
        {
            throw KojiErrors.Generic($"No such user: {Lookup.Str(user_id)}");
        }
        return null;
    }

    [KojiMethod("getAverageBuildDuration", ReadOnly = true)]
    internal static async Task<double?> GetAverageBuildDuration(CallContext ctx, object? package, int? age = null)
    {
        var pkg = await Lookup.NameAsync(ctx, "package", package).ConfigureAwait(false);
        if (pkg is null)
        {
            return null;
        }
        // Imports (no task) would skew the average; content-generator builds name their task in extra.
        var sql = """
            SELECT AVG(b.completion_time - ev.time) FROM build b JOIN events ev ON ev.id = b.create_event
            WHERE b.pkg_id = @id AND b.state = @complete AND (b.task_id IS NOT NULL OR b.extra LIKE '%koji_task_id%')
            """;
        double? since = null;
        if (age is { } months)
        {
            since = KojiTime.ToTs(ctx.Hub.Time.GetUtcNow().AddMonths(-months));
            sql += " AND b.completion_time > @since";
        }
        return await ctx.ScalarAsync<double?>(sql, new { id = pkg.Id, complete = BuildStates.Complete, since }).ConfigureAwait(false);
    }

    private sealed class BuildStateRow
    {
        public int State { get; init; }

        public double? Completion_Time { get; init; }
    }

    private static async Task<int> TaskOwnerAsync(CallContext ctx, int taskId) =>
        await ctx.ScalarAsync<int?>("SELECT owner FROM task WHERE id = @taskId", new { taskId }).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"No such task: {taskId}");

    /// <summary>Plans the logs' moves: <c>logs[arch]</c> files into <c>&lt;dir&gt;/&lt;arch&gt;/</c> (into <c>dir</c> for an empty arch).</summary>
    private static void AddLogs(FileMoves files, Storage.StorageLayout storage, IReadOnlyDictionary<string, IReadOnlyList<string>> logs, string dir, string existsMessage)
    {
        foreach (var (arch, paths) in logs)
        {
            var target = arch.Length == 0 ? dir : Path.Combine(dir, arch);
            foreach (var relpath in paths)
            {
                var file = Resolve(storage, relpath);
                AssertExists(storage, relpath);
                files.MoveAndLink(file, Path.Combine(target, Path.GetFileName(file)), existsMessage);
            }
        }
    }

    private static string Resolve(Storage.StorageLayout storage, string relpath)
    {
        try
        {
            return storage.ResolveWorkPath(relpath);
        }
        catch (ArgumentException e)
        {
            throw KojiErrors.Generic(e.Message);
        }
    }

    private static void AssertExists(Storage.StorageLayout storage, string relpath)
    {
        var file = Resolve(storage, relpath);
        if (!File.Exists(file))
        {
            throw KojiErrors.Generic($"No such file: {file}");
        }
    }

    private static string RelPath(object? value, string what) =>
        value is string { Length: > 0 } s ? s : throw KojiErrors.Parameter($"Invalid {what}: {UserQueries.Repr(value)}");

    private static IReadOnlyList<string> RelPaths(object? value, string what) => value is IReadOnlyList<object?> list
        ? list.Select(v => RelPath(v, what)).ToList()
        : throw KojiErrors.Parameter($"Invalid {what}: {UserQueries.Repr(value)}");

    /// <summary><c>brmap</c>: relative path → buildroot id.</summary>
    private static Dictionary<string, int> ParseBrmap(object? value)
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        if (value is null)
        {
            return map;
        }
        if (value is not IReadOnlyDictionary<string, object?> d)
        {
            throw KojiErrors.Parameter($"Invalid brmap: {UserQueries.Repr(value)}");
        }
        foreach (var (path, id) in d)
        {
            map[path] = id switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                _ => throw KojiErrors.Parameter($"Invalid buildroot id for {path}: {UserQueries.Repr(id)}"),
            };
        }
        return map;
    }

    /// <summary><c>logs</c>: arch → relative paths; the arch becomes a directory name, so it must be a plain name.</summary>
    private static Dictionary<string, IReadOnlyList<string>> ParseLogs(object? value)
    {
        var map = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        if (value is null)
        {
            return map;
        }
        if (value is not IReadOnlyDictionary<string, object?> d)
        {
            throw KojiErrors.Parameter($"Invalid logs: {UserQueries.Repr(value)}");
        }
        foreach (var (arch, paths) in d)
        {
            if (arch.Contains('/', StringComparison.Ordinal) || arch is "." or ".." || arch.Contains('\0', StringComparison.Ordinal))
            {
                throw KojiErrors.Generic($"Invalid log arch: {arch}");
            }
            map[arch] = RelPaths(paths, "logs");
        }
        return map;
    }

    /// <summary>Python's <c>str</c> of a compared value (<c>None</c> for null).</summary>
    private static string Py(object? value) => value is null ? "None" : Lookup.Str(value);
}
