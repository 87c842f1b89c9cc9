using System.Globalization;
using System.Text;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Events;
using KojiNet.Hub.Api.Groups;
using KojiNet.Hub.Api.Packages;
using KojiNet.Hub.Api.Rpms;
using KojiNet.Hub.Api.Tagging;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Tasks;
using KojiNet.Hub.Data;

namespace KojiNet.Hub.Api.Repos;

/// <summary>
/// Koji's <c>repo_init</c> and <c>repoDone</c> (kojira.md §8.3, §9; layout.md §4): a new repo
/// row in INIT with the tag's content as of the repo's event written under
/// <c>repos/&lt;tag&gt;/&lt;repo_id&gt;/</c>; later the uploaded repodata moved in, the repo made
/// READY and the <c>latest</c> link pointed at it. The tree is built in a hidden sibling
/// directory and renamed into place whole, so a failed init leaves no partial repo directory,
/// and a repo becomes READY only after all its repodata is in place.
/// </summary>
internal static class RepoInit
{
    /// <summary>Creates the repo and its tree; returns <c>[repo_id, event_id]</c>.</summary>
    public static async Task<(int RepoId, int EventId)> InitAsync(CallContext ctx, object? tag, int? taskId, object? @event, object? opts)
    {
        var atEvent = RepoApi.EventId(@event);
        var tagRow = await TagQueries.GetAsync(ctx, tag, atEvent).ConfigureAwait(false);
        var overrides = opts is null ? null : RepoOpts.Convert(opts, strict: true);
        var extra = await TagQueries.ExtraRowsAsync(ctx, tagRow.Id, atEvent).ConfigureAwait(false);
        var (repoOpts, custom) = RepoOpts.ForTag(ctx, tagRow, extra, overrides);
        if (repoOpts["maven"] && !ctx.Hub.Config.Operation.EnableMaven)
        {
            throw KojiErrors.Generic("Maven support not enabled");
        }
        var arches = new List<string>();
        if (repoOpts["separate_src"])
        {
            arches.Add("src");
        }
        foreach (var arch in (tagRow.Arches ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var canon = RepoArches.Canon(arch);
            if (canon is not ("src" or "noarch") && !arches.Contains(canon))
            {
                arches.Add(canon);
            }
        }

        int eventId;
        if (atEvent is { } given)
        {
            eventId = await ctx.ScalarAsync<int?>("SELECT id FROM events WHERE id = @given", new { given }).ConfigureAwait(false)
                ?? throw KojiErrors.Generic("query returned no rows");
        }
        else
        {
            eventId = await ctx.GetEventAsync().ConfigureAwait(false);
        }
        var begin = await EventApi.TagLastChangeEvent(ctx, tagRow.Id, eventId).ConfigureAwait(false) ?? eventId;
        var end = await EventApi.TagFirstChangeEvent(ctx, tagRow.Id, eventId).ConfigureAwait(false);
        var now = ctx.Hub.Now();
        var repoId = await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO repo (creation_time, create_event, state_time, begin_event, end_event, tag_id, state, dist, opts, custom_opts, task_id)
            VALUES (@now, @eventId, @now, @begin, @end, @tagId, @state, FALSE, @opts, @custom, @taskId)
            RETURNING id
            """, new
        {
            now,
            eventId,
            begin,
            end,
            tagId = tagRow.Id,
            state = RepoStates.Init,
            opts = RepoOpts.ToJson(repoOpts),
            custom = RepoOpts.ToJson(custom),
            taskId,
        }).ConfigureAwait(false);

        // The content as of the repo's event, following inheritance.
        var includeAll = extra.Any(e => e.Key == "repo_include_all" && e.Value is not null && ArgumentBinder.Truthy(PyJson.Decode(e.Value)));
        var builds = await TaggedBuilds.ReadAsync(ctx, tagRow, new TaggedBuilds.Options(eventId, true, !includeAll, null, null, null, null)).ConfigureAwait(false);
        var rpms = await RpmsOfBuildsAsync(ctx, builds.Select(b => b.Build.Build).ToList()).ConfigureAwait(false);
        var groups = await TagGroups.ReadVisibleAsync(ctx, tagRow.Id, eventId).ConfigureAwait(false);
        var blocked = (await PackageLists.ReadAsync(ctx, tagRow.Id, atEvent: eventId, inherit: true).ConfigureAwait(false))
            .Values.Select(l => l[0]).Where(e => e.Blocked).Select(e => e.Package_Name).ToList();

        var repoJson = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = repoId,
            ["tag"] = tagRow.Name,
            ["tag_id"] = tagRow.Id,
            ["task_id"] = taskId,
            ["event_id"] = eventId,
            ["opts"] = RepoOpts.ToStruct(repoOpts),
            ["custom_opts"] = RepoOpts.ToStruct(custom),
            ["with_src"] = repoOpts["src"],
            ["with_separate_src"] = repoOpts["separate_src"],
            ["with_debuginfo"] = repoOpts["debuginfo"],
        };

        var lists = arches.ToDictionary(a => a, _ => (Paths: new StringBuilder(), Infos: new StringBuilder()), StringComparer.Ordinal);
        foreach (var (build, rpm) in rpms)
        {
            if (!repoOpts["debuginfo"] && RepoArches.IsDebuginfo(rpm.Name))
            {
                continue;
            }
            var targets = new List<string>();
            if (rpm.Arch == "src")
            {
                if (repoOpts["src"])
                {
                    targets.AddRange(arches);
                }
                if (repoOpts["separate_src"] && !targets.Contains("src"))
                {
                    targets.Add("src");
                }
            }
            else if (rpm.Arch == "noarch")
            {
                targets.AddRange(arches.Where(a => a != "src"));
            }
            else if (lists.ContainsKey(RepoArches.Canon(rpm.Arch)) && RepoArches.Canon(rpm.Arch) != "src")
            {
                targets.Add(RepoArches.Canon(rpm.Arch));
            }
            if (targets.Count == 0)
            {
                continue;
            }
            var path = PkgPath(build, rpm);
            var info = PyJson.Encode(RpmInfo(rpm));
            foreach (var target in targets)
            {
                lists[target].Paths.Append(path).Append('\n');
                lists[target].Infos.Append(info).Append('\n');
            }
        }
        var blocklist = string.Concat(blocked.Select(b => b + "\n"));

        var tagDir = TagRepoDir(ctx.Hub.Storage.TopDir, tagRow.Name);
        var finalDir = Path.Combine(tagDir, repoId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(tagDir);
        var work = Path.Combine(tagDir, $".{repoId.ToString(CultureInfo.InvariantCulture)}.init-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(Path.Combine(work, "groups"));
            await File.WriteAllTextAsync(Path.Combine(work, "groups", "comps.xml"), CompsWriter.Write(groups, expandGroups: true)).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(work, "repo.json"), RepoJson.Indented(repoJson)).ConfigureAwait(false);
            foreach (var arch in arches)
            {
                var archDir = Path.Combine(work, arch);
                Directory.CreateDirectory(archDir);
                // Relative to where the arch directory will be, not to the build directory.
                File.CreateSymbolicLink(Path.Combine(archDir, "toplink"), Path.GetRelativePath(Path.Combine(finalDir, arch), ctx.Hub.Storage.TopDir));
                await File.WriteAllTextAsync(Path.Combine(archDir, "pkglist"), lists[arch].Paths.ToString()).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(archDir, "rpmlist.jsonl"), lists[arch].Infos.ToString()).ConfigureAwait(false);
                await File.WriteAllTextAsync(Path.Combine(archDir, "blocklist"), blocklist).ConfigureAwait(false);
            }
            if (Directory.Exists(finalDir))
            {
                // Only a rolled-back earlier attempt can have used this new repo id (SQLite reuses it).
                Directory.Delete(finalDir, recursive: true);
            }
            Directory.Move(work, finalDir);
        }
        catch
        {
            if (Directory.Exists(work))
            {
                Directory.Delete(work, recursive: true);
            }
            throw;
        }
        return (repoId, eventId);
    }

    /// <summary><c>&lt;topdir&gt;/repos/&lt;tag name&gt;</c>; a tag name that would lead elsewhere is refused.</summary>
    public static string TagRepoDir(string topDir, string tagName)
    {
        var parts = tagName.Split('/');
        if (tagName.Length == 0 || parts.Any(p => p is "" or "." or ".."))
        {
            throw KojiErrors.Generic($"Tag name not usable as a repo directory: {tagName}");
        }
        return Path.Combine([topDir, "repos", .. parts]);
    }

    /// <summary>A pkglist line: the unsigned primary copy relative to the arch dir, through <c>toplink</c>.</summary>
    private static string PkgPath(BuildRow build, RpmRow rpm)
    {
        var volume = build.Volume_Name is "DEFAULT" or "" ? "" : $"vol/{build.Volume_Name}/";
        return $"toplink/{volume}packages/{build.Package_Name}/{build.Version}/{build.Release}/{rpm.Arch}/{rpm.Name}-{rpm.Version}-{rpm.Release}.{rpm.Arch}.rpm";
    }

    /// <summary>An <c>rpmlist.jsonl</c> entry: the rpm info of <c>listTaggedRPMS</c>.</summary>
    private static Dictionary<string, object?> RpmInfo(RpmRow r) => new(StringComparer.Ordinal)
    {
        ["name"] = r.Name,
        ["version"] = r.Version,
        ["release"] = r.Release,
        ["arch"] = r.Arch,
        ["id"] = r.Id,
        ["epoch"] = r.Epoch,
        ["draft"] = r.Draft,
        ["payloadhash"] = r.Payloadhash,
        ["size"] = r.Size,
        ["buildtime"] = r.Buildtime,
        ["buildroot_id"] = r.Buildroot_Id,
        ["build_id"] = r.Build_Id,
        ["metadata_only"] = r.Metadata_Only,
        ["extra"] = BuildQueries.DecodeExtra(r.Extra),
    };

    /// <summary>The rpms of the builds, build by build in the given order, each build's by rpm id.</summary>
    private static async Task<List<(BuildRow Build, RpmRow Rpm)>> RpmsOfBuildsAsync(CallContext ctx, IReadOnlyList<BuildRow> builds)
    {
        var byBuild = new Dictionary<int, List<RpmRow>>();
        var ids = builds.Select(b => b.Id).Distinct().ToList();
        for (var start = 0; start < ids.Count; start += 500)
        {
            var chunk = ids.Skip(start).Take(500).ToList();
            IEnumerable<RpmRow> rows;
            if (ctx.Engine == DatabaseEngine.Sqlite)
            {
                var json = "[" + string.Join(",", chunk.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]";
                rows = await ctx.QueryAsync<RpmRow>(RpmQueries.SelectFrom + " WHERE r.build_id IN (SELECT value FROM json_each(@json)) ORDER BY r.id", new { json }).ConfigureAwait(false);
            }
            else
            {
                rows = await ctx.QueryAsync<RpmRow>(RpmQueries.SelectFrom + " WHERE r.build_id = ANY(@ids) ORDER BY r.id", new { ids = chunk.ToArray() }).ConfigureAwait(false);
            }
            foreach (var r in rows)
            {
                if (!byBuild.TryGetValue(r.Build_Id!.Value, out var list))
                {
                    byBuild[r.Build_Id.Value] = list = [];
                }
                list.Add(r);
            }
        }
        var result = new List<(BuildRow, RpmRow)>();
        foreach (var b in builds)
        {
            foreach (var r in byBuild.GetValueOrDefault(b.Id) ?? [])
            {
                result.Add((b, r));
            }
        }
        return result;
    }

    /// <summary>
    /// Koji's <c>repoDone</c>: the repo must be INIT; <paramref name="jsonUpdates"/> are merged into
    /// <c>repo.json</c>; each uploaded file named in <paramref name="data"/> (arch →
    /// <c>[uploadpath, [files]]</c>, paths under <c>work/</c>) moves into
    /// <c>&lt;arch&gt;/repodata/</c> (files ending in <c>pkglist</c> into the arch dir); then the
    /// repo is READY (or EXPIRED with <paramref name="expire"/>) and, being the newest default
    /// repo of its tag, the target of <c>latest</c> once the call commits. Files are checked
    /// before any is moved, and moved back if the call fails before it returns.
    /// </summary>
    public static async Task DoneAsync(CallContext ctx, int repoId, object? data, bool expire, object? jsonUpdates)
    {
        var repo = await RepoViews.RepoAsync(ctx, repoId).ConfigureAwait(false) ?? throw KojiErrors.Generic("query returned no rows");
        var state = RepoViews.Int(repo, "state");
        if (state != RepoStates.Init)
        {
            throw KojiErrors.Generic($"Repo {repoId} not in INIT state (got {state})");
        }
        var tagName = (string)repo["tag_name"]!;
        var dist = repo["dist"] is true;
        var repoDir = Path.Combine(TagRepoDir(ctx.Hub.Storage.TopDir, tagName), repoId.ToString(CultureInfo.InvariantCulture));
        var moves = dist ? [] : PlanMoves(ctx, repoDir, data);
        IReadOnlyDictionary<string, object?>? updates = jsonUpdates switch
        {
            null => null,
            IReadOnlyDictionary<string, object?> d => d,
            _ => throw KojiErrors.Parameter($"Invalid type for repo_json_updates: {ArgumentBinder.PythonTypeName(jsonUpdates)}"),
        };

        var done = new List<(string From, string To)>();
        string? oldJson = null;
        var jsonPath = Path.Combine(repoDir, "repo.json");
        try
        {
            if (updates is { Count: > 0 })
            {
                oldJson = await File.ReadAllTextAsync(jsonPath).ConfigureAwait(false);
                var merged = PyJson.Decode(oldJson) as Dictionary<string, object?> ?? throw KojiErrors.Generic($"{jsonPath} does not hold a JSON object");
                foreach (var (k, v) in updates)
                {
                    merged[k] = v;
                }
                await ReplaceFileAsync(jsonPath, RepoJson.Indented(merged)).ConfigureAwait(false);
            }
            foreach (var (from, to) in moves)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(to)!);
                File.Move(from, to, overwrite: false);
                done.Add((from, to));
            }
            await RepoApi.SetStateAsync(ctx, repoId, expire ? RepoStates.Expired : RepoStates.Ready).ConfigureAwait(false);
            if (!expire)
            {
                await PointLatestAsync(ctx, repo, tagName, dist).ConfigureAwait(false);
            }
        }
        catch
        {
            for (var i = done.Count - 1; i >= 0; i--)
            {
                File.Move(done[i].To, done[i].From, overwrite: false);
            }
            if (oldJson is not null)
            {
                await ReplaceFileAsync(jsonPath, oldJson).ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>Checks the <c>data</c> argument and resolves every move; nothing is touched yet.</summary>
    private static List<(string From, string To)> PlanMoves(CallContext ctx, string repoDir, object? data)
    {
        if (data is not IReadOnlyDictionary<string, object?> byArch)
        {
            throw KojiErrors.Parameter($"Invalid type for data: {ArgumentBinder.PythonTypeName(data)}");
        }
        var moves = new List<(string, string)>();
        var targets = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (arch, entry) in byArch)
        {
            if (entry is not IReadOnlyList<object?> { Count: 2 } pair || pair[0] is not string uploadPath || pair[1] is not IReadOnlyList<object?> files)
            {
                throw KojiErrors.Parameter($"Invalid repo data for {arch}: expected [uploadpath, [files]]");
            }
            var archDir = Path.Combine(repoDir, RepoArches.Canon(arch));
            if (arch.Contains('/', StringComparison.Ordinal) || arch is "." or ".." || !Directory.Exists(archDir))
            {
                throw KojiErrors.Generic($"Repo arch directory missing: {archDir}");
            }
            foreach (var file in files)
            {
                if (file is not string name)
                {
                    throw KojiErrors.Parameter($"Invalid file name for {arch}: {ArgumentBinder.PythonTypeName(file)}");
                }
                string source;
                try
                {
                    source = ctx.Hub.Storage.ResolveWorkPath(uploadPath, name);
                }
                catch (ArgumentException e)
                {
                    throw KojiErrors.Generic(e.Message);
                }
                if (!File.Exists(source))
                {
                    throw KojiErrors.Generic($"uploaded file missing: {source}");
                }
                var target = name.EndsWith("pkglist", StringComparison.Ordinal) ? Path.Combine(archDir, name) : Path.Combine(archDir, "repodata", name);
                if (File.Exists(target) || !targets.Add(target))
                {
                    throw KojiErrors.Generic($"Destination exists: {target}");
                }
                moves.Add((source, target));
            }
        }
        return moves;
    }

    private static async Task ReplaceFileAsync(string path, string text)
    {
        var tmp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        await File.WriteAllTextAsync(tmp, text).ConfigureAwait(false);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>
    /// Koji's <c>symlink_if_latest</c>: a default-options repo (or a dist repo) with no newer
    /// READY repo of its kind becomes the target of <c>latest</c> (a relative link holding just
    /// the repo id), replaced once the call commits.
    /// </summary>
    private static async Task PointLatestAsync(CallContext ctx, Dictionary<string, object?> repo, string tagName, bool dist)
    {
        var custom = RepoViews.Opts(repo, "custom_opts");
        if (!dist && custom is { Count: > 0 })
        {
            return;
        }
        var repoId = RepoViews.Int(repo, "id");
        var newer = await RepoViews.Repos.RowsAsync(ctx,
        [
            new("tag_id", "=", RepoViews.Int(repo, "tag_id")), new("state", "=", RepoStates.Ready),
            new("create_event", ">", RepoViews.Int(repo, "create_event")), new("dist", "IS", dist),
        ]).ConfigureAwait(false);
        if (newer.Any(r => dist || (RepoViews.Opts(r, "custom_opts") ?? []).Count == 0))
        {
            return;
        }
        var dir = dist ? Path.Combine([ctx.Hub.Storage.TopDir, "repos-dist", .. tagName.Split('/')]) : TagRepoDir(ctx.Hub.Storage.TopDir, tagName);
        var target = repoId.ToString(CultureInfo.InvariantCulture);
        ctx.AfterCommit(() =>
        {
            try
            {
                Directory.CreateDirectory(dir);
                var latest = Path.Combine(dir, "latest");
                // Replaced as upstream does (unlink, then link): .NET cannot rename a link to a directory over another.
                if (new FileInfo(latest).LinkTarget is not null || File.Exists(latest))
                {
                    File.Delete(latest);
                }
                File.CreateSymbolicLink(latest, target);
            }
            catch (IOException)
            {
                // The link is a convenience; the repo is READY either way (upstream logs and goes on).
            }
            catch (UnauthorizedAccessException)
            {
            }
        });
    }
}
