using KojiNet.Hub.Api;
using KojiNet.Hub.Configuration;
using KojiNet.Hub.Data;
using KojiNet.Hub.Policies;
using KojiNet.Hub.Storage;

namespace KojiNet.Hub;

/// <summary>
/// What every call of one hub process shares: configuration, the database, the method
/// registry, the clock and the storage tree. Built once at start-up.
/// </summary>
public sealed class HubServices : IAsyncDisposable
{
    /// <summary>The Koji version this hub is compatible with; clients switch features on it.</summary>
    public const string KojiVersion = "1.35.3";

    /// <summary>Koji's <c>API_VERSION</c>.</summary>
    public const int ApiVersion = 1;

    internal HubServices(HubConfiguration config, KojiDatabase database, TimeProvider? time = null)
    {
        Config = config;
        Database = database;
        Time = time ?? TimeProvider.System;
        Storage = new StorageLayout(config.Storage.KojiDir);
        Policies = new PolicyService(config.Policies, config.Operation);
    }

    /// <summary>Creates the services for a configuration (the database is not migrated here).</summary>
    public static HubServices Create(HubConfiguration config, TimeProvider? time = null) =>
        new(config, KojiDatabase.FromOptions(config.Database), time);

    /// <summary>The parsed hub.conf.</summary>
    public HubConfiguration Config { get; }

    /// <summary>The database.</summary>
    public KojiDatabase Database { get; }

    /// <summary>The clock (replaceable in tests).</summary>
    public TimeProvider Time { get; }

    /// <summary>Paths in the storage tree.</summary>
    public StorageLayout Storage { get; }

    internal MethodRegistry Methods { get; } = MethodRegistry.Default;

    /// <summary>The hub policies, compiled at start-up.</summary>
    internal PolicyService Policies { get; }

    /// <summary>Users' permissions, reused while the <c>perm_versions</c> counter is unchanged.</summary>
    internal Auth.PermissionCache Permissions { get; } = new();

    /// <summary>Scheduler pass requests and builder wake-ups (event-driven scheduling).</summary>
    internal Scheduling.TaskSignals TaskSignals { get; } = new();

    /// <summary>
    /// SQLite allows one writer at a time and fails a read transaction that later tries to write
    /// when another writer got in first; so on SQLite calls that may write are serialised here
    /// and start with the write lock taken. PostgreSQL needs none of this.
    /// </summary>
    internal SemaphoreSlim SqliteWriteLock { get; } = new(1, 1);

    /// <summary>Now, as epoch seconds.</summary>
    public double Now() => KojiTime.ToTs(Time.GetUtcNow());

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        TaskSignals.Dispose();
        await Database.DisposeAsync().ConfigureAwait(false);
        SqliteWriteLock.Dispose();
    }
}
