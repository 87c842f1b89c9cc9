using System.Text.RegularExpressions;
using KojiNet.Hub.Api.Hosts;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Scheduling;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api.Tasks;

/// <summary>The options of <see cref="TaskMaker.MakeTaskAsync"/> (upstream's <c>make_task</c> keyword options).</summary>
internal sealed class TaskOptions
{
    /// <summary>The parent task (which must be OPEN): the new task is its subtask.</summary>
    public int? Parent { get; init; }

    /// <summary>A subtask's label, unique among its parent's children.</summary>
    public string? Label { get; init; }

    /// <summary>
    /// The owner of a top-level task the hub's own services make (e.g. the repo queue's user);
    /// otherwise a task belongs to the caller, and a subtask to its parent's owner. No API
    /// call lets a client set this.
    /// </summary>
    public int? Owner { get; init; }

    /// <summary>The requested channel's name (must exist and be enabled).</summary>
    public string? Channel { get; init; }

    /// <summary>The task's arch; default <c>noarch</c>, or the parent's for a subtask.</summary>
    public string? Arch { get; init; }

    /// <summary>The absolute priority; default 20, or the parent's minus one for a subtask.</summary>
    public int? Priority { get; init; }

    /// <summary>A host to assign the task to at once (ASSIGNED; the scheduler leaves it there).</summary>
    public int? Assign { get; init; }
}

/// <summary>
/// Upstream's <c>make_task</c> (spec/api-host.md §4.2): every task is created here, by the
/// client calls (<c>build</c>, <c>tagBuild</c>...), by builders (<c>host.subtask</c>) and by the
/// hub's services. The request is stored as an XML-RPC <c>methodCall</c> document; channel and
/// priority come from the policies (<see cref="TaskPolicies"/>); the scheduler hears of the task
/// as soon as the call commits.
/// </summary>
internal static partial class TaskMaker
{
    /// <summary>Koji's <c>PRIO_DEFAULT</c>.</summary>
    public const int DefaultPriority = 20;

    // Methods whose noarch tasks get automatic arch refusals; the build tag is their second argument.
    private static readonly HashSet<string> ArchRefusalMethods = new(StringComparer.Ordinal)
    {
        "buildArch", "buildMaven", "wrapperRPM", "rebuildSRPM", "buildSRPMFromSCM",
    };

    private sealed class ParentRow
    {
        public int State { get; init; }

        public int Owner { get; init; }

        public int Channel_Id { get; init; }

        public int Priority { get; init; }

        public string Arch { get; init; } = "";
    }

    /// <summary>
    /// Creates a task and returns its id. <paramref name="arglist"/> are the task's parameters
    /// as stored (keyword arguments already folded into a trailing <c>__starstar</c> struct, see
    /// <see cref="EncodeArgs"/>). A subtask whose label its parent already used is not created
    /// again: the existing one's id is returned.
    /// </summary>
    public static async Task<int> MakeTaskAsync(CallContext ctx, string method, IReadOnlyList<object?> arglist, TaskOptions opts)
    {
        if (string.IsNullOrEmpty(method))
        {
            throw KojiErrors.Parameter("Invalid task method: ''");
        }
        int owner;
        int priority;
        string arch;
        int? parentChannel = null;
        if (opts.Parent is { } parentId)
        {
            var parent = await ctx.QuerySingleOrDefaultAsync<ParentRow>(
                "SELECT state, owner, channel_id, priority, arch FROM task WHERE id = @parentId", new { parentId }).ConfigureAwait(false)
                ?? throw KojiErrors.Generic($"Invalid parent task: {parentId}");
            if (parent.State != TaskStates.Open)
            {
                throw KojiErrors.Generic($"Parent task (id {parentId}) is not open");
            }
            if (opts.Label is { } label)
            {
                var existing = await ctx.ScalarAsync<int?>("SELECT id FROM task WHERE parent = @parentId AND label = @label",
                    new { parentId, label }).ConfigureAwait(false);
                if (existing is { } id)
                {
                    return id;
                }
            }
            priority = opts.Priority ?? parent.Priority - 1;
            owner = parent.Owner;
            arch = opts.Arch ?? parent.Arch;
            parentChannel = parent.Channel_Id;
        }
        else
        {
            if (opts.Label is not null)
            {
                throw KojiErrors.Generic("only subtasks may have a label");
            }
            priority = opts.Priority ?? DefaultPriority;
            arch = opts.Arch ?? "noarch";
            owner = opts.Owner ?? ctx.UserId ?? throw KojiErrors.Generic("task must have an owner");
        }
        if (!ValidArch().IsMatch(arch))
        {
            throw KojiErrors.Generic($"Invalid arch: {arch}");
        }

        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["method"] = method,
            ["arch"] = arch,
            ["parent"] = opts.Parent,
            ["label"] = opts.Label,
            ["owner"] = owner,
            ["user_id"] = owner,
        };
        int? requestedChannel = null;
        if (opts.Channel is { } channelName)
        {
            data["req_channel"] = channelName;
            var channel = await ChannelApi.FindAsync(ctx, channelName, strict: false).ConfigureAwait(false)
                ?? throw KojiErrors.Generic($"No such channel: {channelName}");
            if (!channel.Enabled)
            {
                throw KojiErrors.Generic($"Requested channel {channelName} is disabled");
            }
            requestedChannel = channel.Id;
        }
        foreach (var (key, value) in await PolicyDataFromArgsAsync(ctx, method, arglist).ConfigureAwait(false))
        {
            data[key] = value;
        }
        var channelId = await TaskPolicies.ChannelAsync(ctx, data, requestedChannel, parentChannel).ConfigureAwait(false);
        data["channel"] = await ctx.ScalarAsync<string>("SELECT name FROM channels WHERE id = @channelId", new { channelId }).ConfigureAwait(false);
        priority = await TaskPolicies.PriorityAsync(ctx, data, priority).ConfigureAwait(false);

