using System.Runtime.CompilerServices;
using KojiNet.Hub.Api;
using KojiNet.Hub.Data;

namespace KojiNet.Hub.Scheduling;

/// <summary>
/// What API code calls when it changes tasks or hosts, so the scheduler and the waiting builders
/// react at once instead of at the next poll. The signals fire after the call commits (a pass
/// started earlier would not see the change); on PostgreSQL a <c>NOTIFY</c> in the same
/// transaction carries them to the other hubs of the site.
/// </summary>
internal static class TaskEvents
{
    /// <summary>The PostgreSQL notification channel.</summary>
    public const string NotifyChannel = "kojinet_tasks";

    private sealed class Raised
    {
        public bool Schedule;
        public bool Wake;
    }

    private static readonly ConditionalWeakTable<CallContext, Raised> RaisedBy = [];

    /// <summary>
    /// Work for the scheduler: a task became FREE, capacity was released (a task finished, was
    /// canceled, started waiting or got lighter), a host became ready. Builders are not woken
    /// by this: the pass wakes them when it assigns something.
    /// </summary>
    public static Task ScheduleAsync(CallContext ctx) => RaiseAsync(ctx, schedule: true);

    /// <summary>
    /// Something for the waiting builders: a task was assigned, a held task was canceled, freed
    /// or reassigned, an awaited subtask finished.
    /// </summary>
    public static Task WakeAsync(CallContext ctx) => RaiseAsync(ctx, schedule: false);

    private static async Task RaiseAsync(CallContext ctx, bool schedule)
    {
        var raised = RaisedBy.GetOrCreateValue(ctx);
        if (schedule ? raised.Schedule : raised.Wake)
        {
            return;
        }
        if (schedule)
        {
            raised.Schedule = true;
        }
        else
        {
            raised.Wake = true;
        }
        var signals = ctx.Hub.TaskSignals;
        ctx.AfterCommit(schedule ? signals.RequestPass : signals.Pulse);
        if (ctx.Engine == DatabaseEngine.PostgreSql)
        {
            await ctx.ExecuteAsync("SELECT pg_notify(@channel, @payload)",
                new { channel = NotifyChannel, payload = (schedule ? "s:" : "w:") + signals.InstanceId }).ConfigureAwait(false);
        }
    }
}
