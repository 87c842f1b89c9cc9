using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using KojiNet.Hub.Data;
using Xunit.Abstractions;

namespace KojiNet.Hub.Tests.Api;

/// <summary>
/// Every writing method the hub registers, called anonymously and as alice (no permissions),
/// must be refused with upstream's fault and change nothing; with the permission granted (or as
/// kojiadmin for admin-only methods) the same call succeeds. Methods other areas have not
/// registered yet are skipped, so the matrix grows as they land.
/// </summary>
public abstract class PermissionMatrixTests<THub>(THub hub, ITestOutputHelper output) : IClassFixture<THub> where THub : HubFixture
{
    // Each entry: method, permission, args (a tuple, or a lambda called just before each call), kwargs,
    // setup (run once as admin before the refusals), anonymous fault code, whether success is checked.
    private const string Matrix = """
        def E(method, perm, args=(), kwargs=None, setup=None, anon=1004, succeed=True, policy=False):
            return {"method": method, "perm": perm, "args": args, "kwargs": kwargs or {}, "setup": setup, "anon": anon,
                    "succeed": succeed, "policy": policy}
        def tag_id(name):
            return s.call("getTag", name)["id"]
        M = [
            # users, groups, permissions
            E("createUser", "admin", ("pm-user-new",)),
            E("editUser", "admin", ("pm-user",), {"name": "pm-user2"}, lambda: s.call("createUser", "pm-user")),
            E("enableUser", "admin", ("pm-user-dis",), setup=lambda: s.call("createUser", "pm-user-dis", 1)),
            E("disableUser", "admin", ("pm-user-en",), setup=lambda: s.call("createUser", "pm-user-en")),
            E("addUserKrbPrincipal", "admin", ("pm-user-k", "pm-k@EX"), setup=lambda: s.call("createUser", "pm-user-k")),
            E("removeUserKrbPrincipal", "admin", ("pm-user-r", "pm-r@EX"), setup=lambda: s.call("createUser", "pm-user-r", krb_principal="pm-r@EX")),
            E("newGroup", "admin", ("pm-group-new",)),
            E("addGroupMember", "admin", ("pm-group", "pm-member"), setup=lambda: (s.call("newGroup", "pm-group"), s.call("createUser", "pm-member"))),
            E("dropGroupMember", "admin", ("pm-group2", "pm-member2"),
              setup=lambda: (s.call("newGroup", "pm-group2"), s.call("createUser", "pm-member2"), s.call("addGroupMember", "pm-group2", "pm-member2"))),
            E("grantPermission", "admin", ("pm-grantee", "repo"), setup=lambda: s.call("createUser", "pm-grantee")),
            E("revokePermission", "admin", ("pm-revokee", "repo"), setup=lambda: (s.call("createUser", "pm-revokee"), s.call("grantPermission", "pm-revokee", "repo"))),
            E("editPermission", "admin", ("repo", "pm edited")),
            # hosts and channels
            E("addHost", "host", ("pm-host-new", ["x86_64"])),
            E("editHost", "host", ("pm-host",), {"capacity": 4.0}, lambda: s.call("addHost", "pm-host", ["x86_64"])),
            E("enableHost", "host", ("pm-host-dis",), setup=lambda: (s.call("addHost", "pm-host-dis", ["x86_64"]), s.call("disableHost", "pm-host-dis"))),
            E("disableHost", "host", ("pm-host",)),
            E("addHostToChannel", "host", ("pm-host", "maven")),
            E("removeHostFromChannel", "host", ("pm-host-rm", "default"), setup=lambda: s.call("addHost", "pm-host-rm", ["x86_64"])),
            E("addChannel", "admin", ("pm-channel-new",)),
            E("editChannel", "admin", ("pm-channel",), {"comment": "pm"}, lambda: s.call("addChannel", "pm-channel")),
            E("renameChannel", "admin", ("pm-channel-r", "pm-channel-r2"), setup=lambda: s.call("addChannel", "pm-channel-r")),
            E("enableChannel", "host", ("pm-channel-d",), setup=lambda: (s.call("addChannel", "pm-channel-d"), s.call("disableChannel", "pm-channel-d"))),
            E("disableChannel", "host", ("pm-channel",)),
            # tags
            E("createTag", "tag", ("pm-tag-new",), setup=lambda: s.call("createTag", "pm-tag")),
            E("editTag2", "tag", ("pm-tag",), {"arches": "x86_64"}),
            E("editTag", "tag", ("pm-tag-e", "pm-tag-e", "x86_64", False, None), setup=lambda: s.call("createTag", "pm-tag-e")),
            E("deleteTag", "tag", ("pm-tag-del",), setup=lambda: s.call("createTag", "pm-tag-del")),
            E("setInheritanceData", "tag",
              lambda: (tag_id("pm-tag-child"), [{"parent_id": tag_id("pm-tag"), "priority": 0, "maxdepth": None,
                                                 "intransitive": False, "noconfig": False, "pkg_filter": ""}]),
              setup=lambda: s.call("createTag", "pm-tag-child")),
            # package lists (default package_list policy: admin or tag)
            E("packageListAdd", "tag", ("pm-tag", "pm-pkg"), {"owner": "kojiadmin"}, policy=True),
            E("packageListBlock", "tag", ("pm-tag", "pm-pkg-b"), setup=lambda: s.call("packageListAdd", "pm-tag", "pm-pkg-b", owner="kojiadmin"), policy=True),
            E("packageListUnblock", "tag", ("pm-tag", "pm-pkg-u"),
              setup=lambda: (s.call("packageListAdd", "pm-tag", "pm-pkg-u", owner="kojiadmin"), s.call("packageListBlock", "pm-tag", "pm-pkg-u")), policy=True),
            E("packageListRemove", "tag", ("pm-tag", "pm-pkg-r"), setup=lambda: s.call("packageListAdd", "pm-tag", "pm-pkg-r", owner="kojiadmin"), policy=True),
            E("packageListSetArches", "tag", ("pm-tag", "pm-pkg-a", "x86_64"), setup=lambda: s.call("packageListAdd", "pm-tag", "pm-pkg-a", owner="kojiadmin"), policy=True),
            E("packageListSetOwner", "tag", ("pm-tag", "pm-pkg-o", "alice"), setup=lambda: s.call("packageListAdd", "pm-tag", "pm-pkg-o", owner="kojiadmin"), policy=True),
            # targets
            E("createBuildTarget", "target", ("pm-target-new", "pm-tag", "pm-tag")),
            E("editBuildTarget", "target", ("pm-target", "pm-target", "pm-tag", "pm-tag"),
              setup=lambda: s.call("createBuildTarget", "pm-target", "pm-tag", "pm-tag")),
            E("deleteBuildTarget", "target", ("pm-target-del",), setup=lambda: s.call("createBuildTarget", "pm-target-del", "pm-tag", "pm-tag")),
            # builds and tagging
            E("createEmptyBuild", "admin", ("pm-build", "1", "1", None)),
            E("deleteBuild", "admin", ("pm-build-del-1-1",), setup=lambda: s.call("createEmptyBuild", "pm-build-del", "1", "1", None)),
            E("tagBuildBypass", "tag", ("pm-tag", "pm-build-t-1-1"),
              setup=lambda: (s.call("packageListAdd", "pm-tag", "pm-build-t", owner="kojiadmin"), s.call("createEmptyBuild", "pm-build-t", "1", "1", None))),
            E("untagBuildBypass", "tag", ("pm-tag", "pm-build-u-1-1"),
              setup=lambda: (s.call("packageListAdd", "pm-tag", "pm-build-u", owner="kojiadmin"), s.call("createEmptyBuild", "pm-build-u", "1", "1", None),
                             s.call("tagBuildBypass", "pm-tag", "pm-build-u-1-1"))),
            E("importRPM", "admin", ("pm-nowhere", "pm-none.rpm"), succeed=False),
        ]
        available = {m["name"] for m in anon.call("_listapi")}
        M = [m for m in M if m["method"] in available]
        def args_of(m):
            return m["args"]() if callable(m["args"]) else m["args"]
        """;

