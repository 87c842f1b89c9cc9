using KojiNet.Hub.Data;
using KojiNet.Hub.Tests.Api;

namespace KojiNet.Hub.Tests.Policies;

/// <summary>A hub with a <c>[policy]</c> section and <c>VerbosePolicy</c> on.</summary>
public abstract class PolicyHub(DatabaseEngine engine) : HubFixture(engine)
{
    protected override string ExtraConfig => """
        VerbosePolicy = yes
        [policy]
        package_list =
            package forbidden-* :: deny No Forbidden Packages Here
            has_perm admin :: allow
            user alice && tag alice-* :: {
                match action add update :: allow
            }
            all :: deny
        tag =
            operation untag && fromtag protected :: deny protected tag
            operation tag && tag frozen :: deny
            all :: allow
        my_check = has x :: yes
        """;
}

public sealed class SqlitePolicyHub() : PolicyHub(DatabaseEngine.Sqlite);

public sealed class PostgresPolicyHub() : PolicyHub(DatabaseEngine.PostgreSql);

/// <summary>Configured policies change what real calls do, seen by an independent client (Python's xmlrpc.client).</summary>
public abstract class PolicyHubTests<THub>(THub hub) : IClassFixture<THub> where THub : PolicyHub
{
    [Fact]
    public void PackageListPolicyDecidesPackageListChanges()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            for t in ("alice-tag", "other-tag"):
                s.call("createTag", t)
            out = {}
            out["forbidden_admin"] = F(s, "packageListAdd", "other-tag", "forbidden-x", "kojiadmin")
            out["forbidden_force"] = F(s, "packageListAdd", "other-tag", "forbidden-x", "kojiadmin", force=True)
            out["admin"] = F(s, "packageListAdd", "other-tag", "pkg-1", "kojiadmin")
            out["alice_own"] = F(a, "packageListAdd", "alice-tag", "pkg-1", "alice")
            out["alice_block"] = F(a, "packageListBlock", "alice-tag", "pkg-1")
            out["alice_other"] = F(a, "packageListAdd", "other-tag", "pkg-2", "alice")
            out["alice_force"] = F(a, "packageListAdd", "other-tag", "pkg-2", "alice", force=True)
            out["alice_remove"] = F(a, "packageListRemove", "alice-tag", "pkg-1")
            out["anon"] = F(n, "packageListAdd", "alice-tag", "pkg-3", "alice")
            out["pkg2"] = n.call("getPackageID", "pkg-2")
            def names(tag): return sorted((x["package_name"], x["blocked"]) for x in n.call("listPackages", tagID=tag))
            out["alice_tag"] = names("alice-tag")
            out["other_tag"] = names("other-tag")
            emit(out)
            """);
        Assert.Equal(
            "policy violation (package_list): no forbidden packages here [rule: package forbidden-* :: deny No Forbidden Packages Here]",
            r.GetProperty("forbidden_admin").GetProperty("faultString").GetString());
        Assert.Equal(1004, r.GetProperty("forbidden_admin").GetProperty("faultCode").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("forbidden_force").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("admin").ValueKind);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("alice_own").ValueKind);
        // Blocking is not among alice's actions: her block falls through to the last rule.
        Assert.Equal("policy violation (package_list) [rule: all :: deny]", r.GetProperty("alice_block").GetProperty("faultString").GetString());
        Assert.Equal("policy violation (package_list) [rule: all :: deny]", r.GetProperty("alice_other").GetProperty("faultString").GetString());
        Assert.Equal("policy violation (package_list) [rule: all :: deny]", r.GetProperty("alice_force").GetProperty("faultString").GetString());
        Assert.Equal("policy violation (package_list) [rule: all :: deny]", r.GetProperty("alice_remove").GetProperty("faultString").GetString());
        Assert.Equal(1004, r.GetProperty("anon").GetProperty("faultCode").GetInt32());
        Assert.Equal("you must be logged in for this operation", r.GetProperty("anon").GetProperty("faultString").GetString());
        // A refused add registered nothing, not even the package name.
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("pkg2").ValueKind);
        Assert.Equal("""[["pkg-1",false]]""", r.GetProperty("alice_tag").GetRawText());
        Assert.Equal("""[["forbidden-x",false],["pkg-1",false]]""", r.GetProperty("other_tag").GetRawText());
    }

    [Fact]
    public void TagPolicyAppliesToBypassCalls()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            for t in ("protected", "frozen", "open"):
                s.call("createTag", t)
            b = s.call("createEmptyBuild", "tp-pkg", "1", "1", None)
            s.call("packageListAdd", "protected", "tp-pkg", "kojiadmin")
            out = {}
            out["tag_protected"] = F(s, "tagBuildBypass", "protected", b)
            out["tag_frozen"] = F(s, "tagBuildBypass", "frozen", b)
            out["tag_frozen_force"] = F(s, "tagBuildBypass", "frozen", b, force=True)
            out["untag_protected"] = F(s, "untagBuildBypass", "protected", b)
            out["still"] = [x["nvr"] for x in n.call("listTagged", "protected")]
            out["untag_force"] = F(s, "untagBuildBypass", "protected", b, force=True)
            out["gone"] = n.call("listTagged", "protected")
            out["open"] = [F(s, "tagBuildBypass", "open", b), F(s, "untagBuildBypass", "open", b)]
            emit(out)
            """);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("tag_protected").ValueKind);
        Assert.Equal("policy violation (tag) [rule: operation tag && tag frozen :: deny]", r.GetProperty("tag_frozen").GetProperty("faultString").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("tag_frozen_force").ValueKind);
        Assert.Equal(
            "policy violation (tag): protected tag [rule: operation untag && fromtag protected :: deny protected tag]",
            r.GetProperty("untag_protected").GetProperty("faultString").GetString());
        Assert.Equal("""["tp-pkg-1-1"]""", r.GetProperty("still").GetRawText());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("untag_force").ValueKind);
        Assert.Equal("[]", r.GetProperty("gone").GetRawText());
        Assert.Equal("[null,null]", r.GetProperty("open").GetRawText());
    }

    [Fact]
    public void EvalPolicyReturnsTheRawAction()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            tid = s.call("createTag", "eval-tag")
            alice_tid = s.call("createTag", "alice-eval")
            out = {}
            out["forbidden"] = n.call("evalPolicy", "package_list", {"package": "forbidden-1", "tag": tid})
            out["admin"] = s.call("evalPolicy", "package_list", {"package": "ok", "tag": tid})
            out["alice"] = [a.call("evalPolicy", "package_list", {"package": "ok", "tag": alice_tid, "action": act}) for act in ("add", "block")]
            out["anon"] = n.call("evalPolicy", "package_list", {"package": "ok", "tag": tid})
            out["as_data_user"] = n.call("evalPolicy", "package_list", {"package": "ok", "tag": tid, "user_id": "kojiadmin"})
            out["custom"] = [n.call("evalPolicy", "my_check", {"x": 1}), n.call("evalPolicy", "my_check", {})]
            out["default"] = n.call("evalPolicy", "channel", {"req_channel": "createrepo"})
            out["missing"] = F(n, "evalPolicy", "nope", {})
            out["missing_tag"] = F(n, "evalPolicy", "package_list", {"tag": tid})
            emit(out)
            """);
        Assert.Equal("deny No Forbidden Packages Here", r.GetProperty("forbidden").GetString());
        Assert.Equal("allow", r.GetProperty("admin").GetString());
        Assert.Equal("""["allow","deny"]""", r.GetProperty("alice").GetRawText());
        Assert.Equal("deny", r.GetProperty("anon").GetString());
        Assert.Equal("allow", r.GetProperty("as_data_user").GetString());
        Assert.Equal("""["yes",null]""", r.GetProperty("custom").GetRawText());
        Assert.Equal("req", r.GetProperty("default").GetString());
        Assert.Equal("""{"faultCode":1000,"faultString":"no such policy: nope"}""", r.GetProperty("missing").GetRawText());
        Assert.Equal("""{"faultCode":1000,"faultString":"policy requires package data"}""", r.GetProperty("missing_tag").GetRawText());
    }
}

public sealed class SqlitePolicyHubTests(SqlitePolicyHub hub) : PolicyHubTests<SqlitePolicyHub>(hub);

public sealed class PostgresPolicyHubTests(PostgresPolicyHub hub) : PolicyHubTests<PostgresPolicyHub>(hub);
