namespace KojiNet.Hub.Api.HostCalls;

/// <summary>The policy calls builders make (spec/api-host.md §2.3): check, assert and evaluate a policy.</summary>
internal static class HostPolicyApi
{
    [KojiMethod("host.checkPolicy", ReadOnly = true)]
    internal static async Task<object?> CheckPolicy(CallContext ctx, string name, IReadOnlyDictionary<string, object?> data, string @default = "deny", bool strict = false)
    {
        await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var (allowed, reason) = await ctx.Hub.Policies.CheckAsync(ctx, name, Copy(data), @default, strict).ConfigureAwait(false);
        return new List<object?> { allowed, reason };
    }

    [KojiMethod("host.assertPolicy", ReadOnly = true)]
    internal static async Task<object?> AssertPolicy(CallContext ctx, string name, IReadOnlyDictionary<string, object?> data, string @default = "deny")
    {
        await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        await ctx.Hub.Policies.AssertAsync(ctx, name, Copy(data), @default).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("host.evalPolicy", ReadOnly = true)]
    internal static async Task<string?> EvalPolicy(CallContext ctx, string name, IReadOnlyDictionary<string, object?> data)
    {
        await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        return await ctx.Hub.Policies.EvalAsync(ctx, name, Copy(data)).ConfigureAwait(false);
    }

    private static Dictionary<string, object?> Copy(IReadOnlyDictionary<string, object?> data) => new(data, StringComparer.Ordinal);
}
