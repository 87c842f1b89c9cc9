using System.Text;
using System.Text.Json;
using Dapper;
using KojiNet.Hub.Tests.Api;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Tests.Repos;

/// <summary>
/// The repo request queue (kojira.md §5) and the repo calls around it: repo.request and
/// repo.checkRequest semantics, newRepo tasks made at once and by repo.checkQueue within
/// MaxRepoTasks, retries, the queries, the state machine, references and permissions.
/// </summary>
public abstract class RepoQueueTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private static string Py(string s) => JsonSerializer.Serialize(s);

    private JsonElement Run(string body) => hub.Python(UsersTests<THub>.Prelude + "\n" + body);

    private static void Fault(JsonElement e, int code, string? message = null) => GroupsTests<THub>.AssertFault(e, code, message);

    private static readonly string[] RequestFields =
    [
        "active", "at_event", "create_time", "create_ts", "id", "min_event", "opts", "owner", "owner_name", "priority", "repo_id", "tag_id", "tag_name",
        "task_id", "task_state", "tries", "update_time", "update_ts",
    ];

    /// <summary>Makes a READY repo of <paramref name="tag"/> through the host calls; returns its id.</summary>
    private async Task<int> ReadyRepoAsync(string host, string hostPem, string tag, string opts = "None")
    {
        var task = await RepoHosts.OpenTaskAsync(hub, host);
        return Run($$"""
            h = Session(hub, ca, {{Py(hostPem)}}); h.ssl_login(); h.call("exclusiveSession", force=True)
            repo_id, _ = h.call("host.repoInit", "{{tag}}", {{task}}, opts={{opts}})
            h.call("host.repoDone", repo_id, {})
            emit(repo_id)
            """).GetInt32();
    }

    [Fact]
    public async Task RequestReturnsReadyRepoOrQueuesOnceAndIsFulfilled()
    {
        var hostPem = RepoHosts.Certificate(hub, "rq-host");
        var r = Run("""
            out = {}
            tag_id = s.call("createTag", "rq-tag", arches="x86_64")
            s.call("addHost", "rq-host", ["x86_64"])
            out["first_change"] = s.call("tagFirstChangeEvent", "rq-tag")
            out["anon"] = F(lambda: anon.call("repo.request", "rq-tag"))
            out["no_tag"] = F(lambda: a.call("repo.request", "no-such-tag"))
            out["bad_opt"] = F(lambda: a.call("repo.request", "rq-tag", opts={"bogus": True}))
            out["not_dict"] = F(lambda: a.call("repo.request", "rq-tag", opts=["src"]))
            out["conflict"] = F(lambda: a.call("repo.request", "rq-tag", min_event=1, at_event=1))
            out["bad_event"] = F(lambda: a.call("repo.request", "rq-tag", min_event=99999999))
            out["bad_at_event"] = F(lambda: a.call("repo.request", "rq-tag", at_event=99999999))
            out["maven"] = F(lambda: a.call("repo.request", "rq-tag", opts={"maven": True}))
            out["urgent_alice"] = F(lambda: a.call("repo.request", "rq-tag", priority=-5))
            first = a.call("repo.request", "rq-tag")
            out["first"] = first
            req = first["request"]["id"]
            out["dup"] = a.call("repo.request", "rq-tag")
            out["dup_urgent"] = s.call("repo.request", "rq-tag", priority=-5)
            out["src"] = a.call("repo.request", "rq-tag", opts={"src": True, "debuginfo": None})
            out["check_anon"] = anon.call("repo.checkRequest", req)
            out["check_missing"] = F(lambda: anon.call("repo.checkRequest", 99999999))
            # the hub makes the newRepo task as soon as the request is committed
            out["task_id"] = wait_until(lambda: anon.call("repo.checkRequest", req)["request"]["task_id"])
            out["with_task"] = anon.call("repo.checkRequest", req)
            out["tag_id"] = tag_id
            out["alice_id"] = s.call("getUser", "alice")["id"]
            emit(out)
            """);
        Fault(r.GetProperty("anon"), 1004);
        Fault(r.GetProperty("no_tag"), 1000, "No such tagInfo: 'no-such-tag'");
        Fault(r.GetProperty("bad_opt"), 1019, "Invalid repo option: bogus");
        Fault(r.GetProperty("not_dict"), 1019, "Repo opts must be a dictionary");
        Fault(r.GetProperty("conflict"), 1019, "The min_event and at_event options conflict");
        Fault(r.GetProperty("bad_event"), 1019, "Invalid event: 99999999");
        Fault(r.GetProperty("bad_at_event"), 1019, "Invalid event: 99999999");
        Fault(r.GetProperty("maven"), 1000, "Maven support not enabled");
        Fault(r.GetProperty("urgent_alice"), 1004, "only admins may create high-priority requests");

        var first = r.GetProperty("first");
        Assert.Equal(JsonValueKind.Null, first.GetProperty("repo").ValueKind);
        Assert.False(first.GetProperty("duplicate").GetBoolean());
        var req = first.GetProperty("request");
        Assert.Equal(RequestFields, req.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var reqId = req.GetProperty("id").GetInt32();
        Assert.Equal(20, req.GetProperty("priority").GetInt32());
        Assert.Equal("rq-tag", req.GetProperty("tag_name").GetString());
        Assert.Equal("alice", req.GetProperty("owner_name").GetString());
        Assert.True(req.GetProperty("active").GetBoolean());
        Assert.Equal("{}", req.GetProperty("opts").GetRawText());
        Assert.Equal(JsonValueKind.Null, req.GetProperty("at_event").ValueKind);
        // A fresh instance has no event older than the lag: the tag's first change is the base.
        Assert.Equal(r.GetProperty("first_change").GetInt32(), req.GetProperty("min_event").GetInt32());

        var dup = r.GetProperty("dup");
        Assert.True(dup.GetProperty("duplicate").GetBoolean());
        Assert.Equal(reqId, dup.GetProperty("request").GetProperty("id").GetInt32());
        var urgent = r.GetProperty("dup_urgent");
        Assert.True(urgent.GetProperty("duplicate").GetBoolean());
        Assert.Equal(15, urgent.GetProperty("request").GetProperty("priority").GetInt32());
        var src = r.GetProperty("src");
        Assert.False(src.GetProperty("duplicate").GetBoolean());
        Assert.NotEqual(reqId, src.GetProperty("request").GetProperty("id").GetInt32());
        Assert.Equal("""{"src":true}""", src.GetProperty("request").GetProperty("opts").GetRawText());

        var check = r.GetProperty("check_anon");
        // "task" appears once the queue made the request's task (it may already have).
        Assert.Equal(["repo", "request"], check.EnumerateObject().Select(p => p.Name).Where(n => n != "task").Order(StringComparer.Ordinal));
        Fault(r.GetProperty("check_missing"), 1000, "No such request");
        var withTask = r.GetProperty("with_task");
        var task = withTask.GetProperty("task");
        var taskId = r.GetProperty("task_id").GetInt32();
        Assert.Equal(taskId, task.GetProperty("id").GetInt32());
        Assert.Equal("newRepo", task.GetProperty("method").GetString());
        Assert.Equal(15, task.GetProperty("priority").GetInt32());
        Assert.Equal("noarch", task.GetProperty("arch").GetString());
        Assert.Equal(0, task.GetProperty("state").GetInt32());
        // kojira does not exist here, so the requester owns the task.
        Assert.Equal(r.GetProperty("alice_id").GetInt32(), task.GetProperty("owner").GetInt32());
        Assert.Equal(1, withTask.GetProperty("request").GetProperty("tries").GetInt32());
        Assert.Equal(0, withTask.GetProperty("request").GetProperty("task_state").GetInt32());

        // The stored request: newRepo({id, name}, opts={}) in the createrepo channel.
        await using (var conn = await hub.Hub.Database.OpenAsync())
        {
            var row = await conn.QuerySingleAsync<(string Request, string Channel)>(
                "SELECT t.request, c.name FROM task t JOIN channels c ON c.id = t.channel_id WHERE t.id = @taskId", new { taskId });
            Assert.Equal("createrepo", row.Channel);
            var call = XmlRpcReader.ReadMethodCall(Encoding.UTF8.GetBytes(row.Request));
            Assert.Equal("newRepo", call.MethodName);
            var tagSpec = Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(Assert.Single(call.Args));
            Assert.Equal(r.GetProperty("tag_id").GetInt32(), tagSpec["id"]);
            Assert.Equal("rq-tag", tagSpec["name"]);
            Assert.Equal(["opts"], call.Kwargs.Keys);
            Assert.Empty(Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(call.Kwargs["opts"]));
        }
        await RepoHosts.WaitForQueueChecksAsync(hub);

        // A READY repo fulfils the matching request, not the one asking for sources.
        var repoId = await ReadyRepoAsync("rq-host", hostPem, "rq-tag");
        var after = Run($$"""
            out = {}
            out["first"] = anon.call("repo.checkRequest", {{reqId}})
            out["src"] = anon.call("repo.checkRequest", {{src.GetProperty("request").GetProperty("id").GetInt32()}})
            out["again"] = a.call("repo.request", "rq-tag")
            out["get"] = anon.call("repo.get", "rq-tag")
            out["get_src"] = anon.call("repo.get", "rq-tag", opts={"src": True})
            out["get_min"] = anon.call("repo.get", "rq-tag", min_event=s.call("getLastEvent")["id"] + 1000)
            out["get_at"] = anon.call("repo.get", "rq-tag", at_event=s.call("repoInfo", {{repoId}})["create_event"])
            out["at"] = a.call("repo.request", "rq-tag", at_event=s.call("repoInfo", {{repoId}})["create_event"])
            out["forced"] = a.call("repo.request", "rq-tag", force=True)
            out["getRepo"] = anon.call("getRepo", "rq-tag")
            out["getRepo_expired"] = anon.call("getRepo", "rq-tag", state=2)
            out["active"] = [x for x in anon.call("getActiveRepos") if x["id"] == {{repoId}}]
            s.call("packageListAdd", "rq-tag", "rq-pkg", owner="kojiadmin")
            s.call("createEmptyBuild", "rq-pkg", "1", "1", None)
            s.call("tagBuildBypass", "rq-tag", "rq-pkg-1-1")
            out["last"] = a.call("repo.request", "rq-tag", min_event="last")
            out["last_event"] = s.call("tagLastChangeEvent", "rq-tag")
            emit(out)
            """);
        var firstAfter = after.GetProperty("first");
        Assert.Equal(repoId, firstAfter.GetProperty("repo").GetProperty("id").GetInt32());
        Assert.False(firstAfter.GetProperty("request").GetProperty("active").GetBoolean());
        Assert.False(firstAfter.TryGetProperty("task", out _));
        Assert.True(after.GetProperty("src").GetProperty("request").GetProperty("active").GetBoolean());
        var again = after.GetProperty("again");
        Assert.Equal(repoId, again.GetProperty("repo").GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, again.GetProperty("request").ValueKind);
        Assert.False(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(repoId, after.GetProperty("get").GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("get_src").ValueKind);
        Assert.Equal(JsonValueKind.Null, after.GetProperty("get_min").ValueKind);
        Assert.Equal(repoId, after.GetProperty("get_at").GetProperty("id").GetInt32());
        Assert.Equal(repoId, after.GetProperty("at").GetProperty("repo").GetProperty("id").GetInt32());
        var forced = after.GetProperty("forced");
        Assert.Equal(JsonValueKind.Null, forced.GetProperty("repo").ValueKind);
        Assert.False(forced.GetProperty("duplicate").GetBoolean());
        Assert.Equal(repoId, after.GetProperty("getRepo").GetProperty("id").GetInt32());
        Assert.Equal(JsonValueKind.Null, after.GetProperty("getRepo_expired").ValueKind);
        var active = Assert.Single(after.GetProperty("active").EnumerateArray());
        Assert.Equal(
            ["create_event", "create_ts", "creation_ts", "dist", "end_event", "id", "opts", "state", "state_ts", "tag_id", "tag_name", "task_id"],
            active.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        // min_event="last": the repo predates the tagging, so a new request at the tag's last change.
        var last = after.GetProperty("last");
        Assert.Equal(JsonValueKind.Null, last.GetProperty("repo").ValueKind);
        Assert.Equal(after.GetProperty("last_event").GetInt32(), last.GetProperty("request").GetProperty("min_event").GetInt32());
        await RepoHosts.WaitForQueueChecksAsync(hub);
    }

    [Fact]
    public async Task StatesQueriesReferencesAndLegacyCalls()
    {
        var hostPem = RepoHosts.Certificate(hub, "st-host");
        Run("""
            s.call("createTag", "st-tag", arches="x86_64")
            s.call("createTag", "srcall-st", arches="x86_64")
            s.call("addHost", "st-host", ["x86_64"])
            emit(None)
            """);
        var first = await ReadyRepoAsync("st-host", hostPem, "st-tag");
        var second = await ReadyRepoAsync("st-host", hostPem, "st-tag", """{"src": True}""");
        var glob = await ReadyRepoAsync("st-host", hostPem, "srcall-st");
        // A buildroot still using the first repo (as host.newBuildRoot records it).
        await using (var conn = await hub.Hub.Database.OpenAsync())
        {
            var hostId = await conn.ExecuteScalarAsync<int>("SELECT id FROM host WHERE name = 'st-host'");
            var task = await RepoHosts.OpenTaskAsync(hub, "st-host", "buildArch");
            var br = await conn.ExecuteScalarAsync<int>("INSERT INTO buildroot (br_type) VALUES (0) RETURNING id");
            var ev = await conn.ExecuteScalarAsync<int>("SELECT max(id) FROM events");
            await conn.ExecuteAsync("INSERT INTO standard_buildroot (buildroot_id, host_id, repo_id, task_id, create_event, state) VALUES (@br, @hostId, @first, @task, @ev, 2)",
                new { br, hostId, first, task, ev });
        }
        var r = Run($$"""
            out = {}
            first, second, glob = {{first}}, {{second}}, {{glob}}
            out["refs"] = anon.call("repo.references", first)
            out["anon_expire"] = F(lambda: anon.call("repoExpire", first))
            out["alice_expire"] = F(lambda: a.call("repoExpire", first))
            out["alice_state"] = F(lambda: a.call("repo.setState", first, 2))
            out["alice_delete"] = F(lambda: a.call("repoDelete", first))
            s.call("grantPermission", "alice", "repo", create=True)
            out["delete_used"] = a.call("repoDelete", first)
            out["state_used"] = anon.call("repoInfo", first)["state"]
            out["expire"] = a.call("repoExpire", first)
            out["same"] = a.call("repoExpire", first)
            out["back"] = F(lambda: a.call("repo.setState", first, 1))
            out["problem"] = a.call("repoProblem", first)
            out["bad_state"] = F(lambda: a.call("repo.setState", first, 7))
            out["by_name"] = a.call("repo.setState", second, "EXPIRED")
            out["delete"] = a.call("repo.setState", first, 3)
            out["deleted_again"] = a.call("repo.setState", first, 3)
            out["revive"] = F(lambda: a.call("repo.setState", first, 4))
            out["delete_second"] = a.call("repoDelete", second)
            out["missing"] = F(lambda: a.call("repo.setState", 99999999, 2))
            out["info_missing"] = anon.call("repoInfo", 99999999)
            out["info_strict"] = F(lambda: anon.call("repoInfo", 99999999, True))
            out["states"] = [anon.call("repoInfo", n)["state"] for n in (first, second)]
            # queries
            out["q_default"] = anon.call("repo.query", [["id", "=", glob]])
            out["q_star"] = anon.call("repo.query", [["id", glob]], "*")
            out["q_in"] = anon.call("repo.query", [["id", "IN", [first, second, glob]], ["state", "!=", 0]], ["id", "state"], {"order": "-id"})
            out["q_contains"] = anon.call("repo.query", [["tag_name", "=", "st-tag"], ["custom_opts", "@>", {"src": True}]], ["id"])
            out["q_contained"] = anon.call("repo.query", [["tag_name", "=", "st-tag"], ["opts", "<@", '{"src": false, "debuginfo": false, "separate_src": false, "maven": false}']], ["id"])
            out["q_count"] = anon.call("repo.query", [["tag_name", "=", "st-tag"]], None, {"countOnly": True})
            out["q_list"] = anon.call("repo.query", [["id", "=", glob]], ["tag_id", "id"], {"asList": True})
            out["q_limit"] = anon.call("repo.query", [["tag_name", "=", "st-tag"], ["dist", "IS", False]], ["id"], {"order": "id", "limit": 1})
            out["q_null"] = anon.call("repo.query", [["id", "=", glob], ["end_event", "IS", None]], ["id"])
            out["q_badop"] = F(lambda: anon.call("repo.query", [["id", "LIKE", 1]]))
            out["q_badfield"] = F(lambda: anon.call("repo.query", [["nope", "=", 1]]))
            out["q_badfields"] = F(lambda: anon.call("repo.query", [], ["nope"]))
            out["q_badclause"] = F(lambda: anon.call("repo.query", [["id"]]))
            out["q_injection"] = F(lambda: anon.call("repo.query", [["id", "= 1 OR 1 = 1; --", 1]]))
            out["queue_default"] = anon.call("repo.queryQueue")
            # legacy newRepo: repo (or regen-repo) permission, a task with the legacy arguments
            s.call("revokePermission", "alice", "repo")
            out["newrepo_alice"] = F(lambda: a.call("newRepo", "st-tag"))
            out["newrepo_anon"] = F(lambda: anon.call("newRepo", "st-tag"))
            s.call("grantPermission", "alice", "regen-repo", create=True)
            out["newrepo"] = a.call("newRepo", "st-tag", src=True, event=first)
            out["newrepo_notag"] = F(lambda: s.call("newRepo", "no-such-tag"))
            # currency: a tag change after a READY repo becomes its end event
            s.call("editTag2", "srcall-st", arches="x86_64 aarch64")
            out["change"] = s.call("getLastEvent")["id"]
            out["alice_end"] = F(lambda: a.call("repo.updateEndEvents"))
            s.call("repo.updateEndEvents")
            out["glob_info"] = anon.call("repoInfo", glob)
            # automatic requests for repo.auto tags, at a lower priority
            s.call("editTag2", "st-tag", extra={"repo.auto": True})
            out["alice_auto"] = F(lambda: a.call("repo.autoRequests"))
            s.call("repo.autoRequests")
            out["auto"] = anon.call("repo.queryQueue", [["tag_name", "=", "st-tag"], ["active", "IS", True], ["priority", "=", 25]], "**")
            out["prio_alice"] = F(lambda: a.call("repo.setRequestPriority", out["auto"][0]["id"], 3))
            s.call("repo.setRequestPriority", out["auto"][0]["id"], 3)
            out["prio"] = anon.call("repo.queryQueue", [["id", "=", out["auto"][0]["id"]]], ["priority"])
            emit(out)
            """);
        var refs = r.GetProperty("refs");
        var reference = Assert.Single(refs.EnumerateArray());
        Assert.Equal(["create_event", "host_id", "id", "state", "task_id"], reference.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var key in new[] { "anon_expire", "alice_expire", "alice_state", "alice_delete", "alice_end", "alice_auto" })
        {
            Fault(r.GetProperty(key), 1004);
        }
        Assert.StartsWith("repo permission required", r.GetProperty("alice_expire").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Fault(r.GetProperty("prio_alice"), 1004, "admin permission required (logged in as alice)");
        Assert.Equal(1, r.GetProperty("delete_used").GetInt32());
        Assert.Equal(1, r.GetProperty("state_used").GetInt32());
        Fault(r.GetProperty("back"), 1000, $"Invalid repo state transition for repo {first}: EXPIRED -> READY");
        Fault(r.GetProperty("bad_state"), 1019);
        Fault(r.GetProperty("revive"), 1000, $"Repo {first} is deleted");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("deleted_again").ValueKind);
        Assert.Equal(0, r.GetProperty("delete_second").GetInt32());
        Fault(r.GetProperty("missing"), 1000);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("info_missing").ValueKind);
        Fault(r.GetProperty("info_strict"), 1000, "query returned no rows");
        Assert.Equal([3, 3], r.GetProperty("states").EnumerateArray().Select(e => e.GetInt32()));

        var qDefault = Assert.Single(r.GetProperty("q_default").EnumerateArray());
        Assert.Equal(["create_event", "custom_opts", "dist", "id", "opts", "state", "tag_id", "task_id"],
            qDefault.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var qStar = Assert.Single(r.GetProperty("q_star").EnumerateArray());
        Assert.False(qStar.TryGetProperty("tag_name", out _));
        Assert.True(qStar.TryGetProperty("state_time", out _));
        Assert.Equal([glob, second, first], r.GetProperty("q_in").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
        Assert.Equal([second], r.GetProperty("q_contains").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
        Assert.Equal([first], r.GetProperty("q_contained").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
        Assert.Equal(2, r.GetProperty("q_count").GetInt32());
        Assert.Equal($"[[{glob},{r.GetProperty("q_default")[0].GetProperty("tag_id").GetInt32()}]]", r.GetProperty("q_list").GetRawText());
        Assert.Equal([first], r.GetProperty("q_limit").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
        Assert.Equal([glob], r.GetProperty("q_null").EnumerateArray().Select(e => e.GetProperty("id").GetInt32()));
        Fault(r.GetProperty("q_badop"), 1019, "Invalid operator: LIKE");
        Fault(r.GetProperty("q_badfield"), 1019, "Invalid field for query nope");
        Fault(r.GetProperty("q_badfields"), 1019, "Invalid field for query nope");
        Fault(r.GetProperty("q_badclause"), 1019);
        Fault(r.GetProperty("q_injection"), 1019);
        Assert.All(r.GetProperty("queue_default").EnumerateArray(), q => Assert.Equal(11, q.EnumerateObject().Count()));

        Fault(r.GetProperty("newrepo_alice"), 1004, "regen-repo permission required (logged in as alice)");
        Fault(r.GetProperty("newrepo_anon"), 1004);
        Fault(r.GetProperty("newrepo_notag"), 1000, "No such tagInfo: 'no-such-tag'");
        var newRepoTask = r.GetProperty("newrepo").GetInt32();
        await using (var conn = await hub.Hub.Database.OpenAsync())
        {
            var row = await conn.QuerySingleAsync<(string Request, int Priority, string Method)>(
                "SELECT request, priority, method FROM task WHERE id = @newRepoTask", new { newRepoTask });
            Assert.Equal(("newRepo", 15), (row.Method, row.Priority));
            var call = XmlRpcReader.ReadMethodCall(Encoding.UTF8.GetBytes(row.Request));
            Assert.Equal(["st-tag"], call.Args);
            Assert.Equal(first, call.Kwargs["event"]);
            Assert.Equal(true, call.Kwargs["src"]);
            Assert.Equal(["event", "src"], call.Kwargs.Keys.Order(StringComparer.Ordinal));
        }

        // updateEndEvents: the tag change after the repo ends its currency.
        Assert.Equal(r.GetProperty("change").GetInt32(), r.GetProperty("glob_info").GetProperty("end_event").GetInt32());
        var auto = Assert.Single(r.GetProperty("auto").EnumerateArray());
        Assert.Equal("kojiadmin", auto.GetProperty("owner_name").GetString());
        Assert.Equal(3, r.GetProperty("prio")[0].GetProperty("priority").GetInt32());
        await RepoHosts.WaitForQueueChecksAsync(hub);
    }
}

public sealed class SqliteRepoQueueTests(SqliteRepoHub hub) : RepoQueueTests<SqliteRepoHub>(hub);

public sealed class PostgresRepoQueueTests(PostgresRepoHub hub) : RepoQueueTests<PostgresRepoHub>(hub);

/// <summary>
/// repo.checkQueue within MaxRepoTasks (3 here), retries after failed tasks (RepoRetries 1) and
/// the clean-up of old inactive requests; a hub of its own, as the test fills every task slot.
/// </summary>
public abstract class RepoQueueLimitTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private const string Queue = """
        def queue():
            return anon.call("repo.queryQueue", [["tag_name", "IN", ["cq-tag%d" % i for i in range(5)]], ["active", "IS", True]],
                             ["id", "tag_name", "task_id", "tries", "active"], {"order": "id"})
        """;

    private JsonElement Run(string body) => hub.Python(UsersTests<THub>.Prelude + "\n" + Queue + "\n" + body);

    private static void Fault(JsonElement e, int code, string? message = null) => GroupsTests<THub>.AssertFault(e, code, message);

    private async Task<int> RunningAsync()
    {
        await using var conn = await hub.Hub.Database.OpenAsync();
        return await conn.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM repo_queue q JOIN task t ON t.id = q.task_id WHERE q.active AND t.state NOT IN (2, 3, 5)");
    }

    [Fact]
    public async Task CheckQueueStaysWithinMaxRepoTasksAndRetries()
    {
        Run("""
            for i in range(5):
                s.call("createTag", "cq-tag%d" % i, arches="x86_64")
            for i in range(5):
                s.call("repo.request", "cq-tag%d" % i)
            emit(None)
            """);
        await RepoHosts.WaitForQueueChecksAsync(hub);
        var r = Run("""
            out = {"before": queue()}
            out["alice"] = F(lambda: a.call("repo.checkQueue"))
            out["anon"] = F(lambda: anon.call("repo.checkQueue"))
            s.call("repo.checkQueue")
            out["after"] = queue()
            emit(out)
            """);
        // The immediate checks made tasks for the first three requests; a regular check adds none.
        var before = r.GetProperty("before").EnumerateArray().ToList();
        Assert.Equal(5, before.Count);
        Assert.Equal([true, true, true, false, false], before.Select(q => q.GetProperty("task_id").ValueKind != JsonValueKind.Null));
        Assert.All(before.Take(3), q => Assert.Equal(1, q.GetProperty("tries").GetInt32()));
        Assert.Equal(r.GetProperty("before").GetRawText(), r.GetProperty("after").GetRawText());
        Fault(r.GetProperty("alice"), 1004, "repo permission required (logged in as alice)");
        Fault(r.GetProperty("anon"), 1004);
        Assert.Equal(3, await RunningAsync());

        // A failed task is retried (tries 2), then given up after RepoRetries = 1.
        var failing = before[0];
        var failingId = failing.GetProperty("id").GetInt32();
        await RepoHosts.FinishTaskAsync(hub, failing.GetProperty("task_id").GetInt32(), 5, null);
        r = Run($$"""
            s.call("repo.checkQueue")
            emit(anon.call("repo.queryQueue", [["id", "=", {{failingId}}]], "**")[0])
            """);
        Assert.Equal(2, r.GetProperty("tries").GetInt32());
        Assert.NotEqual(failing.GetProperty("task_id").GetInt32(), r.GetProperty("task_id").GetInt32());
        Assert.True(r.GetProperty("active").GetBoolean());
        Assert.Equal(3, await RunningAsync());
        // A CLOSED task whose result is not a valid repo for the request counts as failed too.
        await RepoHosts.FinishTaskAsync(hub, r.GetProperty("task_id").GetInt32(), 2,
            "<?xml version='1.0'?>\n<methodResponse>\n<params>\n<param>\n<value><array><data><value><int>99999999</int></value><value><int>1</int></value></data></array></value>\n</param>\n</params>\n</methodResponse>\n");
        r = Run($$"""
            s.call("repo.checkQueue")
            emit({"req": anon.call("repo.queryQueue", [["id", "=", {{failingId}}]], "**")[0], "queue": queue()})
            """);
        Assert.False(r.GetProperty("req").GetProperty("active").GetBoolean());
        Assert.Equal(2, r.GetProperty("req").GetProperty("tries").GetInt32());
        // Its slot went to the next waiting request.
        Assert.Equal([true, true, true, false], r.GetProperty("queue").EnumerateArray().Select(q => q.GetProperty("task_id").ValueKind != JsonValueKind.Null));
        Assert.Equal(3, await RunningAsync());

        // Inactive requests older than RequestCleanTime go when a check changes something.
        int cancelled;
        await using (var conn = await hub.Hub.Database.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE repo_queue SET update_time = update_time - 86401 WHERE id = @failingId", new { failingId });
            cancelled = await conn.ExecuteScalarAsync<int>(
                "SELECT q.task_id FROM repo_queue q JOIN task t ON t.id = q.task_id WHERE q.active AND t.state = 0 ORDER BY q.id LIMIT 1");
        }
        await RepoHosts.FinishTaskAsync(hub, cancelled, 3, null);
        r = Run($$"""
            s.call("repo.checkQueue")
            emit(F(lambda: anon.call("repo.checkRequest", {{failingId}})))
            """);
        Fault(r, 1000, "No such request");
    }
}

public sealed class SqliteRepoQueueLimitTests(SqliteRepoHub hub) : RepoQueueLimitTests<SqliteRepoHub>(hub);

public sealed class PostgresRepoQueueLimitTests(PostgresRepoHub hub) : RepoQueueLimitTests<PostgresRepoHub>(hub);
