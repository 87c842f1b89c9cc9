using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Reflection;
using Dapper;

namespace KojiNet.Hub.Data;

/// <summary>
/// Creates and upgrades the schema: applies the embedded <c>Data/Schema/NNNN_name.sql</c> files
/// newer than the database's recorded version, each in one transaction, and records them in
/// <c>schema_migrations</c>. Several hubs starting at once on PostgreSQL serialise on an
/// advisory lock; SQLite serialises on its write lock.
/// </summary>
public static class SchemaMigrator
{
    private const string ResourcePrefix = "KojiNet.Hub.Schema.";

    // Any constant works; it names the lock all hubs of one database take while migrating.
    private const long MigrationLockKey = 0x4b6f6a694e4554;

    /// <summary>One schema step.</summary>
    public sealed record Migration(int Version, string Name, string Sql);

    /// <summary>The migrations built into this hub, in order.</summary>
    public static IReadOnlyList<Migration> Available { get; } = LoadMigrations();

    /// <summary>The newest schema version this hub knows.</summary>
    public static int LatestVersion => Available[^1].Version;

    /// <summary>The schema version of the database, or 0 for an empty one.</summary>
    public static async Task<int> CurrentVersionAsync(KojiDatabase database, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await EnsureVersionTableAsync(connection, null, database.Engine, cancellationToken).ConfigureAwait(false);
        return await CurrentVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies every pending migration; returns the versions applied (empty when up to date).</summary>
    public static async Task<IReadOnlyList<int>> MigrateAsync(KojiDatabase database, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var applied = new List<int>();
        await using var tx = await BeginExclusiveAsync(connection, database.Engine, cancellationToken).ConfigureAwait(false);
        if (database.Engine == DatabaseEngine.PostgreSql)
        {
            await connection.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(@key)", new { key = MigrationLockKey }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await EnsureVersionTableAsync(connection, tx, database.Engine, cancellationToken).ConfigureAwait(false);
        var current = await CurrentVersionAsync(connection, tx, cancellationToken).ConfigureAwait(false);
        if (current > LatestVersion)
        {
            throw new InvalidOperationException($"the database has schema version {current}, newer than this hub's {LatestVersion}; upgrade the hub");
        }
        foreach (var migration in Available.Where(m => m.Version > current))
        {
            foreach (var statement in Statements(migration.Sql, database.Engine).Select(s => SqlDialect.Expand(s, database.Engine)))
            {
                try
                {
                    await connection.ExecuteAsync(new CommandDefinition(statement, transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
                }
                catch (DbException e)
                {
                    throw new InvalidOperationException($"schema migration {migration.Version:D4}_{migration.Name} failed: {e.Message}\n{statement}", e);
                }
            }
            await connection.ExecuteAsync(new CommandDefinition(
                "INSERT INTO schema_migrations (version, name, applied) VALUES (@Version, @Name, @Applied)",
                new { migration.Version, migration.Name, Applied = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 },
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            applied.Add(migration.Version);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return applied;
    }

    private static async Task<DbTransaction> BeginExclusiveAsync(DbConnection connection, DatabaseEngine engine, CancellationToken cancellationToken)
    {
        if (engine == DatabaseEngine.Sqlite)
        {
            // Take SQLite's write lock up front so two processes cannot both read version N and both apply N+1.
            return await connection.BeginTransactionAsync(IsolationLevel.Serializable, cancellationToken).ConfigureAwait(false);
        }
        return await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task EnsureVersionTableAsync(DbConnection connection, DbTransaction? tx, DatabaseEngine engine, CancellationToken cancellationToken) =>
        connection.ExecuteAsync(new CommandDefinition(SqlDialect.Expand(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied {ts} NOT NULL)", engine),
            transaction: tx, cancellationToken: cancellationToken));

    private static async Task<int> CurrentVersionAsync(DbConnection connection, DbTransaction? tx, CancellationToken cancellationToken) =>
        await connection.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT MAX(version) FROM schema_migrations", transaction: tx, cancellationToken: cancellationToken)).ConfigureAwait(false) ?? 0;

    /// <summary>
    /// The statements of a migration for an engine: separated by lines holding only <c>;</c>,
    /// comment lines dropped. A comment line <c>-- engine: sqlite</c>, <c>-- engine: postgresql</c>
    /// or <c>-- engine: all</c> between statements says which engine the statements after it are
    /// for (all, until the first such line).
    /// </summary>
    internal static IEnumerable<string> Statements(string sql, DatabaseEngine engine)
    {
        var current = new List<string>();
        var applies = true;
        foreach (var line in sql.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed == ";")
            {
                var statement = string.Join('\n', current).Trim();
                if (statement.Length > 0 && applies)
                {
                    yield return statement;
                }
                current.Clear();
            }
            else if (trimmed.StartsWith("-- engine:", StringComparison.Ordinal))
            {
                if (string.Join('\n', current).Trim().Length > 0)
                {
                    throw new InvalidOperationException($"schema migration: '{trimmed}' inside a statement");
                }
                applies = trimmed["-- engine:".Length..].Trim() switch
                {
                    "all" => true,
                    "sqlite" => engine == DatabaseEngine.Sqlite,
                    "postgresql" => engine == DatabaseEngine.PostgreSql,
                    var other => throw new InvalidOperationException($"schema migration: unknown engine '{other}'"),
                };
            }
            else if (!line.TrimStart().StartsWith("--", StringComparison.Ordinal))
            {
                current.Add(line);
            }
        }
        var last = string.Join('\n', current).Trim();
        if (last.Length > 0 && applies)
        {
            yield return last;
        }
    }

    private static List<Migration> LoadMigrations()
    {
        var assembly = Assembly.GetExecutingAssembly();
        var list = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var file = resource[ResourcePrefix.Length..^".sql".Length];
            var underscore = file.IndexOf('_', StringComparison.Ordinal);
            var version = int.Parse(file[..underscore], NumberStyles.None, CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            list.Add(new Migration(version, file[(underscore + 1)..], reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Version.CompareTo(b.Version));
        if (list.Count == 0 || list.Select(m => m.Version).Distinct().Count() != list.Count)
        {
            throw new InvalidOperationException("embedded schema migrations are missing or numbered twice");
        }
        return list;
    }
}
