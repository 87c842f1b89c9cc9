using System.Data.Common;
using Dapper;
using KojiNet.Hub.Auth;
using KojiNet.Hub.Data;

namespace KojiNet.Hub.Api;

/// <summary>
/// One API call in progress: its database transaction, the caller's session and identity, and
/// the call's event. All versioned writes of one call share one event; a multicall gets a new
/// event per inner call. The connection and transaction are opened on the first query, so calls
/// that need no database (getAPIVersion, echo...) never touch it.
/// </summary>
internal sealed class CallContext(HubServices hub, RequestInfo request, bool write, CancellationToken cancellationToken) : IAsyncDisposable
{
    private int? _eventId;
    private IReadOnlySet<string>? _perms;
    private DbConnection? _connection;
    private DbTransaction? _transaction;
    private List<Func<Task>>? _undo;
    private bool _committed;
    private bool _committedWithLastStatement;
    private List<Action>? _afterCommit;

    public HubServices Hub { get; } = hub;

    /// <summary>Whether the call may write (its transaction is a writing one); false for read-only calls.</summary>
    public bool WriteCall => write;

    /// <summary>Cancelled when the client goes away (long-polling calls stop waiting).</summary>
    public CancellationToken CancellationToken => cancellationToken;

    /// <summary>Whether the transaction was opened (so there is something to commit).</summary>
    public bool HasTransaction => _transaction is not null;

    /// <summary>The call's transaction, opened now if it was not yet.</summary>
    public async ValueTask<DbTransaction> GetTransactionAsync()
    {
        if (_transaction is not null)
        {
            return _transaction;
        }
        AssertNotCommitted();
        var connection = await OpenAsync().ConfigureAwait(false);
        _transaction = await Hub.Database.BeginAsync(connection, write, cancellationToken).ConfigureAwait(false);
        return _transaction;
    }

    /// <summary>
    /// The call's connection and its transaction, if it needs one. A read-only call on PostgreSQL
    /// runs its statements without one: at READ COMMITTED every statement sees the latest committed
    /// data either way, and BEGIN and COMMIT would cost a round trip and server work per call.
    /// SQLite keeps its transaction (one consistent snapshot per call, and cheap).
    /// </summary>
    public async ValueTask<(DbConnection Connection, DbTransaction? Transaction)> GetConnectionAsync()
    {
        AssertNotCommitted();
        if (_transaction is null && (write || Engine != DatabaseEngine.PostgreSql))
        {
            await GetTransactionAsync().ConfigureAwait(false);
        }
        return (_connection ?? await OpenAsync().ConfigureAwait(false), _transaction);
    }

    private void AssertNotCommitted()
    {
        if (_committedWithLastStatement)
        {
            throw new InvalidOperationException($"{MethodName} used the database after the statement it declared its last");
        }
    }

    private async ValueTask<DbConnection> OpenAsync()
    {
        if (_connection is not null)
        {
            return _connection;
        }
        try
        {
            return _connection = await Hub.Database.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DbException)
        {
            throw KojiErrors.Offline("database outage");
        }
    }

    /// <summary>
    /// Set by the dispatcher when this call's last statement may carry its COMMIT (see
    /// <see cref="CommitsWithLastStatement"/>): a single writing call on PostgreSQL, not a
    /// multicall, whose session needs nothing stored after the method body.
    /// </summary>
    public bool MayCommitWithLastStatement { get; set; }

    /// <summary>
    /// Whether a statement a method declares its last (<c>last: true</c>) is sent with the COMMIT in
    /// the same round trip. After it, the call may not touch the database again.
    /// </summary>
    public bool CommitsWithLastStatement => MayCommitWithLastStatement && write && Engine == DatabaseEngine.PostgreSql;

