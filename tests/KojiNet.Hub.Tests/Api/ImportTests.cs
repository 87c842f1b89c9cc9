using System.Text.Json;
using KojiNet.TestSupport;

namespace KojiNet.Hub.Tests.Api;

/// <summary>
/// importRPM of real rpmbuild output uploaded with the fast upload, and the RPM queries answered
/// from the stored header data, compared with <c>rpm -qp</c>.
/// </summary>
public abstract class ImportTests<THub>(THub hub, RpmCorpus corpus) : IClassFixture<THub> where THub : HubFixture
{
    // A fresh hub has no work/ yet and the upload path check needs it (reported; not this area's file).
    private readonly bool _workDir = Directory.CreateDirectory(Path.Combine(hub.KojiDir, "work")).Exists;

    private JsonElement ImportNoarch(string dir) => hub.Python($$"""
        import subprocess
        s = Session(hub, ca, admin_pem)
        s.ssl_login()
        out = {}
        for f in [{{Py(corpus.Find("kn-noarch-", source: true))}}, {{Py(corpus.Find("kn-noarch-"))}}]:
            name = f.rsplit("/", 1)[1]
            s.upload("{{dir}}", name, f)
            try:
                out[name] = s.call("importRPM", "{{dir}}", name)
            except xmlrpc.client.Fault as e:
                out[name] = fault_dict(e)
        emit(out)
        """);

    private static string Py(string s) => JsonSerializer.Serialize(s);

    [Fact]
    public void ImportedRpmsMatchRpmQueryAndLandInThePackagesTree()
    {
        var imported = ImportNoarch("cli-import/a1");
        var src = imported.GetProperty("kn-noarch-1.2.3-4.kn.src.rpm");
        var bin = imported.GetProperty("kn-noarch-1.2.3-4.kn.noarch.rpm");
        Assert.Equal("src", src.GetProperty("arch").GetString());
        Assert.Equal("kn-noarch-1.2.3-4.kn", src.GetProperty("build").GetProperty("nvr").GetString());
        Assert.Equal(src.GetProperty("build_id").GetInt32(), bin.GetProperty("build_id").GetInt32());
        var binPath = corpus.Find("kn-noarch-");
        var r = hub.Python($$"""
            import subprocess, os
            def q(fmt):
                return subprocess.check_output(["rpm", "-qp", "--nosignature", "--qf", fmt, {{Py(binPath)}}]).decode()
            s = Session(hub, ca)
            rpm = s.call("getRPM", "kn-noarch-1.2.3-4.kn.noarch")
            byfile = s.call("getRPM", "kn-noarch-1.2.3-4.kn.noarch.rpm@INTERNAL")
            bystruct = s.call("getRPM", {"name": "kn-noarch", "version": "1.2.3", "release": "4.kn", "arch": "noarch"})
            byid = s.call("getRPM", str(rpm["id"]))
            hdrs = s.call("getRPMHeaders", rpm["id"], headers=["name", "License", "sourcerpm", "requirename", "buildtime"])
            files = s.call("listRPMFiles", rpm["id"])
            deps = s.call("getRPMDeps", rpm["id"])
            provides = s.call("getRPMDeps", rpm["id"], depType=1)
            onefile = s.call("getRPMFile", rpm["id"], files[0]["name"])
            nofile = s.call("getRPMFile", rpm["id"], "/no/such")
            build = s.call("getBuild", rpm["build_id"])
            path = os.path.join({{Py(hub.KojiDir)}}, "packages/kn-noarch/1.2.3/4.kn/noarch/kn-noarch-1.2.3-4.kn.noarch.rpm")
            try:
                s.call("getRPMHeaders", rpm["id"], headers=["nosuchheader"])
                badhdr = None
            except xmlrpc.client.Fault as e:
                badhdr = fault_dict(e)
            emit({"rpm": rpm, "same": [byfile["id"], bystruct["id"], byid["id"]], "hdrs": hdrs, "files": files, "deps": deps,
                  "provides": provides, "onefile": onefile, "nofile": nofile, "build": build, "badhdr": badhdr,
                  "stored": os.path.exists(path), "size": os.path.getsize({{Py(binPath)}}),
                  "q_license": q("%{LICENSE}"), "q_buildtime": int(q("%{BUILDTIME}")), "q_sigmd5": q("%{SIGMD5}"),
                  "q_files": q("[%{FILENAMES}\\n]").splitlines(), "q_sizes": [int(x) for x in q("[%{FILESIZES}\\n]").splitlines()],
                  "q_modes": [int(x) for x in q("[%{FILEMODES}\\n]").splitlines()],
                  "q_digests": q("[%{FILEDIGESTS}\\n]").splitlines(), "q_users": q("[%{FILEUSERNAME}\\n]").splitlines(),
                  "q_requires": q("[%{REQUIRENAME}\\n]").splitlines(), "q_reqflags": [int(x) for x in q("[%{REQUIREFLAGS}\\n]").splitlines()],
                  "q_provides": q("[%{PROVIDENAME}\\n]").splitlines(), "q_sourcerpm": q("%{SOURCERPM}")})
            """);
        var rpm = r.GetProperty("rpm");
        Assert.Equal("kn-noarch", rpm.GetProperty("name").GetString());
        Assert.Equal("noarch", rpm.GetProperty("arch").GetString());
        Assert.Equal(0, rpm.GetProperty("external_repo_id").GetInt32());
        Assert.Equal("INTERNAL", rpm.GetProperty("external_repo_name").GetString());
        Assert.Equal(JsonValueKind.Null, rpm.GetProperty("epoch").ValueKind);
        Assert.False(rpm.GetProperty("draft").GetBoolean());
        Assert.Equal(r.GetProperty("q_sigmd5").GetString(), rpm.GetProperty("payloadhash").GetString());
        Assert.Equal(r.GetProperty("size").GetInt64(), rpm.GetProperty("size").GetInt64());
        Assert.Equal(r.GetProperty("q_buildtime").GetInt64(), rpm.GetProperty("buildtime").GetInt64());
        var id = rpm.GetProperty("id").GetInt32();
        Assert.All(r.GetProperty("same").EnumerateArray(), x => Assert.Equal(id, x.GetInt32()));
        Assert.True(r.GetProperty("stored").GetBoolean());

        var hdrs = r.GetProperty("hdrs");
        Assert.Equal("kn-noarch", hdrs.GetProperty("name").GetString());
        Assert.Equal(r.GetProperty("q_license").GetString(), hdrs.GetProperty("License").GetString());
        Assert.Equal(r.GetProperty("q_sourcerpm").GetString(), hdrs.GetProperty("sourcerpm").GetString());
        Assert.Equal(r.GetProperty("q_buildtime").GetInt64(), hdrs.GetProperty("buildtime").GetInt64());
        Assert.Equal(Strings(r.GetProperty("q_requires")), Strings(hdrs.GetProperty("requirename")));
        Assert.Equal(1000, r.GetProperty("badhdr").GetProperty("faultCode").GetInt32());

        var files = r.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(Strings(r.GetProperty("q_files")), files.Select(f => f.GetProperty("name").GetString()!).ToList());
        Assert.Equal(r.GetProperty("q_sizes").EnumerateArray().Select(x => x.GetInt64()), files.Select(f => f.GetProperty("size").GetInt64()));
        Assert.Equal(r.GetProperty("q_modes").EnumerateArray().Select(x => x.GetInt32()), files.Select(f => f.GetProperty("mode").GetInt32()));
        Assert.Equal(Strings(r.GetProperty("q_digests")), files.Select(f => f.GetProperty("digest").GetString()!).ToList());
        Assert.Equal(Strings(r.GetProperty("q_users")), files.Select(f => f.GetProperty("user").GetString()!).ToList());
        Assert.All(files, f => Assert.Equal("SHA256", f.GetProperty("digest_algo").GetString()));
        Assert.All(files, f => Assert.Equal(f.GetProperty("digest").GetString(), f.GetProperty("md5").GetString()));
        Assert.Equal(id, r.GetProperty("onefile").GetProperty("rpm_id").GetInt32());
        Assert.Equal(files[0].GetProperty("name").GetString(), r.GetProperty("onefile").GetProperty("name").GetString());
        Assert.Equal("{}", r.GetProperty("nofile").GetRawText());

        var deps = r.GetProperty("deps").EnumerateArray().ToList();
        var requires = deps.Where(d => d.GetProperty("type").GetInt32() == 0).ToList();
        Assert.Equal(Strings(r.GetProperty("q_requires")), requires.Select(d => d.GetProperty("name").GetString()!).ToList());
        Assert.Equal(r.GetProperty("q_reqflags").EnumerateArray().Select(x => x.GetInt32()), requires.Select(d => d.GetProperty("flags").GetInt32()));
        Assert.Equal(Strings(r.GetProperty("q_provides")), r.GetProperty("provides").EnumerateArray().Select(d => d.GetProperty("name").GetString()!).ToList());
        Assert.Contains(deps, d => d.GetProperty("type").GetInt32() == 7 && d.GetProperty("name").GetString() == "kn-extras");

        var build = r.GetProperty("build");
        Assert.Equal(1, build.GetProperty("state").GetInt32());
        Assert.Equal("kojiadmin", build.GetProperty("owner_name").GetString());
        Assert.Equal("DEFAULT", build.GetProperty("volume_name").GetString());
    }

