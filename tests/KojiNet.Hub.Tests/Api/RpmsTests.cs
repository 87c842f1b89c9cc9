using System.Text.Json;
using KojiNet.TestSupport;

namespace KojiNet.Hub.Tests.Api;

/// <summary>
/// RPM lookup, listing, headers, dependencies and files (api-core.md §0, §4.2) for imported corpus
/// packages, with <c>rpm -qp</c> as the oracle.
/// </summary>
public abstract class RpmsTests<THub>(THub hub, RpmCorpus corpus) : IClassFixture<THub> where THub : HubFixture
{
    // A fresh hub may not have work/ yet; the upload path check needs it.
    private readonly bool _workDir = Directory.CreateDirectory(Path.Combine(hub.KojiDir, "work")).Exists;

    private static readonly string[] Prefixes = ["kn-noarch-", "kn-compiled-", "kn-zstd-", "kn-bzip2-"];

    private static string Py(string s) => JsonSerializer.Serialize(s);

    /// <summary>Python that imports every corpus package once (SRPMs first) and defines <c>s</c>, <c>anon</c>, <c>f</c>, <c>q</c>, <c>files</c>.</summary>
    private string Prelude()
    {
        var sources = string.Join(", ", Prefixes.Select(p => Py(corpus.Find(p, source: true))));
        var binaries = string.Join(", ", Prefixes.Select(p => Py(corpus.Find(p))));
        return $$"""
            import subprocess, os
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            anon = Session(hub, ca)
            def f(sess, *args, **kw):
                try:
                    return sess.call(*args, **kw)
                except xmlrpc.client.Fault as e:
                    return fault_dict(e)
            sources = [{{sources}}]
            binaries = [{{binaries}}]
            files = {}
            for path in sources + binaries:
                name = path.rsplit("/", 1)[1]
                files[name] = path
                if s.call("getRPM", name) is None:
                    s.upload("rpms-tests/" + name, name, path)
                    s.call("importRPM", "rpms-tests/" + name, name)
            def q(path, fmt):
                return subprocess.check_output(["rpm", "-qp", "--nosignature", "--qf", fmt, path]).decode()
            """;
    }

    private JsonElement Run(string body) => hub.Python(Prelude() + "\n" + body);

    private static void Fault(JsonElement e, int code, string? message = null)
    {
        Assert.True(e.ValueKind == JsonValueKind.Object && e.TryGetProperty("faultCode", out _), e.GetRawText());
        Assert.Equal(code, e.GetProperty("faultCode").GetInt32());
        if (message is not null)
        {
            Assert.Equal(message, e.GetProperty("faultString").GetString());
        }
    }

