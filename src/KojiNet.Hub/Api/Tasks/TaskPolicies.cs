namespace KojiNet.Hub.Api.Tasks;

/// <summary>
/// The policies task creation and tag requests consult (spec/policy.md §3.2, §4, §5), evaluated
/// by the hub's policy service (hub.conf <c>[policy]</c>, upstream's defaults where unset).
/// </summary>
internal static class TaskPolicies
{
    /// <summary>
    /// The <c>channel</c> policy: the channel of a new task. <paramref name="data"/> holds the
    /// policy data of spec/policy.md §5 (<c>method</c>, <c>arch</c>, <c>parent</c>, <c>label</c>,
    /// <c>owner</c>, <c>user_id</c>, <c>req_channel</c> when a channel was requested, plus the
    /// task-derived keys). Results: <c>use NAME</c>, <c>req</c> (<paramref name="requestedChannelId"/>),
    /// <c>parent</c> (<paramref name="parentChannelId"/>); no match → <c>default</c>.
    /// </summary>
    public static async Task<int> ChannelAsync(CallContext ctx, IReadOnlyDictionary<string, object?> data, int? requestedChannelId, int? parentChannelId) =>
        (await ctx.Hub.Policies.ChannelAsync(ctx, Copy(data), requestedChannelId, parentChannelId).ConfigureAwait(false)).Id;

    /// <summary>
    /// The <c>priority</c> policy: the final priority of a new task, given the computed one
    /// (<c>stay</c>, <c>set N</c>, <c>adjust ±N</c>; no match → unchanged).
    /// </summary>
    public static Task<int> PriorityAsync(CallContext ctx, IReadOnlyDictionary<string, object?> data, int priority) =>
        ctx.Hub.Policies.PriorityAsync(ctx, Copy(data), priority);

    /// <summary>
    /// The <c>tag</c> policy for <c>tagBuild</c>/<c>moveBuild</c>/<c>untagBuild</c>
    /// (<paramref name="data"/>: <c>tag</c>, <c>fromtag</c>, <c>build</c>, <c>operation</c>);
    /// ActionNotAllowed <c>policy violation (tag): …</c> on a denial, which an admin passes with
    /// <paramref name="force"/>.
    /// </summary>
    public static Task AssertTagAsync(CallContext ctx, IReadOnlyDictionary<string, object?> data, bool force) =>
        ctx.Hub.Policies.AssertAsync(ctx, "tag", Copy(data), force: force);

    private static Dictionary<string, object?> Copy(IReadOnlyDictionary<string, object?> data) => new(data, StringComparer.Ordinal);
}
