using System.Data.Common;
using Dapper;
using KojiNet.Hub.Certificates;
using KojiNet.Hub.Data;

namespace KojiNet.Hub.Tests.HostBuilds;

/// <summary>
/// Setup for the host build tests: builder hosts with certificates, and the rows no API of this
/// hub creates yet (OPEN tasks held by a host, repos, external repos), written straight into the
/// hub's database.
/// </summary>
public sealed class HostBuildEnv(HubFixture hub)
{
    /// <summary>A builder host registered with addHost, and its certificate (PEM with key).</summary>
    public sealed record Host(int Id, string Name, string Pem);

    /// <summary>Adds a host (arches: the machine's and noarch) and issues its certificate from the fixture's CA.</summary>
    public Host CreateHost(string name)
    {
        var id = hub.Python($$"""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            Session(hub, ca, alice_pem).ssl_login()  # the task owner of most tests; created at first login
            emit(s.call("addHost", "{{name}}", ["{{HostBuildRpms.Arch}}", "noarch"]))
            """).GetInt32();
        return new Host(id, name, hub.Ca.Issue(CertificateKind.Host, name));
    }

    /// <summary>
    /// An OPEN task held by <paramref name="host"/> (as if it had called host.openTask), owned by
    /// <paramref name="owner"/>. The one place tasks are made for these tests: switch it to the task
    /// API (make_task + host.openTask) once that exists.
    /// </summary>
    public async Task<int> OpenTaskAsync(int host, string owner, string method = "build", string arch = "noarch", int? parent = null, string? label = null)
    {
        return await WriteAsync(async (conn, tx) =>
        {
            var ownerId = await conn.ExecuteScalarAsync<int>("SELECT id FROM users WHERE name = @owner", new { owner }, tx);
            var channel = await conn.ExecuteScalarAsync<int>("SELECT id FROM channels WHERE name = 'default'", transaction: tx);
            var now = hub.Hub.Now();
            var request = $"<?xml version='1.0'?>\n<methodCall>\n<methodName>{method}</methodName>\n<params>\n</params>\n</methodCall>\n";
            return await conn.ExecuteScalarAsync<int>("""
                INSERT INTO task (state, create_time, start_time, channel_id, host_id, parent, label, waiting, awaited, owner,
                                  method, request, arch, priority, weight)
                VALUES (1, @now, @now, @channel, @host, @parent, @label, FALSE, FALSE, @ownerId, @method, @request, @arch, 20, 1.0)
                RETURNING id
                """, new { now, channel, host, parent, label, ownerId, method, request, arch }, tx);
        });
    }

    /// <summary>Sets a task's state (e.g. CLOSED) the way the task calls would.</summary>
    public Task SetTaskStateAsync(int task, int state) =>
        WriteAsync(async (conn, tx) => await conn.ExecuteAsync("UPDATE task SET state = @state WHERE id = @task", new { state, task }, tx));

    /// <summary>A READY repo of <paramref name="tag"/> (what newRepo would have made).</summary>
    public Task<int> ReadyRepoAsync(string tag) => WriteAsync(async (conn, tx) =>
    {
        var now = hub.Hub.Now();
        var tagId = await conn.ExecuteScalarAsync<int>("SELECT id FROM tag WHERE name = @tag", new { tag }, tx);
        var ev = await conn.ExecuteScalarAsync<int>("INSERT INTO events (time) VALUES (@now) RETURNING id", new { now }, tx);
        return await conn.ExecuteScalarAsync<int>("""
            INSERT INTO repo (creation_time, create_event, state_time, begin_event, tag_id, state, dist, opts)
            VALUES (@now, @ev, @now, @ev, @tagId, 1, FALSE, '{"src": false, "debuginfo": false, "separate_src": false, "maven": false}')
            RETURNING id
            """, new { now, ev, tagId }, tx);
    });

    /// <summary>An external repo (no API for them yet).</summary>
    public Task<int> ExternalRepoAsync(string name) => WriteAsync(async (conn, tx) =>
        await conn.ExecuteScalarAsync<int>("INSERT INTO external_repo (name) VALUES (@name) RETURNING id", new { name }, tx));

    /// <summary>Runs a read query against the hub's database.</summary>
    public async Task<T> ReadAsync<T>(string sql, object? param = null)
    {
        await using var conn = await hub.Hub.Database.OpenAsync();
        return await conn.ExecuteScalarAsync<T>(sql, param) ?? throw new InvalidOperationException($"no value: {sql}");
    }

    private async Task<T> WriteAsync<T>(Func<DbConnection, DbTransaction, Task<T>> body)
    {
        var sqlite = hub.Hub.Database.Engine == DatabaseEngine.Sqlite;
        if (sqlite)
        {
            await hub.Hub.SqliteWriteLock.WaitAsync();
        }
        try
        {
            await using var conn = await hub.Hub.Database.OpenAsync();
            await using var tx = await hub.Hub.Database.BeginAsync(conn, write: true);
            var result = await body(conn, tx);
            await tx.CommitAsync();
            return result;
        }
        finally
        {
            if (sqlite)
            {
                hub.Hub.SqliteWriteLock.Release();
            }
        }
    }
}
