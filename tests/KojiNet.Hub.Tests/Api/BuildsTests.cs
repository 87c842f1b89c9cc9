using System.Text.Json;
using KojiNet.TestSupport;

namespace KojiNet.Hub.Tests.Api;

/// <summary>
/// Build lookup, listing, creation, release increments and deletion (api-core.md §0, §4.1, §4.3)
/// against upstream's field names and types (wire/05) and faults.
/// </summary>
public abstract class BuildsTests<THub>(THub hub, RpmCorpus corpus) : IClassFixture<THub> where THub : HubFixture
{
    // A fresh hub may not have work/ yet; the upload path check needs it.
    private readonly bool _workDir = Directory.CreateDirectory(Path.Combine(hub.KojiDir, "work")).Exists;

    private const string Prelude = """
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
        """;

    private JsonElement Run(string body) => hub.Python(Prelude + "\n" + body);

    private static void Fault(JsonElement e, int code, string? message = null, bool prefix = false)
    {
        Assert.Equal(JsonValueKind.Object, e.ValueKind);
        Assert.True(e.TryGetProperty("faultCode", out var c), e.GetRawText());
        Assert.Equal(code, c.GetInt32());
        if (message is not null)
        {
            var text = e.GetProperty("faultString").GetString()!;
            if (prefix)
            {
                Assert.StartsWith(message, text, StringComparison.Ordinal);
            }
            else
            {
                Assert.Equal(message, text);
            }
        }
    }

    private static List<string> Nvrs(JsonElement e) => e.EnumerateArray().Select(b => b.GetProperty("nvr").GetString()!).ToList();

