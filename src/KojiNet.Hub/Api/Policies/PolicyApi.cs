namespace KojiNet.Hub.Api.Policies;

/// <summary>The policy methods of the root API (api-core.md §13); the engine is <see cref="Hub.Policies.PolicyService"/>.</summary>
internal static class PolicyApi
{
    /// <summary>Returns the raw action string (nil when no rule matches); GenericError when the policy does not exist.</summary>
    [KojiMethod("evalPolicy", ReadOnly = true, Doc = "Evaluate named policy with given data")]
    public static Task<string?> EvalPolicy(CallContext ctx, string name, IReadOnlyDictionary<string, object?> data) =>
        ctx.Hub.Policies.EvalAsync(ctx, name, new Dictionary<string, object?>(data, StringComparer.Ordinal));
}
