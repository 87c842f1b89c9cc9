using KojiNet.Hub.Api.Tasks;
using KojiNet.Hub.Auth;
using KojiNet.Hub.Data;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api.Repos;

/// <summary>
/// The tasks the repo queue makes and reads: <c>newRepo</c> tasks (channel <c>createrepo</c>,
/// priority 15), the task struct <c>repo.checkRequest</c> reports, and the immediate queue check
/// after a new request.
/// </summary>
internal static class RepoTasks
{
    /// <summary>The priority of repo tasks (more urgent than the default 20).</summary>
    public const int NewRepoPriority = 15;

    /// <summary>
    /// Creates a FREE <c>newRepo</c> task: arch <c>noarch</c>, channel <c>createrepo</c>,
    /// priority 15, owned by <paramref name="owner"/>; its request is the XML-RPC
    /// <c>methodCall</c> of <c>newRepo(tag, **kwargs)</c> (the keyword struct flagged
    /// <c>__starstar</c>). The queue passes the tag as <c>{id, name}</c> and
    /// <c>kwargs = {opts[, event]}</c>; the legacy <c>newRepo</c> call passes the tag as given and
    /// its <c>event</c>/<c>src</c>/<c>debuginfo</c>/<c>separate_src</c> keywords.
    /// </summary>
    public static async Task<int> CreateNewRepoTaskAsync(CallContext ctx, object? tag, IReadOnlyDictionary<string, object?> kwargs, int owner)
    {
        var taskId = await TaskMaker.MakeTaskAsync(ctx, "newRepo", TaskMaker.EncodeArgs([tag], kwargs.Count > 0 ? kwargs : null),
            new TaskOptions { Channel = "createrepo", Priority = NewRepoPriority, Owner = owner }).ConfigureAwait(false);
        Directory.CreateDirectory(Path.Combine(ctx.Hub.Storage.TopDir, "repos"));
        return taskId;
    }

    /// <summary>The task struct of <c>getTaskInfo</c> (without the request), or null.</summary>
    public static async Task<Dictionary<string, object?>?> TaskInfoAsync(CallContext ctx, int taskId) =>
        (await TaskQueries.FindAsync(ctx, taskId).ConfigureAwait(false))?.ToStruct();

    /// <summary>Bookkeeping of the immediate queue checks of one hub.</summary>
    internal sealed class KickState
    {
        private int _pending;

        /// <summary>Checks started and not yet finished.</summary>
        public int Pending => Volatile.Read(ref _pending);

        /// <summary>The last failure of an immediate check (diagnostics; the regular poll retries).</summary>
        public Exception? LastError { get; set; }

        public void Enter() => Interlocked.Increment(ref _pending);

        public void Leave() => Interlocked.Decrement(ref _pending);
    }

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<HubServices, KickState> Kicks = [];

    /// <summary>The immediate-check bookkeeping of <paramref name="hub"/>.</summary>
    public static KickState KicksOf(HubServices hub) => Kicks.GetOrCreateValue(hub);

    /// <summary>
    /// Runs the queue check (<see cref="RepoQueue.CheckQueueAsync"/>) now, in its own transaction,
    /// so a new request gets its newRepo task without waiting for the repo service's next
    /// <c>repo.checkQueue</c>. Called after the request's transaction committed; it waits for a
    /// check already in progress. A failure leaves the request queued for the next regular check.
    /// </summary>
    public static void KickQueue(HubServices hub, int requester)
    {
        var state = KicksOf(hub);
        state.Enter();
        _ = Task.Run(async () =>
        {
            try
            {
                await RunKickAsync(hub, requester).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                state.LastError = e;
            }
            finally
            {
                state.Leave();
            }
        });
    }

    private static async Task RunKickAsync(HubServices hub, int requester)
    {
        var sqlite = hub.Database.Engine == DatabaseEngine.Sqlite;
        if (sqlite)
        {
            await hub.SqliteWriteLock.WaitAsync().ConfigureAwait(false);
        }
        try
        {
            var ctx = new CallContext(hub, new RequestInfo { RemoteAddress = "hub" }, write: true, CancellationToken.None) { MethodName = "repo.checkQueue" };
            await using (ctx.ConfigureAwait(false))
            {
                await RepoQueue.CheckQueueAsync(ctx, requester, waitForLock: true).ConfigureAwait(false);
                await ctx.CommitAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            if (sqlite)
            {
                hub.SqliteWriteLock.Release();
            }
        }
    }
}
