using KojiNet.Client.Tests.Support;
using KojiNet.Hub.Data;
using KojiNet.Hub.Tests;
using KojiNet.Hub.Tests.Auth;
using static KojiNet.Client.Tests.Support.ClientTestKit;

namespace KojiNet.Client.Tests;

/// <summary>A hub whose clock the tests move, with a one-minute session renewal timeout.</summary>
public sealed class RenewalHub() : HubFixture(DatabaseEngine.Sqlite)
{
    public ManualClock ManualClock { get; } = new();

    protected override TimeProvider? Clock => ManualClock;

    protected override string ExtraConfig => "SessionRenewalTimeout = 1";
}

/// <summary>AuthExpired handling: the session logs in again with renew and repeats the call (protocol.md §10).</summary>
public sealed class RenewalTests(RenewalHub hub) : IClassFixture<RenewalHub>
{
    [Fact]
    public async Task AnExpiredCertificateSessionRenewsInPlaceAndRepeatsTheCall()
    {
        var logger = new CapturingLogger();
        await using var s = await AdminAsync(hub, logger);
        var before = s.Session!;
        await s.CallAsync("getLoggedInUser", []);
        await using (await s.SubsessionAsync())
        {
            // A write: the hub now has call number 1 stored for this session.
        }
        hub.ManualClock.Advance(TimeSpan.FromMinutes(2));

        var me = Struct(await s.CallAsync("getLoggedInUser", []));

        Assert.Equal("kojiadmin", me["name"]);
        Assert.Equal(1, logger.Count(3));
        Assert.Equal(before.SessionId, s.SessionId);
        Assert.NotEqual(before.SessionKey, s.Session!.SessionKey);
        // Numbering went on past what the hub stored (a reset to 0 would be out of sequence).
        Assert.Equal(5, s.NextCallNum);
        await using (await s.SubsessionAsync())
        {
        }
    }

    [Fact]
    public async Task AnExpiredPasswordSessionRenewsToo()
    {
        var logger = new CapturingLogger();
        await using var s = new KojiSession(Options(hub), logger);
        await s.LoginAsync("kojiadmin", "adminpass");
        var id = s.SessionId;
        hub.ManualClock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, Struct(await s.CallAsync("getLoggedInUser", []))["authtype"]);
        Assert.Equal(id, s.SessionId);
        Assert.Equal(1, logger.Count(3));
    }

    [Fact]
    public async Task AnExclusiveSessionAndItsSubsessionStayUsableAfterExpiry()
    {
        var user = UniqueName("renew");
        await using var s = await FreshUserAsync(hub, user);
        await s.ExclusiveSessionAsync();
        await using var child = await s.SubsessionAsync();
        hub.ManualClock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(user, Struct(await child.CallAsync("getLoggedInUser", []))["name"]);
        Assert.Equal(user, Struct(await s.CallAsync("getLoggedInUser", []))["name"]);
        Assert.True(s.IsExclusive);
        var info = Struct(await s.CallAsync("getSessionInfo", []));
        Assert.Equal(true, info["exclusive"]);
        await s.LogoutAsync();
    }

    [Fact]
    public async Task ASessionGivenOnlyCredentialsCannotRenew()
    {
        await using var s = await AdminAsync(hub);
        await using var borrowed = new KojiSession(Options(hub), s.Session);
        hub.ManualClock.Advance(TimeSpan.FromMinutes(2));
        var e = await Assert.ThrowsAsync<KojiAuthExpiredException>(() => borrowed.CallAsync("getLoggedInUser", []));
        Assert.Equal($"session \"{s.SessionId}\" has expired", e.FaultString);
    }
}
