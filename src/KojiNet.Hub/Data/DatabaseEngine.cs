namespace KojiNet.Hub.Data;

/// <summary>The database engines the hub runs on.</summary>
public enum DatabaseEngine
{
    /// <summary>PostgreSQL through Npgsql: what real sites run, and what several hubs share.</summary>
    PostgreSql,

    /// <summary>An embedded SQLite file: the single-machine default of <c>kojinet up</c>.</summary>
    Sqlite,
}
