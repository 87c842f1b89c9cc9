using System.Collections.Concurrent;
using KojiNet.Hub.Api;

namespace KojiNet.Hub.Auth;

/// <summary>
/// Each user's effective permissions (direct grants and those of their groups), kept with the
/// value of the <c>perm_versions</c> counter they were read at. Session validation reads the
/// counter with the session, so a hub reuses a user's permissions only while no grant,
/// revocation or group change has been committed since, by this hub or any other.
/// </summary>
internal sealed class PermissionCache
{
    private readonly ConcurrentDictionary<int, Entry> _entries = new();

    private sealed record Entry(long Version, IReadOnlySet<string> Perms);

    /// <summary>The user's permissions as read at counter <paramref name="version"/>, loaded now if not cached at it.</summary>
    public async Task<IReadOnlySet<string>> GetAsync(CallContext ctx, int userId, long version)
    {
        if (_entries.TryGetValue(userId, out var entry) && entry.Version == version)
        {
            return entry.Perms;
        }
        // Read after the counter: a grant committed in between makes the entry newer than its
        // version says, which only costs one more load.
        var perms = await LoadAsync(ctx, userId).ConfigureAwait(false);
        _entries.AddOrUpdate(userId, new Entry(version, perms), (_, old) => old.Version > version ? old : new Entry(version, perms));
        return perms;
    }

    /// <summary>The user's effective permissions as the database holds them now.</summary>
    public static async Task<IReadOnlySet<string>> LoadAsync(CallContext ctx, int userId) =>
        (await Api.Users.PermissionApi.UserPermsAsync(ctx, userId, withGroups: true).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
}
