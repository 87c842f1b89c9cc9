using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Packages;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Tasks;

/// <summary>
/// The client calls that create tasks (api-core.md §3.4, §6): <c>build</c>, <c>chainBuild</c>,
/// <c>tagBuild</c>/<c>moveBuild</c> (executed by a builder's tagBuild task), <c>makeTask</c>;
/// and <c>untagBuild</c>, which acts directly.
/// </summary>
internal static class BuildTaskApi
{
    /// <summary>Task options for a client's <c>priority</c> (relative to 20; negative only for admins) and <c>channel</c>.</summary>
    private static async Task<TaskOptions> ClientOptionsAsync(CallContext ctx, object? priority, object? channel)
    {
        int? absolute = null;
        if (ArgumentBinder.Truthy(priority))
        {
            var relative = priority switch
            {
                int i => i,
                long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
                bool b => b ? 1 : 0,
                _ => throw KojiErrors.Parameter($"Invalid type for value '{UserApi.Plain(priority)}': {UserApi.PythonClass(priority)}"),
            };
            if (relative < 0 && !await ctx.IsAdminAsync().ConfigureAwait(false))
            {
                throw KojiErrors.NotAllowed("only admins may create high-priority tasks");
            }
            absolute = TaskMaker.DefaultPriority + relative;
        }
        string? channelName = null;
        if (ArgumentBinder.Truthy(channel))
        {
            channelName = channel as string
                ?? (channel is int or long ? (await Hosts.ChannelApi.FindAsync(ctx, channel, strict: false).ConfigureAwait(false))?.Name : null)
                ?? throw KojiErrors.Generic($"No such channel: {UserApi.Plain(channel)}");
        }
        return new TaskOptions { Priority = absolute, Channel = channelName };
    }

    [KojiMethod("build", Doc = "Create a build task; returns the task id")]
    public static async Task<int> Build(CallContext ctx, object? src, object? target, IReadOnlyDictionary<string, object?>? opts = null, object? priority = null, object? channel = null)
    {
        ctx.AssertLogin();
        if (src is not string)
        {
            throw KojiErrors.Parameter($"Invalid type for value '{UserApi.Plain(src)}': {UserApi.PythonClass(src)}, expected type <class 'str'>");
        }
        var options = await ClientOptionsAsync(ctx, priority, channel).ConfigureAwait(false);
        return await TaskMaker.MakeTaskAsync(ctx, "build", [src, target, opts ?? new Dictionary<string, object?>()], options).ConfigureAwait(false);
    }

    [KojiMethod("chainBuild", Doc = "Create a chained build task (sets of sources built in order, each set after a repo regeneration); returns the task id")]
    public static async Task<int> ChainBuild(CallContext ctx, object? srcs, object? target, IReadOnlyDictionary<string, object?>? opts = null, object? priority = null, object? channel = null)
    {
        ctx.AssertLogin();
        var options = await ClientOptionsAsync(ctx, priority, channel).ConfigureAwait(false);
        return await TaskMaker.MakeTaskAsync(ctx, "chainbuild", [srcs, target, opts ?? new Dictionary<string, object?>()], options).ConfigureAwait(false);
    }