        int state = TaskStates.Free;
        if (opts.Assign is { } assign)
        {
            if (await ctx.ScalarAsync<int?>("SELECT id FROM host WHERE id = @assign", new { assign }).ConfigureAwait(false) is null)
            {
                throw KojiErrors.Generic($"No such host: {assign}");
            }
            state = TaskStates.Assigned;
        }
        var taskId = await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO task (state, create_time, channel_id, host_id, parent, label, owner, method, request, arch, priority, weight)
            VALUES (@state, @now, @channelId, @assign, @parent, @label, @owner, @method, @request, @arch, @priority, 1.0)
            RETURNING id
            """, new
        {
            state,
            now = ctx.Hub.Now(),
            channelId,
            assign = opts.Assign,
            parent = opts.Parent,
            label = opts.Label,
            owner,
            method,
            request = TaskQueries.EncodeRequest(method, arglist),
            arch,
            priority,
        }).ConfigureAwait(false);

        if (arch == "noarch" && ArchRefusalMethods.Contains(method))
        {
            await AutoArchRefusalsAsync(ctx, taskId, channelId, arglist).ConfigureAwait(false);
        }
        if (state == TaskStates.Free)
        {
            await TaskEvents.ScheduleAsync(ctx).ConfigureAwait(false);
        }
        else
        {
            await TaskEvents.WakeAsync(ctx).ConfigureAwait(false);
        }
        return taskId;
    }

    /// <summary>
    /// Koji's <c>encode_args</c>: positional arguments followed, when there are keyword arguments,
    /// by one struct of them flagged <c>__starstar</c>.
    /// </summary>
    public static IReadOnlyList<object?> EncodeArgs(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?>? kwargs) =>
        new XmlRpcMethodCall("-", args, kwargs).Params;

    /// <summary>
    /// The hard refusals a noarch build task gets at creation: every enabled host of its channel
    /// whose arches share nothing with the build tag's arches (compared canonically) cannot build it.
    /// </summary>
    private static async Task AutoArchRefusalsAsync(CallContext ctx, int taskId, int channelId, IReadOnlyList<object?> arglist)
    {
        if (arglist.Count < 2 || arglist[1] is not (int or long or string))
        {
            return;
        }
        string? tagArches;
        try
        {
            var config = await TagApi.GetBuildConfig(ctx, arglist[1]).ConfigureAwait(false);
            tagArches = config.GetValueOrDefault("arches") as string;
        }
        catch (XmlRpcFaultException)
        {
            return; // no such tag: the task fails on the builder with a clear error
        }
        var wanted = (tagArches ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ArchRules.CanonArch).ToHashSet(StringComparer.Ordinal);
        if (wanted.Count == 0)
        {
            return;
        }
        var hosts = await ctx.QueryAsync<(int Id, string? Arches)>("""
            SELECT h.id, hc.arches FROM host h
            JOIN host_config hc ON hc.host_id = h.id AND hc.revoke_event IS NULL
            JOIN host_channels hch ON hch.host_id = h.id AND hch.revoke_event IS NULL
            WHERE hc.enabled = TRUE AND hch.channel_id = @channelId
            ORDER BY h.id
            """, new { channelId }).ConfigureAwait(false);
        foreach (var (hostId, arches) in hosts)
        {
            var hostArches = (arches ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(ArchRules.CanonArch);
            if (!hostArches.Any(wanted.Contains))
            {
                await SchedulerRecords.SetRefusalAsync(ctx, hostId, taskId, soft: false, byHost: false, "automatic arch refusal").ConfigureAwait(false);
            }
        }
    }

    // Parameter names of the task methods whose arguments policies look at (koji.tasks' legacy signatures).
    private static readonly Dictionary<string, string[]> ParamNames = new(StringComparer.Ordinal)
    {
        ["build"] = ["src", "target", "opts"],
        ["chainbuild"] = ["srcs", "target", "opts"],
        ["buildSRPMFromSCM"] = ["url", "build_tag", "opts"],
        ["rebuildSRPM"] = ["srpm", "build_tag", "opts"],
        ["buildArch"] = ["pkg", "root", "arch", "keep_srpm", "opts"],
        ["tagBuild"] = ["tag_id", "build_id", "force", "fromtag", "ignore_success"],
        ["waitrepo"] = ["tag", "newer_than", "nvrs", "min_event"],
        ["newRepo"] = ["tag", "event", "src", "debuginfo", "separate_src", "opts"],
        ["createrepo"] = ["repo_id", "arch", "oldrepo"],
        ["wrapperRPM"] = ["spec_url", "build_target", "build", "task", "opts"],
        ["maven"] = ["url", "target", "opts"],
        ["buildMaven"] = ["url", "build_tag", "opts"],
        ["chainmaven"] = ["builds", "target", "opts"],
        ["dependantTask"] = ["wait_list", "task_list"],
        ["tagNotification"] = ["recipients", "is_successful", "tag_info", "from_info", "build_info", "user_info", "ignore_success", "failure_msg"],
        ["buildNotification"] = ["recipients", "build", "target", "weburl"],
    };

    /// <summary>
    /// Upstream's <c>policy_data_from_task_args</c> (spec/policy.md §5.1): <c>source</c>,
    /// <c>target</c>, <c>tag</c>, <c>build_tag</c> and <c>scratch</c> from the task's parameters.
    /// </summary>
    public static async Task<Dictionary<string, object?>> PolicyDataFromArgsAsync(CallContext ctx, string method, IReadOnlyList<object?> arglist)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (!ParamNames.TryGetValue(method, out var names))
        {
            return result;
        }
        var call = XmlRpcMethodCall.FromParams(method, arglist);
        var p = new Dictionary<string, object?>(StringComparer.Ordinal);
        for (var i = 0; i < call.Args.Count && i < names.Length; i++)
        {
            p[names[i]] = call.Args[i];
        }
        foreach (var (k, v) in call.Kwargs)
        {
            p[k] = v;
        }
        if (method != "newRepo")
        {
            foreach (var key in (string[])["src", "spec_url", "url"])
            {
                if (p.TryGetValue(key, out var source))
                {
                    result["source"] = source;
                    break;
                }
            }
        }
        foreach (var key in (string[])["target", "build_target", "target_info"])
        {
            if (p.TryGetValue(key, out var target))
            {
                if (target is IReadOnlyDictionary<string, object?> d)
                {
                    target = d.GetValueOrDefault("name");
                }
                result["target"] = target is int or long or string ? await TargetNameAsync(ctx, target).ConfigureAwait(false) : null;
                break;
            }
        }
        foreach (var key in (string[])["tag", "tag_id", "tag_info"])
        {
            if (p.TryGetValue(key, out var tag))
            {
                result["tag"] = await TagNameAsync(ctx, tag).ConfigureAwait(false);
                break;
            }
        }
        if (p.TryGetValue("build_tag", out var buildTag))
        {
            result["build_tag"] = await TagNameAsync(ctx, buildTag).ConfigureAwait(false);
        }
        if (p.GetValueOrDefault("opts") is IReadOnlyDictionary<string, object?> o && o.TryGetValue("scratch", out var scratch))
        {
            result["scratch"] = scratch;
        }
        return result;
    }

    private static async Task<string?> TagNameAsync(CallContext ctx, object? tag)
    {
        if (tag is IReadOnlyDictionary<string, object?> d)
        {
            tag = d.GetValueOrDefault("id") ?? d.GetValueOrDefault("name");
        }
        if (tag is not (int or long or string))
        {
            return null;
        }
        return (await TagQueries.FindAsync(ctx, tag, null).ConfigureAwait(false))?.Name;
    }

    private static Task<string?> TargetNameAsync(CallContext ctx, object? target) => target is string name
        ? ctx.ScalarAsync<string?>("SELECT name FROM build_target WHERE name = @name", new { name })
        : ctx.ScalarAsync<string?>("SELECT name FROM build_target WHERE id = @id", new { id = Convert.ToInt32(target, System.Globalization.CultureInfo.InvariantCulture) });

    [GeneratedRegex("^[a-zA-Z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidArch();
}

/// <summary>Koji's arch helpers.</summary>
internal static class ArchRules
{
    /// <summary>Koji's <c>canonArch</c>: the canonical arch of an arch (i686 → i386, armv7hl → armhfp...).</summary>
    public static string CanonArch(string arch) => KojiNet.Rpm.RpmArch.Canon(arch);
}
