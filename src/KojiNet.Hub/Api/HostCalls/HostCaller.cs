using KojiNet.Hub.Api.Tasks;

namespace KojiNet.Hub.Api.HostCalls;

/// <summary>The host behind a <c>host.*</c> call.</summary>
internal sealed record HostCaller(int HostId, int UserId, string Name);

/// <summary>
/// The preconditions of every <c>host.*</c> call (spec/api-host.md §1): the caller is a host
/// user, on an exclusive session (a subsession inherits it from its master), and for
/// task-scoped calls the task is OPEN and held by that host.
/// </summary>
internal static class HostCallerChecks
{
    private sealed class HostIdRow
    {
        public int Id { get; init; }

        public string Name { get; init; } = "";
    }

    private sealed class TaskHolderRow
    {
        public int State { get; init; }

        public int? Host_Id { get; init; }
    }

    /// <summary>The calling host; AuthError unless logged in as a host on an exclusive session.</summary>
    public static async Task<HostCaller> VerifyAsync(CallContext ctx)
    {
        var session = ctx.Session ?? throw KojiErrors.Auth("Not logged-in");
        var host = await ctx.QueryFirstOrDefaultAsync<HostIdRow>("SELECT id, name FROM host WHERE user_id = @u", new { u = session.UserId }).ConfigureAwait(false)
            ?? throw KojiErrors.Auth($"User {session.UserId} is not a host");
        var exclusive = session.Exclusive;
        if (!exclusive && session.Master is { } master)
        {
            exclusive = await ctx.ScalarAsync<bool?>(
                "SELECT exclusive FROM sessions WHERE id = @master AND expired = FALSE", new { master }).ConfigureAwait(false) == true;
        }
        if (!exclusive)
        {
            throw KojiErrors.Auth("This method requires an exclusive session");
        }
        return new HostCaller(host.Id, session.UserId, host.Name);
    }

    /// <summary>
    /// The calling host, after checking that it holds <paramref name="taskId"/> OPEN;
    /// ActionNotAllowed <c>host &lt;h&gt; does not own task &lt;t&gt;</c> otherwise.
    /// </summary>
    public static async Task<HostCaller> VerifyTaskAsync(CallContext ctx, int taskId)
    {
        var host = await VerifyAsync(ctx).ConfigureAwait(false);
        await AssertHoldsAsync(ctx, host, taskId).ConfigureAwait(false);
        return host;
    }

    /// <summary>Checks that <paramref name="host"/> holds <paramref name="taskId"/> OPEN.</summary>
    public static async Task AssertHoldsAsync(CallContext ctx, HostCaller host, int taskId)
    {
        var lockClause = ctx.Engine == Data.DatabaseEngine.PostgreSql ? " FOR UPDATE" : "";
        var task = await ctx.QueryFirstOrDefaultAsync<TaskHolderRow>(
            "SELECT state, host_id FROM task WHERE id = @taskId" + lockClause, new { taskId }).ConfigureAwait(false);
        if (task is null || task.State != TaskStates.Open || task.Host_Id != host.HostId)
        {
            throw KojiErrors.NotAllowed($"host {host.HostId} does not own task {taskId}");
        }
    }
}
