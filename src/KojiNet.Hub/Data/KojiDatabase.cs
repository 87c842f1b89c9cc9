using System.Data.Common;
using System.Runtime.CompilerServices;
using KojiNet.Hub.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KojiNet.Hub.Data;

/// <summary>
/// Where the hub keeps its data: a PostgreSQL database or an SQLite file. Hands out open
/// connections configured the same way every time (SQLite: foreign keys on, WAL journal,
/// a busy timeout so concurrent writers wait instead of failing).
/// </summary>
public sealed class KojiDatabase : IAsyncDisposable
{
    private readonly NpgsqlDataSource? _postgres;
    private readonly string? _sqliteConnectionString;

    private KojiDatabase(DatabaseEngine engine, NpgsqlDataSource? postgres, string? sqlite)
    {
        Engine = engine;
        _postgres = postgres;
        _sqliteConnectionString = sqlite;
    }

    /// <summary>The engine behind this database.</summary>
    public DatabaseEngine Engine { get; }

    /// <summary>
    /// A PostgreSQL database given as a connection string (Npgsql keyword form). Unless the
    /// string says otherwise, statements the hub runs often are prepared automatically
    /// (<c>Max Auto Prepare</c>) and a connection returned to the pool is not reset (the hub
    /// leaves no session state behind; the reset would be sent with every call's first statement).
    /// </summary>
    public static KojiDatabase ForPostgreSql(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 100;
        }
        if (!given.ContainsKey("No Reset On Close") && !given.ContainsKey("NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }
        return new(DatabaseEngine.PostgreSql, NpgsqlDataSource.Create(builder.ConnectionString), null);
    }

    /// <summary>An SQLite database file, created when missing.</summary>
    public static KojiDatabase ForSqlite(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        var cs = new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            DefaultTimeout = 30,
        }.ToString();
        using (var connection = new SqliteConnection(cs))
        {
            connection.Open();
            using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }
        return new(DatabaseEngine.Sqlite, null, cs);
    }

    /// <summary>The database <c>hub.conf</c> names: SQLite when <c>DBFile</c> is set, PostgreSQL otherwise.</summary>
    public static KojiDatabase FromOptions(DatabaseOptions options)
    {
        if (options.DBFile is not null)
        {
            return ForSqlite(options.DBFile);
        }
        if (options.DBConnectionString is not null)
        {
            return ForPostgreSql(options.DBConnectionString);
        }
        var builder = new NpgsqlConnectionStringBuilder
        {
            Database = options.DBName,
            Username = options.DBUser,
            Password = options.DBPass,
            // Without a host libpq uses the local socket; Npgsql needs the socket directory named.
            Host = options.DBHost ?? "/var/run/postgresql",
        };
        if (options.DBPort is { } port)
        {
            builder.Port = port;
        }
        return ForPostgreSql(builder.ConnectionString);
    }

    /// <summary>
    /// Begins a transaction. On SQLite a writing one is IMMEDIATE (takes the write lock at once,
    /// so it never fails half-way on a busy database); elsewhere READ COMMITTED.
    /// </summary>
    public async ValueTask<DbTransaction> BeginAsync(DbConnection connection, bool write, CancellationToken cancellationToken = default)
    {
        if (connection is SqliteConnection sqlite)
        {
            return sqlite.BeginTransaction(deferred: !write);
        }
        return await connection.BeginTransactionAsync(System.Data.IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }

    // Native SQLite connections (they outlive the pooled SqliteConnection objects) whose
    // per-connection settings are made.
    private static readonly ConditionalWeakTable<SQLitePCL.sqlite3, object> ConfiguredSqlite = [];

    /// <summary>Opens a connection.</summary>
    public async ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        if (_postgres is not null)
        {
            return await _postgres.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        var connection = new SqliteConnection(_sqliteConnectionString);
        connection.Open();
        var handle = connection.Handle!;
        // Settings are per native connection and survive pooling. Setting a pragma invalidates the
        // connection's prepared statements, so they are set once, when the pool first opens it.
        if (!ConfiguredSqlite.TryGetValue(handle, out _))
        {
            using var pragma = connection.CreateCommand();
            pragma.CommandText = "PRAGMA foreign_keys = 1; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 30000;";
            pragma.ExecuteNonQuery();
            ConfiguredSqlite.AddOrUpdate(handle, handle);
        }
        if (SQLitePCL.raw.sqlite3_get_autocommit(handle) == 0)
        {
            // A transaction left open by an earlier user of this pooled connection would make every
            // later BEGIN fail ("cannot start a transaction within a transaction"): end it.
            using var rollback = connection.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            rollback.ExecuteNonQuery();
        }
        return connection;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_postgres is not null)
        {
            await _postgres.DisposeAsync().ConfigureAwait(false);
        }
    }
}