    // Methods that change only the caller's own session state, never shared data.
    private static readonly HashSet<string> SessionMethods = new(StringComparer.Ordinal)
    {
        "sslLogin", "login", "logout", "logoutChild", "subsession", "exclusiveSession", "sharedSession", "uploadFile",
    };

    private JsonElement Run(string body) => hub.Python(UsersTests<THub>.Prelude + "\n" + Matrix + "\n" + body);

    [Fact]
    public async Task RefusedWithoutPermissionAndAllowedWithIt()
    {
        var setup = Run("""
            for m in M:
                if m["setup"]:
                    m["setup"]()
            emit([m["method"] for m in M])
            """);
        var methods = setup.EnumerateArray().Select(m => m.GetString()!).ToList();
        output.WriteLine($"matrix covers {methods.Count} methods: {string.Join(" ", methods)}");
        Assert.Contains("createUser", methods);
        Assert.Contains("addHost", methods);

        var before = await SnapshotAsync();
        var refused = Run("""
            out = []
            for m in M:
                args = args_of(m)
                r = {"method": m["method"], "perm": "policy" if m["policy"] else m["perm"], "anonCode": m["anon"]}
                for who, sess in (("anon", anon), ("alice", a)):
                    try:
                        sess.call(m["method"], *args, **m["kwargs"])
                        r[who] = None
                    except xmlrpc.client.Fault as e:
                        r[who] = fault_dict(e)
                out.append(r)
            emit(out)
            """);
        var after = await SnapshotAsync();

        foreach (var r in refused.EnumerateArray())
        {
            var method = r.GetProperty("method").GetString()!;
            var perm = r.GetProperty("perm").GetString()!;
            var anon = r.GetProperty("anon");
            Assert.True(anon.ValueKind == JsonValueKind.Object, $"{method}: anonymous call was not refused");
            Assert.True(r.GetProperty("anonCode").GetInt32() == anon.GetProperty("faultCode").GetInt32(), $"{method}: anonymous got {anon.GetRawText()}");
            var alice = r.GetProperty("alice");
            Assert.True(alice.ValueKind == JsonValueKind.Object, $"{method}: alice was not refused");
            Assert.True(alice.GetProperty("faultCode").GetInt32() == 1004, $"{method}: alice got {alice.GetRawText()}");
            if (perm != "policy")
            {
                Assert.True(alice.GetProperty("faultString").GetString()!.StartsWith($"{perm} permission required", StringComparison.Ordinal),
                    $"{method}: alice got {alice.GetRawText()}");
            }
        }
        // Refused calls wrote nothing: no event, no row anywhere (sessions aside).
        Assert.Equal(before, after);

        var allowed = Run("""
            out = []
            for m in M:
                if not m["succeed"]:
                    continue
                args = args_of(m)
                if m["perm"] == "admin":
                    sess = s
                else:
                    s.call("grantPermission", "alice", m["perm"])
                    sess = a
                try:
                    sess.call(m["method"], *args, **m["kwargs"])
                    r = None
                except xmlrpc.client.Fault as e:
                    r = fault_dict(e)
                if m["perm"] != "admin":
                    s.call("revokePermission", "alice", m["perm"])
                out.append({"method": m["method"], "fault": r})
            emit({"results": out, "alice": a.call("getPerms"),
                  "user2": s.call("getUser", "pm-user2"), "host": s.call("getHost", "pm-host"),
                  "channel": s.call("getChannel", "pm-channel-r2"), "group": s.call("getGroupMembers", "pm-group")})
            """);
        foreach (var r in allowed.GetProperty("results").EnumerateArray())
        {
            Assert.True(r.GetProperty("fault").ValueKind == JsonValueKind.Null,
                $"{r.GetProperty("method").GetString()} failed with the permission granted: {r.GetProperty("fault").GetRawText()}");
        }
        Assert.Equal(0, allowed.GetProperty("alice").GetArrayLength());
        Assert.Equal("pm-user2", allowed.GetProperty("user2").GetProperty("name").GetString());
        Assert.Equal(4.0, allowed.GetProperty("host").GetProperty("capacity").GetDouble());
        Assert.False(allowed.GetProperty("host").GetProperty("enabled").GetBoolean());
        Assert.Equal("pm-channel-r2", allowed.GetProperty("channel").GetProperty("name").GetString());
        Assert.Equal("pm-member", allowed.GetProperty("group")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void EveryWritingMethodIsInTheMatrixOrReported()
    {
        // Informational: lists writing methods registered but not yet in the matrix.
        var covered = Run("emit([m['method'] for m in M])").EnumerateArray().Select(m => m.GetString()!).ToHashSet(StringComparer.Ordinal);
        var writing = Hub.Api.MethodRegistry.Default.All.Where(m => !m.ReadOnly).Select(m => m.Name).ToList();
        var missing = writing.Where(n => !covered.Contains(n) && !SessionMethods.Contains(n)).ToList();
        output.WriteLine($"writing methods not in the permission matrix: {string.Join(" ", missing)}");
        // Every method of the users/hosts areas is covered.
        string[] mine =
        [
            "createUser", "editUser", "enableUser", "disableUser", "addUserKrbPrincipal", "removeUserKrbPrincipal", "newGroup",
            "addGroupMember", "dropGroupMember", "grantPermission", "revokePermission", "editPermission", "addHost", "editHost",
            "enableHost", "disableHost", "addHostToChannel", "removeHostFromChannel", "addChannel", "editChannel", "renameChannel",
            "enableChannel", "disableChannel",
        ];
        Assert.All(mine, m => Assert.Contains(m, covered));
    }

    /// <summary>Every row of every table except sessions, as text.</summary>
    private async Task<string> SnapshotAsync()
    {
        await using var conn = await hub.Hub.Database.OpenAsync();
        var tables = (await conn.QueryAsync<string>(hub.Engine == DatabaseEngine.Sqlite
            ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            : "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"))
            .Where(t => t != "sessions").Order(StringComparer.Ordinal).ToList();
        var sb = new StringBuilder();
        foreach (var table in tables)
        {
            sb.Append("== ").Append(table).Append('\n');
            var rows = new List<string>();
            await using var cmd = conn.CreateCommand();
            cmd.CommandText = $"SELECT * FROM {table}";
            await using DbDataReader reader = await cmd.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var values = new string[reader.FieldCount];
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    values[i] = reader.IsDBNull(i) ? "NULL" : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? "";
                }
                rows.Add(string.Join("|", values));
            }
            rows.Sort(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                sb.Append(row).Append('\n');
            }
        }
        return sb.ToString();
    }
}

public sealed class SqlitePermissionMatrixTests(SqliteHub hub, ITestOutputHelper output) : PermissionMatrixTests<SqliteHub>(hub, output);

public sealed class PostgresPermissionMatrixTests(PostgresHub hub, ITestOutputHelper output) : PermissionMatrixTests<PostgresHub>(hub, output);
