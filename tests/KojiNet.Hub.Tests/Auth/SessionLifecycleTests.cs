using KojiNet.Hub.Data;

namespace KojiNet.Hub.Tests.Auth;

/// <summary>A hub whose clock the tests move, with a one-minute session renewal timeout.</summary>
public abstract class ClockHub(DatabaseEngine engine) : HubFixture(engine)
{
    public ManualClock ManualClock { get; } = new();

    protected override TimeProvider? Clock => ManualClock;

    protected override string ExtraConfig => "SessionRenewalTimeout = 1";
}

public sealed class SqliteClockHub() : ClockHub(DatabaseEngine.Sqlite);

public sealed class PostgresClockHub() : ClockHub(DatabaseEngine.PostgreSql);

/// <summary>Session expiry and renewal, call numbers, subsessions and exclusive sessions (auth.md §3, protocol.md §5).</summary>
public abstract class SessionLifecycleTests<THub>(THub hub) : IClassFixture<THub> where THub : ClockHub
{
    [Fact]
    public void ExpiredSessionsFailUntilRenewedWithTheSameId()
    {
        var before = hub.Python("""
            s = Session(hub, ca, admin_pem)
            sinfo = s.ssl_login()
            s.call("getLoggedInUser")
            emit({"id": sinfo["session-id"], "key": sinfo["session-key"]})
            """);
        hub.ManualClock.Advance(TimeSpan.FromMinutes(2));
        var id = before.GetProperty("id").GetInt32();
        var key = before.GetProperty("key").GetString();
        var r = hub.Python($$"""
            s = Session(hub, ca, admin_pem)
            s.session_id, s.session_key, s.callnum = {{id}}, "{{key}}", 5
            out = {}
            try:
                s.call("getLoggedInUser")
            except xmlrpc.client.Fault as e:
                out["expired"] = fault_dict(e)
            sinfo = s.call("sslLogin", proxyuser=None, renew=True)
            out["renewed"] = sinfo
            s._set_session(sinfo)
            out["me"] = s.call("getLoggedInUser")["name"]
            emit(out)
            """);
        Assert.Equal(1007, r.GetProperty("expired").GetProperty("faultCode").GetInt32());
        Assert.Equal($"session \"{id}\" has expired", r.GetProperty("expired").GetProperty("faultString").GetString());
        Assert.Equal(id, r.GetProperty("renewed").GetProperty("session-id").GetInt32());
        Assert.NotEqual(key, r.GetProperty("renewed").GetProperty("session-key").GetString());
        Assert.Equal("kojiadmin", r.GetProperty("me").GetString());
    }

    [Fact]
    public void ReplayedWriteCallsAreRefusedAndStaleCallnumsAreOutOfSequence()
    {
        var r = hub.Python("""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            out = {}
            s.callnum = 10
            s.call("subsession")          # a write: callnum 10 is now stored
            s.callnum = 10
            try:
                s.call("subsession")
            except xmlrpc.client.Fault as e:
                out["replay"] = fault_dict(e)
            s.callnum = 3
            try:
                s.call("getLoggedInUser")
            except xmlrpc.client.Fault as e:
                out["stale"] = fault_dict(e)
            s.callnum = 11
            out["read_retry_a"] = s.call("getLoggedInUser")["name"]
            s.callnum = 11
            out["read_retry_b"] = s.call("getLoggedInUser")["name"]
            emit(out)
            """);
        Assert.Equal(1009, r.GetProperty("replay").GetProperty("faultCode").GetInt32());
        Assert.Equal(1008, r.GetProperty("stale").GetProperty("faultCode").GetInt32());
        // Reads never store the callnum, so retrying them is always allowed.
        Assert.Equal("kojiadmin", r.GetProperty("read_retry_b").GetString());
    }

    [Fact]
    public void AFailedWriteCallDoesNotUseUpItsCallnum()
    {
        var r = hub.Python("""
            s = Session(hub, ca, admin_pem)
            s.ssl_login()
            out = {}
            s.call("createTag", "sl-callnum-tag")
            s.callnum = 40
            try:
                s.call("createTag", "sl-callnum-tag")      # a write that fails: nothing is stored
            except xmlrpc.client.Fault as e:
                out["dup"] = fault_dict(e)
            s.callnum = 40
            out["retried"] = s.call("createTag", "sl-callnum-tag2")
            s.callnum = 40
            try:
                s.call("createTag", "sl-callnum-tag3")     # 40 is stored now
            except xmlrpc.client.Fault as e:
                out["replay"] = fault_dict(e)
            out["tag3"] = s.call("getTag", "sl-callnum-tag3")
            emit(out)
            """);
        Assert.Equal(1000, r.GetProperty("dup").GetProperty("faultCode").GetInt32());
        Assert.True(r.GetProperty("retried").GetInt32() > 0);
        Assert.Equal(1009, r.GetProperty("replay").GetProperty("faultCode").GetInt32());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, r.GetProperty("tag3").ValueKind);
    }

    [Fact]
    public void ExclusiveSessionsLockOutOtherSessionsOfTheUser()
    {
        var r = hub.Python("""
            a = Session(hub, ca, alice_pem); a.ssl_login()
            b = Session(hub, ca, alice_pem); b.ssl_login()
            out = {}
            a.call("exclusiveSession")
            try:
                b.call("getLoggedInUser")
            except xmlrpc.client.Fault as e:
                out["locked"] = fault_dict(e)
            try:
                b.call("exclusiveSession")
            except xmlrpc.client.Fault as e:
                out["second"] = fault_dict(e)
            sub = a.call("subsession")
            c = Session(hub, ca, alice_pem)
            c._set_session(sub)
            out["sub_ok"] = c.call("getLoggedInUser")["name"]
            b.call("exclusiveSession", force=True)
            try:
                a.call("getLoggedInUser")
            except xmlrpc.client.Fault as e:
                out["a_closed"] = fault_dict(e)
            out["b_ok"] = b.call("getSessionInfo")["exclusive"]
            emit(out)
            """);
        Assert.Equal(1006, r.GetProperty("locked").GetProperty("faultCode").GetInt32());
        Assert.Equal(1006, r.GetProperty("second").GetProperty("faultCode").GetInt32());
        Assert.Equal("alice", r.GetProperty("sub_ok").GetString());
        Assert.Equal(1002, r.GetProperty("a_closed").GetProperty("faultCode").GetInt32());
        Assert.True(r.GetProperty("b_ok").GetBoolean());
    }
}

public sealed class SqliteSessionLifecycleTests(SqliteClockHub hub) : SessionLifecycleTests<SqliteClockHub>(hub);

public sealed class PostgresSessionLifecycleTests(PostgresClockHub hub) : SessionLifecycleTests<PostgresClockHub>(hub);
