using System.Globalization;
using KojiNet.Rpm;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>build(src, target, opts=None)</c>, the top of a build's task tree (spec/builder.md §10.2):
/// policy checks, a repo for the build tag (waiting for one if needed), the SRPM subtask, one
/// <c>buildArch</c> subtask per arch, import (<c>host.completeBuild</c>) or the move to scratch,
/// and the <c>tagBuild</c> subtask. Any failure after <c>host.initBuild</c> fails the build.
/// </summary>
public sealed class BuildHandler : TaskHandler
{
    private static readonly HashSet<string> KnownOpts = new(StringComparer.Ordinal)
    {
        "scratch", "skip_tag", "repo_id", "arch_override", "wait_repo", "wait_builds", "fail_fast", "rebuild_srpm", "draft",
        "custom_user_metadata", "compat_mode", "wait_repo_event",
    };

    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["build"];

    /// <inheritdoc/>
    public override double Weight => 0.2;

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var src = Values.Str(task.Arg(0, "src")) ?? throw new BuildErrorException("build: no source given");
        var target = task.Arg(1, "target");
        var opts = Values.Dict(task.Arg(2, "opts"));
        var scratch = Values.Truthy(opts.Get("scratch"));
        var skipTag = Values.Truthy(opts.Get("skip_tag"));
        var draft = Values.Truthy(opts.Get("draft"));
        if (opts.Get("arch_override") is not null && !scratch)
        {
            throw new BuildErrorException("arch_override is only allowed for scratch builds");
        }
        if (opts.Get("rebuild_srpm") is not null && !scratch)
        {
            throw new BuildErrorException("rebuild_srpm is only allowed for scratch builds");
        }
        if (opts.Get("custom_user_metadata") is { } meta && meta is not IReadOnlyDictionary<string, object?>)
        {
            throw new BuildErrorException("custom_user_metadata must be a dictionary");
        }

