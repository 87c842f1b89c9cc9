using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace KojiNet.Hub.Scheduling;

/// <summary>
/// On PostgreSQL, hears the <c>NOTIFY</c>s other hubs of the site send when tasks change
/// (<see cref="TaskEvents"/>), so a task created through one hub reaches a builder long-polling
/// on another at once, and a pass runs wherever one was asked for. Hubs are stateless: this is
/// the only thing they tell each other, and losing it only delays work to the next periodic pass.
/// </summary>
internal sealed partial class PostgresTaskListener(HubServices hub, ILogger<PostgresTaskListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var connection = (NpgsqlConnection)await hub.Database.OpenAsync(stoppingToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, e) => hub.TaskSignals.OnNotification(e.Payload);
                    await using (var listen = new NpgsqlCommand("LISTEN " + TaskEvents.NotifyChannel, connection))
                    {
                        await listen.ExecuteNonQueryAsync(stoppingToken).ConfigureAwait(false);
                    }
                    // Whatever happened while not listening is looked at now.
                    hub.TaskSignals.RequestPass();
                    hub.TaskSignals.Pulse();
                    while (true)
                    {
                        await connection.WaitAsync(stoppingToken).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException or IOException)
            {
                LogListenFailed(e);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    [LoggerMessage(EventId = 4110, Level = LogLevel.Warning, Message = "Listening for task notifications failed; retrying")]
    private partial void LogListenFailed(Exception exception);
}