    /// <summary>Commits the transaction if one was opened, then runs the <see cref="AfterCommit"/> actions.</summary>
    public async Task CommitAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        }
        _committed = true;
        if (_afterCommit is { } actions)
        {
            _afterCommit = null;
            foreach (var action in actions)
            {
                action();
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/> once the call's changes are committed (signals to other
    /// parts of the hub that must see them); never runs when the call fails.
    /// </summary>
    public void AfterCommit(Action action) => (_afterCommit ??= []).Add(action);

    /// <summary>
    /// Ends the current transaction (a read-only call that waits: each later query starts a
    /// fresh one and sees what others committed meanwhile, and no snapshot is held while waiting).
    /// </summary>
    public async Task EndTransactionAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            await _transaction.DisposeAsync().ConfigureAwait(false);
            _transaction = null;
        }
        if (_connection is not null)
        {
            // A read-only call on PostgreSQL has a connection but no transaction: give it back too.
            await _connection.DisposeAsync().ConfigureAwait(false);
            _connection = null;
        }
    }

    /// <summary>
    /// Registers work outside the database (files moved into place) to undo when the call's
    /// transaction is not committed after all; undone in reverse order when the context is disposed.
    /// </summary>
    public void OnRollback(Func<Task> undo) => (_undo ??= []).Add(undo);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_transaction is not null)
        {
            await _transaction.DisposeAsync().ConfigureAwait(false);
        }
        if (_connection is not null)
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        if (!_committed && _undo is not null)
        {
            for (var i = _undo.Count - 1; i >= 0; i--)
            {
                await _undo[i]().ConfigureAwait(false);
            }
        }
    }

    private ValueTask<(DbConnection Connection, DbTransaction? Transaction)> DbAsync() => GetConnectionAsync();

    /// <summary>What the HTTP layer knows about the request: address, certificate, session headers.</summary>
    public RequestInfo Request { get; } = request;

    /// <summary>The validated session, or null for an anonymous call.</summary>
    public SessionState? Session { get; set; }

    /// <summary>Session bookkeeping to store after the call, whatever its outcome.</summary>
    public SessionUpkeep? SessionUpkeep { get; set; }

    /// <summary>An expired session the request carried; a login call with <c>renew</c> revives it.</summary>
    public (int Id, string Key)? ExpiredSession { get; set; }

    /// <summary>The method being called (the inner one in a multicall).</summary>
    public string MethodName { get; set; } = "";

    /// <summary>Whether anything was written; the session's callnum is stored only then.</summary>
    public bool Wrote { get; private set; }

    /// <summary>The caller's user id, or null when anonymous.</summary>
    public int? UserId => Session?.UserId;

    public bool IsLoggedIn => Session is not null;

    public DatabaseEngine Engine => Hub.Database.Engine;

    /// <summary>Starts a fresh event scope (between the inner calls of a multicall).</summary>
    public void ResetEvent()
    {
        _eventId = null;
        _perms = null;
    }

    /// <summary>The event of this call, created on first use.</summary>
    public async Task<int> GetEventAsync()
    {
        if (_eventId is { } id)
        {
            return id;
        }
        _eventId = await ExecuteScalarAsync<int>("INSERT INTO events (time) VALUES (@now) RETURNING id", new { now = Hub.Now() }).ConfigureAwait(false);
        return _eventId.Value;
    }

    /// <summary>
    /// Runs an INSERT (without RETURNING) whose SQL names the call's event as <c>@_event</c>.
    /// Returns the value of the <paramref name="returning"/> expression of the inserted row (null
    /// when nothing was inserted), or the number of rows inserted when it is null. When the call
    /// has no event yet, PostgreSQL creates it in the same statement (a data-modifying WITH): the
    /// hot write paths then cost one statement less. With <paramref name="last"/> the method
    /// declares this its last statement: where <see cref="CommitsWithLastStatement"/>, the COMMIT
    /// travels with it and a failing insert or commit still faults the call with nothing stored.
    /// </summary>
    public async Task<long?> InsertWithEventAsync(string insertSql, (string Name, object? Value)[] args, string? returning = null, bool last = false)
    {
        if (Engine != DatabaseEngine.PostgreSql)
        {
            var param = new DynamicParameters();
            foreach (var (name, value) in args)
            {
                param.Add(name, value);
            }
            param.Add("_event", await GetEventAsync().ConfigureAwait(false));
            return returning is null
                ? await ExecuteAsync(insertSql, param).ConfigureAwait(false)
                : await ExecuteScalarAsync<long?>($"{insertSql} RETURNING {returning}", param).ConfigureAwait(false);
        }
        // One row: the event and the value, whichever way the event comes.
        var result = returning is null ? "(SELECT count(*) FROM _ins)" : "CAST((SELECT v FROM _ins) AS BIGINT)";
        string sql;
        if (_eventId is { } known)
        {
            sql = $"WITH _ins AS ({insertSql} RETURNING {returning ?? "1"} AS v) SELECT @_event, {result}";
            args = [.. args, ("_event", known)];
        }
        else
        {
            sql = "WITH _ev AS (INSERT INTO events (time) VALUES (@_now) RETURNING id), _ins AS ("
                + insertSql.Replace("@_event", "(SELECT id FROM _ev)", StringComparison.Ordinal)
                + $" RETURNING {returning ?? "1"} AS v) SELECT (SELECT id FROM _ev), {result}";
            args = [.. args, ("_now", Hub.Now())];
        }
        MarkWrite();
        static (int EventId, long? Value) Map(Common.FastRow r) => (r.Int(0), r.IsNull(1) ? null : r.Long(1));
        List<(int EventId, long? Value)> rows;
        if (last && CommitsWithLastStatement)
        {
            var (c, tx) = await DbAsync().ConfigureAwait(false);
            rows = await Common.FastQuery.PostgresWithCommitAsync((Npgsql.NpgsqlConnection)c, (Npgsql.NpgsqlTransaction?)tx, sql, args, Map).ConfigureAwait(false);
            // The server committed; the driver's transaction object is complete and only disposed,
            // and work outside the database is no longer undone (OnRollback).
            _committedWithLastStatement = true;
            _committed = true;
            if (_transaction is not null)
            {
                await _transaction.DisposeAsync().ConfigureAwait(false);
                _transaction = null;
            }
        }
        else
        {
            rows = await Common.FastQuery.ListAsync(this, sql, args, Map).ConfigureAwait(false);
        }
        _eventId = rows[0].EventId;
        return rows[0].Value;
    }

    public async Task<IEnumerable<T>> QueryAsync<T>(string sql, object? param = null)
    {
        var (c, tx) = await DbAsync().ConfigureAwait(false);
        return await c.QueryAsync<T>(new CommandDefinition(sql, param, tx)).ConfigureAwait(false);
    }

    public async Task<T?> QuerySingleOrDefaultAsync<T>(string sql, object? param = null)
    {
        var (c, tx) = await DbAsync().ConfigureAwait(false);
        return await c.QuerySingleOrDefaultAsync<T>(new CommandDefinition(sql, param, tx)).ConfigureAwait(false);
    }

    public async Task<T?> QueryFirstOrDefaultAsync<T>(string sql, object? param = null)
    {
        var (c, tx) = await DbAsync().ConfigureAwait(false);
        return await c.QueryFirstOrDefaultAsync<T>(new CommandDefinition(sql, param, tx)).ConfigureAwait(false);
    }

    public async Task<T?> ScalarAsync<T>(string sql, object? param = null)
    {
        var (c, tx) = await DbAsync().ConfigureAwait(false);
        return await c.ExecuteScalarAsync<T>(new CommandDefinition(sql, param, tx)).ConfigureAwait(false);
    }

    /// <summary>Set while a read-only method runs: writing then is a bug (SQLite did not take the write lock).</summary>
    public bool ReadOnlyCall { get; set; }

    private void MarkWrite()
    {
        if (ReadOnlyCall)
        {
            throw new InvalidOperationException($"{MethodName} is declared read-only but wrote to the database");
        }
        Wrote = true;
    }

    /// <summary>Runs a writing statement; returns the number of rows changed.</summary>
    public async Task<int> ExecuteAsync(string sql, object? param = null)
    {
        MarkWrite();
        var (c, tx) = await DbAsync().ConfigureAwait(false);
        return await c.ExecuteAsync(new CommandDefinition(sql, param, tx)).ConfigureAwait(false);
    }

    /// <summary>Runs a writing statement that returns a value (<c>INSERT ... RETURNING id</c>).</summary>
    public async Task<T?> ExecuteScalarAsync<T>(string sql, object? param = null)
    {
        MarkWrite();
        var (c, tx) = await DbAsync().ConfigureAwait(false);
        return await c.ExecuteScalarAsync<T>(new CommandDefinition(sql, param, tx)).ConfigureAwait(false);
    }

    /// <summary>Fails with ActionNotAllowed unless the caller is logged in.</summary>
    public SessionState AssertLogin() => Session ?? throw KojiErrors.NotLoggedIn();

    /// <summary>The caller's effective permissions: direct grants and those of its groups.</summary>
    public async Task<IReadOnlySet<string>> GetPermsAsync()
    {
        if (_perms is not null)
        {
            return _perms;
        }
        if (UserId is not { } uid)
        {
            return _perms = new HashSet<string>();
        }
        return _perms = await PermissionCache.LoadAsync(this, uid).ConfigureAwait(false);
    }

    /// <summary>The caller's permissions as session validation found them (saves a query per call); never changed.</summary>
    public void PresetPerms(IReadOnlySet<string> perms) => _perms = perms;

    /// <summary>Whether the caller holds <paramref name="perm"/> exactly (admin does not imply it).</summary>
    public async Task<bool> HasPermAsync(string perm) => (await GetPermsAsync().ConfigureAwait(false)).Contains(perm);

    /// <summary>Whether the caller is an admin.</summary>
    public Task<bool> IsAdminAsync() => HasPermAsync("admin");

    /// <summary>Fails with ActionNotAllowed unless the caller holds <paramref name="perm"/> or admin.</summary>
    public async Task AssertPermAsync(string perm)
    {
        var perms = await GetPermsAsync().ConfigureAwait(false);
        if (!perms.Contains(perm) && !perms.Contains("admin"))
        {
            throw KojiErrors.NotAllowed(Session is { } s
                ? $"{perm} permission required (logged in as {s.UserName})"
                : $"{perm} permission required");
        }
    }
}
