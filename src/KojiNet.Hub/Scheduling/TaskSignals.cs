using System.Threading.Channels;

namespace KojiNet.Hub.Scheduling;

/// <summary>
/// The in-process side of event-driven scheduling. Two signals, both raised after the change
/// that causes them is committed (<see cref="TaskEvents"/>):
/// <list type="bullet">
/// <item>a request for a scheduler pass (a task became FREE, capacity was released, a host
/// became ready), coalesced: any number of requests while a pass runs give one more pass;</item>
/// <item>a pulse that wakes every waiting <c>host.waitTasks</c> long-poll, which then looks
/// again at what concerns its host.</item>
/// </list>
/// On PostgreSQL the same signals travel between hubs over <c>LISTEN/NOTIFY</c>
/// (<see cref="PostgresTaskListener"/>).
/// </summary>
internal sealed class TaskSignals : IDisposable
{
    private readonly Channel<bool> _passRequests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly CancellationTokenSource _stopping = new();
    private TaskCompletionSource _pulse = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Identifies this hub process in notifications, so it ignores its own.</summary>
    public string InstanceId { get; } = Guid.NewGuid().ToString("N")[..12];

    /// <summary>Cancelled when the hub stops: long-polls return at once.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>Asks for a scheduler pass as soon as possible.</summary>
    public void RequestPass() => _passRequests.Writer.TryWrite(true);

    /// <summary>
    /// Waits until a pass is requested or <paramref name="interval"/> has passed (the periodic
    /// pass); returns whether it was requested.
    /// </summary>
    public async Task<bool> WaitForPassRequestAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        if (_passRequests.Reader.TryRead(out _))
        {
            return true;
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(interval);
        try
        {
            await _passRequests.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false);
            return _passRequests.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>
    /// The task that completes at the next <see cref="Pulse"/>. Take it before looking at the
    /// database, so a pulse between the look and the wait is not missed.
    /// </summary>
    public Task NextPulse => Volatile.Read(ref _pulse).Task;

    /// <summary>Wakes every waiter.</summary>
    public void Pulse()
    {
        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _pulse, next).TrySetResult();
    }

    /// <summary>
    /// Handles a notification another hub sent (<c>s:</c> = a pass is needed, <c>w:</c> = wake
    /// the waiting builders, followed by the sender's <see cref="InstanceId"/>); its own are ignored.
    /// </summary>
    public void OnNotification(string payload)
    {
        if (payload.Length < 2 || payload.AsSpan(2).SequenceEqual(InstanceId))
        {
            return;
        }
        if (payload[0] == 's')
        {
            RequestPass();
        }
        else
        {
            Pulse();
        }
    }

    /// <summary>Stops the long-polls (the hub is shutting down).</summary>
    public void Stop()
    {
        if (!_stopping.IsCancellationRequested)
        {
            _stopping.Cancel();
        }
        Pulse();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Stop();
        _stopping.Dispose();
    }
}
