using System.Text.Json;

namespace KojiNet.Hub.Tests.Http;

/// <summary>The transport and session protocol (protocol.md §1–8), driven by Python's standard library.</summary>
public abstract class ProtocolTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    [Fact]
    public void AnonymousIntrospectionCallsAnswerWithKojiVersionHeader()
    {
        var r = hub.Python("""
            s = Session(hub, ca)
            emit({"api": s.call("getAPIVersion"), "version": s.call("getKojiVersion"),
                  "header": s.last_headers.get("koji-version"), "echo": s.call("echo", 1, "two", None, [3], {"k": 2**30}),
                  "hello": s.call("hello", 1, 2), "user": s.call("getLoggedInUser")})
            """);
        Assert.Equal(1, r.GetProperty("api").GetInt32());
        Assert.Equal("1.35.3", r.GetProperty("version").GetString());
        Assert.Equal("1.35.3", r.GetProperty("header").GetString());
        Assert.Equal("""[1,"two",null,[3],{"k":1073741824}]""", r.GetProperty("echo").GetRawText());
        Assert.Equal("Hello World", r.GetProperty("hello").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("user").ValueKind);
    }

    [Fact]
    public void NonPostIsRefusedWith405()
    {
        var r = hub.Python("""
            s = Session(hub, ca)
            status, headers, body = s.raw(None, method="GET")
            emit({"status": status, "allow": headers.get("allow"), "version": headers.get("koji-version")})
            """);
        Assert.Equal(405, r.GetProperty("status").GetInt32());
        Assert.Equal("POST", r.GetProperty("allow").GetString());
        Assert.Equal("1.35.3", r.GetProperty("version").GetString());
    }

    [Fact]
    public void SslLoginMapsTheCertificateCnToAUser()
    {
        var r = hub.Python("""
            s = Session(hub, ca, admin_pem)
            sinfo = s.ssl_login()
            me = s.call("getLoggedInUser")
            info = s.call("getSessionInfo", details=True)
            a = Session(hub, ca, alice_pem)
            a.ssl_login()
            alice = a.call("getLoggedInUser")
            try:
                a.call("sslLogin", proxyuser=None)
                again = None
            except xmlrpc.client.Fault as e:
                again = fault_dict(e)
            emit({"sinfo": sinfo, "me": me, "info": info, "alice": alice, "again": again})
            """);
        var sinfo = r.GetProperty("sinfo");
        Assert.True(sinfo.GetProperty("header-auth").GetBoolean());
        Assert.StartsWith($"{r.GetProperty("me").GetProperty("id").GetInt32()}-", sinfo.GetProperty("session-key").GetString(), StringComparison.Ordinal);
        var me = r.GetProperty("me");
        Assert.Equal("kojiadmin", me.GetProperty("name").GetString());
        Assert.Equal(2, me.GetProperty("authtype").GetInt32());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("krb_principal").ValueKind);
        Assert.Equal(sinfo.GetProperty("session-id").GetInt32(), r.GetProperty("info").GetProperty("id").GetInt32());
        // LoginCreatesUser (default on) made alice on her first certificate login.
        Assert.Equal("alice", r.GetProperty("alice").GetProperty("name").GetString());
        Assert.Equal(0, r.GetProperty("alice").GetProperty("usertype").GetInt32());
        Assert.Equal(1002, r.GetProperty("again").GetProperty("faultCode").GetInt32());
        Assert.Equal("Already logged in", r.GetProperty("again").GetProperty("faultString").GetString());
    }

    [Fact]
    public void SslLoginWithoutACertificateIsRefused()
    {
        var r = hub.Python("""
            s = Session(hub, ca)
            try:
                s.ssl_login()
                emit(None)
            except xmlrpc.client.Fault as e:
                emit(fault_dict(e))
            """);
        Assert.Equal(1002, r.GetProperty("faultCode").GetInt32());
        Assert.StartsWith("could not verify client", r.GetProperty("faultString").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void PasswordLoginLogoutAndForgedSessions()
    {
        var r = hub.Python("""
            s = Session(hub, ca)
            out = {}
            try:
                s.login("kojiadmin", "wrong")
            except xmlrpc.client.Fault as e:
                out["wrong"] = fault_dict(e)
            s.login("kojiadmin", "adminpass")
            out["me"] = s.call("getLoggedInUser")["authtype"]
            good_key = s.session_key
            s.session_key = good_key[:-1] + ("A" if good_key[-1] != "A" else "B")
            try:
                s.call("getLoggedInUser")
            except xmlrpc.client.Fault as e:
                out["forged"] = fault_dict(e)
            s.session_key = good_key
            out["logout"] = s.call("logout")
            try:
                s.call("getLoggedInUser")
            except xmlrpc.client.Fault as e:
                out["after_logout"] = fault_dict(e)
            emit(out)
            """);
        Assert.Equal(1002, r.GetProperty("wrong").GetProperty("faultCode").GetInt32());
        Assert.Equal(0, r.GetProperty("me").GetInt32());
        Assert.Equal(1002, r.GetProperty("forged").GetProperty("faultCode").GetInt32());
        Assert.Equal("Invalid session or bad credentials", r.GetProperty("forged").GetProperty("faultString").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("logout").ValueKind);
        Assert.Equal(1002, r.GetProperty("after_logout").GetProperty("faultCode").GetInt32());
    }

    [Fact]
    public void UnknownMethodsAndBadArgumentsGiveUpstreamFaults()
    {
        var r = hub.Python("""
            s = Session(hub, ca)
            out = []
            for method, args, kwargs in [("noSuchMethod", (), {}), ("getAPIVersion", (1,), {}),
                                         ("getSessionInfo", (), {"foo": 1}), ("logoutChild", (), {}),
                                         ("checkUpload", (), {}), ("getSessionInfo", (True,), {"details": True})]:
                try:
                    s.call(method, *args, **kwargs)
                    out.append(None)
                except xmlrpc.client.Fault as e:
                    out.append(fault_dict(e))
            emit(out)
            """);
        var faults = r.EnumerateArray().ToList();
        Assert.Equal(1000, faults[0].GetProperty("faultCode").GetInt32());
        Assert.Equal("Invalid method: noSuchMethod", faults[0].GetProperty("faultString").GetString());
        foreach (var f in faults.Skip(1))
        {
            Assert.Equal(1019, f.GetProperty("faultCode").GetInt32());
        }
        Assert.Contains("takes 0 positional arguments but 1 was given", faults[1].GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Contains("got an unexpected keyword argument 'foo'", faults[2].GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Contains("missing 1 required positional argument: 'session_id'", faults[3].GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Contains("missing 2 required positional arguments: 'path' and 'name'", faults[4].GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Contains("got multiple values for argument 'details'", faults[5].GetProperty("faultString").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void MulticallWrapsResultsAndFaultsPerCall()
    {
        var r = hub.Python("""
            s = Session(hub, ca)
            emit(s.multicall([("getAPIVersion", (), {}), ("noSuchMethod", (), {}), ("echo", (1,), {}), ("getLoggedInUser", (), {})]))
            """);
        var results = r.EnumerateArray().ToList();
        Assert.Equal("[1]", results[0].GetRawText());
        Assert.Equal(1000, results[1].GetProperty("faultCode").GetInt32());
        Assert.Equal("[[1]]", results[2].GetRawText());
        Assert.Equal("[null]", results[3].GetRawText());
    }

    [Fact]
    public void MalformedAndOversizedBodiesAreFaultsAndEntitiesAreRefused()
    {
        var r = hub.Python("""
            s = Session(hub, ca)
            out = {}
            for name, body in [("garbage", b"<methodCall><methodName>x</methodName"),
                               ("entity", b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><methodCall><methodName>&b;</methodName></methodCall>'),
                               ("huge", b"<methodCall><methodName>echo</methodName><params><param><value><string>" + b"x" * 4200000 + b"</string></value></param></params></methodCall>")]:
                status, headers, data = s.raw(body)
                try:
                    xmlrpc.client.loads(data)
                    out[name] = {"status": status, "fault": None}
                except xmlrpc.client.Fault as e:
                    out[name] = {"status": status, "fault": fault_dict(e)}
            emit(out)
            """);
        foreach (var name in new[] { "garbage", "entity", "huge" })
        {
            var item = r.GetProperty(name);
            Assert.Equal(200, item.GetProperty("status").GetInt32());
            Assert.Equal(1000, item.GetProperty("fault").GetProperty("faultCode").GetInt32());
            Assert.StartsWith("Invalid request", item.GetProperty("fault").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ListApiDescribesOnlyImplementedMethods()
    {
        var r = hub.Python("""
            s = Session(hub, ca)
            api = {m["name"]: m for m in s.call("_listapi")}
            emit({"names": sorted(api), "echo": api["echo"], "listMethods": s.call("system.listMethods"),
                  "help": s.call("system.methodHelp", "getSessionInfo"), "sig": s.call("system.methodSignature", "echo")})
            """);
        var names = r.GetProperty("names").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.Contains("getAPIVersion", names);
        Assert.DoesNotContain("multiCall", names);
        Assert.Equal("(*args)", r.GetProperty("echo").GetProperty("argdesc").GetString());
        Assert.Equal(names, r.GetProperty("listMethods").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("getSessionInfo(details=False, user_id=None)", r.GetProperty("help").GetString());
        Assert.Equal("signatures not supported", r.GetProperty("sig").GetString());
    }
}

public sealed class SqliteProtocolTests(SqliteHub hub) : ProtocolTests<SqliteHub>(hub);

public sealed class PostgresProtocolTests(PostgresHub hub) : ProtocolTests<PostgresHub>(hub);