    [Fact]
    public void GetBuildHasUpstreamFieldNamesAndTypes()
    {
        var r = Run("""
            bid = s.call("createEmptyBuild", "gb-wire", "1.0", "1", None)
            ours = s.call("getBuild", bid)
            wire = xmlrpc.client.loads(open("/work/shared/wire/05-getBuild.response.xml").read())[0][0]
            def types(d):
                return {k: type(v).__name__ for k, v in d.items()}
            emit({"ours": types(ours), "wire": types(wire), "build": ours, "bid": bid})
            """);
        var ours = r.GetProperty("ours").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        var wire = r.GetProperty("wire").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(wire.Keys.Order(StringComparer.Ordinal), ours.Keys.Order(StringComparer.Ordinal));
        // The wire build is an empty build too, so even the None-valued fields line up.
        Assert.Equal(wire.OrderBy(kv => kv.Key, StringComparer.Ordinal), ours.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        var b = r.GetProperty("build");
        var bid = r.GetProperty("bid").GetInt32();
        Assert.Equal(bid, b.GetProperty("id").GetInt32());
        Assert.Equal(bid, b.GetProperty("build_id").GetInt32());
        Assert.Equal("gb-wire-1.0-1", b.GetProperty("nvr").GetString());
        Assert.Equal("gb-wire", b.GetProperty("package_name").GetString());
        Assert.Equal(1, b.GetProperty("state").GetInt32());
        Assert.Equal("kojiadmin", b.GetProperty("owner_name").GetString());
        Assert.Equal("DEFAULT", b.GetProperty("volume_name").GetString());
        Assert.Equal(0, b.GetProperty("volume_id").GetInt32());
        Assert.Equal(b.GetProperty("start_ts").GetDouble(), b.GetProperty("completion_ts").GetDouble());
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?\+00:00$", b.GetProperty("creation_time").GetString()!);
    }

    [Fact]
    public void GetBuildLookupForms()
    {
        var r = Run("""
            bid = s.call("createEmptyBuild", "gb-forms", "2.0", "3.fc40", 7)
            out = {"bid": bid}
            out["by_id"] = s.call("getBuild", bid)["id"]
            out["by_nvr"] = s.call("getBuild", "gb-forms-2.0-3.fc40")["id"]
            out["by_epoch_nvr"] = s.call("getBuild", "7:gb-forms-2.0-3.fc40")["id"]
            out["by_other_epoch"] = s.call("getBuild", "1:gb-forms-2.0-3.fc40")["id"]
            out["by_struct"] = s.call("getBuild", {"name": "gb-forms", "version": "2.0", "release": "3.fc40"})["id"]
            out["by_struct_id"] = s.call("getBuild", {"id": bid})["id"]
            out["anon"] = anon.call("getBuild", bid)["nvr"]
            out["epoch"] = s.call("getBuild", bid)["epoch"]
            out["missing_id"] = s.call("getBuild", 999999)
            out["missing_nvr"] = s.call("getBuild", "gb-forms-2.0-9")
            out["missing_strict"] = f(s, "getBuild", "gb-forms-2.0-9", strict=True)
            out["missing_id_strict"] = f(s, "getBuild", 999999, strict=True)
            out["missing_struct"] = s.call("getBuild", {"name": "gb-forms", "version": "2.0", "release": "9"})
            out["invalid"] = f(s, "getBuild", "notanvr")
            out["invalid_lax"] = f(s, "getBuild", "notanvr", strict=False)
            out["invalid_strict"] = f(s, "getBuild", "notanvr", strict=True)
            out["sql"] = s.call("getBuild", "x'; DROP TABLE build; ---1-1")
            out["sql2"] = s.call("getBuild", "gb-forms-2.0-3.fc40' OR '1'='1")
            out["still_there"] = s.call("getBuild", bid)["nvr"]
            out["badtype"] = f(s, "getBuild", [bid])
            emit(out)
            """);
        var bid = r.GetProperty("bid").GetInt32();
        foreach (var k in new[] { "by_id", "by_nvr", "by_epoch_nvr", "by_other_epoch", "by_struct", "by_struct_id" })
        {
            Assert.Equal(bid, r.GetProperty(k).GetInt32());
        }
        Assert.Equal("gb-forms-2.0-3.fc40", r.GetProperty("anon").GetString());
        Assert.Equal(7, r.GetProperty("epoch").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing_nvr").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing_struct").ValueKind);
        Fault(r.GetProperty("missing_strict"), 1000, "No such build: gb-forms-2.0-9");
        Fault(r.GetProperty("missing_id_strict"), 1000, "No such build: 999999");
        Fault(r.GetProperty("invalid"), 1000, "invalid format: notanvr");
        Fault(r.GetProperty("invalid_lax"), 1000, "invalid format: notanvr");
        Fault(r.GetProperty("invalid_strict"), 1000, "invalid format: notanvr");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("sql").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("sql2").ValueKind);
        Assert.Equal("gb-forms-2.0-3.fc40", r.GetProperty("still_there").GetString());
        Assert.True(r.GetProperty("badtype").TryGetProperty("faultCode", out _));
    }

    [Fact]
    public void ListBuildsFilters()
    {
        var r = Run("""
            import time, datetime
            alice_id = s.call("getUser", "alice")["id"]
            b1 = s.call("createEmptyBuild", "lbf-one", "1.0", "1", None)
            b1info = s.call("getBuild", b1)
            time.sleep(2.1)
            b2 = s.call("createEmptyBuild", "lbf-one", "2.0", "1", None, owner="alice")
            b3 = s.call("createEmptyBuild", "LBF-Two", "1.0", "1", None)
            b2info = s.call("getBuild", b2)
            pkg1 = b1info["package_id"]
            def nvrs(**kw):
                return [b["nvr"] for b in s.call("listBuilds", **kw)]
            def iso(ts):
                return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
            out = {}
            out["pkg_id"] = nvrs(packageID=pkg1)
            out["pkg_name"] = nvrs(packageID="lbf-one")
            out["pkg_missing"] = nvrs(packageID="lbf-nosuch")
            out["user_name"] = nvrs(userID="alice", prefix="lbf-")
            out["user_id"] = nvrs(userID=alice_id, prefix="lbf-")
            out["user_missing"] = nvrs(userID="nosuchuser")
            out["prefix"] = nvrs(prefix="lbf-")
            out["prefix_ci"] = nvrs(prefix="LBF-")
            out["pattern"] = nvrs(pattern="lbf-*-1.0-1")
            out["pattern_ci"] = nvrs(pattern="LBF-ONE-?.0-1")
            out["pattern_sql"] = nvrs(pattern="x'; DROP TABLE build; --")
            out["prefix_wild"] = nvrs(prefix="lbf_")
            out["pattern_wild"] = nvrs(pattern="lbf%")
            out["state_complete"] = nvrs(prefix="lbf-", state=1)
            out["state_deleted"] = nvrs(prefix="lbf-", state=2)
            # one second after b1: whole-second ISO and int forms still fall between b1 and b2
            cut = b1info["creation_ts"] + 1.0
            out["created_after"] = nvrs(prefix="lbf-", createdAfter=cut)
            out["created_before"] = nvrs(prefix="lbf-", createdBefore=cut)
            out["created_after_iso"] = nvrs(prefix="lbf-", createdAfter=iso(cut))
            out["created_before_iso"] = nvrs(prefix="lbf-", createdBefore=iso(cut))
            out["created_before_int"] = nvrs(prefix="lbf-", createdBefore=int(cut))
            out["created_after_past"] = nvrs(prefix="lbf-", createdAfter="2000-01-01 00:00:00")
            out["created_before_past"] = nvrs(prefix="lbf-", createdBefore="2000-01-01 00:00:00")
            ccut = b1info["completion_ts"] + 1.0
            out["complete_after"] = nvrs(prefix="lbf-", completeAfter=ccut)
            out["complete_before"] = nvrs(prefix="lbf-", completeBefore=ccut)
            out["complete_before_iso"] = nvrs(prefix="lbf-", completeBefore=iso(ccut))
            out["type_rpm"] = nvrs(prefix="lbf-", type="rpm")
            out["type_bad"] = f(s, "listBuilds", type="nosuchtype")
            rows = s.call("listBuilds", packageID=pkg1)
            out["row_keys"] = sorted(rows[0].keys())
            emit(out)
            """);
        Assert.Equal(["lbf-one-1.0-1", "lbf-one-2.0-1"], Nvrs(r, "pkg_id"));
        Assert.Equal(["lbf-one-1.0-1", "lbf-one-2.0-1"], Nvrs(r, "pkg_name"));
        Assert.Empty(Nvrs(r, "pkg_missing"));
        Assert.Equal(["lbf-one-2.0-1"], Nvrs(r, "user_name"));
        Assert.Equal(["lbf-one-2.0-1"], Nvrs(r, "user_id"));
        Assert.Empty(Nvrs(r, "user_missing"));
        Assert.Equal(["lbf-one-1.0-1", "lbf-one-2.0-1", "LBF-Two-1.0-1"], Nvrs(r, "prefix"));
        Assert.Equal(["lbf-one-1.0-1", "lbf-one-2.0-1", "LBF-Two-1.0-1"], Nvrs(r, "prefix_ci"));
        Assert.Equal(["lbf-one-1.0-1", "LBF-Two-1.0-1"], Nvrs(r, "pattern"));
        Assert.Equal(["lbf-one-1.0-1", "lbf-one-2.0-1"], Nvrs(r, "pattern_ci"));
        Assert.Empty(Nvrs(r, "pattern_sql"));
        Assert.Empty(Nvrs(r, "prefix_wild"));
        Assert.Empty(Nvrs(r, "pattern_wild"));
        Assert.Equal(3, Nvrs(r, "state_complete").Count);
        Assert.Empty(Nvrs(r, "state_deleted"));
        Assert.Equal(["lbf-one-2.0-1", "LBF-Two-1.0-1"], Nvrs(r, "created_after"));
        Assert.Equal(["lbf-one-1.0-1"], Nvrs(r, "created_before"));
        Assert.Equal(["lbf-one-2.0-1", "LBF-Two-1.0-1"], Nvrs(r, "created_after_iso"));
        Assert.Equal(["lbf-one-1.0-1"], Nvrs(r, "created_before_iso"));
        Assert.Equal(["lbf-one-1.0-1"], Nvrs(r, "created_before_int"));
        Assert.Equal(3, Nvrs(r, "created_after_past").Count);
        Assert.Empty(Nvrs(r, "created_before_past"));
        Assert.Equal(["lbf-one-2.0-1", "LBF-Two-1.0-1"], Nvrs(r, "complete_after"));
        Assert.Equal(["lbf-one-1.0-1"], Nvrs(r, "complete_before"));
        Assert.Equal(["lbf-one-1.0-1"], Nvrs(r, "complete_before_iso"));
        Assert.Empty(Nvrs(r, "type_rpm"));
        Fault(r.GetProperty("type_bad"), 1000, "unsupported build type: nosuchtype");
        string[] listKeys =
        [
            "build_id", "completion_time", "completion_ts", "creation_event_id", "creation_time", "creation_ts", "draft", "epoch",
            "extra", "name", "nvr", "owner_id", "owner_name", "package_id", "package_name", "promoter_id", "promoter_name",
            "promotion_time", "promotion_ts", "release", "source", "start_time", "start_ts", "state", "task_id", "version",
            "volume_id", "volume_name",
        ];
        Assert.Equal(listKeys, r.GetProperty("row_keys").EnumerateArray().Select(x => x.GetString()!));

        static List<string> Nvrs(JsonElement r, string key) => r.GetProperty(key).EnumerateArray().Select(x => x.GetString()!).ToList();
    }

    [Fact]
    public void ListBuildsQueryOptsAndDraft()
    {
        var r = Run("""
            ids = [s.call("createEmptyBuild", "lbq-pkg", v, "1", None) for v in ["1", "2", "3", "4"]]
            draft = s.call("createEmptyBuild", "lbq-pkg", "1", "1", None, draft=True)
            q = lambda **o: s.call("listBuilds", packageID="lbq-pkg", queryOpts=o)
            out = {"ids": ids, "draft": draft}
            out["desc"] = [b["build_id"] for b in q(order="-build_id")]
            out["by_version_desc"] = [b["version"] for b in q(order="-version")]
            out["limit"] = [b["build_id"] for b in q(order="build_id", limit=2)]
            out["offset"] = [b["build_id"] for b in q(order="build_id", offset=1, limit=2)]
            out["count"] = q(countOnly=True)
            out["aslist"] = q(asList=True, order="build_id", limit=1)
            out["one"] = q(order="build_id", limit=1)[0]
            out["badorder"] = f(s, "listBuilds", packageID="lbq-pkg", queryOpts={"order": "nosuchfield"})
            out["draft_only"] = [(b["build_id"], b["release"], b["draft"]) for b in s.call("listBuilds", packageID="lbq-pkg", draft=True)]
            out["nondraft"] = [b["build_id"] for b in s.call("listBuilds", packageID="lbq-pkg", draft=False)]
            out["draft_dup"] = s.call("createEmptyBuild", "lbq-pkg", "1", "1", None, draft=True)
            out["getbuild_nvr_prefers_nondraft"] = s.call("getBuild", "lbq-pkg-1-1")["id"]
            out["getbuild_draft_nvr"] = s.call("getBuild", "lbq-pkg-1-1,draft_%d" % draft)["id"]
            emit(out)
            """);
        var ids = r.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToList();
        var draft = r.GetProperty("draft").GetInt32();
        var all = ids.Append(draft).ToList();
        Assert.Equal(all.OrderDescending(), r.GetProperty("desc").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(["4", "3", "2", "1", "1"], r.GetProperty("by_version_desc").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(ids.Take(2), r.GetProperty("limit").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(ids.Skip(1).Take(2), r.GetProperty("offset").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(5, r.GetProperty("count").GetInt32());
        // asList rows are values in the alphabetical order of the field names.
        var one = r.GetProperty("one");
        var expected = one.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Value.GetRawText()).ToList();
        var asList = r.GetProperty("aslist");
        Assert.Equal(1, asList.GetArrayLength());
        Assert.Equal(expected, asList[0].EnumerateArray().Select(v => v.GetRawText()));
        Fault(r.GetProperty("badorder"), 1019);
        var draftRows = r.GetProperty("draft_only").EnumerateArray().ToList();
        Assert.Single(draftRows);
        Assert.Equal(draft, draftRows[0][0].GetInt32());
        Assert.Equal($"1,draft_{draft}", draftRows[0][1].GetString());
        Assert.True(draftRows[0][2].GetBoolean());
        Assert.Equal(ids, r.GetProperty("nondraft").EnumerateArray().Select(x => x.GetInt32()));
        Assert.NotEqual(draft, r.GetProperty("draft_dup").GetInt32());
        Assert.Equal(ids[0], r.GetProperty("getbuild_nvr_prefers_nondraft").GetInt32());
        Assert.Equal(draft, r.GetProperty("getbuild_draft_nvr").GetInt32());
    }

    [Fact]
    public void CreateEmptyBuildPermissionsDuplicatesAndEpoch()
    {
        var r = Run("""
            out = {}
            out["alice"] = f(a, "createEmptyBuild", "ceb-pkg", "1", "1", None)
            out["anon"] = f(anon, "createEmptyBuild", "ceb-pkg", "1", "1", None)
            out["alice_saw"] = s.call("getBuild", "ceb-pkg-1-1")
            bid = s.call("createEmptyBuild", "ceb-pkg", "1", "1", 3)
            out["bid"] = bid
            out["build"] = s.call("getBuild", bid)
            out["dup"] = f(s, "createEmptyBuild", "ceb-pkg", "1", "1", None)
            out["dup_epoch"] = f(s, "createEmptyBuild", "ceb-pkg", "1", "1", 4)
            out["owner"] = s.call("getBuild", s.call("createEmptyBuild", "ceb-pkg", "2", "1", None, owner="alice"))["owner_name"]
            out["owner_missing"] = f(s, "createEmptyBuild", "ceb-pkg", "3", "1", None, owner="nosuchuser")
            out["sql_release"] = s.call("getBuild", s.call("createEmptyBuild", "ceb-pkg", "4", "x'1", None))["release"]
            out["badname"] = f(s, "createEmptyBuild", "ceb pkg/../x", "1", "1", None)
            emit(out)
            """);
        Fault(r.GetProperty("alice"), 1004, "admin permission required", prefix: true);
        Fault(r.GetProperty("anon"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("alice_saw").ValueKind);
        var b = r.GetProperty("build");
        Assert.Equal(3, b.GetProperty("epoch").GetInt32());
        Assert.Equal(1, b.GetProperty("state").GetInt32());
        Assert.False(b.GetProperty("draft").GetBoolean());
        Fault(r.GetProperty("dup"), 1000, $"Build already exists (id={r.GetProperty("bid").GetInt32()}, state=COMPLETE)", prefix: true);
        Fault(r.GetProperty("dup_epoch"), 1000, "Build already exists", prefix: true);
        Assert.Equal("alice", r.GetProperty("owner").GetString());
        Fault(r.GetProperty("owner_missing"), 1000);
        Assert.Equal("x'1", r.GetProperty("sql_release").GetString());
        Assert.True(r.GetProperty("badname").TryGetProperty("faultCode", out _));
    }

    [Fact]
    public void GetNextReleaseFollowsUpstreamIncrementRules()
    {
        var r = Run("""
            out = {}
            cases = [("3", "4"), ("1.el6", "2.el6"), ("45.fc23", "46.fc23"), ("20211105.nightly.7", "20211105.nightly.8"),
                     ("foo", None), ("foo.bar", None), ("a.b.c.d", None), ("a..b..c", None), ("1.2.fc23", None)]
            for i, (rel, _) in enumerate(cases):
                s.call("createEmptyBuild", "gnr-%d" % i, "1.0", rel, None)
                out["r%d" % i] = f(s, "getNextRelease", {"name": "gnr-%d" % i, "version": "1.0"})
            out["none"] = s.call("getNextRelease", {"name": "gnr-0", "version": "9.9"})
            out["nopkg"] = s.call("getNextRelease", {"name": "gnr-nosuch", "version": "1"})
            out["incr"] = s.call("getNextRelease", {"name": "gnr-1", "version": "1.0"}, incr=5)
            out["incr_bad"] = f(s, "getNextRelease", {"name": "gnr-0", "version": "1.0"}, incr="foo")
            out["incr_none"] = f(s, "getNextRelease", {"name": "gnr-0", "version": "1.0"}, incr=None)
            # the newest build of the version decides, drafts do not count
            s.call("createEmptyBuild", "gnr-0", "1.0", "7", None)
            s.call("createEmptyBuild", "gnr-0", "1.0", "5", None)
            s.call("createEmptyBuild", "gnr-0", "1.0", "50", None, draft=True)
            out["latest"] = s.call("getNextRelease", {"name": "gnr-0", "version": "1.0"})
            out["anon"] = anon.call("getNextRelease", {"name": "gnr-0", "version": "1.0"})
            emit(out)
            """);
        string?[] expected = ["4", "2.el6", "46.fc23", "20211105.nightly.8", null, null, null, null, null];
        string[] rels = ["3", "1.el6", "45.fc23", "20211105.nightly.7", "foo", "foo.bar", "a.b.c.d", "a..b..c", "1.2.fc23"];
        for (var i = 0; i < expected.Length; i++)
        {
            var v = r.GetProperty($"r{i}");
            if (expected[i] is { } want)
            {
                Assert.Equal(want, v.GetString());
            }
            else
            {
                Fault(v, 1005, $"Unable to increment release value: {rels[i]}");
            }
        }
        Assert.Equal("1", r.GetProperty("none").GetString());
        Assert.Equal("1", r.GetProperty("nopkg").GetString());
        Assert.Equal("6.el6", r.GetProperty("incr").GetString());
        Fault(r.GetProperty("incr_bad"), 1019, "incr parameter must be an integer");
        Fault(r.GetProperty("incr_none"), 1019, "incr parameter must be an integer");
        Assert.Equal("6", r.GetProperty("latest").GetString());
        Assert.Equal("6", r.GetProperty("anon").GetString());
    }

    [Fact]
    public void GetBuildTypeAndDeleteBuild()
    {
        var r = Run("""
            out = {}
            bid = s.call("createEmptyBuild", "del-pkg", "1", "1", None)
            tagged = s.call("createEmptyBuild", "del-pkg", "2", "1", None)
            s.call("createTag", "del-tag")
            s.call("packageListAdd", "del-tag", "del-pkg", owner="kojiadmin")
            s.call("tagBuildBypass", "del-tag", tagged)
            out["type"] = s.call("getBuildType", bid)
            out["type_missing"] = s.call("getBuildType", "del-pkg-9-9")
            out["type_missing_strict"] = f(s, "getBuildType", "del-pkg-9-9", strict=True)
            out["type_invalid"] = f(s, "getBuildType", "bogus")
            out["alice"] = f(a, "deleteBuild", bid)
            out["anon"] = f(anon, "deleteBuild", bid)
            out["after_refusal"] = s.call("getBuild", bid)["state"]
            out["tagged_strict"] = f(s, "deleteBuild", tagged)
            out["tagged_lax"] = s.call("deleteBuild", tagged, strict=False)
            out["tagged_state"] = s.call("getBuild", tagged)["state"]
            out["delete"] = s.call("deleteBuild", bid)
            out["deleted"] = s.call("getBuild", bid)
            out["again"] = s.call("deleteBuild", bid)
            out["missing"] = f(s, "deleteBuild", "del-pkg-9-9")
            out["missing_lax"] = f(s, "deleteBuild", "del-pkg-9-9", strict=False)
            out["nvr_not_freed"] = f(s, "createEmptyBuild", "del-pkg", "1", "1", None)
            out["list_deleted"] = [b["nvr"] for b in s.call("listBuilds", packageID="del-pkg", state=2)]
            out["next_counts_deleted"] = s.call("getNextRelease", {"name": "del-pkg", "version": "1"})
            s.call("untagBuildBypass", "del-tag", tagged)
            out["after_untag"] = s.call("deleteBuild", tagged)
            out["tag_deleted"] = f(s, "tagBuildBypass", "del-tag", tagged)
            out["tag_deleted_force"] = f(s, "tagBuildBypass", "del-tag", tagged, force=True)
            emit(out)
            """);
        Assert.Equal("{}", r.GetProperty("type").GetRawText());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("type_missing").ValueKind);
        Fault(r.GetProperty("type_missing_strict"), 1000, "No such build: del-pkg-9-9");
        Fault(r.GetProperty("type_invalid"), 1000, "invalid format: bogus");
        Fault(r.GetProperty("alice"), 1004, "admin permission required", prefix: true);
        Fault(r.GetProperty("anon"), 1004);
        Assert.Equal(1, r.GetProperty("after_refusal").GetInt32());
        Fault(r.GetProperty("tagged_strict"), 1000);
        Assert.False(r.GetProperty("tagged_lax").GetBoolean());
        Assert.Equal(1, r.GetProperty("tagged_state").GetInt32());
        Assert.True(r.GetProperty("delete").GetBoolean());
        Assert.Equal(2, r.GetProperty("deleted").GetProperty("state").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("again").ValueKind);
        Fault(r.GetProperty("missing"), 1000, "No such build: del-pkg-9-9");
        Fault(r.GetProperty("missing_lax"), 1000, "No such build: del-pkg-9-9");
        Fault(r.GetProperty("nvr_not_freed"), 1000, "Build already exists", prefix: true);
        Assert.Equal(["del-pkg-1-1"], r.GetProperty("list_deleted").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal("2", r.GetProperty("next_counts_deleted").GetString());
        Assert.True(r.GetProperty("after_untag").GetBoolean());
        // Only COMPLETE builds can be tagged, force or not.
        Fault(r.GetProperty("tag_deleted"), 1003);
        Fault(r.GetProperty("tag_deleted_force"), 1003);
    }

    [Fact]
    public void DeletingAnImportedBuildKeepsRpmRowsButNotTheirContent()
    {
        var src = corpus.Find("kn-bzip2-", source: true);
        var bin = corpus.Find("kn-bzip2-");
        var r = Run($$"""
            import os
            out = {}
            for path in [{{JsonSerializer.Serialize(src)}}, {{JsonSerializer.Serialize(bin)}}]:
                name = path.rsplit("/", 1)[1]
                s.upload("builds-tests/" + name, name, path)
                out[name] = s.call("importRPM", "builds-tests/" + name, name)["id"]
            rpm = s.call("getRPM", "kn-bzip2-5-1.noarch")
            bid = rpm["build_id"]
            bdir = os.path.join({{JsonSerializer.Serialize(hub.KojiDir)}}, "packages/kn-bzip2/5/1")
            out["type"] = s.call("getBuildType", bid)
            out["type_rpm"] = [b["nvr"] for b in s.call("listBuilds", type="rpm")]
            out["dir_before"] = os.path.isdir(bdir)
            out["files_before"] = len(s.call("listRPMFiles", rpm["id"]))
            out["delete"] = s.call("deleteBuild", bid)
            out["dir_after"] = os.path.isdir(bdir)
            out["state"] = s.call("getBuild", bid)["state"]
            out["rpm_after"] = s.call("getRPM", rpm["id"])["id"]
            out["build_rpms"] = len(s.call("listBuildRPMs", bid))
            out["headers"] = s.call("getRPMHeaders", rpm["id"], headers=["name"])
            out["headers_strict"] = f(s, "getRPMHeaders", rpm["id"], headers=["name"], strict=True)
            out["files"] = s.call("listRPMFiles", rpm["id"])
            out["deps"] = s.call("getRPMDeps", rpm["id"])
            out["deps_strict"] = f(s, "getRPMDeps", rpm["id"], strict=True)
            out["file"] = s.call("getRPMFile", rpm["id"], "/x")
            name = {{JsonSerializer.Serialize(Path.GetFileName(bin))}}
            s.upload("builds-tests/again", name, {{JsonSerializer.Serialize(bin)}})
            out["reimport"] = f(s, "importRPM", "builds-tests/again", name)
            emit(out)
            """);
        Assert.Equal("{\"rpm\":null}", r.GetProperty("type").GetRawText());
        Assert.Contains("kn-bzip2-5-1", r.GetProperty("type_rpm").EnumerateArray().Select(x => x.GetString()));
        Assert.DoesNotContain(r.GetProperty("type_rpm").EnumerateArray(), x => x.GetString()!.StartsWith("gb-", StringComparison.Ordinal));
        Assert.True(r.GetProperty("dir_before").GetBoolean());
        Assert.True(r.GetProperty("files_before").GetInt32() > 0);
        Assert.True(r.GetProperty("delete").GetBoolean());
        Assert.False(r.GetProperty("dir_after").GetBoolean());
        Assert.Equal(2, r.GetProperty("state").GetInt32());
        Assert.Equal(2, r.GetProperty("build_rpms").GetInt32());
        Assert.Equal("{}", r.GetProperty("headers").GetRawText());
        Fault(r.GetProperty("headers_strict"), 1000);
        Assert.Equal("[]", r.GetProperty("files").GetRawText());
        Assert.Equal("[]", r.GetProperty("deps").GetRawText());
        Fault(r.GetProperty("deps_strict"), 1000);
        Assert.Equal("{}", r.GetProperty("file").GetRawText());
        Fault(r.GetProperty("reimport"), 1000);
    }
}

public sealed class SqliteBuildsTests(SqliteHub hub, RpmCorpus corpus) : BuildsTests<SqliteHub>(hub, corpus), IClassFixture<RpmCorpus>;

public sealed class PostgresBuildsTests(PostgresHub hub, RpmCorpus corpus) : BuildsTests<PostgresHub>(hub, corpus), IClassFixture<RpmCorpus>;
