using KojiNet.TestSupport;

namespace KojiNet.Tests;

/// <summary>The private PostgreSQL cluster the data-layer tests will run on.</summary>
public class PostgresServerTests(PostgresServer pg) : IClassFixture<PostgresServer>
{
    [Fact]
    public void ServerAnswersAndCreatesDatabases()
    {
        Assert.Equal("2", pg.Psql("SELECT 1 + 1").Trim());
        var cs = pg.CreateDatabase();
        var name = cs.Split(';').Single(p => p.StartsWith("Database=", StringComparison.Ordinal))["Database=".Length..];
        Assert.Equal(name, pg.Psql("SELECT current_database()", name).Trim());
    }
}
