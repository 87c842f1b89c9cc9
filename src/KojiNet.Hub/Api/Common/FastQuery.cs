using System.Data.Common;
using System.Runtime.CompilerServices;
using KojiNet.Hub.Data;
using Microsoft.Data.Sqlite;
using Npgsql;
using SQLitePCL;

namespace KojiNet.Hub.Api.Common;

/// <summary>One result row of a <see cref="FastQuery"/> read, read by column position.</summary>
internal readonly struct FastRow
{
    private readonly sqlite3_stmt? _stmt;
    private readonly DbDataReader? _reader;

    public FastRow(sqlite3_stmt stmt) => _stmt = stmt;

    public FastRow(DbDataReader reader) => _reader = reader;

    public bool IsNull(int i) => _stmt is not null ? raw.sqlite3_column_type(_stmt, i) == raw.SQLITE_NULL : _reader!.IsDBNull(i);

    public int Int(int i) => _stmt is not null ? raw.sqlite3_column_int(_stmt, i) : _reader!.GetInt32(i);

    public int? IntOrNull(int i) => IsNull(i) ? null : Int(i);

    public long Long(int i) => _stmt is not null ? raw.sqlite3_column_int64(_stmt, i) : _reader!.GetInt64(i);

    public double Double(int i) => _stmt is not null ? raw.sqlite3_column_double(_stmt, i) : _reader!.GetDouble(i);

    public double? DoubleOrNull(int i) => IsNull(i) ? null : Double(i);

    public string String(int i) => _stmt is not null ? raw.sqlite3_column_text(_stmt, i).utf8_to_string() : _reader!.GetString(i);

    public string? StringOrNull(int i) => IsNull(i) ? null : String(i);

    public bool Bool(int i) => _stmt is not null ? raw.sqlite3_column_int(_stmt, i) != 0 : _reader!.GetBoolean(i);

    public bool? BoolOrNull(int i) => IsNull(i) ? null : Bool(i);
}

/// <summary>
/// Reads for hot read paths: the statement is prepared once per physical connection and reused
/// by later calls (SQLite: kept per native handle, which the connection pool hands from call to
/// call; PostgreSQL: Npgsql's persistent prepared statements), and rows are mapped by position
/// without reflection. Planning a many-join statement costs SQLite far more than running it.
/// </summary>
internal static class FastQuery
{
    private static readonly ConditionalWeakTable<sqlite3, Dictionary<string, sqlite3_stmt>> SqliteStatements = [];

    /// <summary>Runs <paramref name="sql"/> (parameters named <c>@name</c>) and maps every row.</summary>
    public static async Task<List<T>> ListAsync<T>(CallContext ctx, string sql, (string Name, object? Value)[] args, Func<FastRow, T> map)
    {
        var (connection, tx) = await ctx.GetConnectionAsync().ConfigureAwait(false);
        if (connection is SqliteConnection { Handle: { } db })
        {
            return Sqlite(db, sql, args, map);
        }
        await using var cmd = PostgresCommand(new NpgsqlCommand(null, (NpgsqlConnection)connection, (NpgsqlTransaction?)tx), sql, args);
        await cmd.PrepareAsync().ConfigureAwait(false);
        await using var reader = await cmd.ExecuteReaderAsync().ConfigureAwait(false);
        return await ReadAllAsync(reader, map).ConfigureAwait(false);
    }

