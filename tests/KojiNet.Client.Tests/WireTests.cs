using KojiNet.Client.Tests.Support;
using KojiNet.Hub.Tests;
using static KojiNet.Client.Tests.Support.ClientTestKit;

namespace KojiNet.Client.Tests;

/// <summary>
/// What the client puts on the wire and how it treats HTTP error statuses, against a scripted
/// HTTPS server that records every request (protocol.md §2, §5.1, §9.1, §10).
/// </summary>
public sealed class WireTests(SqliteHub hub) : IClassFixture<SqliteHub>, IAsyncLifetime
{
    private ScriptedHub _scripted = null!;

    public async Task InitializeAsync() => _scripted = await ScriptedHub.StartAsync(hub);

    public async Task DisposeAsync() => await _scripted.DisposeAsync();

    private KojiSession LoggedIn() => new(Options(hub, server: _scripted.Url), new KojiSessionInfo(7, "1-scriptedkey"));

    [Fact]
    public async Task ServerErrorsAreRetriedWithTheSameRequestAndCallNumber()
    {
        await using var s = LoggedIn();
        foreach (var status in new[] { 503, 500, 408 })
        {
            _scripted.Failures.Enqueue(status);
        }

        Assert.Equal("ok", await s.CallAsync("getLoggedInUser", []));
        Assert.Equal("ok", await s.CallAsync("getLoggedInUser", []));

        var seen = _scripted.Requests.ToArray();
        Assert.Equal(5, seen.Length);
        Assert.Equal(["0", "0", "0", "0", "1"], seen.Select(r => r.Header("Koji-Session-Callnum")));
        Assert.All(seen[..4], r => Assert.Equal(seen[0].Body, r.Body));
        Assert.Equal("1.35.3", s.HubVersion);
    }

    [Fact]
    public async Task ClientErrorsAreNotRetried()
    {
        await using var s = LoggedIn();
        _scripted.Failures.Enqueue(400);
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => s.CallAsync("echo", []));
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, e.StatusCode);
        Assert.Contains("scripted failure", e.Message, StringComparison.Ordinal);
        Assert.Single(_scripted.Requests);
    }

    [Fact]
    public async Task RequestsCarryKojisHeadersAndSslLoginGoesToItsOwnPath()
    {
        await using var s = new KojiSession(Options(hub, hub.AdminPem, _scripted.Url));
        await s.CallAsync("echo", []);
        await s.SslLoginAsync(proxyUser: "alice");
        await s.CallAsync("getTag", ["f40-build"], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true });

        var seen = _scripted.Requests.ToArray();
        Assert.All(seen, r =>
        {
            Assert.Equal("koji/1", r.Header("User-Agent"));
            Assert.Equal("text/xml", r.ContentType);
            Assert.Equal(r.Body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Header("Content-Length"));
        });
        Assert.Equal("/kojihub", seen[0].Path);
        Assert.Null(seen[0].Header("Koji-Session-Id"));

        Assert.Equal("/kojihub/ssllogin", seen[1].Path);
        Assert.Equal("sslLogin", seen[1].Call.MethodName);
        Assert.Empty(seen[1].Call.Args);
        Assert.Equal("alice", seen[1].Call.Kwargs["proxyuser"]);
        Assert.Null(seen[1].Header("Koji-Session-Id"));

        Assert.Equal("/kojihub", seen[2].Path);
        Assert.Equal("7", seen[2].Header("Koji-Session-Id"));
        Assert.Equal("1-scriptedkey", seen[2].Header("Koji-Session-Key"));
        Assert.Equal("0", seen[2].Header("Koji-Session-Callnum"));
        Assert.Equal(true, seen[2].Call.Kwargs["strict"]);
        Assert.Equal(2, seen[2].Call.Params.Count); // the trailing __starstar struct
        Assert.Equal("", seen[2].Query);
    }

    [Fact]
    public async Task WithoutHeaderAuthTheSessionTravelsInTheQueryString()
    {
        _scripted.HeaderAuth = false;
        await using var s = new KojiSession(Options(hub, server: _scripted.Url));
        await s.LoginAsync("kojiadmin", "adminpass");
        await s.CallAsync("echo", []);
        await s.UploadChunkAsync("tasks/1/1", "build.log", "abc"u8.ToArray(), 0);

        var seen = _scripted.Requests.ToArray();
        Assert.Equal(["kojiadmin", "adminpass"], seen[0].Call.Args);
        Assert.Equal("?session-id=7&session-key=1-scriptedkey&callnum=0", seen[1].Query);
        Assert.Null(seen[1].Header("Koji-Session-Id"));
        Assert.Equal("application/octet-stream", seen[2].ContentType);
        Assert.Equal("?filename=build.log&filepath=tasks%2F1%2F1&fileverify=adler32&offset=0&overwrite=1&session-id=7&session-key=1-scriptedkey&callnum=1",
            seen[2].Query);
        Assert.Equal("abc"u8.ToArray(), seen[2].Body);
    }
}

