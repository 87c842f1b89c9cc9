using KojiNet.Client.Tests.Support;
using KojiNet.Hub.Tests;
using KojiNet.XmlRpc;
using static KojiNet.Client.Tests.Support.ClientTestKit;

namespace KojiNet.Client.Tests;

/// <summary>
/// Transport failures between client and hub (through a relay that can refuse, reset, hang or
/// lose replies) and the hub's ServerOffline answer (protocol.md §10).
/// </summary>
public sealed class RetryTests(SqliteHub hub) : IClassFixture<SqliteHub>, IAsyncLifetime
{
    private readonly TcpProxy _proxy = new(hub.Url);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        hub.Hub.Config.Operation.ServerOffline = false;
        await _proxy.DisposeAsync();
    }

    [Fact]
    public async Task ALostReplyToAWriteIsReplayedWithTheSameCallNumberAndRefused()
    {
        await using var s = await AdminAsync(hub, server: _proxy.Url);
        await s.CallAsync("getLoggedInUser", []); // the connection is up; only the next reply will be lost
        var name = UniqueName("lost");
        var callNum = s.NextCallNum;

        _proxy.DropNextResponse();
        var e = await Assert.ThrowsAsync<KojiRetryException>(() => s.CallAsync("createUser", [name]));

        Assert.False(_proxy.ResponseDropPending);
        Assert.Equal(KojiFaultCode.RetryError, e.FaultCode);
        Assert.Contains($"unable to retry call {callNum}", e.FaultString, StringComparison.Ordinal);
        Assert.Equal(callNum + 1, s.NextCallNum);
        // The first delivery did the work, once.
        Assert.Equal(name, Struct(await s.CallAsync("getUser", [name]))["name"]);
    }

    [Fact]
    public async Task ALostReplyToAReadIsRetriedTransparently()
    {
        await using var s = await AdminAsync(hub, server: _proxy.Url);
        await s.CallAsync("getLoggedInUser", []);
        var connections = _proxy.Connections;

        _proxy.DropNextResponse();
        var me = Struct(await s.CallAsync("getLoggedInUser", []));

        Assert.Equal("kojiadmin", me["name"]);
        Assert.False(_proxy.ResponseDropPending);
        Assert.Equal(connections + 1, _proxy.Connections);
    }

    [Fact]
    public async Task CallsWaitForAHubThatIsDownUntilItIsBack()
    {
        var logger = new CapturingLogger();
        var options = Options(hub, hub.AdminPem, _proxy.Url);
        options.MaxRetries = 10000;
        await using var s = new KojiSession(options, logger);
        await s.SslLoginAsync();

        var callNum = s.NextCallNum;
        _proxy.Stop();
        var call = s.CallAsync("getLoggedInUser", []);
        await WaitUntilAsync(() => logger.Count(1) >= 3, "the client has retried three times");
        Assert.False(call.IsCompleted);
        _proxy.Start();

        Assert.Equal("kojiadmin", Struct(await call)["name"]);
        Assert.Equal(callNum + 1, s.NextCallNum);
    }

    [Fact]
    public async Task RetriesStopAfterMaxRetries()
    {
        var logger = new CapturingLogger();
        var options = Options(hub, hub.AdminPem, _proxy.Url);
        options.MaxRetries = 2;
        await using var s = new KojiSession(options, logger);
        await s.SslLoginAsync();
        var connections = _proxy.Connections;

        _proxy.Mode = ProxyMode.Reject;
        _proxy.CutConnections();
        await Assert.ThrowsAnyAsync<HttpRequestException>(() => s.CallAsync("getLoggedInUser", []));

        Assert.Equal(connections + 3, _proxy.Connections);
        Assert.Equal(2, logger.Count(1));
    }

    [Fact]
    public async Task CallsWithoutASessionAreNotRetriedUnlessAnonRetryIsOn()
    {
        _proxy.Mode = ProxyMode.Reject;
        var options = Options(hub, server: _proxy.Url);
        await using (var anon = new KojiSession(options))
        {
            var before = _proxy.Connections;
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => anon.CallAsync("getAPIVersion", []));
            Assert.Equal(before + 1, _proxy.Connections);
        }

        options.AnonRetry = true;
        await using (var retrying = new KojiSession(options))
        {
            var before = _proxy.Connections;
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => retrying.CallAsync("getAPIVersion", []));
            Assert.Equal(before + 1 + options.MaxRetries, _proxy.Connections);
        }
    }

    [Fact]
    public async Task AHungHubTimesOutEachAttempt()
    {
        var options = Options(hub, server: _proxy.Url);
        options.Timeout = TimeSpan.FromMilliseconds(300);
        options.AnonRetry = true;
        options.MaxRetries = 1;
        var logger = new CapturingLogger();
        await using var s = new KojiSession(options, logger);
        _proxy.Mode = ProxyMode.Blackhole;

        var e = await Assert.ThrowsAsync<TimeoutException>(() => s.CallAsync("getAPIVersion", []));

        Assert.Contains("no answer", e.Message, StringComparison.Ordinal);
        // Retried once (the second attempt may wait on the same pending connection).
        Assert.Equal(1, logger.Count(1));
    }

    [Fact]
    public async Task CancellationStopsRetrying()
    {
        var options = Options(hub, hub.AdminPem, _proxy.Url);
        options.MaxRetries = 10000;
        var logger = new CapturingLogger();
        await using var s = new KojiSession(options, logger);
        await s.SslLoginAsync();
        _proxy.Stop();
        using var cts = new CancellationTokenSource();
        var call = s.CallAsync("getLoggedInUser", [], null, cts.Token);
        await WaitUntilAsync(() => logger.Count(1) >= 2, "the client is retrying");
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        _proxy.Start();
        // The session is still usable, with the next call number.
        Assert.Equal("kojiadmin", Struct(await s.CallAsync("getLoggedInUser", []))["name"]);
    }

    [Fact]
    public async Task AnUploadSurvivesALostChunkReply()
    {
        await using var s = await AdminAsync(hub, server: _proxy.Url);
        await s.CallAsync("getLoggedInUser", []);
        var data = new byte[2_500_000];
        Random.Shared.NextBytes(data);
        var local = Path.Combine(hub.Dir, UniqueName("lossy") + ".bin");
        await File.WriteAllBytesAsync(local, data);
        var dir = "cli-build/" + UniqueName("lossy");

        _proxy.DropNextResponse();
        Assert.Equal(data.Length, await s.UploadFileAsync(local, dir));

        Assert.False(_proxy.ResponseDropPending);
        Assert.Equal(data, await File.ReadAllBytesAsync(Path.Combine(hub.Hub.Storage.WorkDir, dir, Path.GetFileName(local))));
    }

    [Fact]
    public async Task ServerOfflineIsWaitedOutWithOfflineRetry()
    {
        var logger = new CapturingLogger();
        await using var s = await AdminAsync(hub, logger);
        hub.Hub.Config.Operation.ServerOffline = true;
        Task<object?> call;
        try
        {
            call = s.CallAsync("getLoggedInUser", []);
            await WaitUntilAsync(() => logger.Count(2) >= 3, "the client has seen the hub offline three times");
            Assert.False(call.IsCompleted);
        }
        finally
        {
            hub.Hub.Config.Operation.ServerOffline = false;
        }
        Assert.Equal("kojiadmin", Struct(await call)["name"]);
        Assert.Contains("server is offline", logger.Entries.First(e => e.Id.Id == 2).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerOfflineIsAFaultWithoutOfflineRetry()
    {
        var options = Options(hub);
        options.OfflineRetry = false;
        await using var s = new KojiSession(options);
        hub.Hub.Config.Operation.ServerOffline = true;
        try
        {
            var e = await Assert.ThrowsAsync<KojiServerOfflineException>(() => s.CallAsync("getAPIVersion", []));
            Assert.Equal(KojiFaultCode.ServerOffline, e.FaultCode);
            Assert.Equal("server is offline", e.FaultString);
        }
        finally
        {
            hub.Hub.Config.Operation.ServerOffline = false;
        }
    }
}