    /// <summary>
    /// PostgreSQL: runs one statement and then COMMIT in the same round trip, and maps the
    /// statement's rows. Both results are read, so a failing COMMIT (a deferred trigger's error)
    /// is thrown here; the caller ends its transaction object afterwards.
    /// </summary>
    public static async Task<List<T>> PostgresWithCommitAsync<T>(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql,
        (string Name, object? Value)[] args, Func<FastRow, T> map)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        var statement = new NpgsqlBatchCommand();
        PostgresCommand(statement, sql, args);
        batch.BatchCommands.Add(statement);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await using var reader = await batch.ExecuteReaderAsync().ConfigureAwait(false);
        var list = await ReadAllAsync(reader, map).ConfigureAwait(false);
        while (await reader.NextResultAsync().ConfigureAwait(false))
        {
        }
        return list;
    }

    private static async Task<List<T>> ReadAllAsync<T>(DbDataReader reader, Func<FastRow, T> map)
    {
        var list = new List<T>();
        while (await reader.ReadAsync().ConfigureAwait(false))
        {
            list.Add(map(new FastRow(reader)));
        }
        return list;
    }

    // The statement with positional parameters (PositionalSql), so Npgsql need not parse it.
    private static NpgsqlCommand PostgresCommand(NpgsqlCommand command, string sql, (string Name, object? Value)[] args)
    {
        (command.CommandText, var names) = PositionalSql.For(sql);
        Bind(command.Parameters, names, args);
        return command;
    }

    private static void PostgresCommand(NpgsqlBatchCommand command, string sql, (string Name, object? Value)[] args)
    {
        (command.CommandText, var names) = PositionalSql.For(sql);
        Bind(command.Parameters, names, args);
    }

    private static void Bind(NpgsqlParameterCollection parameters, string[] names, (string Name, object? Value)[] args)
    {
        foreach (var name in names)
        {
            parameters.Add(new NpgsqlParameter { Value = Find(args, name) ?? DBNull.Value });
        }
    }

    private static object? Find((string Name, object? Value)[] args, string name)
    {
        foreach (var (n, v) in args)
        {
            if (n == name)
            {
                return v;
            }
        }
        throw new ArgumentException($"no value given for @{name}", nameof(args));
    }

    /// <summary>The first row mapped, or the default when there is none.</summary>
    public static async Task<T?> FirstOrDefaultAsync<T>(CallContext ctx, string sql, (string Name, object? Value)[] args, Func<FastRow, T> map)
    {
        var list = await ListAsync(ctx, sql, args, map).ConfigureAwait(false);
        return list.Count > 0 ? list[0] : default;
    }

    private static List<T> Sqlite<T>(sqlite3 db, string sql, (string Name, object? Value)[] args, Func<FastRow, T> map)
    {
        // A native handle serves one connection, so one call, at a time: no locking needed.
        var statements = SqliteStatements.GetOrCreateValue(db);
        if (!statements.TryGetValue(sql, out var stmt))
        {
            var prc = raw.sqlite3_prepare_v2(db, sql, out stmt);
            if (prc != raw.SQLITE_OK)
            {
                stmt.Dispose();
                throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), prc);
            }
            statements[sql] = stmt;
        }
        var list = new List<T>();
        var deadline = Environment.TickCount64 + 30_000;
        try
        {
            foreach (var (name, value) in args)
            {
                Bind(stmt, name, value);
            }
            while (true)
            {
                var rc = raw.sqlite3_step(stmt);
                if (rc == raw.SQLITE_ROW)
                {
                    list.Add(map(new FastRow(stmt)));
                    continue;
                }
                if (rc == raw.SQLITE_DONE)
                {
                    return list;
                }
                if ((rc == raw.SQLITE_BUSY || rc == raw.SQLITE_LOCKED) && list.Count == 0 && Environment.TickCount64 < deadline)
                {
                    // Another connection holds a lock for a moment (WAL restart): wait, as the busy timeout would.
                    raw.sqlite3_reset(stmt);
                    Thread.Sleep(1);
                    continue;
                }
                throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc);
            }
        }
        finally
        {
            raw.sqlite3_reset(stmt);
            raw.sqlite3_clear_bindings(stmt);
        }
    }

    private static void Bind(sqlite3_stmt stmt, string name, object? value)
    {
        var i = raw.sqlite3_bind_parameter_index(stmt, "@" + name);
        if (i == 0)
        {
            return; // not used by this statement
        }
        var rc = value switch
        {
            null => raw.sqlite3_bind_null(stmt, i),
            int n => raw.sqlite3_bind_int(stmt, i, n),
            long n => raw.sqlite3_bind_int64(stmt, i, n),
            bool b => raw.sqlite3_bind_int(stmt, i, b ? 1 : 0),
            double d => raw.sqlite3_bind_double(stmt, i, d),
            string s => raw.sqlite3_bind_text(stmt, i, s),
            _ => throw new ArgumentException($"cannot bind {value.GetType()}", nameof(value)),
        };
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException($"binding @{name} failed", rc);
        }
    }
}
