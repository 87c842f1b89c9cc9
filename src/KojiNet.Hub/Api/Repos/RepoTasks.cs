using System.Text;
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
        // task hook: until the task factory (make_task) is merged the row is inserted here;
        // then this becomes TaskMaker.MakeTaskAsync(ctx, "newRepo", TaskMaker.EncodeArgs([tag], kwargs),
        // new TaskOptions { Channel = "createrepo", Priority = NewRepoPriority, Owner = owner }).
        var channelId = await ctx.ScalarAsync<int?>("SELECT id FROM channels WHERE name = 'createrepo'").ConfigureAwait(false)
            ?? throw KojiErrors.Generic("No such channel: createrepo");
        var call = new XmlRpcMethodCall("newRepo", [tag], kwargs.Count > 0 ? kwargs : null);
        var request = Encoding.UTF8.GetString(XmlRpcWriter.ToBytes(call));
        var taskId = await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO task (state, create_time, channel_id, owner, method, request, arch, priority, weight)
            VALUES (@state, @now, @channelId, @owner, 'newRepo', @request, 'noarch', @priority, 1.0)
            RETURNING id
            """, new { state = TaskStates.Free, now = ctx.Hub.Now(), channelId, owner, request, priority = NewRepoPriority }).ConfigureAwait(false);
        Directory.CreateDirectory(Path.Combine(ctx.Hub.Storage.TopDir, "repos"));
        return taskId;
    }

    private sealed class TaskInfoRow
    {
        public int Id { get; init; }

        public int State { get; init; }

        public double Create_Time { get; init; }

        public double? Start_Time { get; init; }

        public double? Completion_Time { get; init; }

        public int Channel_Id { get; init; }

        public int? Host_Id { get; init; }

        public int? Parent { get; init; }

        public string? Label { get; init; }

        public bool? Waiting { get; init; }

        public bool? Awaited { get; init; }

        public int Owner { get; init; }

        public string Method { get; init; } = "";

        public string Arch { get; init; } = "";

        public int Priority { get; init; }

        public double Weight { get; init; }
    }

    /// <summary>The task struct of <c>getTaskInfo</c> (without the request), or null.</summary>
    public static async Task<Dictionary<string, object?>?> TaskInfoAsync(CallContext ctx, int taskId)
    {
        var t = await ctx.QuerySingleOrDefaultAsync<TaskInfoRow>("""
            SELECT id, state, create_time, start_time, completion_time, channel_id, host_id, parent, label, waiting, awaited,
                   owner, method, arch, priority, weight
            FROM task WHERE id = @taskId
            """, new { taskId }).ConfigureAwait(false);
        return t is null ? null : new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["arch"] = t.Arch,
            ["awaited"] = t.Awaited,
            ["channel_id"] = t.Channel_Id,
            ["completion_time"] = KojiTime.Format(t.Completion_Time),
            ["completion_ts"] = t.Completion_Time,
            ["create_time"] = KojiTime.Format(t.Create_Time),
            ["create_ts"] = t.Create_Time,
            ["host_id"] = t.Host_Id,
            ["id"] = t.Id,
            ["label"] = t.Label,
            ["method"] = t.Method,
            ["owner"] = t.Owner,
            ["parent"] = t.Parent,
            ["priority"] = t.Priority,
            ["start_time"] = KojiTime.Format(t.Start_Time),
            ["start_ts"] = t.Start_Time,
            ["state"] = t.State,
            ["waiting"] = t.Waiting,
            ["weight"] = t.Weight,
        };
    }

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
