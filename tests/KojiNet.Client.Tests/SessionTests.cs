using KojiNet.Client.Tests.Support;
using KojiNet.Hub.Tests;
using KojiNet.XmlRpc;
using static KojiNet.Client.Tests.Support.ClientTestKit;

namespace KojiNet.Client.Tests;

/// <summary>Logins, call numbers, exclusive sessions, subsessions, faults and multicall against a real hub.</summary>
public abstract class SessionTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private static readonly Dictionary<string, object?> Details = new(StringComparer.Ordinal) { ["details"] = true };

    [Fact]
    public async Task SslLoginSendsTheSessionHeadersOfACertificateSession()
    {
        await using var s = new KojiSession(Options(hub, hub.AdminPem));
        Assert.False(s.IsLoggedIn);
        Assert.Null(await s.CallAsync("getLoggedInUser", []));

        await s.SslLoginAsync();

        Assert.True(s.IsLoggedIn);
        Assert.True(s.Session!.HeaderAuth);
        Assert.Matches("^[0-9]+-[A-Za-z0-9]{19}$", s.Session.SessionKey);
        var me = Struct(await s.CallAsync("getLoggedInUser", []));
        Assert.Equal("kojiadmin", me["name"]);
        Assert.Equal(2, me["authtype"]); // SSL
        var info = Struct(await s.CallAsync("getSessionInfo", [], Details));
        Assert.Equal(s.SessionId, info["id"]);
        Assert.Equal("1.35.3", s.HubVersion);
        Assert.DoesNotContain(s.Session.SessionKey, s.Session.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PasswordLoginCreatesANormalSessionAndBadPasswordsAreAuthErrors()
    {
        await using var s = new KojiSession(Options(hub));
        var bad = await Assert.ThrowsAsync<KojiAuthException>(() => s.LoginAsync("kojiadmin", "wrong"));
        Assert.Equal(KojiFaultCode.AuthError, bad.FaultCode);
        Assert.Equal("Invalid username or password", bad.FaultString);
        Assert.False(s.IsLoggedIn);

        await s.LoginAsync("kojiadmin", "adminpass");
        var me = Struct(await s.CallAsync("getLoggedInUser", []));
        Assert.Equal("kojiadmin", me["name"]);
        Assert.Equal(0, me["authtype"]); // NORMAL
        await Assert.ThrowsAsync<InvalidOperationException>(() => s.LoginAsync("kojiadmin", "adminpass"));
    }

    [Fact]
    public async Task SslLoginNeedsACertificateFile()
    {
        await using var s = new KojiSession(Options(hub));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => s.SslLoginAsync());
        Assert.Contains("CertFile", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeywordArgumentsTravelAsTheStarStarStruct()
    {
        await using var s = await AdminAsync(hub);
        var plain = Struct(await s.CallAsync("getSessionInfo", []));
        var detailed = Struct(await s.CallAsync("getSessionInfo", [], Details));
        Assert.False(plain.ContainsKey("hostip"));
        Assert.True(detailed.ContainsKey("hostip"));
        Assert.Equal(true, await s.CallAsync("hasPerm", ["admin"], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }));
        var unknown = await Assert.ThrowsAsync<KojiFaultException>(() =>
            s.CallAsync("hasPerm", ["no-such-perm"], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }));
        Assert.Equal(KojiFaultCode.GenericError, unknown.FaultCode);
    }

    [Fact]
    public async Task CallNumbersCountCallsAndAReusedNumberIsOutOfSequence()
    {
        await using var s = await AdminAsync(hub);
        Assert.Equal(0, s.NextCallNum);
        await s.CallAsync("getLoggedInUser", []);
        Assert.Equal(1, s.NextCallNum);
        await using (await s.SubsessionAsync())
        {
            // subsession writes, so the hub stores its number (1).
        }
        var info = Struct(await s.CallAsync("getSessionInfo", []));
        Assert.Equal(1, info["callnum"]);
        Assert.Equal(3, s.NextCallNum);

        // A second client with the same credentials starts again at 0: behind what the hub stored.
        await using var clone = new KojiSession(Options(hub), s.Session);
        var e = await Assert.ThrowsAsync<KojiSequenceException>(() => clone.CallAsync("getLoggedInUser", []));
        Assert.Equal(KojiFaultCode.SequenceError, e.FaultCode);
        Assert.IsAssignableFrom<KojiAuthException>(e);

        // The original goes on.
        Assert.Equal("kojiadmin", Struct(await s.CallAsync("getLoggedInUser", []))["name"]);
    }

    [Fact]
    public async Task ConcurrentCallsOnOneSessionAreSentInCallNumberOrder()
    {
        await using var s = await AdminAsync(hub);
        var prefix = UniqueName("conc");
        var before = s.NextCallNum;
        // Writes store their number; if a later number overtook an earlier one the hub would refuse it.
        var calls = Enumerable.Range(0, 12).Select(i => i % 2 == 0
            ? s.CallAsync("createUser", [$"{prefix}-{i}"])
            : s.CallAsync("getLoggedInUser", [])).ToArray();
        await Task.WhenAll(calls);
        Assert.Equal(before + 12, s.NextCallNum);
        var stored = Assert.IsType<int>(Struct(await s.CallAsync("getSessionInfo", []))["callnum"]);
        Assert.InRange(stored, before, before + 11);
    }

    [Fact]
    public async Task ExclusiveSessionLocksOutTheUsersOtherSessionsButNotItsSubsessions()
    {
        var user = UniqueName("excl");
        await using var a = await FreshUserAsync(hub, user);
        await a.ExclusiveSessionAsync();
        Assert.True(a.IsExclusive);
        var pem = hub.Ca.Find(KojiNet.Hub.Certificates.CertificateKind.User, user)!;
        await using var b = new KojiSession(Options(hub, pem));
        await b.SslLoginAsync(); // login is exempt from the lock
        try
        {
            var locked = await Assert.ThrowsAsync<KojiAuthLockException>(() => b.CallAsync("getLoggedInUser", []));
            Assert.Equal("User locked by another session", locked.FaultString);

            await using var child = await a.SubsessionAsync();
            Assert.Equal(user, Struct(await child.CallAsync("getLoggedInUser", []))["name"]);
            var sub = await Assert.ThrowsAsync<KojiFaultException>(() => child.ExclusiveSessionAsync());
            Assert.Equal(KojiFaultCode.GenericError, sub.FaultCode);

            var refused = await Assert.ThrowsAsync<KojiAuthLockException>(() => b.ExclusiveSessionAsync());
            Assert.Equal("Cannot get exclusive session", refused.FaultString);
            Assert.False(b.IsExclusive);

            await b.ExclusiveSessionAsync(force: true);
            Assert.True(b.IsExclusive);
            Assert.Equal(user, Struct(await b.CallAsync("getLoggedInUser", []))["name"]);
            // Forcing closed a and its subsessions.
            var closed = await Assert.ThrowsAsync<KojiAuthException>(() => a.CallAsync("getLoggedInUser", []));
            Assert.Equal(KojiFaultCode.AuthError, closed.FaultCode);
            Assert.Equal(KojiFaultCode.AuthError, (await Assert.ThrowsAsync<KojiAuthException>(() => child.CallAsync("getLoggedInUser", []))).FaultCode);

            await b.SharedSessionAsync();
            Assert.False(b.IsExclusive);
        }
        finally
        {
            await b.LogoutAsync();
        }
    }

    [Fact]
    public async Task SubsessionsHaveTheirOwnCredentialsAndCloseWithTheirMaster()
    {
        await using var parent = await AdminAsync(hub);
        var child = await parent.SubsessionAsync();
        await using (child)
        {
            Assert.NotEqual(parent.SessionId, child.SessionId);
            Assert.Equal(0, child.NextCallNum);
            var info = Struct(await child.CallAsync("getSessionInfo", []));
            Assert.Equal(parent.SessionId, info["master"]);
            Assert.Equal(1, child.NextCallNum);

            await parent.LogoutChildAsync(child.SessionId!.Value);
            var gone = await Assert.ThrowsAsync<KojiAuthException>(() => child.CallAsync("getLoggedInUser", []));
            Assert.Equal("Invalid session or bad credentials", gone.FaultString);
        }

        await using var child2 = await parent.SubsessionAsync();
        var credentials = parent.Session;
        await parent.LogoutAsync();
        Assert.False(parent.IsLoggedIn);
        Assert.Null(parent.SessionId);
        Assert.Equal(KojiFaultCode.AuthError, (await Assert.ThrowsAsync<KojiAuthException>(() => child2.CallAsync("getLoggedInUser", []))).FaultCode);
        await using var stale = new KojiSession(Options(hub), credentials);
        Assert.Equal(KojiFaultCode.AuthError, (await Assert.ThrowsAsync<KojiAuthException>(() => stale.CallAsync("getLoggedInUser", []))).FaultCode);
        // Logging out twice is harmless.
        await parent.LogoutAsync();
    }

    [Fact]
    public async Task ASubsessionOutlivesItsDisposedParent()
    {
        var parent = await AdminAsync(hub);
        var child = await parent.SubsessionAsync();
        await parent.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => parent.CallAsync("getLoggedInUser", []));
        Assert.Equal("kojiadmin", Struct(await child.CallAsync("getLoggedInUser", []))["name"]);
        await child.DisposeAsync();
        await child.DisposeAsync();
    }

    [Fact]
    public async Task FaultsAreTypedByTheirCode()
    {
        await using var anon = new KojiSession(Options(hub));
        var unexpected = await Assert.ThrowsAsync<KojiFaultException>(() => anon.CallAsync("fault", []));
        Assert.Equal(typeof(KojiFaultException), unexpected.GetType());
        Assert.Equal(KojiFaultCode.Unexpected, unexpected.FaultCode);

        var generic = await Assert.ThrowsAsync<KojiFaultException>(() => anon.CallAsync("error", []));
        Assert.Equal(KojiFaultCode.GenericError, generic.FaultCode);
        Assert.Equal("test error", generic.FaultString);
        Assert.Equal("GenericError", generic.KojiErrorName);

        var missing = await Assert.ThrowsAsync<KojiFaultException>(() => anon.CallAsync("noSuchMethod", []));
        Assert.Equal("Invalid method: noSuchMethod", missing.FaultString);

        var parameter = await Assert.ThrowsAsync<KojiParameterException>(() => anon.CallAsync("getAPIVersion", [1]));
        Assert.Equal(KojiFaultCode.ParameterError, parameter.FaultCode);

        var notAllowed = await Assert.ThrowsAsync<KojiActionNotAllowedException>(() => anon.CallAsync("subsession", []));
        Assert.Equal(KojiFaultCode.ActionNotAllowed, notAllowed.FaultCode);

        // Every typed fault is still an XmlRpcFaultException for code that only knows the codec.
        Assert.IsAssignableFrom<XmlRpcFaultException>(notAllowed);
        Assert.Equal(1, await anon.CallAsync("getAPIVersion", []));
    }

    [Fact]
    public async Task MultiCallReturnsEachResultOrFaultInOrder()
    {
        await using var s = await AdminAsync(hub);
        var name = UniqueName("mc");
        XmlRpcMethodCall[] calls =
        [
            new("echo", ["a", 1]),
            new("createUser", [name]),
            new("createUser", [name]),
            new("error", []),
            new("hasPerm", ["admin"], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }),
        ];
        var before = s.NextCallNum;
        var results = await s.MultiCallAsync(calls);
        Assert.Equal(before + 1, s.NextCallNum);
        Assert.Equal(5, results.Count);
        Assert.Equal(new object?[] { "a", 1 }, Assert.IsAssignableFrom<IReadOnlyList<object?>>(results[0].GetValueOrThrow()));
        Assert.IsType<int>(results[1].Value);
        var duplicate = Assert.IsAssignableFrom<KojiFaultException>(results[2].Fault);
        Assert.Equal(KojiFaultCode.GenericError, duplicate.FaultCode);
        Assert.Equal("test error", results[3].Fault!.FaultString);
        Assert.Equal(true, results[4].Value);
        // The failing call was rolled back alone.
        Assert.Equal(name, Struct(await s.CallAsync("getUser", [name]))["name"]);

        before = s.NextCallNum;
        var batched = await s.MultiCallAsync([new("echo", ["x"]), new("error", []), new("getAPIVersion", [])], batchSize: 2);
        Assert.Equal(before + 2, s.NextCallNum);
        Assert.Equal(1, batched[2].Value);
        Assert.True(batched[1].IsFault);

        var strict = await Assert.ThrowsAsync<KojiFaultException>(() => s.MultiCallAsync([new("echo", []), new("error", [])], strict: true));
        Assert.Equal("test error", strict.FaultString);
        Assert.Empty(await s.MultiCallAsync([]));
    }

    [Fact]
    public async Task AServerCertificateFromAnotherCaIsRefusedWithoutRetries()
    {
        var otherCa = KojiNet.Hub.Certificates.CertificateAuthority.OpenOrCreate(Path.Combine(hub.Dir, "other-ca-" + Guid.NewGuid().ToString("N")));
        var options = Options(hub);
        options.ServerCaFile = otherCa.CaCertificatePath;
        options.AnonRetry = true;
        options.MaxRetries = 100;
        options.RetryInterval = TimeSpan.FromMinutes(10);
        var logger = new CapturingLogger();
        await using var s = new KojiSession(options, logger);
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => s.CallAsync("getAPIVersion", []));
        Assert.Equal(HttpRequestError.SecureConnectionError, e.HttpRequestError);
        Assert.Equal(0, logger.Count(1));

        // The same hub is fine with verification off.
        var insecure = Options(hub);
        insecure.ServerCaFile = null;
        insecure.NoSslVerify = true;
        await using var ok = new KojiSession(insecure);
        Assert.Equal(1, await ok.CallAsync("getAPIVersion", []));
    }

    [Fact]
    public void BadOptionsAreRefusedWithTheirName()
    {
        Assert.Equal("Server", Assert.Throws<ArgumentException>(() => new KojiSession(new KojiClientOptions { Server = "koji.example.com/kojihub" })).ParamName);
        Assert.Equal("CertFile", Assert.Throws<ArgumentException>(() => new KojiSession(new KojiClientOptions { Server = hub.Url, CertFile = "/nonexistent.pem" })).ParamName);
        Assert.Equal("CertFile", Assert.Throws<ArgumentException>(() => new KojiSession(new KojiClientOptions { Server = hub.Url, CertFile = hub.CaFile })).ParamName);
        Assert.Equal("UploadBlockSize", Assert.Throws<ArgumentException>(() => new KojiSession(new KojiClientOptions { Server = hub.Url, UploadBlockSize = 0 })).ParamName);
    }
}

public sealed class SqliteSessionTests(SqliteHub hub) : SessionTests<SqliteHub>(hub);

public sealed class PostgresSessionTests(PostgresHub hub) : SessionTests<PostgresHub>(hub);
