using KojiNet.Hub.Data;
using KojiNet.TestSupport;

namespace KojiNet.Hub.Tests.Data;

/// <summary>
/// Gives each test a fresh, empty database on either engine: a new SQLite file, or a new
/// database on the private PostgreSQL cluster (started once per test class).
/// </summary>
public sealed class DatabaseFixture : IDisposable
{
    private readonly Lazy<PostgresServer> _postgres = new(() => new PostgresServer());
    private readonly string _sqliteDir = Directory.CreateTempSubdirectory("kojinet-sqlite-").FullName;
    private int _files;

    /// <summary>The engines every data test runs on.</summary>
    public static TheoryData<DatabaseEngine> Engines => new() { DatabaseEngine.Sqlite, DatabaseEngine.PostgreSql };

    public KojiDatabase CreateEmpty(DatabaseEngine engine) => engine switch
    {
        DatabaseEngine.PostgreSql => KojiDatabase.ForPostgreSql(_postgres.Value.CreateDatabase()),
        _ => KojiDatabase.ForSqlite(Path.Combine(_sqliteDir, $"koji{Interlocked.Increment(ref _files)}.db")),
    };

    public async Task<KojiDatabase> CreateMigratedAsync(DatabaseEngine engine)
    {
        var db = CreateEmpty(engine);
        await SchemaMigrator.MigrateAsync(db);
        return db;
    }

    public void Dispose()
    {
        if (_postgres.IsValueCreated)
        {
            _postgres.Value.Dispose();
        }
        Directory.Delete(_sqliteDir, recursive: true);
    }
}
