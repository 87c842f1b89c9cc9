using System.Text.Json;

namespace KojiNet.Hub.Tests.Api;

/// <summary>Tagged content (readTaggedBuilds rules), tagging bypass and queryHistory.</summary>
public abstract class TaggedTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private static readonly string[] WireListTaggedKeys =
    [
        "build_id", "completion_time", "create_event", "creation_event_id", "creation_time", "draft", "epoch", "id", "name", "nvr",
        "owner_id", "owner_name", "package_id", "package_name", "promoter_id", "promoter_name", "promotion_time", "release",
        "start_time", "state", "tag_id", "tag_name", "task_id", "version", "volume_id", "volume_name",
    ];

    [Fact]
    public void LatestIsMostRecentlyTaggedChildBeforeParentBlockedHiddenAndEventsSeeThePast()
    {
        var r = hub.Python("""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            def f(fn, *a, **k):
                try:
                    return fn(*a, **k)
                except xmlrpc.client.Fault as e:
                    return fault_dict(e)
            s.call("createTag", "lt-parent")
            s.call("createTag", "lt-child", parent="lt-parent")
            s.call("packageListAdd", "lt-parent", "lt-pkg", owner="kojiadmin")
            for v in ["1.0", "2.0", "3.0"]:
                s.call("createEmptyBuild", "lt-pkg", v, "1", None)
            s.call("tagBuildBypass", "lt-parent", "lt-pkg-2.0-1")
            ev_before = s.call("getLastEvent")["id"]
            s.call("tagBuildBypass", "lt-parent", "lt-pkg-1.0-1")
            out = {"parent_latest": s.call("getLatestBuilds", "lt-parent"),
                   "parent_at_event": s.call("getLatestBuilds", "lt-parent", event=ev_before),
                   "child_inherited": s.call("getLatestBuilds", "lt-child")}
            s.call("tagBuildBypass", "lt-child", "lt-pkg-3.0-1")
            s.call("tagBuildBypass", "lt-parent", "lt-pkg-3.0-1")
            out["child_latest"] = s.call("getLatestBuilds", "lt-child")
            out["child_all"] = s.call("listTagged", "lt-child", inherit=True)
            out["child_own"] = s.call("listTagged", "lt-child")
            out["retag_dup"] = f(s.call, "tagBuildBypass", "lt-parent", "lt-pkg-2.0-1")
            s.call("tagBuildBypass", "lt-parent", "lt-pkg-2.0-1", force=True)
            out["after_force"] = s.call("getLatestBuilds", "lt-parent")
            out["rpms"] = s.call("getLatestRPMS", "lt-parent")
            out["prefix"] = s.call("listTagged", "lt-parent", prefix="LT-")
            out["owner_other"] = s.call("listTagged", "lt-parent", owner="alice")
            s.call("packageListBlock", "lt-child", "lt-pkg")
            out["child_blocked"] = s.call("getLatestBuilds", "lt-child")
            out["badtype"] = f(s.call, "listTagged", "lt-parent", type="nosuchtype")
            out["notag"] = f(s.call, "listTagged", "x'; DROP TABLE users; --")
            out["notag_lax"] = s.call("listTagged", "x'; DROP TABLE users; --", strict=False)
            out["untag"] = s.call("untagBuildBypass", "lt-parent", "lt-pkg-1.0-1")
            out["untag_again"] = f(s.call, "untagBuildBypass", "lt-parent", "lt-pkg-1.0-1")
            out["untag_lax"] = s.call("untagBuildBypass", "lt-parent", "lt-pkg-1.0-1", strict=False)
            a = Session(hub, ca, alice_pem)
            a.ssl_login()
            out["alice"] = f(a.call, "tagBuildBypass", "lt-parent", "lt-pkg-1.0-1")
            out["anon"] = f(Session(hub, ca).call, "tagBuildBypass", "lt-parent", "lt-pkg-1.0-1")
            out["hist"] = s.call("queryHistory", tag="lt-parent")
            out["hist_build"] = s.call("queryHistory", tables=["tag_listing"], build="lt-pkg-1.0-1")
            out["hist_after"] = s.call("queryHistory", tables=["tag_listing"], afterEvent=ev_before, tag="lt-parent")
            out["hist_bad"] = f(s.call, "queryHistory", tables=["nope"])
            out["hist_all"] = sorted(s.call("queryHistory").keys())
            emit(out)
            """);
        static List<string> Nvrs(JsonElement e) => e.EnumerateArray().Select(b => b.GetProperty("nvr").GetString()!).ToList();
        Assert.Equal(["lt-pkg-1.0-1"], Nvrs(r.GetProperty("parent_latest")));
        Assert.Equal(["lt-pkg-2.0-1"], Nvrs(r.GetProperty("parent_at_event")));
        Assert.Equal(["lt-pkg-1.0-1"], Nvrs(r.GetProperty("child_inherited")));
        Assert.Equal("lt-parent", r.GetProperty("child_inherited")[0].GetProperty("tag_name").GetString());
        Assert.Equal(["lt-pkg-3.0-1"], Nvrs(r.GetProperty("child_latest")));
        Assert.Equal("lt-child", r.GetProperty("child_latest")[0].GetProperty("tag_name").GetString());
        Assert.Equal(["lt-pkg-3.0-1", "lt-pkg-3.0-1", "lt-pkg-1.0-1", "lt-pkg-2.0-1"], Nvrs(r.GetProperty("child_all")));
        Assert.Equal(["lt-pkg-3.0-1"], Nvrs(r.GetProperty("child_own")));
        Assert.Equal(WireListTaggedKeys.Order(StringComparer.Ordinal),
            r.GetProperty("child_own")[0].EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(1003, r.GetProperty("retag_dup").GetProperty("faultCode").GetInt32());
        Assert.Equal("build lt-pkg-2.0-1 already tagged (lt-parent)", r.GetProperty("retag_dup").GetProperty("faultString").GetString());
        Assert.Equal(["lt-pkg-2.0-1"], Nvrs(r.GetProperty("after_force")));
        Assert.Equal(2, r.GetProperty("rpms").GetArrayLength());
        Assert.Equal(0, r.GetProperty("rpms")[0].GetArrayLength());
        Assert.Equal(["lt-pkg-2.0-1"], Nvrs(r.GetProperty("rpms")[1]));
        Assert.Equal(3, r.GetProperty("prefix").GetArrayLength());
        Assert.Equal(0, r.GetProperty("owner_other").GetArrayLength());
        Assert.Equal(0, r.GetProperty("child_blocked").GetArrayLength());
        Assert.Equal("unsupported build type: nosuchtype", r.GetProperty("badtype").GetProperty("faultString").GetString());
        Assert.Equal(1000, r.GetProperty("notag").GetProperty("faultCode").GetInt32());
        Assert.Equal(0, r.GetProperty("notag_lax").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("untag").ValueKind);
        Assert.Equal("build lt-pkg-1.0-1 not in tag lt-parent", r.GetProperty("untag_again").GetProperty("faultString").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("untag_lax").ValueKind);
        Assert.Equal(1004, r.GetProperty("alice").GetProperty("faultCode").GetInt32());
        Assert.StartsWith("tag permission required", r.GetProperty("alice").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Equal(1004, r.GetProperty("anon").GetProperty("faultCode").GetInt32());

        var hist = r.GetProperty("hist");
        Assert.False(hist.TryGetProperty("user_perms", out _));
        var listing = hist.GetProperty("tag_listing").EnumerateArray().ToList();
        Assert.Equal(4, listing.Count); // 2.0 (revoked by the forced re-tag), 1.0 (untagged), 3.0, 2.0 again
        Assert.Contains(listing, row => row.GetProperty("active").ValueKind == JsonValueKind.Null && row.GetProperty("revoker_name").GetString() == "kojiadmin");
        var first = listing[0];
        foreach (var key in new[] { "active", "create_event", "revoke_event", "creator_id", "revoker_id", "creator_name", "revoker_name",
                     "create_ts", "revoke_ts", "build_id", "name", "version", "release", "epoch", "build.state", "tag_id", "tag.name" })
        {
            Assert.True(first.TryGetProperty(key, out _), key);
        }
        Assert.Equal("lt-parent", first.GetProperty("tag.name").GetString());
        Assert.Contains("tag_config", hist.EnumerateObject().Select(p => p.Name));
        Assert.All(r.GetProperty("hist_build").GetProperty("tag_listing").EnumerateArray(), row => Assert.Equal("1.0", row.GetProperty("version").GetString()));
        Assert.Equal(1, r.GetProperty("hist_build").GetProperty("tag_listing").GetArrayLength()); // one row: tagged, then revoked
        var after = r.GetProperty("hist_after").GetProperty("tag_listing").EnumerateArray().ToList();
        Assert.NotEmpty(after);
        Assert.All(after, row => Assert.True(row.GetProperty("_created_after_event").GetBoolean() || row.GetProperty("_revoked_after_event").GetBoolean()));
        Assert.Equal("No such history table: nope", r.GetProperty("hist_bad").GetProperty("faultString").GetString());
        Assert.Equal(18, r.GetProperty("hist_all").GetArrayLength());
    }

    [Fact]
    public void TaggingFindsTagAndBuildInEveryFormAndAFailedWriteStoresNothing()
    {
        // tagBuildBypass and createEmptyBuild send their COMMIT with their last statement: a
        // failure there must still leave no event, no row and the callnum unused.
        var r = hub.Python("""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            tag_id = s.call("createTag", "tf-tag")
            s.call("packageListAdd", "tf-tag", "tf-pkg", owner="kojiadmin")
            ids = [s.call("createEmptyBuild", "tf-pkg", v, "1", None) for v in ["1", "2", "3", "4"]]
            s.call("createEmptyBuild", "tf-pkg", "5", "1", 7)
            out = {}
            out["by_ids"] = s.call("tagBuildBypass", tag_id, ids[0])
            out["by_name_nvr"] = s.call("tagBuildBypass", "tf-tag", "tf-pkg-2-1")
            out["by_dicts"] = s.call("tagBuildBypass", {"name": "tf-tag"}, {"name": "tf-pkg", "version": "3", "release": "1"})
            out["by_id_dict"] = s.call("tagBuildBypass", {"id": tag_id}, {"id": ids[3]})
            out["epoch_prefix"] = s.call("tagBuildBypass", "tf-tag", "7:tf-pkg-5-1")
            out["tagged"] = sorted(b["nvr"] for b in s.call("listTagged", "tf-tag"))
            out["no_tag_bad_nvr"] = call_or_fault(s, "tagBuildBypass", "tf-nosuchtag", "not-an-nvr")
            out["bad_nvr"] = call_or_fault(s, "tagBuildBypass", "tf-tag", "nvr")
            out["no_tag"] = call_or_fault(s, "tagBuildBypass", 999999, ids[0])
            out["no_build"] = call_or_fault(s, "tagBuildBypass", "tf-tag", "tf-pkg-9-9")
            out["no_build_id"] = call_or_fault(s, "tagBuildBypass", "tf-tag", 999999)
            before = s.call("getLastEvent")["id"]
            s.callnum = 500
            out["dup_tag"] = call_or_fault(s, "tagBuildBypass", "tf-tag", "tf-pkg-1-1")
            s.callnum = 500
            out["dup_build"] = call_or_fault(s, "createEmptyBuild", "tf-pkg", "1", "1", None)
            out["event_unchanged"] = s.call("getLastEvent")["id"] == before
            out["history"] = len(s.call("queryHistory", tables=["tag_listing"], build="tf-pkg-1-1")["tag_listing"])
            s.callnum = 500
            new_id = s.call("createEmptyBuild", "tf-pkg", "6", "1", None)   # 500 was never stored
            out["new_build"] = s.call("getBuild", new_id)["nvr"]
            s.callnum = 500
            out["replay"] = call_or_fault(s, "tagBuildBypass", "tf-tag", new_id)  # 500 is stored now
            s.callnum = 501
            out["tag_new"] = s.call("tagBuildBypass", "tf-tag", new_id)
            out["after"] = len(s.call("listTagged", "tf-tag"))
            emit(out)
            """);
        foreach (var key in new[] { "by_ids", "by_name_nvr", "by_dicts", "by_id_dict", "epoch_prefix", "tag_new" })
        {
            Assert.Equal(JsonValueKind.Null, r.GetProperty(key).ValueKind);
        }
        Assert.Equal(["tf-pkg-1-1", "tf-pkg-2-1", "tf-pkg-3-1", "tf-pkg-4-1", "tf-pkg-5-1"],
            r.GetProperty("tagged").EnumerateArray().Select(e => e.GetString()!));
        // A missing tag is reported before a build argument that does not parse.
        Assert.Equal("No such tagInfo: 'tf-nosuchtag'", r.GetProperty("no_tag_bad_nvr").GetProperty("faultString").GetString());
        Assert.Equal("invalid format: nvr", r.GetProperty("bad_nvr").GetProperty("faultString").GetString());
        Assert.Equal("No such tagInfo: 999999", r.GetProperty("no_tag").GetProperty("faultString").GetString());
        Assert.Equal("No such build: tf-pkg-9-9", r.GetProperty("no_build").GetProperty("faultString").GetString());
        Assert.Equal("No such build: 999999", r.GetProperty("no_build_id").GetProperty("faultString").GetString());
        Assert.Equal(1003, r.GetProperty("dup_tag").GetProperty("faultCode").GetInt32());
        Assert.Equal("build tf-pkg-1-1 already tagged (tf-tag)", r.GetProperty("dup_tag").GetProperty("faultString").GetString());
        Assert.StartsWith("Build already exists", r.GetProperty("dup_build").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.True(r.GetProperty("event_unchanged").GetBoolean());
        Assert.Equal(1, r.GetProperty("history").GetInt32());
        Assert.Equal("tf-pkg-6-1", r.GetProperty("new_build").GetString());
        Assert.Equal(1009, r.GetProperty("replay").GetProperty("faultCode").GetInt32());
        Assert.Equal(6, r.GetProperty("after").GetInt32());
    }
}

public sealed class SqliteTaggedTests(SqliteHub hub) : TaggedTests<SqliteHub>(hub);

public sealed class PostgresTaggedTests(PostgresHub hub) : TaggedTests<PostgresHub>(hub);
