using Dapper;

namespace KojiNet.Hub.Data;

/// <summary>First-start setup of a site: the administrator account.</summary>
public static class Bootstrap
{
    /// <summary>
    /// Ensures a NORMAL user <paramref name="name"/> exists and holds the <c>admin</c>
    /// permission; optionally sets its password (for the development <c>login</c>). Returns its id.
    /// </summary>
    public static async Task<int> EnsureAdminAsync(KojiDatabase database, string name, string? password = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var id = await connection.ExecuteScalarAsync<int?>(new CommandDefinition("SELECT id FROM users WHERE name = @name", new { name }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)
            ?? await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "INSERT INTO users (name, status, usertype) VALUES (@name, 0, 0) RETURNING id", new { name }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (password is not null)
        {
            await connection.ExecuteAsync(new CommandDefinition("UPDATE users SET password = @hash WHERE id = @id",
                new { hash = Auth.PasswordHash.Hash(password), id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        var hasAdmin = await connection.ExecuteScalarAsync<int>(new CommandDefinition("""
            SELECT COUNT(*) FROM user_perms up JOIN permissions p ON p.id = up.perm_id
            WHERE up.user_id = @id AND p.name = 'admin' AND up.revoke_event IS NULL
            """, new { id }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (hasAdmin == 0)
        {
            var now = KojiTime.ToTs(DateTimeOffset.UtcNow);
            var eventId = await connection.ExecuteScalarAsync<int>(new CommandDefinition(
                "INSERT INTO events (time) VALUES (@now) RETURNING id", new { now }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
            await connection.ExecuteAsync(new CommandDefinition("""
                INSERT INTO user_perms (user_id, perm_id, create_event, creator_id)
                SELECT @id, p.id, @eventId, @id FROM permissions p WHERE p.name = 'admin'
                """, new { id, eventId }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return id;
    }
}