    [Fact]
    public void GetRpmLookupForms()
    {
        var compiled = Path.GetFileName(corpus.Find("kn-compiled-"));
        var r = Run($$"""
            compiled = {{Py(compiled)}}
            nvra = compiled[:-4]
            rpm = s.call("getRPM", nvra)
            n, v, rel, arch = rpm["name"], rpm["version"], rpm["release"], rpm["arch"]
            out = {"rpm": rpm, "nvra": nvra}
            forms = [rpm["id"], str(rpm["id"]), nvra, compiled, nvra + "@INTERNAL", compiled + "@INTERNAL",
                     {"name": n, "version": v, "release": rel, "arch": arch},
                     {"name": n, "version": v, "release": rel, "arch": arch, "location": "INTERNAL"}, {"id": rpm["id"]}]
            out["forms"] = [s.call("getRPM", x)["id"] for x in forms]
            out["anon"] = anon.call("getRPM", nvra)["id"]
            out["multi"] = s.call("getRPM", nvra, multi=True)
            out["multi_missing"] = s.call("getRPM", "kn-nosuch-1-1.noarch", multi=True)
            out["missing"] = s.call("getRPM", "kn-nosuch-1-1.noarch")
            out["missing_id"] = s.call("getRPM", 999999)
            out["missing_strict"] = f(s, "getRPM", "kn-nosuch-1-1.noarch", strict=True)
            out["missing_id_strict"] = f(s, "getRPM", 999999, strict=True)
            out["other_location"] = s.call("getRPM", nvra + "@nosuchrepo")
            out["other_location_struct"] = s.call("getRPM", {"name": n, "version": v, "release": rel, "arch": arch, "location": "elsewhere"})
            out["sql"] = s.call("getRPM", "x'; DROP TABLE rpminfo; --1-1.noarch")
            out["still"] = s.call("getRPM", nvra)["id"]
            out["invalid"] = f(s, "getRPM", "notannvra")
            out["src"] = s.call("getRPM", n + "-" + v + "-" + rel + ".src")
            out["build"] = s.call("getBuild", rpm["build_id"])
            emit(out)
            """);
        var rpm = r.GetProperty("rpm");
        var id = rpm.GetProperty("id").GetInt32();
        Assert.All(r.GetProperty("forms").EnumerateArray(), x => Assert.Equal(id, x.GetInt32()));
        Assert.Equal(id, r.GetProperty("anon").GetInt32());
        string[] keys =
        [
            "arch", "build_id", "buildroot_id", "buildtime", "draft", "epoch", "external_repo_id", "external_repo_name", "extra", "id",
            "metadata_only", "name", "payloadhash", "release", "size", "version",
        ];
        Assert.Equal(keys, rpm.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(3, rpm.GetProperty("epoch").GetInt32());
        Assert.Equal("kn-compiled", rpm.GetProperty("name").GetString());
        Assert.Equal(System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "aarch64" : "x86_64",
            rpm.GetProperty("arch").GetString());
        Assert.False(rpm.GetProperty("metadata_only").GetBoolean());
        Assert.Matches("^[0-9a-f]{32}$", rpm.GetProperty("payloadhash").GetString()!);
        var multi = r.GetProperty("multi");
        Assert.Equal(JsonValueKind.Array, multi.ValueKind);
        Assert.Single(multi.EnumerateArray());
        Assert.Equal(id, multi[0].GetProperty("id").GetInt32());
        Assert.Equal("[]", r.GetProperty("multi_missing").GetRawText());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing_id").ValueKind);
        Fault(r.GetProperty("missing_strict"), 1000, "No such rpm: kn-nosuch-1-1.noarch");
        Fault(r.GetProperty("missing_id_strict"), 1000, "No such rpm: 999999");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("other_location").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("other_location_struct").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("sql").ValueKind);
        Assert.Equal(id, r.GetProperty("still").GetInt32());
        Fault(r.GetProperty("invalid"), 1000);
        var src = r.GetProperty("src");
        Assert.Equal("src", src.GetProperty("arch").GetString());
        Assert.Equal(rpm.GetProperty("build_id").GetInt32(), src.GetProperty("build_id").GetInt32());
        var build = r.GetProperty("build");
        Assert.Equal(3, build.GetProperty("epoch").GetInt32());
        Assert.Equal("kn-compiled-2.0-1", build.GetProperty("nvr").GetString());
    }

