using System.Text.Json;
using KojiNet.Hub.Tests.Api;

namespace KojiNet.Hub.Tests.Repos;

/// <summary>
/// The default <c>min_event</c> of repo requests (kojira.md §5.1): the last event before now −
/// lag (hub <c>RepoLag</c> 3600 s, or tag extra <c>repo.lag</c>) rounded down to
/// <c>RepoLagWindow</c> (600 s), the tag's first change on a brand-new instance, and never later
/// than the tag's last change. The hub's clock is moved by hand.
/// </summary>
public abstract class RepoLagTests<THub>(THub hub) : IClassFixture<THub> where THub : LaggedRepoHubFixture
{
    private JsonElement Run(string body) => hub.Python(UsersTests<THub>.Prelude + "\n" + body);

    [Fact]
    public async Task DefaultMinEventLagsBehindRecentChanges()
    {
        var r = Run("""
            out = {}
            s.call("createTag", "lag-tag", arches="x86_64")
            s.call("packageListAdd", "lag-tag", "lag-pkg", owner="kojiadmin")
            for v in ["1", "2", "3"]:
                s.call("createEmptyBuild", "lag-pkg", v, "1", None)
            s.call("tagBuildBypass", "lag-tag", "lag-pkg-1-1")
            out["first_change"] = s.call("tagFirstChangeEvent", "lag-tag")
            out["last_change"] = s.call("tagLastChangeEvent", "lag-tag")
            # Nothing is an hour old yet: the base is the tag's first change.
            out["fresh"] = a.call("repo.request", "lag-tag")["request"]["min_event"]
            out["before_jump"] = s.call("getLastEvent")["id"]
            emit(out)
            """);
        Assert.NotEqual(r.GetProperty("first_change").GetInt32(), r.GetProperty("last_change").GetInt32());
        Assert.Equal(r.GetProperty("first_change").GetInt32(), r.GetProperty("fresh").GetInt32());
        var beforeJump = r.GetProperty("before_jump").GetInt32();

        hub.ManualClock.Advance(TimeSpan.FromHours(2));
        r = Run("""
            out = {}
            # Two hours later every event is older than the lag: the tag's last change is the answer.
            out["quiet"] = a.call("repo.request", "lag-tag")["request"]["min_event"]
            s.call("tagBuildBypass", "lag-tag", "lag-pkg-2-1")
            out["changed_at"] = s.call("tagLastChangeEvent", "lag-tag")
            # A change just now: a repo up to the lag older than it will do.
            out["lagged"] = a.call("repo.request", "lag-tag")["request"]["min_event"]
            out["lagged_dup"] = a.call("repo.request", "lag-tag")["duplicate"]
            out["last"] = a.call("repo.request", "lag-tag", min_event="last")["request"]["min_event"]
            s.call("editTag2", "lag-tag", extra={"repo.lag": 0})
            out["extra_at"] = s.call("tagLastChangeEvent", "lag-tag")
            emit(out)
            """);
        Assert.Equal(beforeJump, r.GetProperty("quiet").GetInt32());
        Assert.True(r.GetProperty("changed_at").GetInt32() > beforeJump);
        Assert.Equal(beforeJump, r.GetProperty("lagged").GetInt32());
        Assert.True(r.GetProperty("lagged_dup").GetBoolean());
        Assert.Equal(r.GetProperty("changed_at").GetInt32(), r.GetProperty("last").GetInt32());

        // With the tag's own repo.lag of 0, once the window has passed, the last change itself.
        hub.ManualClock.Advance(TimeSpan.FromSeconds(601));
        r = Run("""emit(a.call("repo.request", "lag-tag")["request"]["min_event"])""");
        Assert.Equal(r.GetInt32(), Run("""emit(s.call("tagLastChangeEvent", "lag-tag"))""").GetInt32());
        await RepoHosts.WaitForQueueChecksAsync(hub);
    }
}

public sealed class SqliteRepoLagTests(SqliteLaggedRepoHub hub) : RepoLagTests<SqliteLaggedRepoHub>(hub);

public sealed class PostgresRepoLagTests(PostgresLaggedRepoHub hub) : RepoLagTests<PostgresLaggedRepoHub>(hub);