    [Fact]
    public void ImportRefusals()
    {
        var r = hub.Python($$"""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            a = Session(hub, ca, alice_pem)
            a.ssl_login()
            out = {}
            def attempt(key, sess, *args):
                try:
                    out[key] = sess.call("importRPM", *args)
                except xmlrpc.client.Fault as e:
                    out[key] = fault_dict(e)
            zstd = {{Py(corpus.Find("kn-zstd-"))}}
            s.upload("cli-import/r1", "renamed.rpm", zstd)
            attempt("badname", s, "cli-import/r1", "renamed.rpm")
            name = zstd.rsplit("/", 1)[1]
            s.upload("cli-import/r1", name, zstd)
            attempt("nobuild", s, "cli-import/r1", name)
            a.upload("cli-import/r2", name, zstd)
            attempt("alice", a, "cli-import/r2", name)
            attempt("missing", s, "cli-import/r1", "x'; DROP TABLE users; --.rpm")
            emit(out)
            """);
        Assert.Equal(1000, r.GetProperty("badname").GetProperty("faultCode").GetInt32());
        Assert.StartsWith("bad filename: renamed.rpm", r.GetProperty("badname").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Equal(1000, r.GetProperty("nobuild").GetProperty("faultCode").GetInt32());
        Assert.Equal(1004, r.GetProperty("alice").GetProperty("faultCode").GetInt32());
        Assert.StartsWith("admin permission required", r.GetProperty("alice").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Equal(1000, r.GetProperty("missing").GetProperty("faultCode").GetInt32());
    }

    private static List<string> Strings(JsonElement e) => e.EnumerateArray().Select(x => x.GetString()!).ToList();
}

public sealed class SqliteImportTests(SqliteHub hub, RpmCorpus corpus) : ImportTests<SqliteHub>(hub, corpus), IClassFixture<RpmCorpus>;

public sealed class PostgresImportTests(PostgresHub hub, RpmCorpus corpus) : ImportTests<PostgresHub>(hub, corpus), IClassFixture<RpmCorpus>;