    [KojiMethod("makeTask", Doc = "Create an arbitrary task (admin)")]
    public static async Task<int> MakeTask(CallContext ctx, VarArgs args, KwArgs opts)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        foreach (var forbidden in (string[])["owner", "parent", "label"])
        {
            if (opts.Values.ContainsKey(forbidden))
            {
                throw KojiErrors.NotAllowed($"The {forbidden} option is not allowed here");
            }
        }
        var positional = args.Values.ToList();
        var method = positional.Count > 0 ? positional[0] : opts.Get("method");
        var arglist = positional.Count > 1 ? positional[1] : opts.Get("arglist");
        if (method is not string m)
        {
            throw KojiErrors.Parameter("makeTask() needs a method name (string) and an argument list");
        }
        if (arglist is not IReadOnlyList<object?> list)
        {
            throw KojiErrors.Parameter("makeTask() needs an argument list (array)");
        }
        return await TaskMaker.MakeTaskAsync(ctx, m, list, new TaskOptions
        {
            Channel = opts.Get("channel") is { } c ? c as string ?? throw KojiErrors.Parameter("channel must be a name") : null,
            Arch = opts.Get("arch") is { } a ? a as string ?? throw KojiErrors.Parameter("arch must be a string") : null,
            Priority = opts.Get("priority") is { } p ? TaskQueries.TaskId(p) : null,
            Assign = opts.Get("assign") is { } h ? TaskQueries.TaskId(h) : null,
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// Upstream's <c>check_tag_access</c>: (access, override, reason) for the caller and a tag:
    /// a locked tag or one whose permission the caller lacks refuses access; an admin may override.
    /// </summary>
    public static async Task<(bool Access, bool Override, string Reason)> CheckTagAccessAsync(CallContext ctx, TagRow tag)
    {
        var perms = await ctx.GetPermsAsync().ConfigureAwait(false);
        var canOverride = perms.Contains("admin");
        if (tag.Locked)
        {
            return (false, canOverride, "tag is locked");
        }
        if (tag.Perm is { } perm && !perms.Contains(perm))
        {
            return (false, canOverride, $"tag requires {perm} permission");
        }
        return (true, canOverride, "");
    }

    private static async Task AssertTagAccessAsync(CallContext ctx, TagRow tag, bool force)
    {
        var (access, canOverride, reason) = await CheckTagAccessAsync(ctx, tag).ConfigureAwait(false);
        if (!access && !(force && canOverride))
        {
            throw KojiErrors.NotAllowed(reason);
        }
    }

    [KojiMethod("tagBuild", Doc = "Request that a build be tagged; returns the id of the tagBuild task that does it")]
    public static async Task<int> TagBuild(CallContext ctx, object? tag, object? build, bool force = false, object? fromtag = null)
    {
        ctx.AssertLogin();
        var b = await BuildQueries.GetAsync(ctx, build).ConfigureAwait(false);
        var t = await TagQueries.GetAsync(ctx, tag).ConfigureAwait(false);
        TagRow? from = null;
        if (ArgumentBinder.Truthy(fromtag))
        {
            from = await TagQueries.GetAsync(ctx, fromtag).ConfigureAwait(false);
        }
        if (b.State != BuildStates.Complete)
        {
            throw KojiErrors.Tag($"build {b.Nvr} not complete: state {BuildStates.Name(b.State)}");
        }
        await AssertTagAccessAsync(ctx, t, force).ConfigureAwait(false);
        if (from is not null)
        {
            await AssertTagAccessAsync(ctx, from, force).ConfigureAwait(false);
        }
        var entry = await PackageLists.WinnerAsync(ctx, t.Id, b.Package_Id).ConfigureAwait(false);
        var error = entry is null ? $"Package {b.Package_Name} not in list for {t.Name}"
            : entry.Blocked ? $"Package {b.Package_Name} blocked in {t.Name}"
            : null;
        if (error is not null)
        {
            if (!(force && await ctx.IsAdminAsync().ConfigureAwait(false)))
            {
                throw KojiErrors.Tag(error);
            }
            await PackageApi.PackageListAdd(ctx, t.Id, b.Package_Id, block: false, force: true).ConfigureAwait(false);
        }
        await TaskPolicies.AssertTagAsync(ctx, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tag"] = t.Id,
            ["build"] = b.Id,
            ["fromtag"] = from?.Id,
            ["operation"] = from is null ? "tag" : "move",
        }, force).ConfigureAwait(false);
        return await TaskMaker.MakeTaskAsync(ctx, "tagBuild", [t.Id, b.Id, force, from?.Id], new TaskOptions { Priority = 10 }).ConfigureAwait(false);
    }

    [KojiMethod("moveBuild", Doc = "Move a build from tag1 to tag2; returns the id of the tagBuild task that does it")]
    public static Task<int> MoveBuild(CallContext ctx, object? tag1, object? tag2, object? build, bool force = false) =>
        TagBuild(ctx, tag2, build, force, tag1);

    [KojiMethod("untagBuild", Doc = "Untag a build (directly, no task)")]
    public static async Task<object?> UntagBuild(CallContext ctx, object? tag, object? build, bool strict = true, bool force = false)
    {
        ctx.AssertLogin();
        var t = await TagQueries.GetAsync(ctx, tag).ConfigureAwait(false);
        var b = await BuildQueries.GetAsync(ctx, build).ConfigureAwait(false);
        await TaskPolicies.AssertTagAsync(ctx, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tag"] = null,
            ["build"] = b.Id,
            ["fromtag"] = t.Id,
            ["operation"] = "untag",
        }, force).ConfigureAwait(false);
        await AssertTagAccessAsync(ctx, t, force).ConfigureAwait(false);
        var revoked = await Versioning.RevokeAsync(ctx, "tag_listing", "tag_id = @tagId AND build_id = @buildId", new { tagId = t.Id, buildId = b.Id }).ConfigureAwait(false);
        if (revoked == 0 && strict)
        {
            throw KojiErrors.Tag($"build {b.Nvr} not in tag {t.Name}");
        }
        return null;
    }
}
