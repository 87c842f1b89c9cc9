using System.Text.Json;

namespace KojiNet.Hub.Tests.Api;

/// <summary>Tag CRUD, extra, inheritance walks and build config (api-core.md §3), on both engines.</summary>
public abstract class TagsTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    /// <summary>Python prelude: an admin session <c>s</c>, alice <c>a</c>, anonymous <c>n</c>, and <c>F</c> returning a fault dict or the result.</summary>
    internal const string Prelude = """
        s = Session(hub, ca, admin_pem); s.ssl_login()
        a = Session(hub, ca, alice_pem); a.ssl_login()
        n = Session(hub, ca)
        def F(sess, method, *args, **kwargs):
            try:
                return sess.call(method, *args, **kwargs)
            except xmlrpc.client.Fault as e:
                return fault_dict(e)
        """ + "\n";

    [Fact]
    public void GetTagReturnsUpstreamFieldsAndFaults()
    {
        var r = hub.Python(Prelude + """
            tid = s.call("createTag", "gt-base", arches=["x86_64", "aarch64"], extra={"mock.package_manager": "dnf", "n": 3})
            t = s.call("getTag", "gt-base")
            emit({"tid": tid, "t": t, "byid": s.call("getTag", tid), "bystruct": s.call("getTag", {"name": "gt-base"}),
                  "missing": n.call("getTag", "no-such-tag"), "strict": F(n, "getTag", "no-such-tag", strict=True),
                  "badtype": F(n, "getTag", 1.5), "numstr": n.call("getTag", str(tid)),
                  "id": n.call("getTagID", "gt-base"), "noid": n.call("getTagID", "nope"),
                  "noid_strict": F(n, "getTagID", "nope", strict=True)})
            """);
        var t = r.GetProperty("t");
        Assert.Equal(
            ["arches", "extra", "id", "locked", "maven_include_all", "maven_support", "name", "perm", "perm_id"],
            t.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("x86_64 aarch64", t.GetProperty("arches").GetString());
        Assert.Equal("""{"mock.package_manager":"dnf","n":3}""", t.GetProperty("extra").GetRawText());
        Assert.False(t.GetProperty("locked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, t.GetProperty("perm").ValueKind);
        Assert.Equal(r.GetProperty("tid").GetInt32(), t.GetProperty("id").GetInt32());
        Assert.Equal(t.GetRawText(), r.GetProperty("byid").GetRawText());
        Assert.Equal(t.GetRawText(), r.GetProperty("bystruct").GetRawText());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing").ValueKind);
        Assert.Equal("""{"faultCode":1000,"faultString":"No such tagInfo: 'no-such-tag'"}""", r.GetProperty("strict").GetRawText());
        Assert.Equal(1019, r.GetProperty("badtype").GetProperty("faultCode").GetInt32());
        Assert.Equal("Invalid name or id value: 1.5", r.GetProperty("badtype").GetProperty("faultString").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("numstr").ValueKind); // a numeric string is a name
        Assert.Equal(r.GetProperty("tid").GetInt32(), r.GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("noid").ValueKind);
        Assert.Equal("No such entry in table tag: nope", r.GetProperty("noid_strict").GetProperty("faultString").GetString());
    }

    [Fact]
    public void CreateEditDeleteAreVersionedAndPermissionChecked()
    {
        var r = hub.Python(Prelude + """
            evil = "x'; DROP TABLE users; --"
            out = {}
            out["anon"] = F(n, "createTag", "ced-anon")
            out["alice"] = F(a, "createTag", "ced-alice")
            out["badname"] = F(s, "createTag", evil)
            out["comma"] = F(s, "createTag", "ced-comma", arches="x86_64,aarch64")
            out["noparent"] = F(s, "createTag", "ced-x", parent="ced-missing-parent")
            out["noperm"] = F(s, "createTag", "ced-x", perm="no-such-perm")
            tid = s.call("createTag", "ced-tag", arches="x86_64", perm="admin", extra={"k": evil, "gone": 1, "blk": [1, 2]})
            out["dup"] = F(s, "createTag", "ced-tag")
            e1 = s.call("getLastEvent")["id"]
            out["edit_alice"] = F(a, "editTag2", "ced-tag", locked=True)
            s.call("editTag2", "ced-tag", name="ced-renamed", arches="i686 x86_64", locked=True, perm=None,
                   extra={"new": None, "k": evil}, remove_extra=["gone"], block_extra=["blk"])
            out["both"] = F(s, "editTag2", "ced-renamed", extra={"x": 1}, remove_extra=["x"])
            out["rm_missing"] = F(s, "editTag2", "ced-renamed", remove_extra=["never"])
            out["now"] = s.call("getTag", tid)
            out["blocked"] = s.call("getTag", tid, blocked=True)["extra"]
            out["old"] = s.call("getTag", tid, event=e1)
            out["oldname"] = s.call("getTag", "ced-tag")
            s.call("editTag", tid, "ced-legacy", "ppc64le", False, None)
            out["legacy"] = s.call("getTag", tid)
            e2 = s.call("getLastEvent")["id"]
            out["del_alice"] = F(a, "deleteTag", tid)
            s.call("deleteTag", tid)
            out["deleted"] = s.call("getTag", tid)
            out["asof"] = s.call("getTag", tid, event=e2)["name"]
            out["recreated"] = s.call("createTag", "ced-legacy")
            out["tid"] = tid
            out["evilname"] = s.call("createTag", "evil-" + "a" * 5)
            emit(out)
            """);
        Assert.Equal(1004, r.GetProperty("anon").GetProperty("faultCode").GetInt32());
        Assert.Equal("tag permission required (logged in as alice)", r.GetProperty("alice").GetProperty("faultString").GetString());
        Assert.Equal(1000, r.GetProperty("badname").GetProperty("faultCode").GetInt32());
        Assert.Equal(1000, r.GetProperty("comma").GetProperty("faultCode").GetInt32());
        Assert.Equal("Parent tag 'ced-missing-parent' could not be found", r.GetProperty("noparent").GetProperty("faultString").GetString());
        Assert.Equal("No such entry in table permissions: no-such-perm", r.GetProperty("noperm").GetProperty("faultString").GetString());
        Assert.Equal(1000, r.GetProperty("dup").GetProperty("faultCode").GetInt32());
        Assert.Equal("tag permission required (logged in as alice)", r.GetProperty("edit_alice").GetProperty("faultString").GetString());
        Assert.Equal("Can not both add/update and remove tag-extra: 'x'", r.GetProperty("both").GetProperty("faultString").GetString());
        Assert.Equal(1000, r.GetProperty("rm_missing").GetProperty("faultCode").GetInt32());
        var now = r.GetProperty("now");
        Assert.Equal("ced-renamed", now.GetProperty("name").GetString());
        Assert.Equal("i686 x86_64", now.GetProperty("arches").GetString());
        Assert.True(now.GetProperty("locked").GetBoolean());
        Assert.Equal(JsonValueKind.Null, now.GetProperty("perm_id").ValueKind);
        Assert.Equal("""{"k":"x'; DROP TABLE users; --","new":null}""", now.GetProperty("extra").GetRawText());
        Assert.Equal("""{"blk":[true,null],"k":[false,"x'; DROP TABLE users; --"],"new":[false,null]}""", r.GetProperty("blocked").GetRawText());
        var old = r.GetProperty("old");
        Assert.Equal("ced-renamed", old.GetProperty("name").GetString()); // the name itself is not versioned
        Assert.Equal("x86_64", old.GetProperty("arches").GetString());
        Assert.Equal("admin", old.GetProperty("perm").GetString());
        Assert.False(old.GetProperty("locked").GetBoolean());
        Assert.Equal("""{"blk":[1,2],"gone":1,"k":"x'; DROP TABLE users; --"}""", old.GetProperty("extra").GetRawText());
        Assert.True(old.TryGetProperty("query_event", out _));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("oldname").ValueKind);
        Assert.Equal("ced-legacy", r.GetProperty("legacy").GetProperty("name").GetString());
        Assert.Equal("ppc64le", r.GetProperty("legacy").GetProperty("arches").GetString());
        Assert.Equal(1004, r.GetProperty("del_alice").GetProperty("faultCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("deleted").ValueKind);
        Assert.Equal("ced-legacy", r.GetProperty("asof").GetString());
        Assert.Equal(r.GetProperty("tid").GetInt32(), r.GetProperty("recreated").GetInt32()); // the id is reused
    }

    [Fact]
    public void ListTagsFiltersByPatternAndPackage()
    {
        var r = hub.Python(Prelude + """
            s.call("createTag", "lt-Alpha")
            s.call("createTag", "lt-beta")
            s.call("packageListAdd", "lt-beta", "lt-pkg", owner="kojiadmin")
            emit({"pat": [t["name"] for t in n.call("listTags", pattern="LT-*")],
                  "pkg": n.call("listTags", package="lt-pkg"),
                  "noperms": n.call("listTags", pattern="lt-alpha", perms=False),
                  "count": n.call("listTags", pattern="lt-?eta", queryOpts={"countOnly": True}),
                  "nopkg": F(n, "listTags", package="lt-none"),
                  "both": F(n, "listTags", build=1, package="lt-pkg")})
            """);
        Assert.Equal("""["lt-Alpha","lt-beta"]""", r.GetProperty("pat").GetRawText());
        var pkg = r.GetProperty("pkg")[0];
        Assert.Equal("lt-beta", pkg.GetProperty("name").GetString());
        Assert.Equal("kojiadmin", pkg.GetProperty("owner_name").GetString());
        Assert.False(pkg.GetProperty("blocked").GetBoolean());
        Assert.False(r.GetProperty("noperms")[0].TryGetProperty("perm_id", out _));
        Assert.Equal(1, r.GetProperty("count").GetInt32());
        Assert.Equal(1000, r.GetProperty("nopkg").GetProperty("faultCode").GetInt32());
        Assert.Equal(1000, r.GetProperty("both").GetProperty("faultCode").GetInt32());
    }

    [Fact]
    public void FullInheritanceWalksDepthFirstByPriority()
    {
        // child -> p1 (pri 10) -> g1 ; child -> p2 (pri 20) -> g1 (again), g2 (intransitive: not followed from p2)
        // p1 -> child would be a loop; maxdepth on child->p3 limits the walk.
        var r = hub.Python(Prelude + """
            for t in ["fi-child", "fi-p1", "fi-p2", "fi-p3", "fi-g1", "fi-g2", "fi-g3"]:
                s.call("createTag", t)
            def link(parent, pri, **kw):
                d = {"parent_id": s.call("getTagID", parent), "priority": pri, "maxdepth": None, "intransitive": False,
                     "noconfig": False, "pkg_filter": ""}
                d.update(kw)
                return d
            s.call("setInheritanceData", "fi-child", [link("fi-p2", 20), link("fi-p1", 10), link("fi-p3", 30, maxdepth=1)])
            s.call("setInheritanceData", "fi-p1", [link("fi-g1", 5, pkg_filter="^a"), link("fi-child", 6)])
            s.call("setInheritanceData", "fi-p2", [link("fi-g1", 1), link("fi-g2", 2, intransitive=True)])
            s.call("setInheritanceData", "fi-p3", [link("fi-g3", 1)])
            s.call("setInheritanceData", "fi-child", link("fi-g2", 40, intransitive=True, noconfig=True))
            full = n.call("getFullInheritance", "fi-child")
            rev = n.call("getFullInheritance", "fi-g1", reverse=True)
            e = s.call("getLastEvent")["id"]
            s.call("setInheritanceData", "fi-child", {"parent_id": s.call("getTagID", "fi-p2"), "delete link": True})
            emit({"full": full, "rev": rev, "data": n.call("getInheritanceData", "fi-child"),
                  "old": [x["name"] for x in n.call("getInheritanceData", "fi-child", event=e)],
                  "dup": F(s, "setInheritanceData", "fi-child", link("fi-g3", 10)),
                  "missing": F(s, "setInheritanceData", "fi-child", {"parent_id": 1}),
                  "alice": F(a, "setInheritanceData", "fi-child", link("fi-g3", 99)),
                  "stops": F(n, "getFullInheritance", "fi-child", stops={"x": 1}),
                  "notag": F(n, "getInheritanceData", "fi-none")})
            """);
        var walk = r.GetProperty("full").EnumerateArray().Select(x =>
            $"{x.GetProperty("name").GetString()}@{x.GetProperty("currdepth").GetInt32()}").ToArray();
        // p1's filtered path to g1 does not cover p2's unfiltered one, so g1 is listed twice.
        Assert.Equal(["fi-p1@1", "fi-g1@2", "fi-p2@1", "fi-g1@2", "fi-p3@1", "fi-g2@1"], walk);
        var first = r.GetProperty("full")[0];
        Assert.Equal(
            ["child_id", "currdepth", "filter", "intransitive", "maxdepth", "name", "nextdepth", "noconfig", "parent_id", "pkg_filter", "priority"],
            first.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("""["^a"]""", r.GetProperty("full")[1].GetProperty("filter").GetRawText());
        Assert.Equal(0, r.GetProperty("full")[4].GetProperty("nextdepth").GetInt32()); // maxdepth 1: g3 not reached
        Assert.True(r.GetProperty("full")[5].GetProperty("noconfig").GetBoolean());
        var rev = r.GetProperty("rev").EnumerateArray().Select(x => x.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["fi-p2", "fi-child", "fi-p1"], rev);
        Assert.Equal("""["fi-p1","fi-p3","fi-g2"]""",
            JsonSerializer.Serialize(r.GetProperty("data").EnumerateArray().Select(x => x.GetProperty("name").GetString())));
        Assert.Equal("""["fi-p1","fi-p2","fi-p3","fi-g2"]""", r.GetProperty("old").GetRawText());
        Assert.StartsWith("Inheritance priorities must be unique (pri 10", r.GetProperty("dup").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Equal("No value for priority", r.GetProperty("missing").GetProperty("faultString").GetString());
        Assert.Equal(1004, r.GetProperty("alice").GetProperty("faultCode").GetInt32());
        Assert.Equal(1019, r.GetProperty("stops").GetProperty("faultCode").GetInt32());
        Assert.Equal(1000, r.GetProperty("notag").GetProperty("faultCode").GetInt32());
    }

    [Fact]
    public void BuildConfigInheritsArchesAndExtraExceptThroughNoconfig()
    {
        var r = hub.Python(Prelude + """
            s.call("createTag", "bc-top", arches="x86_64", extra={"a": 1, "b": 2, "c": 3})
            s.call("createTag", "bc-skip", arches="s390x", extra={"z": 1})
            s.call("createTag", "bc-mid", parent="bc-top", extra={"b": "mid"})
            s.call("createTag", "bc-leaf", parent="bc-mid")
            s.call("setInheritanceData", "bc-leaf", {"parent_id": s.call("getTagID", "bc-skip"), "priority": 1, "maxdepth": None,
                   "intransitive": False, "noconfig": True, "pkg_filter": ""})
            s.call("editTag2", "bc-mid", block_extra=["c"])
            emit({"cfg": n.call("getBuildConfig", "bc-leaf"), "mid": s.call("getTagID", "bc-mid"), "top": s.call("getTagID", "bc-top")})
            """);
        var cfg = r.GetProperty("cfg");
        Assert.Equal("x86_64", cfg.GetProperty("arches").GetString());
        Assert.Equal(["a:1", "b:\"mid\""],
            cfg.GetProperty("extra").EnumerateObject().Select(p => $"{p.Name}:{p.Value.GetRawText()}").Order(StringComparer.Ordinal).ToArray());
        var ci = cfg.GetProperty("config_inheritance");
        Assert.Equal(r.GetProperty("top").GetInt32(), ci.GetProperty("arches").GetProperty("id").GetInt32());
        Assert.Equal("bc-mid", ci.GetProperty("extra").GetProperty("b").GetProperty("name").GetString());
        Assert.Equal("bc-top", ci.GetProperty("extra").GetProperty("a").GetProperty("name").GetString());
    }
}

public sealed class SqliteTagsTests(SqliteHub hub) : TagsTests<SqliteHub>(hub);

public sealed class PostgresTagsTests(PostgresHub hub) : TagsTests<PostgresHub>(hub);
