using System.Text.Json;
using KojiNet.TestSupport;

namespace KojiNet.Hub.Tests.HostBuilds;

/// <summary>
/// The builder's side of a build through Python's xmlrpc.client, as kojid drives it: a host with
/// its certificate on an exclusive session, holding OPEN tasks; real rpms built with rpmbuild
/// uploaded with the fast upload into the task directories; initBuild, buildroots, completeBuild
/// (spec/builder.md §10.5), failBuild, moveBuildToScratch, tagBuild; and the client reads that
/// show the result. Failures must leave nothing imported and no file moved.
/// </summary>
public abstract class HostBuildTests<THub>(THub hub, RpmCorpus corpus) : IClassFixture<THub> where THub : HubFixture
{
    // A fresh hub has no work/ yet and the upload path check needs it.
    private readonly bool _workDir = Directory.CreateDirectory(Path.Combine(hub.KojiDir, "work")).Exists;

    private readonly HostBuildEnv _env = new(hub);

    private static string Py(string s) => JsonSerializer.Serialize(s);

    private static string Arch => HostBuildRpms.Arch;

    /// <summary>The Python prelude: admin <c>s</c>, alice <c>a</c>, the host <c>h</c>, and upload helpers.</summary>
    private string Prelude(HostBuildEnv.Host host) => $$"""
        import os, subprocess, tempfile, json
        top = {{Py(hub.KojiDir)}}
        work = os.path.join(top, "work")
        s = Session(hub, ca, admin_pem)
        s.ssl_login()
        a = Session(hub, ca, alice_pem)
        a.ssl_login()
        h = host_session(hub, ca, {{Py(host.Pem)}})
        def up(task, path, name=None):
            name = name or os.path.basename(path)
            h.upload(task_dir(task), name, path)
            return task_dir(task) + "/" + name
        def uptext(task, name, text):
            with tempfile.NamedTemporaryFile("w", delete=False) as f:
                f.write(text)
            try:
                return up(task, f.name, name)
            finally:
                os.remove(f.name)
        def q(path, fmt):
            return subprocess.check_output(["rpm", "-qp", "--nosignature", "--qf", fmt, path]).decode()
        def wstate(rel):
            p = os.path.join(work, rel)
            return {"link": os.path.islink(p), "file": os.path.isfile(p) and not os.path.islink(p),
                    "target": os.readlink(p) if os.path.islink(p) else None, "real": os.path.realpath(p)}
        """;

    private JsonElement Run(HostBuildEnv.Host host, string body) => hub.Python(Prelude(host) + "\n" + body);

