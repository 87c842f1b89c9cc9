using KojiNet.Hub.Api;
using KojiNet.Hub.Auth;
using KojiNet.Hub.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KojiNet.Hub.Scheduling;

/// <summary>
/// Runs scheduler passes in the background: at once when something asks for one
/// (<see cref="TaskSignals.RequestPass"/>: a task was created, freed or finished, a host became
/// ready...), and every <c>SchedulerPassInterval</c> seconds anyway, which applies the timeouts
/// (a builder that stops checking in loses its tasks after <c>HostTimeout</c>) and catches
/// anything no event announced. These passes wait for the <c>scheduler</c> lock and ignore
/// <c>RunInterval</c>, which only limits the passes that <c>host.getTasks</c> starts.
/// </summary>
internal sealed partial class SchedulerService(HubServices hub, ILogger<SchedulerService> logger) : BackgroundService
{
    private static readonly RequestInfo Internal = new() { RemoteAddress = "-" };

    /// <summary>Runs <paramref name="body"/> as a call of the hub itself: no session, one writing transaction.</summary>
    public static async Task<T> RunAsSystemAsync<T>(HubServices hub, string name, Func<CallContext, Task<T>> body, CancellationToken cancellationToken)
    {
        var sqlite = hub.Database.Engine == DatabaseEngine.Sqlite;
        if (sqlite)
        {
            await hub.SqliteWriteLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        try
        {
            var ctx = new CallContext(hub, Internal, write: true, cancellationToken) { MethodName = name };
            await using (ctx.ConfigureAwait(false))
            {
                var result = await body(ctx).ConfigureAwait(false);
                await ctx.CommitAsync().ConfigureAwait(false);
                return result;
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, hub.Config.Scheduler.SchedulerPassInterval));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var result = await RunAsSystemAsync(hub, "scheduler.run",
                    ctx => SchedulerPass.RunAsync(ctx, waitForLock: true, ignoreInterval: true), stoppingToken).ConfigureAwait(false);
                if (result.Assigned + result.Freed > 0)
                {
                    LogPass(result.Assigned, result.Freed);
                }
                await hub.TaskSignals.WaitForPassRequestAsync(interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogPassFailed(e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    [LoggerMessage(EventId = 4100, Level = LogLevel.Debug, Message = "Scheduler pass: {Assigned} assigned, {Freed} freed")]
    private partial void LogPass(int assigned, int freed);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Scheduler pass failed")]
    private partial void LogPassFailed(Exception exception);
}
