using Microsoft.Data.Sqlite;
using Npgsql;

namespace KojiNet.Hub.Data;

/// <summary>Recognises the database errors a caller turns into a Koji fault of its own.</summary>
public static class DbErrors
{
    /// <summary>
    /// Whether <paramref name="e"/> is a unique-index violation on <paramref name="table"/>: on
    /// PostgreSQL of the index <paramref name="index"/> exactly; SQLite names only the table and
    /// its columns, so a caller uses this for a table with one unique index besides its key.
    /// </summary>
    public static bool IsUniqueViolation(Exception e, string table, string index) => e switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation && pg.ConstraintName == index,
        SqliteException lite => lite.SqliteExtendedErrorCode == 2067 // SQLITE_CONSTRAINT_UNIQUE
            && lite.Message.Contains($"UNIQUE constraint failed: {table}.", StringComparison.Ordinal),
        _ => false,
    };
}
