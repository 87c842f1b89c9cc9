using KojiNet.Hub.Api;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Targets;

namespace KojiNet.Hub.Policies;

/// <summary>
/// The policy data a task's parameters give (policy.md §5.1, upstream's
/// <c>policy_data_from_task_args</c>), used by the <c>channel</c> and <c>priority</c> policies at
/// task creation and by <c>volume</c> through a build's task.
/// </summary>
internal static class TaskPolicyData
{
    /// <summary>
    /// Derives <c>source</c>, <c>target</c>, <c>tag</c>, <c>build_tag</c> and <c>scratch</c> from a
    /// task's parameters, already bound to their names (the caller knows the task signatures).
    /// Keys whose parameters are absent are left out.
    /// </summary>
    public static async Task<Dictionary<string, object?>> FromTaskParamsAsync(CallContext ctx, string method, IReadOnlyDictionary<string, object?> parameters)
    {
        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        var p = parameters;
        if (method == "indirectionimage")
        {
            // This task keeps all of its arguments in one opts struct.
            var opts = p.GetValueOrDefault("opts") as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>(StringComparer.Ordinal);
            var merged = new Dictionary<string, object?>(opts, StringComparer.Ordinal) { ["opts"] = opts };
            p = merged;
        }
        if (method != "newRepo" && First(p, "src", "spec_url", "url") is { } source)
        {
            data["source"] = source.Value is null or string
                ? source.Value
                : throw KojiErrors.Parameter($"Invalid type for value '{PolicyValues.Str(source.Value)}': {ArgumentBinder.PythonTypeName(source.Value)}, expected type <class 'str'>");
        }
        if (First(p, "target", "build_target", "target_info") is { } target)
        {
            data["target"] = target.Value switch
            {
                null => null,
                IReadOnlyDictionary<string, object?> d => d.GetValueOrDefault("name") as string,
                var info => (string)(await TargetApi.GetBuildTarget(ctx, info, strict: true).ConfigureAwait(false))!["name"]!,
            };
        }
        if (First(p, "tag", "tag_id", "tag_info") is { } tag)
        {
            data["tag"] = await TagNameAsync(ctx, tag.Value).ConfigureAwait(false);
        }
        if (p.TryGetValue("build_tag", out var buildTag))
        {
            data["build_tag"] = await TagNameAsync(ctx, buildTag).ConfigureAwait(false);
        }
        if (p.GetValueOrDefault("opts") is IReadOnlyDictionary<string, object?> taskOpts && taskOpts.TryGetValue("scratch", out var scratch))
        {
            data["scratch"] = scratch;
        }
        return data;
    }

    private static (string Key, object? Value)? First(IReadOnlyDictionary<string, object?> p, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (p.TryGetValue(key, out var value))
            {
                return (key, value);
            }
        }
        return null;
    }

    private static async Task<string?> TagNameAsync(CallContext ctx, object? info) => info switch
    {
        null => null,
        IReadOnlyDictionary<string, object?> d when d.GetValueOrDefault("name") is string name => name,
        _ => (await TagQueries.FindAsync(ctx, info, null).ConfigureAwait(false))?.Name,
    };
}