    private static void AssertFault(JsonElement e, int code, string? prefix = null)
    {
        Assert.True(e.ValueKind == JsonValueKind.Object && e.TryGetProperty("faultCode", out _), e.GetRawText());
        Assert.Equal(code, e.GetProperty("faultCode").GetInt32());
        if (prefix is not null)
        {
            Assert.StartsWith(prefix, e.GetProperty("faultString").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task CompleteBuildImportsRpmsLogsAndBuildroots()
    {
        Assert.True(_workDir);
        var rpms = HostBuildRpms.Get("rt");
        var host = _env.CreateHost("hb-rt-host");
        var buildTask = await _env.OpenTaskAsync(host.Id, "alice");
        var archTask = await _env.OpenTaskAsync(host.Id, "alice", "buildArch", Arch, buildTask, Arch);
        var noarchTask = await _env.OpenTaskAsync(host.Id, "alice", "buildArch", "noarch", buildTask, "noarch");
        hub.Python("""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            s.call("createTag", "hb-rt-build", arches="x86_64")
            """);
        var repo = await _env.ReadyRepoAsync("hb-rt-build");
        await _env.ExternalRepoAsync("hb-rt-ext");
        var knNoarch = corpus.Find("kn-noarch-");
        var r = Run(host, $$"""
            out = {}
            T, T1, T2, REPO = {{buildTask}}, {{archTask}}, {{noarchTask}}, {{repo}}
            SRPM, ARCHRPM, NOARCH, ARCH = {{Py(rpms.Srpm)}}, {{Py(rpms.ArchRpm)}}, {{Py(rpms.NoarchRpm)}}, {{Py(Arch)}}
            # An internal rpm the buildroot will list.
            s.upload("cli-import/hb-rt", os.path.basename({{Py(corpus.Find("kn-noarch-", source: true))}}), {{Py(corpus.Find("kn-noarch-", source: true))}})
            s.call("importRPM", "cli-import/hb-rt", os.path.basename({{Py(corpus.Find("kn-noarch-", source: true))}}))
            s.upload("cli-import/hb-rt", os.path.basename({{Py(knNoarch)}}), {{Py(knNoarch)}})
            kn = s.call("importRPM", "cli-import/hb-rt", os.path.basename({{Py(knNoarch)}}))
            data = {"task_id": T, "name": "kn-hb", "version": "1.0", "release": "rt", "epoch": None,
                    "source": "git+https://example.org/kn-hb.git#abc", "owner": "kojiadmin"}
            bid = h.call("host.initBuild", data)
            out["bid"] = bid
            out["again"] = h.call("host.initBuild", data)
            out["building"] = s.call("getBuild", bid)

            br1 = h.call("host.newBuildRoot", REPO, ARCH, task_id=T1)
            br2 = h.call("host.newBuildRoot", REPO, "noarch", T2)
            out["br"] = [br1, br2]
            out["br_init"] = s.call("getBuildroot", br1)
            ext = {"name": "ext-pkg", "version": "2", "release": "1", "epoch": None, "arch": "x86_64",
                   "payloadhash": "0123456789abcdef0123456789abcdef", "size": 1234, "buildtime": 1700000000, "location": "hb-rt-ext"}
            installed = {k: kn[k] for k in ("id", "name", "version", "release", "epoch", "arch", "payloadhash", "size", "buildtime")}
            out["setlist"] = h.call("host.setBuildRootList", br1, [installed, ext], task_id=T1)
            h.call("host.setBuildRootState", br1, "BUILDING", task_id=T1)
            h.call("host.updateBuildRootList", br1, [installed, ext, dict(ext, name="ext-late")], task_id=T1)
            h.call("host.setBuildRootList", br2, [{"name": "kn-noarch", "version": "1.2.3", "release": "4.kn", "arch": "noarch"}])
            h.call("host.setBuildRootState", br2, 2)

            srpm = up(T1, SRPM)
            arch = up(T1, ARCHRPM)
            na1 = up(T1, NOARCH)
            na2 = up(T2, NOARCH)
            # Different reported hashes: the hub compares the two noarch copies itself (they are the same file).
            logs1 = [uptext(T1, "build.log", "arch build log\n"), uptext(T1, "root.log", "root log\n"),
                     uptext(T1, "noarch_rpmdiff.json", json.dumps({str(T1): {os.path.basename(NOARCH): "hash-a"} }))]
            logs2 = [uptext(T2, "build.log", "noarch build log\n"),
                     uptext(T2, "noarch_rpmdiff.json", json.dumps({str(T2): {os.path.basename(NOARCH): "hash-b"} }))]
            brmap = {srpm: br1, arch: br1, na1: br1, na2: br2}
            out["result"] = h.call("host.completeBuild", T, bid, srpm, [arch, na1, na2], brmap, logs={ARCH: logs1, "noarch": logs2})
            h.call("host.setBuildRootState", br1, "EXPIRED", task_id=T1)
            h.call("host.setBuildRootState", br2, "EXPIRED")
            out["expire_again"] = h.call("host.setBuildRootState", br1, "EXPIRED")
            out["unexpire"] = call_or_fault(h, "host.setBuildRootState", br1, "BUILDING")

            out["build"] = s.call("getBuild", "kn-hb-1.0-rt")
            out["rpms"] = s.call("listRPMs", buildID=bid)
            out["byrpm"] = s.call("listRPMs", buildrootID=br1)
            out["hdrs"] = {r["arch"]: s.call("getRPMHeaders", r["id"], headers=["name", "version", "release", "arch", "summary", "license", "sourcerpm", "requirename", "filenames", "buildtime"])
                           for r in out["rpms"]}
            out["qp"] = {}
            for key, path in (("src", SRPM), (ARCH, ARCHRPM), ("noarch", NOARCH)):
                out["qp"][key] = {"sigmd5": q(path, "%{SIGMD5}"), "summary": q(path, "%{SUMMARY}"), "license": q(path, "%{LICENSE}"),
                                  "sourcerpm": q(path, "%{SOURCERPM}"), "requirename": q(path, "[%{REQUIRENAME}\\n]").splitlines(),
                                  "filenames": q(path, "[%{FILENAMES}\\n]").splitlines(), "buildtime": int(q(path, "%{BUILDTIME}")),
                                  "size": os.path.getsize(path)}
            bdir = os.path.join(top, "packages/kn-hb/1.0/rt")
            out["bdir"] = bdir
            out["tree"] = sorted(os.path.relpath(os.path.join(d, f), bdir) for d, _, fs in os.walk(bdir) for f in fs)
            out["regular"] = all(os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f)) for d, _, fs in os.walk(bdir) for f in fs)
            out["work"] = {rel: wstate(rel) for rel in [srpm, arch, na1, na2] + logs1 + logs2}
            with open(os.path.join(bdir, "data/logs", ARCH, "build.log")) as f:
                out["log_text"] = f.read()

            out["getbr"] = s.call("getBuildroot", br1)
            out["getbr_missing"] = s.call("getBuildroot", 999999)
            out["getbr_strict"] = call_or_fault(s, "getBuildroot", 999999, True)
            out["by_host"] = [b["id"] for b in s.call("listBuildroots", hostID={{host.Id}})]
            out["by_task"] = [b["id"] for b in s.call("listBuildroots", taskID=T1)]
            out["by_state"] = [b["id"] for b in s.call("listBuildroots", hostID={{host.Id}}, state=[0, 1, 2])]
            out["by_expired"] = [b["id"] for b in s.call("listBuildroots", hostID={{host.Id}}, state=3)]
            out["by_rpm"] = s.call("listBuildroots", rpmID=kn["id"])
            out["by_id"] = [b["id"] for b in s.call("listBuildroots", buildrootID=br2)]
            out["by_repo"] = [b["id"] for b in s.call("listBuildroots", repoID=REPO, queryOpts={"order": "-id"})]
            out["by_tag"] = s.call("listBuildroots", tagID=s.call("getTag", "hb-rt-build")["id"], queryOpts={"countOnly": True})
            out["by_archive"] = s.call("listBuildroots", archiveID=1)
            out["badorder"] = call_or_fault(s, "listBuildroots", queryOpts={"order": "nosuchfield"})
            out["listing"] = s.call("getBuildrootListing", br1)
            out["listing_missing"] = call_or_fault(s, "getBuildrootListing", 999999)
            out["builds_of_task"] = [b["build_id"] for b in s.call("listBuilds", taskID=T)]
            out["avg"] = s.call("getAverageBuildDuration", "kn-hb")
            out["avg_recent"] = s.call("getAverageBuildDuration", "kn-hb", age=1)
            out["avg_none"] = s.call("getAverageBuildDuration", "no-such-package")
            out["pkgconf"] = s.call("getPackageConfig", "hb-rt-build", "kn-hb")
            emit(out)
            """);

        var bid = r.GetProperty("bid").GetInt32();
        Assert.Equal(bid, r.GetProperty("again").GetInt32());
        var building = r.GetProperty("building");
        Assert.Equal(0, building.GetProperty("state").GetInt32());
        Assert.Equal(JsonValueKind.Null, building.GetProperty("completion_time").ValueKind);
        Assert.Equal("alice", building.GetProperty("owner_name").GetString());
        Assert.Equal(buildTask, building.GetProperty("task_id").GetInt32());
        Assert.Equal("git+https://example.org/kn-hb.git#abc", building.GetProperty("source").GetString());
        Assert.Equal(0, r.GetProperty("br_init").GetProperty("state").GetInt32());

        // The build and its rpms.
        var build = r.GetProperty("build");
        Assert.Equal(bid, build.GetProperty("id").GetInt32());
        Assert.Equal(1, build.GetProperty("state").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, build.GetProperty("completion_ts").ValueKind);
        Assert.Equal("DEFAULT", build.GetProperty("volume_name").GetString());
        Assert.Equal(1, r.GetProperty("result").GetProperty("state").GetInt32());
        Assert.Equal(bid, r.GetProperty("result").GetProperty("id").GetInt32());
        var brs = r.GetProperty("br").EnumerateArray().Select(x => x.GetInt32()).ToArray();
        var rpmsByArch = r.GetProperty("rpms").EnumerateArray().ToDictionary(x => x.GetProperty("arch").GetString()!);
        Assert.Equal(new[] { "noarch", "src", Arch }.Order(StringComparer.Ordinal), rpmsByArch.Keys.Order(StringComparer.Ordinal));
        // The first noarch copy is the one kept: it came from the arch task's buildroot.
        Assert.All(rpmsByArch.Values, x => Assert.Equal(brs[0], x.GetProperty("buildroot_id").GetInt32()));
        Assert.Equal(3, r.GetProperty("byrpm").GetArrayLength());
        foreach (var (arch, rpm) in rpmsByArch)
        {
            var qp = r.GetProperty("qp").GetProperty(arch);
            var hdrs = r.GetProperty("hdrs").GetProperty(arch);
            Assert.Equal(qp.GetProperty("sigmd5").GetString(), rpm.GetProperty("payloadhash").GetString());
            Assert.Equal(qp.GetProperty("size").GetInt64(), rpm.GetProperty("size").GetInt64());
            Assert.Equal(qp.GetProperty("buildtime").GetInt64(), rpm.GetProperty("buildtime").GetInt64());
            Assert.Equal(qp.GetProperty("buildtime").GetInt64(), hdrs.GetProperty("buildtime").GetInt64());
            Assert.Equal(qp.GetProperty("summary").GetString(), hdrs.GetProperty("summary").GetString());
            Assert.Equal(qp.GetProperty("license").GetString(), hdrs.GetProperty("license").GetString());
            Assert.Equal(Strings(qp.GetProperty("filenames")), Strings(hdrs.GetProperty("filenames")));
            if (arch != "src")
            {
                Assert.Equal(Strings(qp.GetProperty("requirename")), Strings(hdrs.GetProperty("requirename")));
                Assert.Equal(qp.GetProperty("sourcerpm").GetString(), hdrs.GetProperty("sourcerpm").GetString());
            }
            Assert.Equal(bid, rpm.GetProperty("build_id").GetInt32());
        }

        // Files: the exact layout, regular files in packages/, relative symlinks left in work/.
        string[] expectedTree =
        [
            $"{Arch}/kn-hb-1.0-rt.{Arch}.rpm",
            $"data/logs/{Arch}/build.log",
            $"data/logs/{Arch}/noarch_rpmdiff.json",
            $"data/logs/{Arch}/root.log",
            "data/logs/noarch/build.log",
            "data/logs/noarch/noarch_rpmdiff.json",
            $"data/sigcache/{Arch}/kn-hb-1.0-rt.{Arch}.rpm.sig",
            "data/sigcache/noarch/kn-hb-data-1.0-rt.noarch.rpm.sig",
            "data/sigcache/src/kn-hb-1.0-rt.src.rpm.sig",
            "noarch/kn-hb-data-1.0-rt.noarch.rpm",
            "src/kn-hb-1.0-rt.src.rpm",
        ];
        Assert.Equal(expectedTree.Order(StringComparer.Ordinal), Strings(r.GetProperty("tree")).Order(StringComparer.Ordinal));
        Assert.True(r.GetProperty("regular").GetBoolean());
        Assert.Equal("arch build log\n", r.GetProperty("log_text").GetString());
        var bdir = r.GetProperty("bdir").GetString()!;
        var work = r.GetProperty("work").EnumerateObject().ToList();
        foreach (var (rel, state) in work.Select(p => (p.Name, p.Value)))
        {
            if (rel.EndsWith($"{noarchTask}/kn-hb-data-1.0-rt.noarch.rpm", StringComparison.Ordinal))
            {
                // The duplicate noarch copy is not imported and stays where it was.
                Assert.True(state.GetProperty("file").GetBoolean(), rel);
                continue;
            }
            Assert.True(state.GetProperty("link").GetBoolean(), rel);
            Assert.False(Path.IsPathRooted(state.GetProperty("target").GetString()), rel);
            Assert.StartsWith(bdir + "/", state.GetProperty("real").GetString(), StringComparison.Ordinal);
        }

        // Buildroots.
        var br = r.GetProperty("getbr");
        Assert.Equal(brs[0], br.GetProperty("id").GetInt32());
        Assert.Equal(0, br.GetProperty("br_type").GetInt32());
        Assert.Equal("chroot", br.GetProperty("container_type").GetString());
        Assert.Equal(Arch, br.GetProperty("arch").GetString());
        Assert.Equal(Arch, br.GetProperty("container_arch").GetString());
        Assert.Equal(3, br.GetProperty("state").GetInt32());
        Assert.Equal(archTask, br.GetProperty("task_id").GetInt32());
        Assert.Equal(host.Id, br.GetProperty("host_id").GetInt32());
        Assert.Equal("hb-rt-host", br.GetProperty("host_name").GetString());
        Assert.Equal("hb-rt-build", br.GetProperty("tag_name").GetString());
        Assert.Equal(1, br.GetProperty("repo_state").GetInt32());
        Assert.True(br.GetProperty("retire_event_id").GetInt32() > br.GetProperty("create_event_id").GetInt32());
        Assert.EndsWith("+00:00", br.GetProperty("create_event_time").GetString(), StringComparison.Ordinal);
        Assert.True(br.GetProperty("retire_ts").GetDouble() >= br.GetProperty("create_ts").GetDouble());
        Assert.NotEqual(JsonValueKind.Null, br.GetProperty("repo_create_event_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, br.GetProperty("cg_id").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("getbr_missing").ValueKind);
        AssertFault(r.GetProperty("getbr_strict"), 1000, "No such buildroot: 999999");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("expire_again").ValueKind);
        AssertFault(r.GetProperty("unexpire"), 1000, $"buildroot {brs[0]} is EXPIRED");
        Assert.Equal(brs, Ints(r.GetProperty("by_host")));
        Assert.Equal([brs[0]], Ints(r.GetProperty("by_task")));
        Assert.Empty(Ints(r.GetProperty("by_state")));
        Assert.Equal(brs, Ints(r.GetProperty("by_expired")));
        Assert.Equal([brs[1]], Ints(r.GetProperty("by_id")));
        Assert.Equal(brs.Reverse(), Ints(r.GetProperty("by_repo")));
        Assert.Equal(2, r.GetProperty("by_tag").GetInt32());
        Assert.Equal(0, r.GetProperty("by_archive").GetArrayLength());
        AssertFault(r.GetProperty("badorder"), 1019);
        var byRpm = r.GetProperty("by_rpm").EnumerateArray().ToList();
        Assert.Equal(brs, byRpm.Select(x => x.GetProperty("id").GetInt32()));
        Assert.All(byRpm, x => Assert.False(x.GetProperty("is_update").GetBoolean()));

        var listing = r.GetProperty("listing").EnumerateArray().ToDictionary(x => x.GetProperty("name").GetString()!);
        Assert.Equal(new[] { "ext-late", "ext-pkg", "kn-noarch" }, listing.Keys.Order(StringComparer.Ordinal));
        Assert.False(listing["kn-noarch"].GetProperty("is_update").GetBoolean());
        Assert.Equal("INTERNAL", listing["kn-noarch"].GetProperty("external_repo_name").GetString());
        Assert.NotEqual(JsonValueKind.Null, listing["kn-noarch"].GetProperty("build_id").ValueKind);
        Assert.False(listing["ext-pkg"].GetProperty("is_update").GetBoolean());
        Assert.Equal("hb-rt-ext", listing["ext-pkg"].GetProperty("external_repo_name").GetString());
        Assert.Equal(JsonValueKind.Null, listing["ext-pkg"].GetProperty("build_id").ValueKind);
        Assert.True(listing["ext-late"].GetProperty("is_update").GetBoolean());
        AssertFault(r.GetProperty("listing_missing"), 1000, "no buildroot with ID: 999999");

        Assert.Equal([bid], Ints(r.GetProperty("builds_of_task")));
        Assert.True(r.GetProperty("avg").GetDouble() >= 0);
        Assert.Equal(r.GetProperty("avg").GetDouble(), r.GetProperty("avg_recent").GetDouble());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("avg_none").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("pkgconf").ValueKind);
    }

    [Fact]
    public async Task FailedCompletionsLeaveNothingImportedAndNoFileMoved()
    {
        Assert.True(_workDir);
        var rpms = HostBuildRpms.Get("fail");
        var variant = HostBuildRpms.Get("fail", variant: true);
        var host = _env.CreateHost("hb-fail-host");
        var other = _env.CreateHost("hb-fail-other");
        var buildTask = await _env.OpenTaskAsync(host.Id, "alice");
        var archTask = await _env.OpenTaskAsync(host.Id, "alice", "buildArch", Arch, buildTask, Arch);
        var noarchTask = await _env.OpenTaskAsync(host.Id, "alice", "buildArch", "noarch", buildTask, "noarch");
        var otherTask = await _env.OpenTaskAsync(other.Id, "alice");
        var closedTask = await _env.OpenTaskAsync(host.Id, "alice");
        await _env.SetTaskStateAsync(closedTask, 2);
        var r = Run(host, $$"""
            out = {}
            T, T1, T2, TOTHER, TCLOSED = {{buildTask}}, {{archTask}}, {{noarchTask}}, {{otherTask}}, {{closedTask}}
            bid = h.call("host.initBuild", {"task_id": T, "name": "kn-hb", "version": "1.0", "release": "fail", "epoch": None})
            srpm = up(T1, {{Py(rpms.Srpm)}})
            arch = up(T1, {{Py(rpms.ArchRpm)}})
            na1 = up(T1, {{Py(rpms.NoarchRpm)}})
            na2 = up(T2, {{Py(variant.NoarchRpm)}})
            wrong_srpm = up(T1, {{Py(corpus.Find("kn-noarch-", source: true))}})
            log = uptext(T1, "build.log", "log\n")
            uploaded = [srpm, arch, na1, na2, wrong_srpm, log]
            bdir = os.path.join(top, "packages/kn-hb/1.0/fail")
            def state():
                return {"state": s.call("getBuild", bid)["state"], "rpms": len(s.call("listRPMs", buildID=bid)),
                        "tree": sorted(os.path.relpath(os.path.join(d, f), bdir) for d, _, fs in os.walk(bdir) for f in fs + [x + "/" for x in _]),
                        "work": all(wstate(rel)["file"] for rel in uploaded)}
            def attempt(key, sess, *args, **kwargs):
                out[key] = {"fault": call_or_fault(sess, "host.completeBuild", *args, **kwargs), "after": state()}
            logs = {{{Py(Arch)}}: [log]}
            attempt("missing", h, T, bid, srpm, [arch, task_dir(T1) + "/nope.noarch.rpm"], logs=logs)
            attempt("missing_log", h, T, bid, srpm, [arch], logs={"noarch": [task_dir(T1) + "/nope.log"]})
            attempt("nvr", h, T, bid, wrong_srpm, [arch], logs=logs)
            attempt("noarch_differs", h, T, bid, srpm, [arch, na1, na2], logs=logs)
            attempt("bad_brmap", h, T, bid, srpm, [arch], {srpm: 999999}, logs)
            attempt("escape", h, T, bid, srpm, ["../../etc/passwd"])
            attempt("other_task", h, TOTHER, bid, srpm, [arch])
            attempt("closed_task", h, TCLOSED, bid, srpm, [arch])
            attempt("alice", a, T, bid, srpm, [arch])
            attempt("admin", s, T, bid, srpm, [arch])
            # A host on a session that is not exclusive.
            shared = Session(hub, ca, {{Py(other.Pem)}})
            shared.ssl_login()
            attempt("shared_session", shared, T, bid, srpm, [arch])
            # A failure while the files are being moved: data/ is in the way, after the rpms moved.
            os.makedirs(bdir)
            with open(os.path.join(bdir, "data"), "w") as f:
                f.write("in the way")
            attempt("move_fails", h, T, bid, srpm, [arch, na1], logs=logs)
            os.remove(os.path.join(bdir, "data"))
            os.rmdir(bdir)
            out["ok"] = h.call("host.completeBuild", T, bid, srpm, [arch, na1], logs=logs)
            out["done"] = state()
            out["again"] = call_or_fault(h, "host.completeBuild", T, bid, srpm, [arch, na1])
            emit(out)
            """);

        void Untouched(string key, int code, string? prefix = null)
        {
            var attempt = r.GetProperty(key);
            AssertFault(attempt.GetProperty("fault"), code, prefix);
            var after = attempt.GetProperty("after");
            Assert.Equal(0, after.GetProperty("state").GetInt32());
            Assert.Equal(0, after.GetProperty("rpms").GetInt32());
            Assert.True(after.GetProperty("work").GetBoolean(), key);
            Assert.Equal(0, after.GetProperty("tree").GetArrayLength());
        }
        Untouched("missing", 1000, "No such file: ");
        Untouched("missing_log", 1000, "No such file: ");
        Untouched("nvr", 1000, "Unable to complete build: name mismatch (build: kn-hb, rpm: kn-noarch)");
        Untouched("noarch_differs", 1005, "The following noarch package built differently on different architectures: kn-hb-data-1.0-fail.noarch.rpm");
        Assert.Contains("REQUIRES", r.GetProperty("noarch_differs").GetProperty("fault").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Untouched("bad_brmap", 1000, "no buildroot with ID: 999999");
        Untouched("escape", 1000);
        Untouched("other_task", 1004, $"host {host.Id} does not own task {otherTask}");
        Untouched("closed_task", 1004, $"host {host.Id} does not own task {closedTask}");
        Untouched("alice", 1002, "User ");
        Untouched("admin", 1002, "User ");
        Untouched("shared_session", 1002, "This method requires an exclusive session");

        // The database work was done and rolled back, the moved rpm put back; only the obstacle remains.
        var moveFails = r.GetProperty("move_fails");
        AssertFault(moveFails.GetProperty("fault"), 1000, "Unable to move files into place");
        Assert.Equal(0, moveFails.GetProperty("after").GetProperty("state").GetInt32());
        Assert.Equal(0, moveFails.GetProperty("after").GetProperty("rpms").GetInt32());
        Assert.True(moveFails.GetProperty("after").GetProperty("work").GetBoolean());
        Assert.Equal(["data"], Strings(moveFails.GetProperty("after").GetProperty("tree")));

        // After all that, the same call succeeds: nothing was left half done.
        Assert.Equal(1, r.GetProperty("ok").GetProperty("state").GetInt32());
        Assert.Equal(1, r.GetProperty("done").GetProperty("state").GetInt32());
        Assert.Equal(3, r.GetProperty("done").GetProperty("rpms").GetInt32());
        AssertFault(r.GetProperty("again"), 1000);
    }

    [Fact]
    public async Task FailBuildAndInitBuildRules()
    {
        Assert.True(_workDir);
        var rpms = HostBuildRpms.Get("fb");
        var host = _env.CreateHost("hb-fb-host");
        var other = _env.CreateHost("hb-fb-other");
        var t1 = await _env.OpenTaskAsync(host.Id, "alice");
        var t2 = await _env.OpenTaskAsync(host.Id, "kojiadmin");
        var t3 = await _env.OpenTaskAsync(host.Id, "alice");
        var foreign = await _env.OpenTaskAsync(other.Id, "alice");
        var r = Run(host, $$"""
            out = {}
            T1, T2, T3, TF = {{t1}}, {{t2}}, {{t3}}, {{foreign}}
            data = {"task_id": T1, "name": "kn-hb", "version": "1.0", "release": "fb", "epoch": None}
            bid = h.call("host.initBuild", data)
            out["bid"] = bid
            out["in_progress"] = call_or_fault(h, "host.initBuild", dict(data, task_id=T2))
            out["foreign_init"] = call_or_fault(h, "host.initBuild", dict(data, task_id=TF))
            out["no_version"] = call_or_fault(h, "host.initBuild", {"task_id": T1, "name": "kn-hb", "release": "x", "epoch": None})
            out["no_task"] = call_or_fault(h, "host.initBuild", {"name": "kn-hb", "version": "1", "release": "x", "epoch": None})
            out["not_struct"] = call_or_fault(h, "host.initBuild", "kn-hb-1.0-fb")
            out["foreign_fail"] = call_or_fault(h, "host.failBuild", TF, bid)
            out["alice_fail"] = call_or_fault(a, "host.failBuild", T1, bid)
            out["fail"] = h.call("host.failBuild", T1, bid)
            out["failed"] = s.call("getBuild", bid)
            out["fail_again"] = call_or_fault(h, "host.failBuild", T1, bid)
            out["fail_missing"] = call_or_fault(h, "host.failBuild", T1, 999999)
            srpm = up(T1, {{Py(rpms.Srpm)}})
            arch = up(T1, {{Py(rpms.ArchRpm)}})
            out["complete_failed"] = call_or_fault(h, "host.completeBuild", T1, bid, srpm, [arch])
            out["work_after"] = [wstate(srpm)["file"], wstate(arch)["file"]]
            out["recycled"] = h.call("host.initBuild", dict(data, task_id=T3, extra={"note": "retry"}))
            out["recycled_build"] = s.call("getBuild", bid)
            out["recycled_types"] = s.call("getBuildType", bid)
            s.call("createEmptyBuild", "kn-hb", "1.0", "fb-done", None)
            out["exists"] = call_or_fault(h, "host.initBuild", dict(data, release="fb-done"))
            d1 = h.call("host.initBuild", dict(data, release="fbd", draft=True))
            d2 = h.call("host.initBuild", dict(data, release="fbd", draft=True))
            out["drafts"] = [s.call("getBuild", d1), s.call("getBuild", d2)]
            emit(out)
            """);
        var bid = r.GetProperty("bid").GetInt32();
        AssertFault(r.GetProperty("in_progress"), 1000, $"Build already in progress (task {t1})");
        AssertFault(r.GetProperty("foreign_init"), 1004, $"host {host.Id} does not own task {foreign}");
        AssertFault(r.GetProperty("no_version"), 1000, "No version value for build");
        AssertFault(r.GetProperty("no_task"), 1000);
        AssertFault(r.GetProperty("not_struct"), 1019);
        AssertFault(r.GetProperty("foreign_fail"), 1004);
        AssertFault(r.GetProperty("alice_fail"), 1002);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("fail").ValueKind);
        var failed = r.GetProperty("failed");
        Assert.Equal(3, failed.GetProperty("state").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, failed.GetProperty("completion_time").ValueKind);
        AssertFault(r.GetProperty("fail_again"), 1000, $"cannot update build {bid}, state: FAILED");
        AssertFault(r.GetProperty("fail_missing"), 1000, "No such build: 999999");
        AssertFault(r.GetProperty("complete_failed"), 1000, "Unable to complete build: state is FAILED");
        Assert.All(r.GetProperty("work_after").EnumerateArray(), x => Assert.True(x.GetBoolean()));

        // A FAILED build without rpms or tags is recycled by the next attempt: same id, new task.
        Assert.Equal(bid, r.GetProperty("recycled").GetInt32());
        var recycled = r.GetProperty("recycled_build");
        Assert.Equal(0, recycled.GetProperty("state").GetInt32());
        Assert.Equal(t3, recycled.GetProperty("task_id").GetInt32());
        Assert.Equal(JsonValueKind.Null, recycled.GetProperty("completion_time").ValueKind);
        Assert.Equal("retry", recycled.GetProperty("extra").GetProperty("note").GetString());
        Assert.True(r.GetProperty("recycled_types").TryGetProperty("rpm", out _));
        AssertFault(r.GetProperty("exists"), 1000, "Build already exists (id=");

        var drafts = r.GetProperty("drafts").EnumerateArray().ToList();
        Assert.NotEqual(drafts[0].GetProperty("id").GetInt32(), drafts[1].GetProperty("id").GetInt32());
        foreach (var d in drafts)
        {
            Assert.True(d.GetProperty("draft").GetBoolean());
            Assert.Equal($"fbd,draft_{d.GetProperty("id").GetInt32()}", d.GetProperty("release").GetString());
            Assert.Equal("fbd", d.GetProperty("extra").GetProperty("draft").GetProperty("target_release").GetString());
            Assert.False(d.GetProperty("extra").GetProperty("draft").GetProperty("promoted").GetBoolean());
        }
    }

    [Fact]
    public async Task CompleteBuildOfADraftAndAWrongStateBuild()
    {
        Assert.True(_workDir);
        var rpms = HostBuildRpms.Get("dr");
        var host = _env.CreateHost("hb-dr-host");
        var task = await _env.OpenTaskAsync(host.Id, "alice");
        var r = Run(host, $$"""
            out = {}
            T = {{task}}
            bid = h.call("host.initBuild", {"task_id": T, "name": "kn-hb", "version": "1.0", "release": "dr", "epoch": None, "draft": True})
            srpm = up(T, {{Py(rpms.Srpm)}})
            arch = up(T, {{Py(rpms.ArchRpm)}})
            out["result"] = h.call("host.completeBuild", T, bid, srpm, [arch])
            out["rpms"] = s.call("listRPMs", buildID=bid)
            b = out["result"]
            out["file"] = os.path.isfile(os.path.join(top, "packages/kn-hb/1.0", b["release"], {{Py(Arch)}}, "kn-hb-1.0-dr.{{Arch}}.rpm"))
            emit(out)
            """);
        var result = r.GetProperty("result");
        Assert.Equal(1, result.GetProperty("state").GetInt32());
        Assert.True(result.GetProperty("draft").GetBoolean());
        Assert.All(r.GetProperty("rpms").EnumerateArray(), x => Assert.True(x.GetProperty("draft").GetBoolean()));
        Assert.True(r.GetProperty("file").GetBoolean());
    }

    [Fact]
    public async Task MoveBuildToScratchUsesTheScratchLayout()
    {
        Assert.True(_workDir);
        var rpms = HostBuildRpms.Get("sc");
        var host = _env.CreateHost("hb-sc-host");
        var task = await _env.OpenTaskAsync(host.Id, "alice");
        var archTask = await _env.OpenTaskAsync(host.Id, "alice", "buildArch", Arch, task, Arch);
        var noarchTask = await _env.OpenTaskAsync(host.Id, "alice", "buildArch", "noarch", task, "noarch");
        var r = Run(host, $$"""
            out = {}
            T, T1, T2 = {{task}}, {{archTask}}, {{noarchTask}}
            out["builds_before"] = s.call("listBuilds", queryOpts={"countOnly": True})
            srpm = up(T1, {{Py(rpms.Srpm)}})
            arch = up(T1, {{Py(rpms.ArchRpm)}})
            na1 = up(T1, {{Py(rpms.NoarchRpm)}})
            na2 = up(T2, {{Py(rpms.NoarchRpm)}})
            same = json.dumps({str(T1): {os.path.basename(na1): "same"}, str(T2): {os.path.basename(na2): "same"} })
            logs = {{{Py(Arch)}}: [uptext(T1, "build.log", "scratch arch log\n"), uptext(T1, "noarch_rpmdiff.json", same)],
                    "noarch": [uptext(T2, "build.log", "scratch noarch log\n")]}
            out["alice"] = call_or_fault(a, "host.moveBuildToScratch", T, srpm, [arch, na1, na2], logs)
            out["result"] = h.call("host.moveBuildToScratch", T, srpm, [arch, na1, na2], logs)
            sdir = os.path.join(top, "scratch/alice/task_%d" % T)
            out["sdir"] = sdir
            out["tree"] = sorted(os.path.relpath(os.path.join(d, f), sdir) for d, _, fs in os.walk(sdir) for f in fs)
            out["work"] = {rel: wstate(rel) for rel in [srpm, arch, na1, na2] + logs[{{Py(Arch)}}] + logs["noarch"]}
            out["builds_after"] = s.call("listBuilds", queryOpts={"countOnly": True})
            out["build"] = s.call("getBuild", "kn-hb-1.0-sc")
            out["again"] = call_or_fault(h, "host.moveBuildToScratch", T, srpm, [arch], logs)
            emit(out)
            """);
        AssertFault(r.GetProperty("alice"), 1002);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("result").ValueKind);
        string[] expected =
        [
            $"kn-hb-1.0-sc.{Arch}.rpm", "kn-hb-1.0-sc.src.rpm", "kn-hb-data-1.0-sc.noarch.rpm",
            $"logs/{Arch}/build.log", $"logs/{Arch}/noarch_rpmdiff.json", "logs/noarch/build.log",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), Strings(r.GetProperty("tree")).Order(StringComparer.Ordinal));
        var sdir = r.GetProperty("sdir").GetString()!;
        foreach (var p in r.GetProperty("work").EnumerateObject())
        {
            if (p.Name.StartsWith($"tasks/{noarchTask % 10000}/{noarchTask}/kn-hb-data", StringComparison.Ordinal))
            {
                Assert.True(p.Value.GetProperty("file").GetBoolean(), p.Name);
                continue;
            }
            Assert.True(p.Value.GetProperty("link").GetBoolean(), p.Name);
            Assert.StartsWith(sdir + "/", p.Value.GetProperty("real").GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(r.GetProperty("builds_before").GetInt32(), r.GetProperty("builds_after").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("build").ValueKind);
        AssertFault(r.GetProperty("again"), 1000);
    }

    [Fact]
    public async Task HostTagBuildTagsAsTheTaskOwner()
    {
        var host = _env.CreateHost("hb-tag-host");
        var task = await _env.OpenTaskAsync(host.Id, "alice", "tagBuild");
        var foreign = await _env.OpenTaskAsync(_env.CreateHost("hb-tag-other").Id, "alice", "tagBuild");
        var r = Run(host, $$"""
            out = {}
            T, TF = {{task}}, {{foreign}}
            for tag in ("hb-dest", "hb-dest2", "hb-locked", "hb-perm", "hb-nopkg", "hb-blocked"):
                s.call("createTag", tag, perm="admin" if tag == "hb-perm" else None)
            for tag in ("hb-dest", "hb-dest2", "hb-locked", "hb-perm", "hb-blocked"):
                s.call("packageListAdd", tag, "kn-hbtag", owner="alice")
            s.call("packageListBlock", "hb-blocked", "kn-hbtag")
            s.call("editTag2", "hb-locked", locked=True)
            bid = s.call("createEmptyBuild", "kn-hbtag", "1", "1", None)
            out["bid"] = bid
            out["tag"] = h.call("host.tagBuild", T, "hb-dest", bid)
            out["tagged"] = s.call("listTagged", "hb-dest")
            out["hist"] = s.call("queryHistory", tables=["tag_listing"], build=bid)["tag_listing"]
            out["dup"] = call_or_fault(h, "host.tagBuild", T, "hb-dest", bid)
            out["nopkg"] = call_or_fault(h, "host.tagBuild", T, "hb-nopkg", bid)
            out["blocked"] = call_or_fault(h, "host.tagBuild", T, "hb-blocked", bid)
            out["locked"] = call_or_fault(h, "host.tagBuild", T, "hb-locked", bid)
            out["perm"] = call_or_fault(h, "host.tagBuild", T, "hb-perm", bid, True)
            out["move"] = h.call("host.tagBuild", T, "hb-dest2", bid, False, "hb-dest")
            out["after_move"] = [len(s.call("listTagged", "hb-dest")), len(s.call("listTagged", "hb-dest2"))]
            out["move_again"] = call_or_fault(h, "host.tagBuild", T, "hb-dest", bid, False, "hb-dest")
            out["foreign"] = call_or_fault(h, "host.tagBuild", TF, "hb-dest", bid)
            out["alice"] = call_or_fault(a, "host.tagBuild", T, "hb-dest", bid)
            out["nobuild"] = call_or_fault(h, "host.tagBuild", T, "hb-dest", "no-such-1-1")
            alice_id = s.call("getUser", "alice")["id"]
            dest_id = s.call("getTag", "hb-dest")["id"]
            out["notify"] = h.call("host.tagNotification", True, dest_id, None, bid, alice_id)
            out["notify_fail"] = h.call("host.tagNotification", False, dest_id, dest_id, bid, alice_id, False, "failed")
            out["notify_badbuild"] = call_or_fault(h, "host.tagNotification", True, dest_id, None, 999999, alice_id)
            out["notify_alice"] = call_or_fault(a, "host.tagNotification", True, dest_id, None, bid, alice_id)
            emit(out)
            """);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("tag").ValueKind);
        var bid = r.GetProperty("bid").GetInt32();
        Assert.Equal([bid], r.GetProperty("tagged").EnumerateArray().Select(x => x.GetProperty("build_id").GetInt32()));
        var hist = r.GetProperty("hist").EnumerateArray().ToList();
        Assert.Equal("alice", hist[0].GetProperty("creator_name").GetString());
        AssertFault(r.GetProperty("dup"), 1003, "build kn-hbtag-1-1 already tagged (hb-dest)");
        AssertFault(r.GetProperty("nopkg"), 1003, "Package kn-hbtag not in list for hb-nopkg");
        AssertFault(r.GetProperty("blocked"), 1003, "Package kn-hbtag blocked in hb-blocked");
        AssertFault(r.GetProperty("locked"), 1004, "tag is locked");
        AssertFault(r.GetProperty("perm"), 1004, "tag requires admin permission");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("move").ValueKind);
        Assert.Equal([0, 1], Ints(r.GetProperty("after_move")));
        AssertFault(r.GetProperty("move_again"), 1003, "build kn-hbtag-1-1 not in tag hb-dest");
        AssertFault(r.GetProperty("foreign"), 1004);
        AssertFault(r.GetProperty("alice"), 1002);
        AssertFault(r.GetProperty("nobuild"), 1000, "No such build: no-such-1-1");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("notify").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("notify_fail").ValueKind);
        AssertFault(r.GetProperty("notify_badbuild"), 1000);
        AssertFault(r.GetProperty("notify_alice"), 1002);
    }

