using System.Text.Json;

namespace KojiNet.Hub.Tests.Api;

/// <summary>
/// queryHistory (model.md §2.4) over every table the API writes today: rows for creations and
/// revocations, dotted name members, entity filters, time/event/editor filters and their flags.
/// </summary>
public abstract class HistoryTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private static readonly string[] Common =
        ["active", "create_event", "revoke_event", "creator_id", "revoker_id", "creator_name", "revoker_name", "create_ts", "revoke_ts"];

    private static readonly Dictionary<string, string[]> Members = new(StringComparer.Ordinal)
    {
        ["user_perms"] = ["user_id", "user.name", "perm_id", "permission.name"],
        ["user_groups"] = ["user_id", "user.name", "group_id", "group.name"],
        ["tag_inheritance"] = ["tag_id", "tag.name", "parent_id", "parent.name", "priority", "maxdepth", "intransitive", "noconfig", "pkg_filter"],
        ["tag_config"] = ["tag_id", "tag.name", "arches", "perm_id", "permission.name", "locked", "maven_support", "maven_include_all"],
        ["tag_extra"] = ["tag_id", "tag.name", "key", "value"],
        ["build_target_config"] = ["build_target_id", "build_target.name", "build_tag", "build_tag.name", "dest_tag", "dest_tag.name"],
        ["host_config"] = ["host_id", "host.name", "arches", "capacity", "description", "comment", "enabled"],
        ["host_channels"] = ["host_id", "host.name", "channel_id", "channels.name"],
        ["tag_listing"] = ["build_id", "name", "version", "release", "epoch", "build.state", "tag_id", "tag.name"],
        ["tag_packages"] = ["package_id", "package.name", "tag_id", "tag.name", "blocked", "extra_arches"],
        ["tag_package_owners"] = ["package_id", "package.name", "tag_id", "tag.name", "owner", "owner.name"],
    };

    private const string Scenario = """
        import time, datetime
        s = Session(hub, ca, admin_pem)
        s.ssl_login()
        a = Session(hub, ca, alice_pem)
        a.ssl_login()
        anon = Session(hub, ca)
        def f(sess, *args, **kw):
            try:
                return sess.call(*args, **kw)
            except xmlrpc.client.Fault as e:
                return fault_dict(e)
        def iso(ts):
            return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        P = PREFIX
        tag, parent, pkg, target = P + "-tag", P + "-parent", P + "-pkg", P + "-target"
        host, chan, grp, perm = P + "-host.example.com", P + "-chan", P + "-group", P + "-perm"
        ev0 = s.call("getLastEvent")["id"]
        s.call("createTag", parent)
        s.call("createTag", tag, arches="x86_64")
        pid = s.call("getTag", parent)["id"]
        s.call("setInheritanceData", tag, [{"parent_id": pid, "priority": 0, "maxdepth": None, "intransitive": False,
                                            "noconfig": False, "pkg_filter": ""}])
        s.call("editTag2", tag, extra={P + ".key": "v1"})
        s.call("editTag2", tag, arches="x86_64 aarch64")
        s.call("packageListAdd", tag, pkg, owner="kojiadmin")
        s.call("packageListSetOwner", tag, pkg, "alice")
        bid = s.call("createEmptyBuild", pkg, "1", "1", None)
        s.call("tagBuildBypass", tag, bid)
        s.call("createBuildTarget", target, tag, parent)
        s.call("grantPermission", "alice", perm, create=True)
        s.call("newGroup", grp)
        s.call("addGroupMember", grp, "alice")
        s.call("addHost", host, ["x86_64"])
        s.call("editHost", host, capacity=3.0)
        s.call("addHostToChannel", host, chan, create=True)
        ev1 = s.call("getLastEvent")["id"]
        time.sleep(1.2)
        t_mid = time.time()
        time.sleep(0.2)
        s.call("revokePermission", "alice", perm)
        s.call("removeHostFromChannel", host, chan)
        s.call("grantPermission", "alice", "host")
        alice_edit = f(a, "editHost", host, comment="x'; DROP TABLE host_config; --")
        s.call("revokePermission", "alice", "host")
        ev2 = s.call("getLastEvent")["id"]
        """;

    private JsonElement Run(string prefix, string body) =>
        hub.Python(Scenario.Replace("PREFIX", JsonSerializer.Serialize(prefix), StringComparison.Ordinal) + "\n" + body);

    [Fact]
    public void EveryWrittenTableRecordsVersionsWithNameMembers()
    {
        var r = Run("hqa", """
            out = {"ev0": ev0, "ev1": ev1, "alice_edit": alice_edit}
            out["tag_config"] = s.call("queryHistory", tables=["tag_config"], tag=tag)["tag_config"]
            out["tag_inheritance"] = s.call("queryHistory", tables=["tag_inheritance"], tag=parent)["tag_inheritance"]
            out["tag_extra"] = s.call("queryHistory", tables=["tag_extra"], tag=tag)["tag_extra"]
            out["tag_packages"] = s.call("queryHistory", tables=["tag_packages"], package=pkg)["tag_packages"]
            out["tag_package_owners"] = s.call("queryHistory", tables=["tag_package_owners"], package=pkg)["tag_package_owners"]
            out["tag_listing"] = s.call("queryHistory", tables=["tag_listing"], build=bid)["tag_listing"]
            out["build_target_config"] = s.call("queryHistory", tables=["build_target_config"], build_target=target)["build_target_config"]
            out["user_perms"] = s.call("queryHistory", tables=["user_perms"], permission=perm)["user_perms"]
            out["user_groups"] = [x for x in s.call("queryHistory", tables=["user_groups"], user="alice")["user_groups"] if x["group.name"] == grp]
            out["host_config"] = s.call("queryHistory", tables=["host_config"], host=host)["host_config"]
            out["host_channels"] = s.call("queryHistory", tables=["host_channels"], channel=chan)["host_channels"]
            out["anon"] = sorted(anon.call("queryHistory", tag=tag).keys())
            out["bid"] = bid
            out["pid"] = pid
            emit(out)
            """);
        Assert.True(r.GetProperty("alice_edit").GetBoolean(), r.GetProperty("alice_edit").GetRawText());
        var ev0 = r.GetProperty("ev0").GetInt32();
        foreach (var (table, members) in Members)
        {
            var rows = r.GetProperty(table).EnumerateArray().ToList();
            Assert.True(rows.Count > 0, table);
            foreach (var row in rows)
            {
                var keys = row.EnumerateObject().Select(p => p.Name).ToList();
                Assert.Equal(Common.Concat(members).Order(StringComparer.Ordinal), keys.Order(StringComparer.Ordinal));
                Assert.True(row.GetProperty("create_event").GetInt32() > ev0, table);
                Assert.Equal(JsonValueKind.Number, row.GetProperty("create_ts").ValueKind);
                if (row.GetProperty("revoke_event").ValueKind == JsonValueKind.Null)
                {
                    Assert.True(row.GetProperty("active").GetBoolean(), table);
                    Assert.Equal(JsonValueKind.Null, row.GetProperty("revoker_name").ValueKind);
                    Assert.Equal(JsonValueKind.Null, row.GetProperty("revoke_ts").ValueKind);
                }
                else
                {
                    // active is TRUE or NULL, never FALSE.
                    Assert.Equal(JsonValueKind.Null, row.GetProperty("active").ValueKind);
                    Assert.Equal(JsonValueKind.Number, row.GetProperty("revoke_ts").ValueKind);
                    Assert.True(row.GetProperty("revoke_event").GetInt32() > row.GetProperty("create_event").GetInt32(), table);
                }
            }
        }

        var config = r.GetProperty("tag_config").EnumerateArray().ToList();
        Assert.Equal(2, config.Count);
        Assert.Equal("x86_64", config[0].GetProperty("arches").GetString());
        Assert.Equal(JsonValueKind.Null, config[0].GetProperty("active").ValueKind);
        Assert.Equal("kojiadmin", config[0].GetProperty("revoker_name").GetString());
        Assert.Equal("x86_64 aarch64", config[1].GetProperty("arches").GetString());
        Assert.True(config[1].GetProperty("active").GetBoolean());
        Assert.Equal(config[0].GetProperty("revoke_event").GetInt32(), config[1].GetProperty("create_event").GetInt32());
        Assert.Equal("hqa-tag", config[1].GetProperty("tag.name").GetString());
        Assert.False(config[1].GetProperty("locked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, config[1].GetProperty("permission.name").ValueKind);
        Assert.Equal("kojiadmin", config[1].GetProperty("creator_name").GetString());

        var inh = Assert.Single(r.GetProperty("tag_inheritance").EnumerateArray());
        Assert.Equal("hqa-tag", inh.GetProperty("tag.name").GetString());
        Assert.Equal("hqa-parent", inh.GetProperty("parent.name").GetString());
        Assert.Equal(r.GetProperty("pid").GetInt32(), inh.GetProperty("parent_id").GetInt32());
        Assert.Equal(0, inh.GetProperty("priority").GetInt32());
        Assert.False(inh.GetProperty("intransitive").GetBoolean());

        var extra = Assert.Single(r.GetProperty("tag_extra").EnumerateArray());
        Assert.Equal("hqa.key", extra.GetProperty("key").GetString());
        Assert.Equal("\"v1\"", extra.GetProperty("value").GetString());

        var pkgRow = Assert.Single(r.GetProperty("tag_packages").EnumerateArray());
        Assert.Equal("hqa-pkg", pkgRow.GetProperty("package.name").GetString());
        Assert.False(pkgRow.GetProperty("blocked").GetBoolean());

        var owners = r.GetProperty("tag_package_owners").EnumerateArray().ToList();
        Assert.Equal(["kojiadmin", "alice"], owners.Select(o => o.GetProperty("owner.name").GetString()!));
        Assert.Equal(JsonValueKind.Null, owners[0].GetProperty("active").ValueKind);
        Assert.True(owners[1].GetProperty("active").GetBoolean());

        var listing = Assert.Single(r.GetProperty("tag_listing").EnumerateArray());
        Assert.Equal(r.GetProperty("bid").GetInt32(), listing.GetProperty("build_id").GetInt32());
        Assert.Equal("hqa-pkg", listing.GetProperty("name").GetString());
        Assert.Equal(1, listing.GetProperty("build.state").GetInt32());
        Assert.Equal(JsonValueKind.Null, listing.GetProperty("epoch").ValueKind);

        var targetRow = Assert.Single(r.GetProperty("build_target_config").EnumerateArray());
        Assert.Equal("hqa-target", targetRow.GetProperty("build_target.name").GetString());
        Assert.Equal("hqa-tag", targetRow.GetProperty("build_tag.name").GetString());
        Assert.Equal("hqa-parent", targetRow.GetProperty("dest_tag.name").GetString());

        var permRow = Assert.Single(r.GetProperty("user_perms").EnumerateArray());
        Assert.Equal("alice", permRow.GetProperty("user.name").GetString());
        Assert.Equal("hqa-perm", permRow.GetProperty("permission.name").GetString());
        Assert.Equal("kojiadmin", permRow.GetProperty("revoker_name").GetString());

        var groupRow = Assert.Single(r.GetProperty("user_groups").EnumerateArray());
        Assert.Equal("alice", groupRow.GetProperty("user.name").GetString());
        Assert.True(groupRow.GetProperty("active").GetBoolean());

        var hosts = r.GetProperty("host_config").EnumerateArray().ToList();
        Assert.Equal(3, hosts.Count);
        Assert.Equal("hqa-host.example.com", hosts[0].GetProperty("host.name").GetString());
        Assert.Equal(3.0, hosts[1].GetProperty("capacity").GetDouble());
        Assert.Equal("x'; DROP TABLE host_config; --", hosts[2].GetProperty("comment").GetString());
        Assert.Equal("alice", hosts[2].GetProperty("creator_name").GetString());
        Assert.Equal("alice", hosts[1].GetProperty("revoker_name").GetString());
        Assert.True(hosts[2].GetProperty("enabled").GetBoolean());

        var chanRow = Assert.Single(r.GetProperty("host_channels").EnumerateArray());
        Assert.Equal("hqa-chan", chanRow.GetProperty("channels.name").GetString());
        Assert.Equal(JsonValueKind.Null, chanRow.GetProperty("active").ValueKind);

        var anonTables = r.GetProperty("anon").EnumerateArray().Select(x => x.GetString()!).ToList();
        Assert.Contains("tag_config", anonTables);
        Assert.Contains("tag_listing", anonTables);
        Assert.Contains("tag_inheritance", anonTables);
        Assert.DoesNotContain("user_perms", anonTables);
        Assert.DoesNotContain("host_config", anonTables);
        Assert.DoesNotContain("user_groups", anonTables);
    }

    [Fact]
    public void FiltersAndMatchFlags()
    {
        var r = Run("hqb", """
            def qh(**kw):
                return s.call("queryHistory", **kw)
            out = {"ev1": ev1, "ev2": ev2}
            out["host_tables"] = sorted(qh(host=host).keys())
            out["active_true"] = qh(tables=["tag_config"], tag=tag, active=True)["tag_config"]
            out["active_false"] = qh(tables=["tag_config"], tag=tag, active=False)["tag_config"]
            out["after_event"] = qh(tables=["user_perms"], user="alice", afterEvent=ev1)["user_perms"]
            out["before_event"] = qh(tables=["user_perms"], permission=perm, beforeEvent=ev1)["user_perms"]
            out["between"] = qh(tables=["host_channels"], host=host, afterEvent=ev1, beforeEvent=ev2 + 1)["host_channels"]
            out["after_ts"] = qh(tables=["user_perms", "host_channels", "tag_config"], after=t_mid)
            out["after_iso"] = qh(tables=["user_perms", "host_channels", "tag_config"], after=iso(t_mid))
            out["before_ts"] = qh(tables=["tag_config"], tag=tag, before=t_mid)["tag_config"]
            out["before_iso"] = qh(tables=["tag_config"], tag=tag, before=iso(t_mid))["tag_config"]
            out["before_past"] = qh(tables=["tag_config"], tag=tag, before="2000-01-01 00:00:00")["tag_config"]
            out["editor_alice"] = qh(tables=["host_config", "tag_config"], editor="alice")
            out["editor_admin"] = len(qh(tables=["host_config"], host=host, editor="kojiadmin")["host_config"])
            out["limit"] = qh(tables=["host_config"], host=host, queryOpts={"limit": 1, "order": "-create_event"})["host_config"]
            out["plain"] = qh(tables=["tag_config"], tag=tag)["tag_config"]
            out["xkey"] = qh(xkey=P + ".key")
            out["nokey"] = qh(tables=["tag_extra"], xkey="x'; DROP TABLE tag_extra; --")["tag_extra"]
            out["badtable"] = f(s, "queryHistory", tables=["tag_config", "x'; DROP TABLE users; --"])
            out["notag"] = f(s, "queryHistory", tag="hqb-nosuchtag")
            emit(out)
            """);
        Assert.Equal(["host_channels", "host_config"], r.GetProperty("host_tables").EnumerateArray().Select(x => x.GetString()!));

        var activeTrue = Assert.Single(r.GetProperty("active_true").EnumerateArray());
        Assert.True(activeTrue.GetProperty("active").GetBoolean());
        var activeFalse = Assert.Single(r.GetProperty("active_false").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, activeFalse.GetProperty("active").ValueKind);

        // afterEvent matches the perm rows revoked (hqb-perm, host) or created (host) after ev1.
        var after = r.GetProperty("after_event").EnumerateArray().ToList();
        Assert.NotEmpty(after);
        var perm = after.Single(x => x.GetProperty("permission.name").GetString() == "hqb-perm");
        Assert.False(perm.GetProperty("_created_after_event").GetBoolean());
        Assert.True(perm.GetProperty("_revoked_after_event").GetBoolean());
        var hostPerm = after.Single(x => x.GetProperty("permission.name").GetString() == "host");
        Assert.True(hostPerm.GetProperty("_created_after_event").GetBoolean());
        Assert.True(hostPerm.GetProperty("_revoked_after_event").GetBoolean());
        var ev1 = r.GetProperty("ev1").GetInt32();
        Assert.All(after, x => Assert.True(x.GetProperty("create_event").GetInt32() > ev1 || x.GetProperty("revoke_event").GetInt32() > ev1));

        var before = Assert.Single(r.GetProperty("before_event").EnumerateArray());
        Assert.True(before.GetProperty("_created_before_event").GetBoolean());
        Assert.False(before.GetProperty("_revoked_before_event").GetBoolean());
        Assert.False(before.TryGetProperty("_created_after_event", out _));

        var between = Assert.Single(r.GetProperty("between").EnumerateArray());
        Assert.True(between.GetProperty("_revoked_after_event").GetBoolean());
        Assert.True(between.GetProperty("_created_before_event").GetBoolean());

        foreach (var key in new[] { "after_ts", "after_iso" })
        {
            var tables = r.GetProperty(key);
            var perms = tables.GetProperty("user_perms").EnumerateArray().Where(x => x.GetProperty("permission.name").GetString() == "hqb-perm").ToList();
            var p = Assert.Single(perms);
            Assert.False(p.GetProperty("_created_after").GetBoolean(), key);
            Assert.True(p.GetProperty("_revoked_after").GetBoolean(), key);
            Assert.Contains(tables.GetProperty("host_channels").EnumerateArray(), x => x.GetProperty("channels.name").GetString() == "hqb-chan");
            Assert.DoesNotContain(tables.GetProperty("tag_config").EnumerateArray(), x => x.GetProperty("tag.name").GetString() == "hqb-tag");
        }
        foreach (var key in new[] { "before_ts", "before_iso" })
        {
            var rows = r.GetProperty(key).EnumerateArray().ToList();
            Assert.Equal(2, rows.Count);
            Assert.All(rows, x => Assert.True(x.GetProperty("_created_before").GetBoolean(), key));
            Assert.True(rows[0].GetProperty("_revoked_before").GetBoolean());
            Assert.False(rows[1].GetProperty("_revoked_before").GetBoolean());
        }
        Assert.Equal("[]", r.GetProperty("before_past").GetRawText());

        var byAlice = r.GetProperty("editor_alice");
        Assert.Equal("[]", byAlice.GetProperty("tag_config").GetRawText());
        var aliceHosts = byAlice.GetProperty("host_config").EnumerateArray()
            .Where(x => x.GetProperty("host.name").GetString() == "hqb-host.example.com").ToList();
        Assert.Equal(2, aliceHosts.Count);
        Assert.False(aliceHosts[0].GetProperty("_created_by").GetBoolean());
        Assert.True(aliceHosts[0].GetProperty("_revoked_by").GetBoolean());
        Assert.True(aliceHosts[1].GetProperty("_created_by").GetBoolean());
        Assert.False(aliceHosts[1].GetProperty("_revoked_by").GetBoolean());
        Assert.Equal(2, r.GetProperty("editor_admin").GetInt32());

        var limited = Assert.Single(r.GetProperty("limit").EnumerateArray());
        Assert.Equal("x'; DROP TABLE host_config; --", limited.GetProperty("comment").GetString());

        // Without time/event/editor filters no _created_*/_revoked_* members appear.
        Assert.All(r.GetProperty("plain").EnumerateArray(), x => Assert.DoesNotContain(x.EnumerateObject(), p => p.Name.StartsWith('_')));

        var xkey = r.GetProperty("xkey");
        Assert.Equal(["tag_extra"], xkey.EnumerateObject().Select(p => p.Name));
        Assert.Single(xkey.GetProperty("tag_extra").EnumerateArray());
        Assert.Equal("[]", r.GetProperty("nokey").GetRawText());
        Assert.Equal(1000, r.GetProperty("badtable").GetProperty("faultCode").GetInt32());
        Assert.Equal("No such history table: x'; DROP TABLE users; --", r.GetProperty("badtable").GetProperty("faultString").GetString());
        Assert.Equal(1000, r.GetProperty("notag").GetProperty("faultCode").GetInt32());
    }
}

public sealed class SqliteHistoryTests(SqliteHub hub) : HistoryTests<SqliteHub>(hub);

public sealed class PostgresHistoryTests(PostgresHub hub) : HistoryTests<PostgresHub>(hub);