    [Fact]
    public void ListRpmsAndListBuildRpms()
    {
        var r = Run("""
            b = s.call("getBuild", "kn-noarch-1.2.3-4.kn")
            bid = b["id"]
            out = {"bid": bid}
            out["all"] = s.call("listRPMs", buildID=bid)
            out["src"] = [x["arch"] for x in s.call("listRPMs", buildID=bid, arches="src")]
            out["list"] = sorted(x["arch"] for x in s.call("listRPMs", buildID=bid, arches=["src", "noarch"]))
            out["list_one"] = [x["arch"] for x in s.call("listRPMs", buildID=bid, arches=["noarch"])]
            out["none_arch"] = s.call("listRPMs", buildID=bid, arches="ppc64le")
            out["arch_dict"] = f(s, "listRPMs", arches={"test-arch": "val"})
            out["arch_int"] = f(s, "listRPMs", arches=5)
            out["desc"] = [x["id"] for x in s.call("listRPMs", buildID=bid, queryOpts={"order": "-id"})]
            out["limit"] = s.call("listRPMs", queryOpts={"order": "id", "limit": 1, "offset": 1})
            out["count"] = s.call("listRPMs", buildID=bid, queryOpts={"countOnly": True})
            out["total"] = s.call("listRPMs", queryOpts={"countOnly": True})
            out["by_arch_all"] = sorted(x["name"] for x in s.call("listRPMs", arches="src"))
            out["draft"] = s.call("listRPMs", buildID=bid, draft=True)
            out["nodraft"] = len(s.call("listRPMs", buildID=bid, draft=False))
            out["missing_build"] = s.call("listRPMs", buildID=999999)
            out["lbr_id"] = sorted(x["arch"] for x in s.call("listBuildRPMs", bid))
            out["lbr_nvr"] = sorted(x["arch"] for x in s.call("listBuildRPMs", "kn-noarch-1.2.3-4.kn"))
            out["lbr_struct"] = len(s.call("listBuildRPMs", {"name": "kn-noarch", "version": "1.2.3", "release": "4.kn"}))
            out["lbr_missing"] = f(s, "listBuildRPMs", "kn-nosuch-1-1")
            out["lbr_missing_id"] = s.call("listBuildRPMs", 999999)
            emit(out)
            """);
        var all = r.GetProperty("all").EnumerateArray().ToList();
        Assert.Equal(2, all.Count);
        Assert.All(all, x => Assert.Equal("kn-noarch-1.2.3-4.kn", x.GetProperty("nvr").GetString()));
        Assert.All(all, x => Assert.Equal(r.GetProperty("bid").GetInt32(), x.GetProperty("build_id").GetInt32()));
        Assert.Equal(all.Select(x => x.GetProperty("id").GetInt32()).Order(), all.Select(x => x.GetProperty("id").GetInt32()));
        Assert.True(all[0].TryGetProperty("payloadhash", out _));
        Assert.Equal(["src"], r.GetProperty("src").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(["noarch", "src"], r.GetProperty("list").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(["noarch"], r.GetProperty("list_one").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal("[]", r.GetProperty("none_arch").GetRawText());
        Fault(r.GetProperty("arch_dict"), 1000, "Invalid type for \"arches\" parameter: <class 'dict'>");
        Fault(r.GetProperty("arch_int"), 1000, "Invalid type for \"arches\" parameter: <class 'int'>");
        Assert.Equal(all.Select(x => x.GetProperty("id").GetInt32()).OrderDescending(), r.GetProperty("desc").EnumerateArray().Select(x => x.GetInt32()));
        Assert.Equal(1, r.GetProperty("limit").GetArrayLength());
        Assert.Equal(2, r.GetProperty("count").GetInt32());
        Assert.Equal(8, r.GetProperty("total").GetInt32());
        Assert.Equal(["kn-bzip2", "kn-compiled", "kn-noarch", "kn-zstd"], r.GetProperty("by_arch_all").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal("[]", r.GetProperty("draft").GetRawText());
        Assert.Equal(2, r.GetProperty("nodraft").GetInt32());
        Assert.Equal("[]", r.GetProperty("missing_build").GetRawText());
        Assert.Equal(["noarch", "src"], r.GetProperty("lbr_id").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(["noarch", "src"], r.GetProperty("lbr_nvr").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(2, r.GetProperty("lbr_struct").GetInt32());
        Fault(r.GetProperty("lbr_missing"), 1000, "No such build: kn-nosuch-1-1");
        Assert.Equal("[]", r.GetProperty("lbr_missing_id").GetRawText());
    }

    [Fact]
    public void GetRpmHeadersMatchRpmQuery()
    {
        var r = Run("""
            US = "\x1f"
            scalars_s = ["name", "version", "release", "arch", "summary", "description", "license", "url", "buildhost", "sourcerpm",
                         "payloadcompressor", "payloadformat", "os", "group", "packager", "vendor", "rpmversion", "platform"]
            scalars_i = ["buildtime", "size", "filedigestalgo", "sigsize", "archivesize"]
            lists_s = ["requirename", "requireversion", "providename", "provideversion", "filenames", "basenames", "dirnames",
                       "changelogtext", "changelogname", "recommendname", "suggestname", "supplementname", "enhancename",
                       "obsoletename", "conflictname", "fileusername", "filegroupname", "filedigests", "filelinktos", "payloaddigest", "preinprog"]
            lists_i = ["requireflags", "provideflags", "filesizes", "filemodes", "filemtimes", "fileflags", "changelogtime", "dirindexes"]
            out = {}
            for fname in sorted(files):
                path = files[fname]
                rpm = s.call("getRPM", fname)
                want = {}
                for h in scalars_s:
                    v = q(path, "%{" + h.upper() + "}")
                    want[h] = None if v == "(none)" else v
                for h in scalars_i:
                    v = q(path, "%{" + h.upper() + "}")
                    want[h] = None if v == "(none)" else int(v)
                for h in lists_s:
                    v = q(path, "[%{" + h.upper() + "}" + US + "]")
                    want[h] = v.split(US)[:-1]
                for h in lists_i:
                    v = q(path, "[%{" + h.upper() + "}" + US + "]")
                    want[h] = [int(x) for x in v.split(US)[:-1]]
                want["sha256header"] = q(path, "%{SHA256HEADER}")
                want["sigmd5"] = q(path, "%{SIGMD5}")
                ep = q(path, "%{EPOCH}")
                want["epoch"] = None if ep == "(none)" else int(ep)
                got = s.call("getRPMHeaders", rpm["id"], headers=list(want))
                got["sigmd5"] = got["sigmd5"].hex() if isinstance(got["sigmd5"], bytes) else got["sigmd5"]
                bad = {k: [want[k], got.get(k)] for k in want if got.get(k) != want[k]}
                mixed = s.call("getRPMHeaders", rpm["id"], headers=["NAME", "Epoch", "RequireName"])
                out[fname] = {"bad": bad, "keys": sorted(got) == sorted(want), "epoch": got["epoch"], "mixed": mixed}
            noarch = s.call("getRPM", "kn-noarch-1.2.3-4.kn.noarch")
            allh = s.call("getRPMHeaders", noarch["id"])
            # keys are rpm's own tag names (rpm.tagnames), upper case
            out["all_has"] = [k in allh for k in ["NAME", "VERSION", "RELEASE", "REQUIRES", "CHANGELOGTEXT", "BUILDTIME", "SIGMD5"]]
            out["all_name"] = allh.get("NAME")
            out["unknown"] = f(s, "getRPMHeaders", noarch["id"], headers=["nosuchheader"])
            out["unknown_lax"] = f(s, "getRPMHeaders", noarch["id"], headers=["name", "nosuchheader"], strict=False)
            out["missing"] = s.call("getRPMHeaders", 999999, headers=["name"])
            out["missing_strict"] = f(s, "getRPMHeaders", 999999, headers=["name"], strict=True)
            out["neither"] = f(s, "getRPMHeaders")
            out["anon"] = anon.call("getRPMHeaders", noarch["id"], headers=["name"])
            emit(out)
            """);
        foreach (var prefix in Prefixes)
        {
            foreach (var path in new[] { corpus.Find(prefix), corpus.Find(prefix, source: true) })
            {
                var one = r.GetProperty(Path.GetFileName(path));
                Assert.True(one.GetProperty("bad").EnumerateObject().Count() == 0, $"{Path.GetFileName(path)}: {one.GetProperty("bad").GetRawText()}");
                Assert.True(one.GetProperty("keys").GetBoolean());
                var mixed = one.GetProperty("mixed");
                Assert.Equal(["Epoch", "NAME", "RequireName"], mixed.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
                Assert.Equal(prefix.TrimEnd('-'), mixed.GetProperty("NAME").GetString());
                Assert.Equal(JsonValueKind.Array, mixed.GetProperty("RequireName").ValueKind);
            }
        }
        Assert.Equal(JsonValueKind.Null, r.GetProperty(Path.GetFileName(corpus.Find("kn-noarch-"))).GetProperty("epoch").ValueKind);
        Assert.Equal(3, r.GetProperty(Path.GetFileName(corpus.Find("kn-compiled-"))).GetProperty("epoch").GetInt32());
        Assert.Equal(0, r.GetProperty(Path.GetFileName(corpus.Find("kn-zstd-"))).GetProperty("epoch").GetInt32());
        Assert.All(r.GetProperty("all_has").EnumerateArray(), x => Assert.True(x.GetBoolean()));
        Assert.Equal("kn-noarch", r.GetProperty("all_name").GetString());
        Fault(r.GetProperty("unknown"), 1000);
        Fault(r.GetProperty("unknown_lax"), 1000);
        Assert.Equal("{}", r.GetProperty("missing").GetRawText());
        Fault(r.GetProperty("missing_strict"), 1000);
        Fault(r.GetProperty("neither"), 1000);
        Assert.Equal("kn-noarch", r.GetProperty("anon").GetProperty("name").GetString());
    }

    [Fact]
    public void GetRpmHeadersWithoutNamesEqualsRpmsMergedHeader()
    {
        var r = Run("""
            import rpm as rpmlib
            ts = rpmlib.TransactionSet()
            ts.setVSFlags(-1)
            out = {}
            for fname in sorted(files):
                fd = os.open(files[fname], os.O_RDONLY)
                h = ts.hdrFromFdno(fd)
                os.close(fd)
                want = {rpmlib.tagnames[k]: h[k] for k in h.keys()}
                got = s.call("getRPMHeaders", s.call("getRPM", fname)["id"])
                out[fname] = {"missing": sorted(set(want) - set(got)), "extra": sorted(set(got) - set(want)),
                              "bad": {k: [repr(want[k])[:200], repr(got[k])[:200]] for k in want if k in got and got[k] != want[k]},
                              "sigmd5_type": type(got.get("SIGMD5")).__name__}
            emit(out)
            """);
        foreach (var prefix in Prefixes)
        {
            foreach (var path in new[] { corpus.Find(prefix), corpus.Find(prefix, source: true) })
            {
                var one = r.GetProperty(Path.GetFileName(path));
                Assert.True(one.GetProperty("missing").GetArrayLength() == 0, $"{Path.GetFileName(path)} missing {one.GetProperty("missing").GetRawText()}");
                Assert.True(one.GetProperty("extra").GetArrayLength() == 0, $"{Path.GetFileName(path)} extra {one.GetProperty("extra").GetRawText()}");
                Assert.True(one.GetProperty("bad").EnumerateObject().Count() == 0, $"{Path.GetFileName(path)}: {one.GetProperty("bad").GetRawText()}");
                Assert.Equal("bytes", one.GetProperty("sigmd5_type").GetString());
            }
        }
    }

    [Fact]
    public void ListTaggedRpmsAndGetLatestRpmsReturnRpmRowsOfTheSelectedBuilds()
    {
        var r = Run("""
            if s.call("getTag", "rpms-tagged") is None:
                s.call("createTag", "rpms-tagged")
                s.call("createTag", "rpms-tagged-child", parent="rpms-tagged")
                for p in ["kn-noarch", "kn-compiled"]:
                    s.call("packageListAdd", "rpms-tagged", p, owner="kojiadmin")
                s.call("tagBuildBypass", "rpms-tagged", "kn-noarch-1.2.3-4.kn")
                s.call("tagBuildBypass", "rpms-tagged", "kn-compiled-2.0-1")
            out = {}
            rpms, builds = s.call("listTaggedRPMS", "rpms-tagged")
            out["rpms"] = rpms
            out["builds"] = sorted(b["nvr"] for b in builds)
            out["noextra"] = sorted(s.call("listTaggedRPMS", "rpms-tagged", extra=False)[0][0].keys())
            out["arch_str"] = sorted(x["arch"] for x in s.call("listTaggedRPMS", "rpms-tagged", arch="src")[0])
            out["arch_list"] = sorted(x["name"] + "." + x["arch"] for x in s.call("listTaggedRPMS", "rpms-tagged", arch=["noarch", "src"])[0])
            out["package"] = sorted(x["name"] for x in s.call("listTaggedRPMS", "rpms-tagged", package="kn-compiled")[0])
            out["sigs"] = [sorted(x.keys()) for x in s.call("listTaggedRPMS", "rpms-tagged", rpmsigs=True, package="kn-noarch")[0]]
            out["child_own"] = s.call("listTaggedRPMS", "rpms-tagged-child")
            out["child_inherit"] = len(s.call("listTaggedRPMS", "rpms-tagged-child", inherit=True)[0])
            latest = s.call("getLatestRPMS", "rpms-tagged-child", arch="src")
            out["latest"] = sorted(x["name"] for x in latest[0])
            out["latest_builds"] = sorted(b["tag_name"] for b in latest[1])
            out["notag"] = f(s, "listTaggedRPMS", "rpms-nosuchtag")
            out["notag_lax"] = s.call("listTaggedRPMS", "rpms-nosuchtag", strict=False)
            emit(out)
            """);
        string[] keys =
        [
            "arch", "build_id", "buildroot_id", "buildtime", "draft", "epoch", "extra", "id", "metadata_only", "name", "payloadhash",
            "release", "size", "version",
        ];
        var rpms = r.GetProperty("rpms").EnumerateArray().ToList();
        Assert.Equal(4, rpms.Count);
        Assert.All(rpms, x => Assert.Equal(keys, x.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)));
        Assert.Equal(["kn-compiled-2.0-1", "kn-noarch-1.2.3-4.kn"], r.GetProperty("builds").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(keys.Where(k => k != "extra"), r.GetProperty("noextra").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(["src", "src"], r.GetProperty("arch_str").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(["kn-compiled.src", "kn-noarch.noarch", "kn-noarch.src"], r.GetProperty("arch_list").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(["kn-compiled", "kn-compiled"], r.GetProperty("package").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(2, r.GetProperty("sigs").GetArrayLength());
        Assert.All(r.GetProperty("sigs").EnumerateArray(), x => Assert.Contains("sigkey", x.EnumerateArray().Select(k => k.GetString())));
        Assert.Equal("[[],[]]", r.GetProperty("child_own").GetRawText());
        Assert.Equal(4, r.GetProperty("child_inherit").GetInt32());
        Assert.Equal(["kn-compiled", "kn-noarch"], r.GetProperty("latest").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(["rpms-tagged", "rpms-tagged"], r.GetProperty("latest_builds").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(1000, r.GetProperty("notag").GetProperty("faultCode").GetInt32());
        Assert.Equal("[[],[]]", r.GetProperty("notag_lax").GetRawText());
    }

    [Fact]
    public void GetRpmDepsMatchRpmQueryPerDepType()
    {
        var r = Run("""
            opts = {0: "--requires", 1: "--provides", 2: "--obsoletes", 3: "--conflicts", 4: "--suggests", 5: "--enhances",
                    6: "--supplements", 7: "--recommends"}
            def show(d):
                op = ("<" if d["flags"] & 2 else "") + (">" if d["flags"] & 4 else "") + ("=" if d["flags"] & 8 else "")
                return d["name"] + (" " + op + " " + d["version"] if d["version"] else "")
            out = {}
            for fname in sorted(files):
                path = files[fname]
                rid = s.call("getRPM", fname)["id"]
                alldeps = s.call("getRPMDeps", rid)
                bad = {}
                for t, opt in opts.items():
                    want = subprocess.check_output(["rpm", "-qp", "--nosignature", opt, path]).decode().splitlines()
                    got = [show(d) for d in s.call("getRPMDeps", rid, depType=t)]
                    fromall = [show(d) for d in alldeps if d["type"] == t]
                    if got != want or fromall != want:
                        bad[opt] = [want, got, fromall]
                out[fname] = {"bad": bad, "keys": sorted(alldeps[0].keys()) if alldeps else None}
            rid = s.call("getRPM", "kn-noarch-1.2.3-4.kn.noarch")["id"]
            out["rich"] = [d for d in s.call("getRPMDeps", rid, depType=0) if d["name"].startswith("(")]
            out["aslist"] = s.call("getRPMDeps", rid, depType=7, queryOpts={"asList": True})
            out["count"] = s.call("getRPMDeps", rid, depType=0, queryOpts={"countOnly": True})
            out["limit"] = s.call("getRPMDeps", rid, depType=0, queryOpts={"limit": 2})
            out["missing"] = s.call("getRPMDeps", 999999)
            out["missing_nvra"] = s.call("getRPMDeps", "kn-nosuch-1-1.noarch")
            out["missing_strict"] = f(s, "getRPMDeps", 999999, strict=True)
            out["anon"] = len(anon.call("getRPMDeps", rid))
            emit(out)
            """);
        foreach (var prefix in Prefixes)
        {
            foreach (var path in new[] { corpus.Find(prefix), corpus.Find(prefix, source: true) })
            {
                var one = r.GetProperty(Path.GetFileName(path));
                Assert.True(one.GetProperty("bad").EnumerateObject().Count() == 0, $"{Path.GetFileName(path)}: {one.GetProperty("bad").GetRawText()}");
                if (one.GetProperty("keys").ValueKind != JsonValueKind.Null)
                {
                    Assert.Equal(["flags", "name", "type", "version"], one.GetProperty("keys").EnumerateArray().Select(x => x.GetString()!));
                }
            }
        }
        var rich = r.GetProperty("rich").EnumerateArray().Select(d => d.GetProperty("name").GetString()!).ToList();
        Assert.Equal(["(foo >= 1.0 if bar < 2:3.4-5)", "(python3 or python2)"], rich.Order(StringComparer.Ordinal));
        Assert.All(r.GetProperty("rich").EnumerateArray(), d => Assert.Equal("", d.GetProperty("version").GetString()));
        var asList = r.GetProperty("aslist").EnumerateArray().ToList();
        Assert.Single(asList);
        Assert.Equal("kn-extras", asList[0][0].GetString());
        Assert.Equal(7, asList[0][3].GetInt32());
        Assert.True(r.GetProperty("count").GetInt32() >= 5);
        Assert.Equal(2, r.GetProperty("limit").GetArrayLength());
        Assert.Equal("[]", r.GetProperty("missing").GetRawText());
        Assert.Equal("[]", r.GetProperty("missing_nvra").GetRawText());
        Fault(r.GetProperty("missing_strict"), 1000);
        Assert.True(r.GetProperty("anon").GetInt32() > 0);
    }

    [Fact]
    public void ListRpmFilesAndGetRpmFileMatchRpmQuery()
    {
        var r = Run("""
            US = "\x1f"
            out = {}
            for fname in sorted(files):
                path = files[fname]
                rid = s.call("getRPM", fname)["id"]
                def col(tag):
                    return q(path, "[%{" + tag + "}" + US + "]").split(US)[:-1]
                want = {"name": col("FILENAMES"), "digest": col("FILEDIGESTS"), "size": [int(x) for x in col("FILESIZES")],
                        "flags": [int(x) for x in col("FILEFLAGS")], "user": col("FILEUSERNAME"), "group": col("FILEGROUPNAME"),
                        "mtime": [int(x) for x in col("FILEMTIMES")], "mode": [int(x) for x in col("FILEMODES")]}
                algo = {"8": "SHA256", "1": "MD5", "2": "SHA1", "10": "SHA512", "(none)": "MD5"}[q(path, "%{FILEDIGESTALGO}")]
                rows = s.call("listRPMFiles", rid)
                got = {k: [row[k] for row in rows] for k in want}
                bad = {k: [want[k], got[k]] for k in want if want[k] != got[k]}
                if any(row["digest_algo"] != algo or row["md5"] != row["digest"] for row in rows):
                    bad["algo"] = [algo, [row["digest_algo"] for row in rows]]
                one = s.call("getRPMFile", rid, rows[0]["name"]) if rows else {}
                out[fname] = {"bad": bad, "keys": sorted(rows[0].keys()) if rows else None, "one": one,
                              "first": rows[0] if rows else None, "rid": rid}
            rid = s.call("getRPM", "kn-noarch-1.2.3-4.kn.noarch")["id"]
            out["desc"] = [x["name"] for x in s.call("listRPMFiles", rid, queryOpts={"order": "-name"})]
            out["count"] = s.call("listRPMFiles", rid, queryOpts={"countOnly": True})
            out["nofile"] = s.call("getRPMFile", rid, "/no/such")
            out["nofile_strict"] = f(s, "getRPMFile", rid, "/no/such", strict=True)
            out["sqlfile"] = s.call("getRPMFile", rid, "x'; DROP TABLE rpm_files; --")
            out["missing_rpm"] = s.call("getRPMFile", 999999, "/x")
            out["missing_rpm_strict"] = f(s, "getRPMFile", 999999, "/x", strict=True)
            out["missing_list"] = s.call("listRPMFiles", 999999)
            out["still"] = s.call("listRPMFiles", rid, queryOpts={"countOnly": True})
            emit(out)
            """);
        string[] keys = ["digest", "digest_algo", "flags", "group", "md5", "mode", "mtime", "name", "size", "user"];
        foreach (var prefix in Prefixes)
        {
            foreach (var path in new[] { corpus.Find(prefix), corpus.Find(prefix, source: true) })
            {
                var one = r.GetProperty(Path.GetFileName(path));
                Assert.True(one.GetProperty("bad").EnumerateObject().Count() == 0, $"{Path.GetFileName(path)}: {one.GetProperty("bad").GetRawText()}");
                if (one.GetProperty("keys").ValueKind == JsonValueKind.Null)
                {
                    continue;
                }
                Assert.Equal(keys, one.GetProperty("keys").EnumerateArray().Select(x => x.GetString()!));
                var single = one.GetProperty("one");
                Assert.Equal(keys.Append("rpm_id").Order(StringComparer.Ordinal), single.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
                Assert.Equal(one.GetProperty("rid").GetInt32(), single.GetProperty("rpm_id").GetInt32());
                foreach (var k in keys)
                {
                    Assert.Equal(one.GetProperty("first").GetProperty(k).GetRawText(), single.GetProperty(k).GetRawText());
                }
            }
        }
        var desc = r.GetProperty("desc").EnumerateArray().Select(x => x.GetString()!).ToList();
        Assert.Equal(desc.OrderDescending(StringComparer.Ordinal), desc);
        Assert.Equal(desc.Count, r.GetProperty("count").GetInt32());
        Assert.Equal(desc.Count, r.GetProperty("still").GetInt32());
        Assert.Equal("{}", r.GetProperty("nofile").GetRawText());
        Fault(r.GetProperty("nofile_strict"), 1000);
        Assert.Equal("{}", r.GetProperty("sqlfile").GetRawText());
        Assert.Equal("{}", r.GetProperty("missing_rpm").GetRawText());
        Fault(r.GetProperty("missing_rpm_strict"), 1000);
        Assert.Equal("[]", r.GetProperty("missing_list").GetRawText());
    }
}

public sealed class SqliteRpmsTests(SqliteHub hub, RpmCorpus corpus) : RpmsTests<SqliteHub>(hub, corpus), IClassFixture<RpmCorpus>;

public sealed class PostgresRpmsTests(PostgresHub hub, RpmCorpus corpus) : RpmsTests<PostgresHub>(hub, corpus), IClassFixture<RpmCorpus>;
