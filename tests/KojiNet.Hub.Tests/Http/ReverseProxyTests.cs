using KojiNet.Hub.Data;

namespace KojiNet.Hub.Tests.Http;

/// <summary>A hub on plain HTTP behind a TLS terminator at 127.0.0.1 that passes the verified DN.</summary>
public abstract class ProxiedHub(DatabaseEngine engine, string trusted) : HubFixture(engine)
{
    protected override string ListenUrl => "http://127.0.0.1:0";

    protected override string ExtraConfig => $"TrustedProxies = {trusted}";
}

public sealed class TrustingHub() : ProxiedHub(DatabaseEngine.Sqlite, "127.0.0.1 ::1");

public sealed class DistrustingHub() : ProxiedHub(DatabaseEngine.Sqlite, "192.0.2.1");

public class ReverseProxyTests(TrustingHub trusting, DistrustingHub distrusting) : IClassFixture<TrustingHub>, IClassFixture<DistrustingHub>
{
    private const string Login = """
        s = Session(hub)
        out = {}
        def attempt(name, headers):
            status, h, data = s.raw(xmlrpc.client.dumps(({"proxyuser": None, "__starstar": True},), "sslLogin", allow_none=True).encode(),
                                    path="/kojihub/ssllogin", headers=headers)
            try:
                out[name] = xmlrpc.client.loads(data)[0][0]
            except xmlrpc.client.Fault as e:
                out[name] = fault_dict(e)
        attempt("verified", {"X-SSL-Client-S-DN": "CN=carol,OU=users,O=Example", "X-SSL-Client-Verify": "SUCCESS"})
        attempt("failed", {"X-SSL-Client-S-DN": "CN=carol,OU=users,O=Example", "X-SSL-Client-Verify": "FAILED:unknown CA"})
        attempt("none", {})
        if isinstance(out["verified"], dict) and "session-id" in out["verified"]:
            s._set_session(out["verified"])
            out["me"] = s.call("getLoggedInUser")["name"]
        emit(out)
        """;

    [Fact]
    public void TrustedProxyVouchesForTheClientCertificate()
    {
        var r = trusting.Python(Login);
        Assert.True(r.GetProperty("verified").TryGetProperty("session-id", out _));
        Assert.Equal("carol", r.GetProperty("me").GetString());
        Assert.Equal(1002, r.GetProperty("failed").GetProperty("faultCode").GetInt32());
        Assert.Equal("could not verify client: FAILED:unknown CA", r.GetProperty("failed").GetProperty("faultString").GetString());
        Assert.Equal(1002, r.GetProperty("none").GetProperty("faultCode").GetInt32());
    }

    [Fact]
    public void HeadersFromAnUntrustedAddressAreIgnored()
    {
        var r = distrusting.Python(Login);
        Assert.Equal(1002, r.GetProperty("verified").GetProperty("faultCode").GetInt32());
        Assert.StartsWith("could not verify client", r.GetProperty("verified").GetProperty("faultString").GetString(), StringComparison.Ordinal);
    }
}
