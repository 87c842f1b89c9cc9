namespace KojiNet.Hub.Tests.Api;

/// <summary>Build targets (api-core.md §5), on both engines.</summary>
public abstract class TargetsTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    [Fact]
    public void TargetsAreCreatedEditedDeletedAndVersioned()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            s.call("createTag", "tg-build", arches="x86_64")
            s.call("createTag", "tg-dest")
            s.call("createTag", "tg-dest2")
            out = {}
            out["create"] = s.call("createBuildTarget", "tg-target", "tg-build", "tg-dest")
            out["alice"] = F(a, "createBuildTarget", "tg-x", "tg-build", "tg-dest")
            out["dup"] = F(s, "createBuildTarget", "tg-target", "tg-build", "tg-dest")
            out["notag"] = F(s, "createBuildTarget", "tg-y", "tg-none", "tg-dest")
            out["t"] = n.call("getBuildTarget", "tg-target")
            tid = out["t"]["id"]
            e1 = s.call("getLastEvent")["id"]
            s.call("editBuildTarget", "tg-target", "tg-renamed", "tg-build", "tg-dest2")
            out["edited"] = n.call("getBuildTarget", tid)
            out["old"] = n.call("getBuildTarget", tid, event=e1)
            out["bydest"] = [t["name"] for t in n.call("getBuildTargets", destTagID="tg-dest2")]
            out["bybuild"] = n.call("getBuildTargets", buildTagID="tg-build", queryOpts={"countOnly": True})
            out["missing"] = [n.call("getBuildTarget", "tg-none"), F(n, "getBuildTarget", "tg-none", strict=True)]
            out["del_alice"] = F(a, "deleteBuildTarget", tid)
            s.call("deleteBuildTarget", tid)
            out["deleted"] = n.call("getBuildTarget", tid)
            s.call("createBuildTarget", "tg-renamed", "tg-build", "tg-dest")
            out["reused"] = n.call("getBuildTarget", "tg-renamed")["id"] == tid
            emit(out)
            """);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("create").ValueKind);
        Assert.Equal("target permission required (logged in as alice)", r.GetProperty("alice").GetProperty("faultString").GetString());
        Assert.Equal("A build target with the name 'tg-target' already exists", r.GetProperty("dup").GetProperty("faultString").GetString());
        Assert.Equal("build tag 'tg-none' does not exist", r.GetProperty("notag").GetProperty("faultString").GetString());
        var t = r.GetProperty("t");
        Assert.Equal(["build_tag", "build_tag_name", "dest_tag", "dest_tag_name", "id", "name"], t.EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal("tg-build", t.GetProperty("build_tag_name").GetString());
        Assert.Equal("tg-renamed", r.GetProperty("edited").GetProperty("name").GetString());
        Assert.Equal("tg-dest2", r.GetProperty("edited").GetProperty("dest_tag_name").GetString());
        Assert.Equal("tg-dest", r.GetProperty("old").GetProperty("dest_tag_name").GetString());
        Assert.Equal("""["tg-renamed"]""", r.GetProperty("bydest").GetRawText());
        Assert.Equal(1, r.GetProperty("bybuild").GetInt32());
        Assert.Equal("""[null,{"faultCode":1000,"faultString":"No such build target: tg-none"}]""", r.GetProperty("missing").GetRawText());
        Assert.Equal(1004, r.GetProperty("del_alice").GetProperty("faultCode").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("deleted").ValueKind);
        Assert.True(r.GetProperty("reused").GetBoolean());
    }
}

public sealed class SqliteTargetsTests(SqliteHub hub) : TargetsTests<SqliteHub>(hub);

public sealed class PostgresTargetsTests(PostgresHub hub) : TargetsTests<PostgresHub>(hub);
