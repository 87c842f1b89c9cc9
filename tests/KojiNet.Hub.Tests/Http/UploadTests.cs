using System.Text.Json;

namespace KojiNet.Hub.Tests.Http;

/// <summary>Fast (raw) and legacy uploads, checkUpload, upload path rules, and /kojifiles (protocol.md §9, §11).</summary>
public abstract class UploadTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    // Raw chunk POST as the koji library sends it; returns the decoded struct or the fault.
    private const string Helpers = """
        import base64, hashlib, os, urllib.parse, zlib
        def raw_upload(s, path, name, data, offset=0, overwrite=True, verify="adler32"):
            q = {"filename": name, "filepath": path, "fileverify": verify, "offset": str(offset)}
            if overwrite:
                q["overwrite"] = "1"
            status, h, body = s.raw(data, path=s.url.path + "?" + urllib.parse.urlencode(q),
                                    headers={"Content-Type": "application/octet-stream"})
            if s.session_id is not None:
                s.callnum += 1
            try:
                return xmlrpc.client.loads(body, use_builtin_types=True)[0][0]
            except xmlrpc.client.Fault as e:
                return fault_dict(e)
        def fetch(path):
            s = Session(hub, ca)
            status, h, body = s.raw(None, path="/kojifiles/" + path, method="GET")
            return {"status": status, "body": body.decode("latin-1")}
        """;

    [Fact]
    public void ChunkedFastUploadAssemblesTheFileAndCheckUploadVerifiesIt()
    {
        var r = hub.Python(Helpers + "\n" + """
            s = Session(hub, ca, alice_pem); s.ssl_login()
            data = os.urandom(300000)
            d = "cli-build/1700000000.123.abcdefgh"
            out = {"checkMissing": s.call("checkUpload", d, "x.src.rpm")}
            out["c1"] = raw_upload(s, d, "x.src.rpm", data[:100000])
            out["c2"] = raw_upload(s, d, "x.src.rpm", data[100000:250000], offset=100000)
            out["c3"] = raw_upload(s, d, "x.src.rpm", data[250000:], offset=-1, overwrite=False)
            out["check"] = s.call("checkUpload", d, "x.src.rpm", verify="adler32")
            out["adler"] = "%08x" % (zlib.adler32(data) & 0xffffffff)
            out["sha"] = s.call("checkUpload", d, "x.src.rpm", verify="sha256", tail=1000)["hexdigest"]
            out["sha_expected"] = hashlib.sha256(data[-1000:]).hexdigest()
            out["c1_digest_ok"] = out["c1"]["hexdigest"] == "%08x" % (zlib.adler32(data[:100000]) & 0xffffffff)
            out["exists"] = raw_upload(s, d, "x.src.rpm", b"again", overwrite=False)
            out["badverify"] = raw_upload(s, d, "y", b"x", verify="crc99")
            emit(out)
            """);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("checkMissing").ValueKind);
        Assert.Equal(100000, r.GetProperty("c1").GetProperty("size").GetInt32());
        Assert.True(r.GetProperty("c1_digest_ok").GetBoolean());
        Assert.Equal(250000, r.GetProperty("c3").GetProperty("offset").GetInt32());
        Assert.Equal(300000, r.GetProperty("check").GetProperty("size").GetInt32());
        Assert.Equal(r.GetProperty("adler").GetString(), r.GetProperty("check").GetProperty("hexdigest").GetString());
        Assert.Equal(r.GetProperty("sha_expected").GetString(), r.GetProperty("sha").GetString());
        Assert.Equal("upload path exists", r.GetProperty("exists").GetProperty("faultString").GetString());
        Assert.Equal("Unsupported verify type: crc99", r.GetProperty("badverify").GetProperty("faultString").GetString());
    }

    [Fact]
    public void UploadPathsCannotEscapeTheWorkDirectoryOrAnotherUsersDirectory()
    {
        // A symlink planted inside work/ that points outside the tree.
        var work = Path.Combine(hub.KojiDir, "work");
        Directory.CreateDirectory(work);
        var outside = Directory.CreateTempSubdirectory("kojinet-outside-").FullName;
        var link = Path.Combine(work, "evil-link");
        if (!Path.Exists(link))
        {
            File.CreateSymbolicLink(link, outside);
        }
        var r = hub.Python(Helpers + "\n" + """
            a = Session(hub, ca, alice_pem); a.ssl_login()
            k = Session(hub, ca, admin_pem); k.ssl_login()
            out = {}
            for name, path, fname in [("dotdot", "../../etc", "passwd"), ("abs", "/etc", "passwd"),
                                      ("inner_dotdot", "a/../../x", "f"), ("symlink", "evil-link", "f"),
                                      ("dotfile", "ok-dir", ".user"), ("slash", "ok-dir", "a/b")]:
                out[name] = raw_upload(a, path, fname, b"data")
            out["mine"] = raw_upload(a, "alice-dir", "f", b"data")
            out["theirs"] = raw_upload(k, "alice-dir", "g", b"data")
            out["tasks"] = raw_upload(a, "tasks/1/1", "f", b"data")
            anon = Session(hub, ca)
            try:
                anon.call("uploadFile", "x", "f", 1, None, 0, base64.b64encode(b"x").decode())
            except xmlrpc.client.Fault as e:
                out["anon"] = fault_dict(e)
            emit(out)
            """);
        foreach (var name in new[] { "dotdot", "abs", "inner_dotdot", "symlink", "dotfile", "slash" })
        {
            Assert.Equal(1000, r.GetProperty(name).GetProperty("faultCode").GetInt32());
        }
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Equal(4, r.GetProperty("mine").GetProperty("size").GetInt32());
        Assert.Equal("Invalid upload directory, not owner", r.GetProperty("theirs").GetProperty("faultString").GetString());
        Assert.Equal(1004, r.GetProperty("tasks").GetProperty("faultCode").GetInt32());
        Assert.Equal(1004, r.GetProperty("anon").GetProperty("faultCode").GetInt32());
        Directory.Delete(outside);
    }

    [Fact]
    public void LegacyUploadFileVerifiesChunksAndTheWholeFile()
    {
        var r = hub.Python(Helpers + "\n" + """
            s = Session(hub, ca, alice_pem); s.ssl_login()
            data = os.urandom(5000)
            d = "legacy-dir"
            out = {}
            def chunk(off, part, digest=None):
                digest = digest or hashlib.sha256(part).hexdigest()
                return s.call("uploadFile", d, "f.bin", len(part), None, off, base64.b64encode(part).decode(), None, ["sha256", digest])
            out["a"] = chunk(0, data[:3000])
            out["bad"] = chunk(3000, data[3000:], digest="00" * 32)
            out["b"] = chunk(3000, data[3000:])
            out["final"] = s.call("uploadFile", d, "f.bin", 5000, None, -1, "", None, ["sha256", hashlib.sha256(data).hexdigest()])
            out["final_bad"] = s.call("uploadFile", d, "f.bin", 5000, None, -1, "", None, ["sha256", "11" * 32])
            out["size"] = s.call("checkUpload", d, "f.bin")["size"]
            emit(out)
            """);
        Assert.True(r.GetProperty("a").GetBoolean());
        Assert.False(r.GetProperty("bad").GetBoolean());
        Assert.True(r.GetProperty("b").GetBoolean());
        Assert.True(r.GetProperty("final").GetBoolean());
        Assert.False(r.GetProperty("final_bad").GetBoolean());
        Assert.Equal(5000, r.GetProperty("size").GetInt32());
    }

    [Fact]
    public void KojiFilesServesTheTreeReadOnlyFollowingInternalLinksOnly()
    {
        var top = hub.KojiDir;
        Directory.CreateDirectory(Path.Combine(top, "repos", "f40-build", "7"));
        File.WriteAllText(Path.Combine(top, "repos", "f40-build", "7", "repo.json"), "{\"id\": 7}");
        var latest = Path.Combine(top, "repos", "f40-build", "latest");
        if (!Path.Exists(latest))
        {
            File.CreateSymbolicLink(latest, "7");
        }
        var escape = Path.Combine(top, "escape");
        if (!Path.Exists(escape))
        {
            File.CreateSymbolicLink(escape, "/etc");
        }
        var r = hub.Python(Helpers + "\n" + """
            out = {"direct": fetch("repos/f40-build/7/repo.json"), "via_link": fetch("repos/f40-build/latest/repo.json"),
                   "escape": fetch("escape/passwd"), "dotdot": fetch("../../etc/passwd"), "missing": fetch("nope"),
                   "listing": fetch("repos/f40-build/")}
            s = Session(hub, ca)
            status, h, body = s.raw(b"x", path="/kojifiles/repos/f40-build/7/repo.json", method="PUT")
            out["put"] = status
            emit(out)
            """);
        Assert.Equal(200, r.GetProperty("direct").GetProperty("status").GetInt32());
        Assert.Equal("{\"id\": 7}", r.GetProperty("via_link").GetProperty("body").GetString());
        Assert.Equal(404, r.GetProperty("escape").GetProperty("status").GetInt32());
        Assert.NotEqual(200, r.GetProperty("dotdot").GetProperty("status").GetInt32());
        Assert.Equal(404, r.GetProperty("missing").GetProperty("status").GetInt32());
        Assert.Contains("latest/", r.GetProperty("listing").GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(405, r.GetProperty("put").GetInt32());
    }
}

public sealed class SqliteUploadTests(SqliteHub hub) : UploadTests<SqliteHub>(hub);

public sealed class PostgresUploadTests(PostgresHub hub) : UploadTests<PostgresHub>(hub);