        // Repo given by id: its tag must be the target's build tag; the target may be missing.
        IReadOnlyDictionary<string, object?>? repo = null;
        int? eventId = null;
        if (opts.Get("repo_id") is { } repoIdArg)
        {
            repo = Values.Dict(await task.CallAsync("repoInfo", [repoIdArg], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }).ConfigureAwait(false));
            if (Values.IntOrNull(repo.Get("state")) is not (1 or 2))
            {
                throw new BuildErrorException($"Bad repo: {repoIdArg} ({Values.Str(repo.Get("state_name")) ?? Values.Str(repo.Get("state"))})");
            }
            eventId = Values.Int(repo.Get("create_event"));
        }
        var targetInfo = target is null ? null : await task.CallAsync("getBuildTarget", [target], new Dictionary<string, object?>(StringComparer.Ordinal) { ["event"] = eventId }).ConfigureAwait(false) as IReadOnlyDictionary<string, object?>;
        IReadOnlyDictionary<string, object?> buildTag;
        IReadOnlyDictionary<string, object?>? destTag;
        if (targetInfo is not null)
        {
            buildTag = Values.Dict(await task.CallAsync("getTag", [targetInfo.Get("build_tag")], StrictAt(eventId)).ConfigureAwait(false));
            destTag = Values.Dict(await task.CallAsync("getTag", [targetInfo.Get("dest_tag")], StrictAt(eventId)).ConfigureAwait(false));
            if (repo is not null && Values.Int(repo.Get("tag_id")) != Values.Int(buildTag.Get("id")))
            {
                throw new BuildErrorException($"Repo {Values.Str(repo.Get("id"))} is for tag {Values.Str(repo.Get("tag_name"))}, not {Values.Str(buildTag.Get("name"))}");
            }
        }
        else if (repo is not null)
        {
            buildTag = Values.Dict(await task.CallAsync("getTag", [repo.Get("tag_id")], StrictAt(eventId)).ConfigureAwait(false));
            if (target is null)
            {
                skipTag = true;
                destTag = buildTag;
            }
            else
            {
                destTag = Values.Dict(await task.CallAsync("getTag", [target], StrictAt(eventId)).ConfigureAwait(false));
            }
        }
        else
        {
            throw new BuildErrorException($"Unknown build target: {Values.Str(target)}");
        }

        // Policies (§10.2 step 4).
        var fromScm = Scm.ScmUrl.IsScmUrl(src);
        var policyData = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["user_id"] = task.Owner,
            ["source"] = src,
            ["task_id"] = task.Id,
            ["build_tag"] = buildTag.Get("id"),
            ["skip_tag"] = skipTag,
            ["scratch"] = scratch,
            ["draft"] = draft,
            ["from_scm"] = fromScm,
            ["repo_id"] = repo?.Get("id"),
        };
        if (targetInfo is not null)
        {
            policyData["target"] = targetInfo.Get("name");
        }
        if (!skipTag)
        {
            policyData["tag"] = destTag!.Get("id");
        }
        if (!fromScm && !scratch)
        {
            await task.CallAsync("host.assertPolicy", "build_from_srpm", policyData).ConfigureAwait(false);
        }
        if (repo is not null)
        {
            await task.CallAsync("host.assertPolicy", "build_from_repo_id", policyData).ConfigureAwait(false);
        }
        await task.CallAsync("host.assertPolicy", "build_rpm", policyData).ConfigureAwait(false);

        // A repo for the build tag (§10.2 step 5).
        if (repo is null)
        {
            var waitBuilds = Values.List(opts.Get("wait_builds")).Select(n => Values.Str(n)!).ToList();
            object? minEvent = Values.Truthy(opts.Get("wait_repo")) ? "last" : null;
            var watcher = new RepoWatcher(task, buildTag, minEvent, waitBuilds);
            repo = await watcher.TryGetAsync().ConfigureAwait(false);
            if (repo is null)
            {
                var waitTask = await task.SubtaskAsync("waitrepo", [buildTag.Get("name"), null, waitBuilds.Cast<object?>().ToList(), minEvent]).ConfigureAwait(false);
                var waited = await task.WaitAsync([waitTask], all: true, failAny: true).ConfigureAwait(false);
                repo = Values.Dict(waited[waitTask]);
            }
            eventId = Values.Int(await task.CallAsync("getLastEvent").ConfigureAwait(false) is IReadOnlyDictionary<string, object?> last ? last.Get("id") : null);
        }
        var repoId = Values.Int(repo.Get("id"));

        // The SRPM (§10.2 step 6).
        var subOpts = new Dictionary<string, object?>(StringComparer.Ordinal) { ["repo_id"] = repoId, ["scratch"] = scratch };
        string srpm;
        IReadOnlyDictionary<string, object?> source;
        var buildConfig = Values.Dict(await task.CallAsync("getBuildConfig", [buildTag.Get("id")], new Dictionary<string, object?>(StringComparer.Ordinal) { ["event"] = eventId }).ConfigureAwait(false));
        var tagExtra = Values.Dict(buildConfig.Get("extra"));
        var rebuild = tagExtra.Get("rebuild_srpm") is { } rs ? Values.Truthy(rs) : true;
        if (scratch && opts.Get("rebuild_srpm") is { } userRebuild)
        {
            rebuild = Values.Truthy(userRebuild);
        }
        if (fromScm || rebuild)
        {
            var method = fromScm ? "buildSRPMFromSCM" : "rebuildSRPM";
            var srpmTask = await task.SubtaskAsync(method, [src, buildTag.Get("id"), subOpts], label: "srpm", arch: "noarch").ConfigureAwait(false);
            var result = Values.Dict((await task.WaitAsync([srpmTask], all: true, failAny: true).ConfigureAwait(false))[srpmTask]);
            srpm = Values.Str(result.Get("srpm"))!;
            source = Values.Dict(result.Get("source"));
        }
        else
        {
            srpm = src;
            source = new Dictionary<string, object?>(StringComparer.Ordinal) { ["source"] = Path.GetFileName(src), ["url"] = Path.GetFileName(src) };
        }

        // The SRPM header (§10.2 step 7).
        var local = await TopDir.FetchAsync(task, "work/" + srpm).ConfigureAwait(false);
        var header = RpmPackage.Open(local);
        if (!header.IsSource)
        {
            throw new BuildErrorException($"{srpm} is not a source package");
        }
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["source"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["original_url"] = source.Get("url") },
        };
        if (opts.Get("custom_user_metadata") is IReadOnlyDictionary<string, object?> custom)
        {
            extra["custom_user_metadata"] = custom;
        }
        var buildData = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = header.Name,
            ["version"] = header.Version,
            ["release"] = header.Release,
            ["epoch"] = header.Epoch is { } e ? (int)e : null,
            ["task_id"] = task.Id,
            ["source"] = source.Get("source"),
            ["extra"] = extra,
            ["draft"] = draft,
        };

        // Package list and arches (§10.2 steps 8–9).
        IReadOnlyDictionary<string, object?>? pkgConfig;
        try
        {
            pkgConfig = await task.CallAsync("getPackageConfig", [destTag!.Get("id"), header.Name], new Dictionary<string, object?>(StringComparer.Ordinal) { ["event"] = eventId }).ConfigureAwait(false) as IReadOnlyDictionary<string, object?>;
        }
        catch (XmlRpcFaultException) when (scratch || skipTag)
        {
            // A scratch build of a package the hub has never seen: no package config, no list check.
            pkgConfig = null;
        }
        if (!scratch && !skipTag)
        {
            if (pkgConfig is null)
            {
                throw new BuildErrorException($"package {header.Name} not in list for tag {Values.Str(destTag!.Get("name"))}");
            }
            if (Values.Truthy(pkgConfig.Get("blocked")))
            {
                throw new BuildErrorException($"package {header.Name} is blocked for tag {Values.Str(destTag.Get("name"))}");
            }
        }
        var tagArches = Arches.Split(Values.Str(buildConfig.Get("arches")));
        var archOverride = scratch && opts.Get("arch_override") is { } ao ? Arches.Split(Values.Str(ao)) : null;
        var archList = Arches.BuildArchList(tagArches, Arches.Split(Values.Str(pkgConfig?.Get("extra_arches"))),
            header.BuildArchs, header.ExclusiveArch, header.ExcludeArch, archOverride);

        int? buildId = null;
        if (!scratch)
        {
            buildId = Values.Int(await task.CallAsync("host.initBuild", buildData).ConfigureAwait(false));
        }
        try
        {
            var failAny = Values.Truthy(opts.Get("fail_fast")) || !task.Options.BuildArchCanFail;
            var (rpms, srpmPath, brmap, logs) = await RunBuildsAsync(task, srpm, buildTag, archList, repoId, tagArches, tagExtra, header, failAny).ConfigureAwait(false);
            if (scratch)
            {
                await task.CallAsync("host.moveBuildToScratch", [task.Id, srpmPath, rpms], new Dictionary<string, object?>(StringComparer.Ordinal) { ["logs"] = logs }).ConfigureAwait(false);
            }
            else
            {
                await task.CallAsync("host.completeBuild", [task.Id, buildId, srpmPath, rpms],
                    new Dictionary<string, object?>(StringComparer.Ordinal) { ["brmap"] = brmap, ["logs"] = logs }).ConfigureAwait(false);
            }
        }
        catch (Exception) when (buildId is { } failed)
        {
            try
            {
                await task.Session.CallAsync("host.failBuild", [task.Id, failed], null, CancellationToken.None).ConfigureAwait(false);
            }
            catch (XmlRpcFaultException)
            {
                // The original failure is what matters.
            }
            throw;
        }

        if (!scratch && !skipTag)
        {
            var tagTask = await task.SubtaskAsync("tagBuild", [destTag.Get("id"), buildId, false, null, true], label: "tag", arch: "noarch").ConfigureAwait(false);
            await task.WaitAsync([tagTask], all: true, failAny: true).ConfigureAwait(false);
        }
        return null;
    }

    private static Dictionary<string, object?> StrictAt(int? eventId) =>
        new(StringComparer.Ordinal) { ["strict"] = true, ["event"] = eventId };

    /// <summary>§10.3: one buildArch per arch, the SRPM kept from the first, results merged.</summary>
    private static async Task<(List<object?> Rpms, string Srpm, Dictionary<string, object?> Brmap, Dictionary<string, object?> Logs)> RunBuildsAsync(
        TaskContext task, string srpm, IReadOnlyDictionary<string, object?> buildTag, List<string> archList, int repoId,
        IReadOnlyList<string> tagArches, IReadOnlyDictionary<string, object?> tagExtra, RpmPackage header, bool failAny)
    {
        var literal = Arches.Split(task.Options.LiteralTaskArches);
        var noarchArches = Arches.Split(Values.Str(tagExtra.Get("noarch_arches")));
        var subtasks = new Dictionary<int, string>();
        var first = true;
        foreach (var arch in archList)
        {
            var taskArch = Arches.ChooseTaskArch(arch, literal, tagArches, noarchArches, header.ExclusiveArch, header.ExcludeArch);
            var id = await task.SubtaskAsync("buildArch", [srpm, buildTag.Get("id"), arch, first, new Dictionary<string, object?>(StringComparer.Ordinal) { ["repo_id"] = repoId }],
                label: arch, arch: taskArch).ConfigureAwait(false);
            subtasks[id] = arch;
            first = false;
        }
        var results = await task.WaitAsync(subtasks.Keys.ToList(), all: true, failAny: failAny).ConfigureAwait(false);
        var rpms = new List<object?>();
        var brmap = new Dictionary<string, object?>(StringComparer.Ordinal);
        var logs = new Dictionary<string, object?>(StringComparer.Ordinal);
        var srpms = new List<string>();
        foreach (var (id, value) in results.OrderBy(r => r.Key))
        {
            var result = Values.Dict(value);
            if (result.ContainsKey("faultCode"))
            {
                continue;
            }
            var brootId = result.Get("brootid");
            foreach (var rpm in Values.List(result.Get("rpms")).Select(r => Values.Str(r)!))
            {
                rpms.Add(rpm);
                brmap[rpm] = brootId;
            }
            foreach (var s in Values.List(result.Get("srpms")).Select(r => Values.Str(r)!))
            {
                srpms.Add(s);
                brmap[s] = brootId;
            }
            logs[subtasks[id]] = Values.List(result.Get("logs")).ToList();
        }
        if (srpms.Count != 1)
        {
            throw new BuildErrorException(string.Create(CultureInfo.InvariantCulture, $"Expected exactly one SRPM from the arch builds, got {srpms.Count}"));
        }
        return (rpms, srpms[0], brmap, logs);
    }
}
