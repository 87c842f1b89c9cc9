using System.Text.Json;
using Dapper;

namespace KojiNet.Hub.Tests.Api;

/// <summary>
/// The hubs' tag cache (getTag, listTagged, getLatestBuilds, listTaggedRPMS...) never serves
/// stale data: a second hub on the same database, which has cached everything, sees at once
/// every change made through the first hub and every change made with plain SQL behind both.
/// </summary>
public abstract class TagCacheTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private static List<string> Nvrs(JsonElement e) => e.EnumerateArray().Select(b => b.GetProperty("nvr").GetString()!).ToList();

    private async Task ExecuteAsync(string sql, object? param = null)
    {
        await using var connection = await hub.Hub.Database.OpenAsync();
        await connection.ExecuteAsync(sql, param);
    }

    [Fact]
    public async Task ASecondHubSeesEveryChangeAtOnce()
    {
        await using var second = await hub.StartSecondHubAsync();
        var hub2 = second.Url;
        string Script(string body, bool login = true) => $$"""
            import json
            hub2 = {{JsonSerializer.Serialize(hub2)}}
            s = Session(hub, ca, admin_pem)
            if {{(login ? "True" : "False")}}:
                s.ssl_login()
            a1 = Session(hub, ca)
            a2 = Session(hub2, ca)
            def reads(tag="tc-child"):
                out = {}
                for name, sess in (("a1", a1), ("a2", a2)):
                    t = sess.call("getTag", tag)
                    out[name] = {
                        "tag": t,
                        "latest": sess.call("getLatestBuilds", tag),
                        "own": sess.call("listTagged", tag),
                        "all": sess.call("listTagged", tag, inherit=True),
                        "latest_pkg_b": sess.call("getLatestBuilds", tag, package="tc-b"),
                        "rpms": sess.call("getLatestRPMS", tag)[1],
                    }
                # Both hubs must agree, whatever each had cached before.
                assert json.dumps(out["a1"], sort_keys=True) == json.dumps(out["a2"], sort_keys=True), out
                return out["a2"]
            {{body}}
            """;

        var r = hub.Python(Script("""
            s.call("createTag", "tc-parent", arches="x86_64")
            s.call("createTag", "tc-child", parent="tc-parent", extra={"k": 1})
            for p in ("tc-a", "tc-b"):
                s.call("packageListAdd", "tc-parent", p, owner="kojiadmin")
            for p in ("tc-a", "tc-b"):
                for v in ("1", "2", "3"):
                    s.call("createEmptyBuild", p, v, "1", None)
            s.call("tagBuildBypass", "tc-parent", "tc-a-1-1")
            s.call("tagBuildBypass", "tc-parent", "tc-b-1-1")
            out = {"before": reads()}
            # Through the first hub: tag and untag, block, retag in the child, extra, inheritance.
            s.call("tagBuildBypass", "tc-parent", "tc-a-2-1")
            out["tagged"] = reads()
            s.call("tagBuildBypass", "tc-child", "tc-b-2-1")
            out["child_tagged"] = reads()
            s.call("untagBuildBypass", "tc-parent", "tc-a-2-1")
            out["untagged"] = reads()
            s.call("packageListBlock", "tc-child", "tc-a")
            out["blocked"] = reads()
            s.call("packageListUnblock", "tc-child", "tc-a")
            s.call("editTag2", "tc-child", extra={"k": 2}, locked=True)
            out["edited"] = reads()
            s.call("createTag", "tc-other", arches="x86_64")
            s.call("packageListAdd", "tc-other", "tc-a", owner="kojiadmin")
            s.call("tagBuildBypass", "tc-other", "tc-a-3-1")
            s.call("setInheritanceData", "tc-child", [{"parent_id": s.call("getTag", "tc-other")["id"], "priority": 5,
                   "maxdepth": None, "intransitive": False, "noconfig": False, "pkg_filter": ""}])
            out["second_parent"] = reads()
            # A change to the parent of a parent reaches the child.
            s.call("tagBuildBypass", "tc-other", "tc-b-3-1")
            s.call("packageListAdd", "tc-other", "tc-b", owner="kojiadmin")
            out["grandparent_like"] = reads()
            # Renamed: the old name is gone on both hubs, the new one works.
            s.call("editTag2", "tc-child", name="tc-child2")
            out["old_name"] = [a1.call("getTag", "tc-child"), a2.call("getTag", "tc-child")]
            out["renamed"] = reads("tc-child2")
            s.call("editTag2", "tc-child2", name="tc-child")
            # In a multicall that writes, the reads see the call's own changes.
            mc = s.call("multiCall", [{"methodName": "tagBuildBypass", "params": ["tc-parent", "tc-a-2-1"]},
                                      {"methodName": "getLatestBuilds", "params": ["tc-parent"]},
                                      {"methodName": "tagBuildBypass", "params": ["tc-parent", "no-such-1-1"]}])
            out["multicall"] = mc[1][0]
            out["after_multicall"] = reads()
            emit(out)
            """));
        Assert.Equal(["tc-a-1-1", "tc-b-1-1"], Nvrs(r.GetProperty("before").GetProperty("latest")).Order(StringComparer.Ordinal));
        Assert.Equal(1, r.GetProperty("before").GetProperty("tag").GetProperty("extra").GetProperty("k").GetInt32());
        Assert.Empty(r.GetProperty("before").GetProperty("own").EnumerateArray());
        Assert.Equal(["tc-a-2-1", "tc-b-1-1"], Nvrs(r.GetProperty("tagged").GetProperty("latest")).Order(StringComparer.Ordinal));
        Assert.Equal(["tc-b-2-1"], Nvrs(r.GetProperty("child_tagged").GetProperty("own")));
        Assert.Equal(["tc-b-2-1"], Nvrs(r.GetProperty("child_tagged").GetProperty("latest_pkg_b")));
        Assert.Equal(["tc-a-1-1", "tc-b-2-1"], Nvrs(r.GetProperty("untagged").GetProperty("latest")).Order(StringComparer.Ordinal));
        Assert.Equal(["tc-b-2-1"], Nvrs(r.GetProperty("blocked").GetProperty("latest")));
        var edited = r.GetProperty("edited");
        Assert.Equal(2, edited.GetProperty("tag").GetProperty("extra").GetProperty("k").GetInt32());
        Assert.True(edited.GetProperty("tag").GetProperty("locked").GetBoolean());
        Assert.Equal(["tc-a-1-1", "tc-b-2-1"], Nvrs(edited.GetProperty("latest")).Order(StringComparer.Ordinal));
        // tc-other (priority 5) comes after tc-parent (priority 0): tc-parent's tc-a-1-1 wins.
        Assert.Equal(["tc-a-1-1", "tc-b-2-1"], Nvrs(r.GetProperty("second_parent").GetProperty("latest")).Order(StringComparer.Ordinal));
        Assert.Contains("tc-a-3-1", Nvrs(r.GetProperty("second_parent").GetProperty("all")));
        Assert.Contains("tc-b-3-1", Nvrs(r.GetProperty("grandparent_like").GetProperty("all")));
        Assert.All(r.GetProperty("old_name").EnumerateArray(), t => Assert.Equal(JsonValueKind.Null, t.ValueKind));
        Assert.Equal("tc-child2", r.GetProperty("renamed").GetProperty("tag").GetProperty("name").GetString());
        Assert.Equal("tc-child2", r.GetProperty("renamed").GetProperty("own")[0].GetProperty("tag_name").GetString());
        Assert.Equal(["tc-a-2-1", "tc-b-1-1"], Nvrs(r.GetProperty("multicall")).Order(StringComparer.Ordinal));
        Assert.Equal(["tc-a-2-1", "tc-b-2-1"], Nvrs(r.GetProperty("after_multicall").GetProperty("latest")).Order(StringComparer.Ordinal));

        // Behind both hubs' backs, with plain SQL: a build's state, and the names shown with builds.
        var a2 = Read();
        Assert.Equal("DEFAULT", a2.GetProperty("own")[0].GetProperty("volume_name").GetString());
        await ExecuteAsync("UPDATE build SET state = 2 WHERE id = (SELECT b.id FROM build b JOIN package p ON p.id = b.pkg_id WHERE p.name = 'tc-b' AND b.version = '2')");
        await ExecuteAsync("UPDATE volume SET name = 'RENAMED' WHERE id = 0");
        await ExecuteAsync("UPDATE users SET name = 'kojiadmin-renamed' WHERE name = 'kojiadmin'");
        await ExecuteAsync("UPDATE package SET name = 'tc-a-renamed' WHERE name = 'tc-a'");
        try
        {
            var after = Read();
            // tc-b-2-1 is no longer COMPLETE: the child's own listing is empty and the parent's tc-b-1-1 is the latest.
            Assert.Empty(after.GetProperty("own").EnumerateArray());
            Assert.Equal(["tc-a-renamed-2-1", "tc-b-1-1"], Nvrs(after.GetProperty("latest")).Order(StringComparer.Ordinal));
            Assert.All(after.GetProperty("all").EnumerateArray(), b =>
            {
                Assert.Equal("RENAMED", b.GetProperty("volume_name").GetString());
                Assert.Equal("kojiadmin-renamed", b.GetProperty("owner_name").GetString());
            });
        }
        finally
        {
            await ExecuteAsync("UPDATE users SET name = 'kojiadmin' WHERE name = 'kojiadmin-renamed'");
            await ExecuteAsync("UPDATE volume SET name = 'DEFAULT' WHERE id = 0");
        }

        // The admin may be renamed here, so no login.
        JsonElement Read() => hub.Python(Script("emit(reads())", login: false));
    }

    [Fact]
    public async Task AChangeToABuildReachesEveryTagListingIt()
    {
        var tags = new[] { "tm-one", "tm-two" };
        JsonElement Read() => hub.Python("""
            anon = Session(hub, ca)
            emit([anon.call("listTagged", t, latest=True) for t in ("tm-one", "tm-two")])
            """);
        hub.Python("""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            for t in ("tm-one", "tm-two"):
                s.call("createTag", t, arches="x86_64")
                s.call("packageListAdd", t, "tm-pkg", owner="kojiadmin")
            s.call("createEmptyBuild", "tm-pkg", "1", "1", None)
            for t in ("tm-one", "tm-two"):
                s.call("tagBuildBypass", t, "tm-pkg-1-1")
            emit(None)
            """);
        var before = Read();
        Assert.Equal(before.ToString(), Read().ToString());
        Assert.Equal(tags, before.EnumerateArray().Select(l => l[0].GetProperty("tag_name").GetString()));
        await ExecuteAsync("UPDATE build SET release = '2' WHERE id = (SELECT b.id FROM build b JOIN package p ON p.id = b.pkg_id WHERE p.name = 'tm-pkg')");
        Assert.All(Read().EnumerateArray(), l => Assert.Equal("tm-pkg-1-2", l[0].GetProperty("nvr").GetString()));
        await ExecuteAsync("UPDATE build SET state = 3 WHERE id = (SELECT b.id FROM build b JOIN package p ON p.id = b.pkg_id WHERE p.name = 'tm-pkg')");
        Assert.All(Read().EnumerateArray(), l => Assert.Empty(l.EnumerateArray()));
    }

    [Fact]
    public async Task TriggersBumpTheCountersOfTheTagsInvolved()
    {
        hub.Python("""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            s.call("createTag", "tv-tag", arches="x86_64")
            emit(None)
            """);
        await using var connection = await hub.Hub.Database.OpenAsync();
        var id = await connection.ExecuteScalarAsync<int>("SELECT id FROM tag WHERE name = 'tv-tag'");
        async Task<long> VersionAsync(int tagId) => await connection.ExecuteScalarAsync<long>("SELECT version FROM tag_versions WHERE tag_id = @tagId", new { tagId });
        var before = await VersionAsync(id);
        var names = await VersionAsync(0);
        await connection.ExecuteAsync("UPDATE tag_config SET arches = 'noarch' WHERE tag_id = @id AND revoke_event IS NULL", new { id });
        Assert.Equal(before + 1, await VersionAsync(id));
        await connection.ExecuteAsync("UPDATE tag SET name = 'tv-tag2' WHERE id = @id", new { id });
        Assert.Equal(before + 2, await VersionAsync(id));
        await connection.ExecuteAsync("UPDATE permissions SET description = 'x' WHERE name = 'admin'");
        Assert.Equal(names, await VersionAsync(0));
        await connection.ExecuteAsync("UPDATE permissions SET name = name WHERE name = 'admin'");
        Assert.True(await VersionAsync(0) > names);
        Assert.Equal(before + 2, await VersionAsync(id));
    }
}

public sealed class SqliteTagCacheTests(SqliteHub hub) : TagCacheTests<SqliteHub>(hub);

public sealed class PostgresTagCacheTests(PostgresHub hub) : TagCacheTests<PostgresHub>(hub);
