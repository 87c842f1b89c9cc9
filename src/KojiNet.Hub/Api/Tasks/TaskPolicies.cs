namespace KojiNet.Hub.Api.Tasks;

/// <summary>
/// The policies task creation and tag requests consult (spec/policy.md §3.2, §4, §5). Each is
/// one method with the behaviour of upstream's built-in default policy, marked
/// <c>// policy hook</c> where the configured policy (hub.conf <c>[policy]</c>) is to be evaluated
/// instead once the policy engine is available.
/// </summary>
internal static class TaskPolicies
{
    /// <summary>
    /// The <c>channel</c> policy: the channel of a new task. <paramref name="data"/> holds the
    /// policy data of spec/policy.md §5 (<c>method</c>, <c>arch</c>, <c>parent</c>, <c>label</c>,
    /// <c>owner</c>, <c>user_id</c>, <c>req_channel</c> when a channel was requested, plus the
    /// task-derived keys). Results: <c>use NAME</c> (an existing channel), <c>req</c> (the
    /// requested one, <paramref name="requestedChannelId"/>), <c>parent</c> (the parent's,
    /// <paramref name="parentChannelId"/>); no match → <c>default</c>.
    /// </summary>
    public static async Task<int> ChannelAsync(CallContext ctx, IReadOnlyDictionary<string, object?> data, int? requestedChannelId, int? parentChannelId)
    {
        // policy hook: evaluate the configured `channel` policy on `data` here and map its
        // result (use NAME / req / parent; anything else → GenericError "invalid channel policy").
        // The default policy is: has req_channel :: req / is_child_task :: parent / all :: use default.
        _ = data;
        if (requestedChannelId is { } requested)
        {
            return requested;
        }
        if (parentChannelId is { } parent)
        {
            return parent;
        }
        return await ctx.ScalarAsync<int?>("SELECT id FROM channels WHERE name = 'default'").ConfigureAwait(false)
            ?? throw KojiErrors.Generic("No such channel: default");
    }

    /// <summary>
    /// The <c>priority</c> policy: the final priority of a new task, given the computed one.
    /// Results: <c>stay</c>, <c>set N</c>, <c>adjust ±N</c>; no match → unchanged.
    /// <paramref name="data"/> is the channel policy's data plus <c>channel</c> (name).
    /// </summary>
    public static Task<int> PriorityAsync(CallContext ctx, IReadOnlyDictionary<string, object?> data, int priority)
    {
        // policy hook: evaluate the configured `priority` policy on `data` here
        // (stay / set N / adjust +-N). The default policy is: all :: stay.
        _ = (ctx, data);
        return Task.FromResult(priority);
    }

    /// <summary>
    /// The <c>tag</c> policy for <c>tagBuild</c>/<c>moveBuild</c>/<c>untagBuild</c>
    /// (<paramref name="data"/>: <c>tag</c>, <c>fromtag</c>, <c>build</c>, <c>operation</c>);
    /// ActionNotAllowed <c>policy violation (tag): …</c> on a denial, which an admin passes with
    /// <paramref name="force"/>.
    /// </summary>
    public static Task AssertTagAsync(CallContext ctx, IReadOnlyDictionary<string, object?> data, bool force)
    {
        // policy hook: assert the configured `tag` policy on `data` here (force lets an admin
        // through). Without a configured policy MissingPolicyOk applies: allowed.
        _ = (ctx, data, force);
        return Task.CompletedTask;
    }
}