    [Fact]
    public async Task BuildrootCallsCheckOwnerTaskAndState()
    {
        var host = _env.CreateHost("hb-br-host");
        var other = _env.CreateHost("hb-br-other");
        var task = await _env.OpenTaskAsync(host.Id, "alice", "buildArch", Arch);
        var task2 = await _env.OpenTaskAsync(host.Id, "alice", "buildArch", Arch);
        var foreign = await _env.OpenTaskAsync(other.Id, "alice", "buildArch", Arch);
        hub.Python("""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            s.call("createTag", "hb-br-build")
            """);
        var repo = await _env.ReadyRepoAsync("hb-br-build");
        await _env.ExternalRepoAsync("hb-br-ext");
        var r = Run(host, $$"""
            out = {}
            T, T2, TF, REPO = {{task}}, {{task2}}, {{foreign}}, {{repo}}
            o = host_session(hub, ca, {{Py(other.Pem)}})
            br = h.call("host.newBuildRoot", REPO, "x86_64", task_id=T)
            obr = o.call("host.newBuildRoot", REPO, "noarch", task_id=TF)
            out["no_repo"] = call_or_fault(h, "host.newBuildRoot", 999999, "x86_64", task_id=T)
            out["two_arches"] = call_or_fault(h, "host.newBuildRoot", REPO, "x86_64 noarch", task_id=T)
            out["bad_arch"] = call_or_fault(h, "host.newBuildRoot", REPO, "x86 64!", task_id=T)
            out["no_task"] = call_or_fault(h, "host.newBuildRoot", REPO, "x86_64")
            out["foreign_task"] = call_or_fault(h, "host.newBuildRoot", REPO, "x86_64", task_id=TF)
            out["alice"] = call_or_fault(a, "host.newBuildRoot", REPO, "x86_64", task_id=T)
            out["not_owner"] = call_or_fault(h, "host.setBuildRootState", obr, "BUILDING")
            out["wrong_task"] = call_or_fault(h, "host.setBuildRootState", br, "BUILDING", T2)
            out["to_init"] = call_or_fault(h, "host.setBuildRootState", br, "INIT")
            out["bad_state"] = call_or_fault(h, "host.setBuildRootState", br, "NOSUCH")
            out["missing_br"] = call_or_fault(h, "host.setBuildRootState", 999999, "BUILDING")
            out["update_in_init"] = call_or_fault(h, "host.updateBuildRootList", br, [])
            out["no_rpm"] = call_or_fault(h, "host.setBuildRootList", br, [{"id": 999999}])
            out["no_rpm_nvra"] = call_or_fault(h, "host.setBuildRootList", br, [{"name": "nope", "version": "1", "release": "1", "arch": "noarch"}])
            ext = {"name": "ext-a", "version": "1", "release": "1", "epoch": 2, "arch": "noarch",
                   "payloadhash": "00112233445566778899aabbccddeeff", "size": 10, "buildtime": 1, "location": "hb-br-ext"}
            out["no_ext_repo"] = call_or_fault(h, "host.setBuildRootList", br, [dict(ext, location="no-such-ext")])
            out["ext_missing_field"] = call_or_fault(h, "host.setBuildRootList", br, [{k: v for k, v in ext.items() if k != "size"}])
            out["ext_bad_value"] = call_or_fault(h, "host.setBuildRootList", br, [dict(ext, size="10")])
            out["not_list"] = call_or_fault(h, "host.setBuildRootList", br, {"id": 1})
            out["listing_empty"] = s.call("getBuildrootListing", br)
            h.call("host.setBuildRootList", br, [ext, ext], task_id=T)
            out["ext_rpm"] = s.call("getRPM", "ext-a-1-1.noarch@hb-br-ext")
            out["hash_changed"] = call_or_fault(h, "host.setBuildRootList", br, [dict(ext, payloadhash="ff" * 16)])
            out["state_int"] = h.call("host.setBuildRootState", br, 2, T)
            out["set_in_building"] = call_or_fault(h, "host.setBuildRootList", br, [ext])
            h.call("host.updateBuildRootList", br, [ext], T)
            out["listing"] = s.call("getBuildrootListing", br)
            out["expire"] = h.call("host.setBuildRootState", br, "EXPIRED")
            out["update_expired"] = call_or_fault(h, "host.updateBuildRootList", br, [ext])
            out["br"] = s.call("getBuildroot", br)
            emit(out)
            """);
        AssertFault(r.GetProperty("no_repo"), 1000, "No such repo: 999999");
        AssertFault(r.GetProperty("two_arches"), 1000, "Only one arch allowed");
        AssertFault(r.GetProperty("bad_arch"), 1000);
        AssertFault(r.GetProperty("no_task"), 1000);
        AssertFault(r.GetProperty("foreign_task"), 1004, $"host {host.Id} does not own task {foreign}");
        AssertFault(r.GetProperty("alice"), 1002);
        AssertFault(r.GetProperty("not_owner"), 1004, $"Host {host.Id} not owner of buildroot ");
        AssertFault(r.GetProperty("wrong_task"), 1004, $"Task {task2} does not have lock on buildroot ");
        AssertFault(r.GetProperty("to_init"), 1000, "Cannot change buildroot state to INIT");
        AssertFault(r.GetProperty("bad_state"), 1000);
        AssertFault(r.GetProperty("missing_br"), 1000, "no buildroot with ID: 999999");
        AssertFault(r.GetProperty("update_in_init"), 1000, "buildroot ");
        AssertFault(r.GetProperty("no_rpm"), 1000, "No such rpm: ");
        AssertFault(r.GetProperty("no_rpm_nvra"), 1000, "No such rpm: ");
        AssertFault(r.GetProperty("no_ext_repo"), 1000, "No such repo: no-such-ext");
        AssertFault(r.GetProperty("ext_missing_field"), 1000, "size field missing");
        AssertFault(r.GetProperty("ext_bad_value"), 1000, "Invalid value for size: '10'");
        AssertFault(r.GetProperty("not_list"), 1019);
        Assert.Equal(0, r.GetProperty("listing_empty").GetArrayLength());
        var ext = r.GetProperty("ext_rpm");
        Assert.Equal("hb-br-ext", ext.GetProperty("external_repo_name").GetString());
        Assert.Equal(2, ext.GetProperty("epoch").GetInt32());
        Assert.Equal(JsonValueKind.Null, ext.GetProperty("build_id").ValueKind);
        AssertFault(r.GetProperty("hash_changed"), 1000, "hash changed for external rpm: ext-a-1-1.noarch@hb-br-ext");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("state_int").ValueKind);
        AssertFault(r.GetProperty("set_in_building"), 1000, "buildroot ");
        var listing = r.GetProperty("listing").EnumerateArray().ToList();
        Assert.Single(listing);
        Assert.False(listing[0].GetProperty("is_update").GetBoolean());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("expire").ValueKind);
        AssertFault(r.GetProperty("update_expired"), 1000, "buildroot ");
        Assert.Equal(3, r.GetProperty("br").GetProperty("state").GetInt32());
    }

    private static List<string> Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToList();

    private static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
}

public sealed class SqliteHostBuildTests(SqliteHub hub, RpmCorpus corpus) : HostBuildTests<SqliteHub>(hub, corpus), IClassFixture<RpmCorpus>;

public sealed class PostgresHostBuildTests(PostgresHub hub, RpmCorpus corpus) : HostBuildTests<PostgresHub>(hub, corpus), IClassFixture<RpmCorpus>;
