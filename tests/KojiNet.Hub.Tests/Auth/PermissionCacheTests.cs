using System.Text.Json;
using Dapper;

namespace KojiNet.Hub.Tests.Auth;

/// <summary>
/// Hubs cache each user's permissions (Auth/PermissionCache.cs) while the perm_versions counter
/// is unchanged: a second hub, where the user works and whose cache is warm, must see at once
/// every grant, revocation and group change made through the first hub or with plain SQL.
/// </summary>
public abstract class PermissionCacheTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    [Fact]
    public async Task AnotherHubSeesGrantsRevocationsAndGroupChangesAtOnce()
    {
        await using var second = await hub.StartSecondHubAsync();
        var hub2 = second.Url;
        string Script(string body) => $$"""
            hub2 = {{JsonSerializer.Serialize(hub2)}}
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            a = Session(hub2, ca, alice_pem)
            a.ssl_login()
            out = {}
            {{body}}
            emit(out)
            """;

        var r = hub.Python(Script("""
            out["start"] = a.call("getPerms")
            out["denied"] = call_or_fault(a, "createTag", "pc-tag-1")
            s.call("grantPermission", "alice", "tag")
            out["granted"] = a.call("getPerms")
            out["allowed"] = a.call("createTag", "pc-tag-1") > 0
            s.call("revokePermission", "alice", "tag")
            out["revoked"] = a.call("getPerms")
            out["denied_again"] = call_or_fault(a, "createTag", "pc-tag-2")
            s.call("newGroup", "pc-group")
            s.call("grantPermission", "pc-group", "repo")
            out["group_before"] = a.call("hasPerm", "repo")
            s.call("addGroupMember", "pc-group", "alice")
            out["group_member"] = a.call("hasPerm", "repo")
            s.call("dropGroupMember", "pc-group", "alice")
            out["group_dropped"] = a.call("hasPerm", "repo")
            """));
        Assert.Equal(0, r.GetProperty("start").GetArrayLength());
        Assert.Equal(1004, r.GetProperty("denied").GetProperty("faultCode").GetInt32());
        Assert.Equal(["tag"], r.GetProperty("granted").EnumerateArray().Select(e => e.GetString()!));
        Assert.True(r.GetProperty("allowed").GetBoolean());
        Assert.Equal(0, r.GetProperty("revoked").GetArrayLength());
        Assert.Equal(1004, r.GetProperty("denied_again").GetProperty("faultCode").GetInt32());
        Assert.False(r.GetProperty("group_before").GetBoolean());
        Assert.True(r.GetProperty("group_member").GetBoolean());
        Assert.False(r.GetProperty("group_dropped").GetBoolean());

        // Grants written with plain SQL behind both hubs count too (the counter's triggers).
        var warm = hub.Python(Script("""out["perms"] = a.call("getPerms")"""));
        Assert.Equal(0, warm.GetProperty("perms").GetArrayLength());
        await using (var connection = await hub.Hub.Database.OpenAsync())
        {
            var now = hub.Hub.Now();
            var ev = await connection.ExecuteScalarAsync<int>("INSERT INTO events (time) VALUES (@now) RETURNING id", new { now });
            await connection.ExecuteAsync("""
                INSERT INTO user_perms (user_id, perm_id, create_event, creator_id)
                SELECT u.id, p.id, @ev, u.id FROM users u, permissions p WHERE u.name = 'alice' AND p.name = 'target'
                """, new { ev });
        }
        var sql = hub.Python(Script("""out["perms"] = a.call("getPerms")"""));
        Assert.Equal(["target"], sql.GetProperty("perms").EnumerateArray().Select(e => e.GetString()!));
    }
}

public sealed class SqlitePermissionCacheTests(SqliteHub hub) : PermissionCacheTests<SqliteHub>(hub);

public sealed class PostgresPermissionCacheTests(PostgresHub hub) : PermissionCacheTests<PostgresHub>(hub);
