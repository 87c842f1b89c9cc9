using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using KojiNet.Hub.Tests.Api;

namespace KojiNet.Hub.Tests.Repos;

/// <summary>
/// host.repoInit and host.repoDone (kojira.md §8.3, §9; layout.md §4): the repo tree for a tag
/// with inheritance, blocking, the latest-by-tagging rule and the repo's event, the option rules,
/// then repodata moved in, READY, the latest link and the host-call preconditions. Content comes
/// from real RPMs imported into the hub.
/// </summary>
public abstract class RepoInitTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private static string Py(string s) => JsonSerializer.Serialize(s);

    private JsonElement Run(string body) => hub.Python(UsersTests<THub>.Prelude + "\n" + Helpers + "\n" + body);

    private const string Helpers = """
        import os, tempfile
        def upload(sess, task, sub, name, content):
            d = tempfile.mkdtemp()
            p = os.path.join(d, name)
            with open(p, "wb") as f:
                f.write(content)
            path = "tasks/%d/%d/%s" % (task % 10000, task, sub)
            sess.upload(path, name, p)
            return path
        """;

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static string Pkg(string name, string version, string arch, string build = "") =>
        $"toplink/packages/{(build.Length > 0 ? build : name)}/{version}/1/{arch}/{name}-{version}-1.{arch}.rpm";

    private static string[] Sorted(params string[] items) => items.Order(StringComparer.Ordinal).ToArray();

    private string Arch(int repoId, string tag, string arch) => Path.Combine(RepoHosts.RepoDir(hub, tag, repoId), arch);

    /// <summary>Checks a pkglist against its rpmlist.jsonl (same rpms, same order) and that every path reaches the rpm file.</summary>
    private string[] CheckedPkglist(int repoId, string tag, string arch)
    {
        var dir = Arch(repoId, tag, arch);
        var lines = Lines(RepoHosts.Read(Path.Combine(dir, "pkglist")));
        var infos = Lines(RepoHosts.Read(Path.Combine(dir, "rpmlist.jsonl"))).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(lines.Length, infos.Length);
        for (var i = 0; i < lines.Length; i++)
        {
            var info = infos[i];
            var file = $"{info.GetProperty("name").GetString()}-{info.GetProperty("version").GetString()}-{info.GetProperty("release").GetString()}.{info.GetProperty("arch").GetString()}.rpm";
            Assert.EndsWith("/" + file, lines[i], StringComparison.Ordinal);
            Assert.True(info.GetProperty("id").GetInt32() > 0);
            Assert.True(File.Exists(Path.Combine(dir, lines[i])), $"{lines[i]} does not lead to the rpm through toplink");
        }
        return lines;
    }

    [Fact]
    public async Task RepoTreeFollowsInheritanceBlocksEventsAndOptions()
    {
        var hostPem = RepoHosts.Certificate(hub, "ri-host");
        Run($$"""
            import_rpms(s, {{RepoRpms.PythonList}}, "repo-init-tests")
            s.call("createTag", "ri-parent", arches="x86_64")
            s.call("createTag", "ri-build", parent="ri-parent", arches="x86_64 i686")
            s.call("createTag", "dbg-ri", parent="ri-build", arches="x86_64")
            s.call("createTag", "ri-noarches", parent="ri-build")
            for p in ["ri-a", "ri-b", "ri-blocked", "ri-late"]:
                s.call("packageListAdd", "ri-parent", p, owner="kojiadmin")
            s.call("packageListBlock", "ri-build", "ri-blocked")
            s.call("tagBuildBypass", "ri-parent", "ri-a-1.0-1")
            s.call("tagBuildBypass", "ri-parent", "ri-b-1.0-1")
            s.call("tagBuildBypass", "ri-parent", "ri-blocked-1.0-1")
            # the newest tagging wins, not the highest version
            s.call("tagBuildBypass", "ri-build", "ri-a-3.0-1")
            s.call("tagBuildBypass", "ri-build", "ri-a-2.0-1")
            s.call("groupListAdd", "ri-parent", "build")
            s.call("groupListAdd", "ri-parent", "base")
            s.call("groupPackageListAdd", "ri-parent", "build", "bash")
            s.call("groupPackageListAdd", "ri-parent", "base", "coreutils")
            s.call("groupReqListAdd", "ri-parent", "build", "base")
            s.call("addHost", "ri-host", ["x86_64", "i686"])
            emit(None)
            """);
        var task = await RepoHosts.OpenTaskAsync(hub, "ri-host");
        var r = Run($$"""
            out = {}
            h = Session(hub, ca, {{Py(hostPem)}}); h.ssl_login()
            task = {{task}}
            out["alice"] = F(lambda: a.call("host.repoInit", "ri-build", task_id=task))
            out["not_exclusive"] = F(lambda: h.call("host.repoInit", "ri-build", task_id=task))
            h.call("exclusiveSession")
            out["not_held"] = F(lambda: h.call("host.repoInit", "ri-build", task_id=task + 1000))
            out["bad_opt"] = F(lambda: h.call("host.repoInit", "ri-build", task_id=task, opts={"bogus": True}))
            out["no_tag"] = F(lambda: h.call("host.repoInit", "no-such-tag", task_id=task))
            out["maven"] = F(lambda: h.call("host.repoInit", "ri-build", task_id=task, opts={"maven": True}))
            ev = s.call("getLastEvent")["id"]
            s.call("tagBuildBypass", "ri-build", "ri-late-1.0-1")
            late_event = s.call("getLastEvent")["id"]
            out["ev"], out["late_event"] = ev, late_event
            out["at_ev"] = h.call("host.repoInit", "ri-build", task_id=task, event=ev)
            out["now"] = h.call("host.repoInit", "ri-build", task)
            out["dbgsrc"] = h.call("host.repoInit", "ri-build", task_id=task, opts={"debuginfo": True, "src": True, "maven": None})
            out["sep"] = h.call("host.repoInit", "ri-build", task_id=task, opts={"separate_src": True})
            out["glob"] = h.call("host.repoInit", "dbg-ri", None)
            out["noarches"] = h.call("host.repoInit", "ri-noarches", None)
            out["info_at_ev"] = s.call("repoInfo", out["at_ev"][0])
            out["info_now"] = s.call("repoInfo", out["now"][0])
            out["info_dbgsrc"] = s.call("repoInfo", out["dbgsrc"][0])
            out["info_glob"] = s.call("repoInfo", out["glob"][0])
            out["tag_id"] = s.call("getTag", "ri-build")["id"]
            emit(out)
            """);
        var aliceId = Run("""emit(s.call("getUser", "alice")["id"])""").GetInt32();
        GroupsTests<THub>.AssertFault(r.GetProperty("alice"), 1002, $"User {aliceId} is not a host");
        GroupsTests<THub>.AssertFault(r.GetProperty("not_exclusive"), 1002, "This method requires an exclusive session");
        GroupsTests<THub>.AssertFault(r.GetProperty("not_held"), 1004);
        Assert.EndsWith($"does not own task {task + 1000}", r.GetProperty("not_held").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        GroupsTests<THub>.AssertFault(r.GetProperty("bad_opt"), 1019, "Invalid repo option: bogus");
        GroupsTests<THub>.AssertFault(r.GetProperty("no_tag"), 1000, "No such tagInfo: 'no-such-tag'");
        GroupsTests<THub>.AssertFault(r.GetProperty("maven"), 1000, "Maven support not enabled");

        var ev = r.GetProperty("ev").GetInt32();
        var atEv = r.GetProperty("at_ev");
        var repoAtEv = atEv[0].GetInt32();
        Assert.Equal(ev, atEv[1].GetInt32());
        var repoNow = r.GetProperty("now")[0].GetInt32();
        Assert.True(r.GetProperty("now")[1].GetInt32() > r.GetProperty("late_event").GetInt32());

        // The tree of the repo at the earlier event: both tag arches (i686 canonical as i386).
        var top = RepoHosts.RepoDir(hub, "ri-build", repoAtEv);
        Assert.Equal(["groups", "i386", "repo.json", "x86_64"], Directory.GetFileSystemEntries(top).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (var arch in new[] { "x86_64", "i386" })
        {
            var dir = Arch(repoAtEv, "ri-build", arch);
            Assert.Equal(["blocklist", "pkglist", "rpmlist.jsonl", "toplink"], Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
            var link = new FileInfo(Path.Combine(dir, "toplink"));
            Assert.Equal("../../../..", link.LinkTarget);
            Assert.Equal(Path.GetFullPath(hub.KojiDir), Path.GetFullPath(Path.Combine(dir, link.LinkTarget!)));
            Assert.Equal("ri-blocked\n", RepoHosts.Read(Path.Combine(dir, "blocklist")));
        }
        // ri-a 2.0 (tagged last into the tag itself) over 3.0 and the parent's 1.0; ri-b inherited;
        // ri-blocked blocked; ri-late tagged after the event; no debuginfo, no sources.
        Assert.Equal(
            Sorted(Pkg("ri-a", "2.0", "x86_64"), Pkg("ri-a-doc", "2.0", "noarch", "ri-a"), Pkg("ri-b", "1.0", "x86_64"), Pkg("ri-b-doc", "1.0", "noarch", "ri-b")),
            Sorted(CheckedPkglist(repoAtEv, "ri-build", "x86_64")));
        Assert.Equal(
            Sorted(Pkg("ri-a", "2.0", "i686"), Pkg("ri-a-doc", "2.0", "noarch", "ri-a"), Pkg("ri-b-doc", "1.0", "noarch", "ri-b")),
            Sorted(CheckedPkglist(repoAtEv, "ri-build", "i386")));
        // The current repo has the late build.
        Assert.Contains(Pkg("ri-late", "1.0", "x86_64"), CheckedPkglist(repoNow, "ri-build", "x86_64"));

        // comps.xml from the inherited groups, required groups expanded.
        var comps = XDocument.Parse(RepoHosts.Read(Path.Combine(top, "groups", "comps.xml")));
        var build = comps.Root!.Elements("group").Single(g => g.Element("id")!.Value == "build");
        Assert.Equal(["bash", "coreutils"], build.Element("packagelist")!.Elements("packagereq").Select(p => p.Value));
        Assert.Equal(["base", "build"], comps.Root.Elements("group").Select(g => g.Element("id")!.Value));

        // repo.json, as Python's json.dump(indent=2) writes it.
        var tagId = r.GetProperty("tag_id").GetInt32();
        Assert.Equal($$"""
            {
              "id": {{repoAtEv}},
              "tag": "ri-build",
              "tag_id": {{tagId}},
              "task_id": {{task}},
              "event_id": {{ev}},
              "opts": {
                "src": false,
                "debuginfo": false,
                "separate_src": false,
                "maven": false
              },
              "custom_opts": {},
              "with_src": false,
              "with_separate_src": false,
              "with_debuginfo": false
            }
            """.ReplaceLineEndings("\n"), RepoHosts.Read(Path.Combine(top, "repo.json")));

        // The repo rows: INIT, the event, begin/end events around it, options, task.
        var info = r.GetProperty("info_at_ev");
        string[] repoFields =
        [
            "begin_event", "begin_ts", "create_event", "create_ts", "creation_time", "creation_ts", "custom_opts", "dist", "end_event", "end_ts", "id",
            "opts", "state", "state_time", "state_ts", "tag_id", "tag_name", "task_id", "task_state",
        ];
        Assert.Equal(repoFields, info.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(0, info.GetProperty("state").GetInt32());
        Assert.Equal(ev, info.GetProperty("create_event").GetInt32());
        Assert.True(info.GetProperty("begin_event").GetInt32() <= ev);
        // The tag changed after the repo's event: that change ends the repo's currency.
        Assert.Equal(r.GetProperty("late_event").GetInt32(), info.GetProperty("end_event").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("info_now").GetProperty("end_event").ValueKind);
        Assert.Equal(task, info.GetProperty("task_id").GetInt32());
        Assert.Equal(1, info.GetProperty("task_state").GetInt32());
        Assert.Equal("ri-build", info.GetProperty("tag_name").GetString());
        Assert.False(info.GetProperty("dist").GetBoolean());
        Assert.Equal("""{"src":false,"debuginfo":false,"separate_src":false,"maven":false}""", info.GetProperty("opts").GetRawText());
        Assert.Equal("{}", info.GetProperty("custom_opts").GetRawText());

        // debuginfo + src: debuginfo rpms of the arch and every source rpm in every arch dir.
        var dbgsrc = r.GetProperty("dbgsrc")[0].GetInt32();
        Assert.Equal("""{"debuginfo":true,"src":true}""", r.GetProperty("info_dbgsrc").GetProperty("custom_opts").GetRawText());
        var x86 = CheckedPkglist(dbgsrc, "ri-build", "x86_64");
        Assert.Contains(Pkg("ri-a-debuginfo", "2.0", "x86_64", "ri-a"), x86);
        Assert.Contains(Pkg("ri-a", "2.0", "src"), x86);
        Assert.Contains(Pkg("ri-late", "1.0", "src"), x86);
        Assert.DoesNotContain(Pkg("ri-a-debuginfo", "2.0", "i686", "ri-a"), x86);
        var i386 = CheckedPkglist(dbgsrc, "ri-build", "i386");
        Assert.Contains(Pkg("ri-a-debuginfo", "2.0", "i686", "ri-a"), i386);
        Assert.Contains(Pkg("ri-b", "1.0", "src"), i386);
        Assert.Contains("\"with_debuginfo\": true", RepoHosts.Read(Path.Combine(RepoHosts.RepoDir(hub, "ri-build", dbgsrc), "repo.json")), StringComparison.Ordinal);

        // separate_src: an src arch dir with the sources only, none in the binary arches.
        var sep = r.GetProperty("sep")[0].GetInt32();
        Assert.Equal(Sorted(Pkg("ri-a", "2.0", "src"), Pkg("ri-b", "1.0", "src"), Pkg("ri-late", "1.0", "src")), Sorted(CheckedPkglist(sep, "ri-build", "src")));
        Assert.DoesNotContain(CheckedPkglist(sep, "ri-build", "x86_64"), l => l.EndsWith(".src.rpm", StringComparison.Ordinal));

        // A tag matching DebuginfoTags has debuginfo by default: no custom options.
        var glob = r.GetProperty("glob")[0].GetInt32();
        Assert.Equal("{}", r.GetProperty("info_glob").GetProperty("custom_opts").GetRawText());
        Assert.True(r.GetProperty("info_glob").GetProperty("opts").GetProperty("debuginfo").GetBoolean());
        Assert.Contains(Pkg("ri-a-debuginfo", "2.0", "x86_64", "ri-a"), CheckedPkglist(glob, "dbg-ri", "x86_64"));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("info_glob").GetProperty("task_id").ValueKind);

        // Repo arches are the tag's own, never inherited: a tag without arches gets none.
        var noarches = r.GetProperty("noarches")[0].GetInt32();
        Assert.Equal(["groups", "repo.json"], Directory.GetFileSystemEntries(RepoHosts.RepoDir(hub, "ri-noarches", noarches)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        // No work directories are left behind.
        Assert.DoesNotContain(Directory.GetFileSystemEntries(Path.Combine(hub.KojiDir, "repos", "ri-build")), e => Path.GetFileName(e).StartsWith('.'));
    }

    [Fact]
    public async Task RepoDoneMovesRepodataMakesReadyAndPointsLatest()
    {
        var hostPem = RepoHosts.Certificate(hub, "rd-host");
        Run("""
            s.call("createTag", "rd-tag", arches="x86_64 i686")
            s.call("addHost", "rd-host", ["x86_64"])
            emit(None)
            """);
        var task = await RepoHosts.OpenTaskAsync(hub, "rd-host");
        var r = Run($$"""
            out = {}
            h = Session(hub, ca, {{Py(hostPem)}}); h.ssl_login(); h.call("exclusiveSession")
            task = {{task}}
            old, _ = h.call("host.repoInit", "rd-tag", task)
            new, _ = h.call("host.repoInit", "rd-tag", task)
            custom, _ = h.call("host.repoInit", "rd-tag", task, opts={"debuginfo": True})
            failing, _ = h.call("host.repoInit", "rd-tag", task)
            out["ids"] = [old, new, custom, failing]
            req = a.call("repo.request", "rd-tag", min_event="last")
            out["req"] = req["request"]["id"]
            x = upload(h, task, "new-x86_64", "repomd.xml", b"<repomd/>")
            upload(h, task, "new-x86_64", "primary.xml.gz", b"\x1f\x8b primary")
            i = upload(h, task, "new-i686", "repomd.xml", b"<repomd i686/>")
            out["alice_done"] = F(lambda: a.call("host.repoDone", new, {"x86_64": [x, ["repomd.xml"]]}))
            out["done"] = h.call("host.repoDone", new, {"x86_64": [x, ["repomd.xml", "primary.xml.gz"]], "i686": [i, ["repomd.xml"]]},
                                 repo_json_updates={"cloned_from_repo_id": old, "cloned_archs": ["x86_64"]})
            out["again"] = F(lambda: h.call("host.repoDone", new, {}))
            out["info_new"] = s.call("repoInfo", new)
            out["check"] = a.call("repo.checkRequest", out["req"])
            # a missing upload fails the call and moves nothing
            y = upload(h, task, "failing", "repomd.xml", b"<repomd/>")
            out["missing"] = F(lambda: h.call("host.repoDone", failing, {"x86_64": [y, ["repomd.xml", "nothere.xml"]]}))
            out["no_arch"] = F(lambda: h.call("host.repoDone", failing, {"ppc64le": [y, ["repomd.xml"]]}))
            out["escape"] = F(lambda: h.call("host.repoDone", failing, {"x86_64": ["../../etc", ["passwd"]]}))
            out["bad_data"] = F(lambda: h.call("host.repoDone", failing, {"x86_64": y}))
            out["info_failing"] = s.call("repoInfo", failing)
            # an older repo or one with custom options does not take the latest link
            h.call("host.repoDone", old, {})
            h.call("host.repoDone", custom, {})
            out["expire"] = h.call("host.repoDone", failing, {}, expire=True)
            out["states"] = [s.call("repoInfo", n)["state"] for n in (old, new, custom, failing)]
            emit(out)
            """);
        var ids = r.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var (old, @new, custom, failing) = (ids[0], ids[1], ids[2], ids[3]);
        GroupsTests<THub>.AssertFault(r.GetProperty("alice_done"), 1002);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("done").ValueKind);
        var repoDir = RepoHosts.RepoDir(hub, "rd-tag", @new);
        Assert.Equal("<repomd/>", RepoHosts.Read(Path.Combine(repoDir, "x86_64", "repodata", "repomd.xml")));
        Assert.True(File.Exists(Path.Combine(repoDir, "x86_64", "repodata", "primary.xml.gz")));
        Assert.Equal("<repomd i686/>", RepoHosts.Read(Path.Combine(repoDir, "i386", "repodata", "repomd.xml")));
        var workTask = Path.Combine(hub.KojiDir, "work", "tasks", (task % 10000).ToString(CultureInfo.InvariantCulture), task.ToString(CultureInfo.InvariantCulture));
        Assert.False(File.Exists(Path.Combine(workTask, "new-x86_64", "repomd.xml")));
        var json = JsonDocument.Parse(RepoHosts.Read(Path.Combine(repoDir, "repo.json"))).RootElement;
        Assert.Equal(old, json.GetProperty("cloned_from_repo_id").GetInt32());
        Assert.Equal(["x86_64"], json.GetProperty("cloned_archs").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(@new, json.GetProperty("id").GetInt32());

        var infoNew = r.GetProperty("info_new");
        Assert.Equal(1, infoNew.GetProperty("state").GetInt32());
        Assert.True(infoNew.GetProperty("state_ts").GetDouble() >= infoNew.GetProperty("creation_ts").GetDouble());
        GroupsTests<THub>.AssertFault(r.GetProperty("again"), 1000, $"Repo {@new} not in INIT state (got 1)");
        // The request made before the repo existed is fulfilled by it.
        var check = r.GetProperty("check");
        Assert.Equal(@new, check.GetProperty("repo").GetProperty("id").GetInt32());
        Assert.Equal(@new, check.GetProperty("request").GetProperty("repo_id").GetInt32());
        Assert.False(check.GetProperty("request").GetProperty("active").GetBoolean());

        var missing = r.GetProperty("missing");
        GroupsTests<THub>.AssertFault(missing, 1000);
        Assert.StartsWith("uploaded file missing: ", missing.GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(workTask, "failing", "repomd.xml")), "a failed repoDone moved a file");
        Assert.False(Directory.Exists(Path.Combine(RepoHosts.RepoDir(hub, "rd-tag", failing), "x86_64", "repodata")));
        GroupsTests<THub>.AssertFault(r.GetProperty("no_arch"), 1000, $"Repo arch directory missing: {Path.Combine(RepoHosts.RepoDir(hub, "rd-tag", failing), "ppc64le")}");
        GroupsTests<THub>.AssertFault(r.GetProperty("escape"), 1000);
        GroupsTests<THub>.AssertFault(r.GetProperty("bad_data"), 1019);
        Assert.Equal(0, r.GetProperty("info_failing").GetProperty("state").GetInt32());
        Assert.Equal([1, 1, 1, 2], r.GetProperty("states").EnumerateArray().Select(e => e.GetInt32()));

        var latest = new FileInfo(Path.Combine(hub.KojiDir, "repos", "rd-tag", "latest"));
        Assert.Equal(@new.ToString(CultureInfo.InvariantCulture), latest.LinkTarget);
        Assert.True(File.Exists(Path.Combine(latest.FullName, "x86_64", "repodata", "repomd.xml")));
        _ = custom;
    }
}

public sealed class SqliteRepoInitTests(SqliteRepoHub hub) : RepoInitTests<SqliteRepoHub>(hub);

public sealed class PostgresRepoInitTests(PostgresRepoHub hub) : RepoInitTests<PostgresRepoHub>(hub);
