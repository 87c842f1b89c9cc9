using System.Data.Common;
using Dapper;
using KojiNet.Hub.Data;

namespace KojiNet.Hub.Tests.Data;

public class SchemaMigratorTests(DatabaseFixture fixture) : IClassFixture<DatabaseFixture>
{
    public static TheoryData<DatabaseEngine> Engines => DatabaseFixture.Engines;

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task FreshDatabaseIsMigratedOnceAndSeeded(DatabaseEngine engine)
    {
        await using var db = fixture.CreateEmpty(engine);
        Assert.Equal(0, await SchemaMigrator.CurrentVersionAsync(db));
        var applied = await SchemaMigrator.MigrateAsync(db);
        Assert.Equal(SchemaMigrator.Available.Select(m => m.Version), applied);
        Assert.Empty(await SchemaMigrator.MigrateAsync(db));
        Assert.Equal(SchemaMigrator.LatestVersion, await SchemaMigrator.CurrentVersionAsync(db));

        await using var c = await db.OpenAsync();
        // Seeds match upstream's: ids and order are part of the wire behaviour (channel 1 is default...).
        Assert.Equal(
            ["default", "createrepo", "maven", "livecd", "appliance", "vm", "image", "livemedia"],
            await c.QueryAsync<string>("SELECT name FROM channels ORDER BY id"));
        Assert.Equal(15, await c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM permissions"));
        Assert.Equal("admin", await c.ExecuteScalarAsync<string>("SELECT name FROM permissions WHERE id = 1"));
        Assert.Equal(["rpm", "maven", "win", "image"], await c.QueryAsync<string>("SELECT name FROM btype ORDER BY id"));
        Assert.Equal("DEFAULT", await c.ExecuteScalarAsync<string>("SELECT name FROM volume WHERE id = 0"));
        Assert.Equal("INTERNAL", await c.ExecuteScalarAsync<string>("SELECT name FROM external_repo WHERE id = 0"));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task VersionedTablesAllowOneCurrentRowAndAnyHistory(DatabaseEngine engine)
    {
        await using var db = await fixture.CreateMigratedAsync(engine);
        await using var c = await db.OpenAsync();
        await c.ExecuteAsync("INSERT INTO events (time) VALUES (1), (2), (3)");
        await c.ExecuteAsync("INSERT INTO users (name, status, usertype) VALUES ('admin', 0, 0)");
        await c.ExecuteAsync("INSERT INTO tag (name) VALUES ('f40')");
        const string grant = "INSERT INTO tag_config (tag_id, arches, create_event, creator_id) VALUES (1, 'x86_64', @e, 1)";
        await c.ExecuteAsync(grant, new { e = 1 });
        // A second current row for the same tag is refused...
        await Assert.ThrowsAnyAsync<DbException>(() => c.ExecuteAsync(grant, new { e = 2 }));
        // ...but after revoking, a new current row may join the history.
        await c.ExecuteAsync("UPDATE tag_config SET revoke_event = 2, revoker_id = 1 WHERE tag_id = 1 AND revoke_event IS NULL");
        await c.ExecuteAsync(grant, new { e = 2 });
        await c.ExecuteAsync("UPDATE tag_config SET revoke_event = 3, revoker_id = 1 WHERE tag_id = 1 AND revoke_event IS NULL");
        await c.ExecuteAsync(grant, new { e = 3 });
        Assert.Equal(3, await c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM tag_config WHERE tag_id = 1"));
        Assert.Equal(1, await c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM tag_config WHERE tag_id = 1 AND revoke_event IS NULL"));
        // A revoke must name who revoked it.
        await Assert.ThrowsAnyAsync<DbException>(() => c.ExecuteAsync("UPDATE tag_config SET revoke_event = 3 WHERE revoke_event IS NULL"));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ForeignKeysAreEnforced(DatabaseEngine engine)
    {
        await using var db = await fixture.CreateMigratedAsync(engine);
        await using var c = await db.OpenAsync();
        await Assert.ThrowsAnyAsync<DbException>(() => c.ExecuteAsync("INSERT INTO user_perms (user_id, perm_id, create_event, creator_id) VALUES (42, 1, 1, 42)"));
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public async Task ConcurrentMigrationsApplyEachStepOnce(DatabaseEngine engine)
    {
        await using var db = fixture.CreateEmpty(engine);
        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => SchemaMigrator.MigrateAsync(db))));
        Assert.Equal(SchemaMigrator.Available.Count, runs.Sum(r => r.Count));
        await using var c = await db.OpenAsync();
        Assert.Equal(SchemaMigrator.Available.Count, await c.ExecuteScalarAsync<int>("SELECT COUNT(*) FROM schema_migrations"));
    }
}
