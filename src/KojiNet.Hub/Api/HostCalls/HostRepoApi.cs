using KojiNet.Hub.Api.Repos;

namespace KojiNet.Hub.Api.HostCalls;

/// <summary>
/// The repo calls of builders running <c>newRepo</c> tasks (api-host.md §2.5): create a repo
/// and its tree, then hand in the repodata made by the <c>createrepo</c> subtasks. Both need a
/// host on an exclusive session; a task named by <c>repoInit</c> must be one the host holds OPEN.
/// </summary>
internal static class HostRepoApi
{
    [KojiMethod("host.repoInit")]
    public static async Task<List<object?>> RepoInit(CallContext ctx, object? tag, object? task_id = null, object? @event = null, object? opts = null)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        int? taskId = task_id is null ? null : RepoApi.RepoId(task_id);
        if (taskId is { } id)
        {
            await HostCallerChecks.AssertHoldsAsync(ctx, host, id).ConfigureAwait(false);
        }
        var (repoId, eventId) = await Repos.RepoInit.InitAsync(ctx, tag, taskId, @event, opts).ConfigureAwait(false);
        return [repoId, eventId];
    }

    [KojiMethod("host.repoDone")]
    public static async Task<object?> RepoDone(CallContext ctx, object? repo_id, object? data, bool expire = false, object? repo_json_updates = null)
    {
        await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        await Repos.RepoInit.DoneAsync(ctx, RepoApi.RepoId(repo_id), data, expire, repo_json_updates).ConfigureAwait(false);
        return null;
    }
}
