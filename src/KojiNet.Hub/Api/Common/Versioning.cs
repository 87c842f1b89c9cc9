namespace KojiNet.Hub.Api.Common;

/// <summary>
/// Event versioning (model.md §2): every change of a versioned table is an insert or a revoke
/// stamped with the call's event and user, never an update in place. Reads are either the
/// current rows or the rows as of an event.
/// </summary>
internal static class Versioning
{
    /// <summary>
    /// The SQL condition selecting the rows of <paramref name="alias"/> valid at the event bound to
    /// <c>@event</c> (or the current rows when <paramref name="atEvent"/> is null). Pass
    /// <c>new { @event = atEvent }</c> with the query parameters.
    /// </summary>
    public static string Active(string alias, int? atEvent) => atEvent is null
        ? $"{alias}.revoke_event IS NULL"
        : $"({alias}.create_event <= @event AND ({alias}.revoke_event IS NULL OR @event < {alias}.revoke_event))";

    /// <summary>
    /// Revokes the current rows of <paramref name="table"/> matching <paramref name="where"/>; returns how many.
    /// The revoker is <paramref name="userId"/>, else the caller.
    /// </summary>
    public static async Task<int> RevokeAsync(CallContext ctx, string table, string where, object param, int? userId = null)
    {
        var eventId = await ctx.GetEventAsync().ConfigureAwait(false);
        var merged = Merge(param, eventId, userId ?? ctx.AssertLogin().UserId);
        return await ctx.ExecuteAsync(
            $"UPDATE {table} SET revoke_event = @_event, revoker_id = @_user WHERE revoke_event IS NULL AND ({where})", merged).ConfigureAwait(false);
    }

    /// <summary>
    /// Inserts a current row into <paramref name="table"/> with the call's event and user
    /// (<paramref name="userId"/>, else the caller); returns the rows inserted. With
    /// <paramref name="onConflict"/> (a conflict target such as <c>(a, b) WHERE revoke_event IS NULL</c>)
    /// a row that would violate that unique index is skipped instead, and 0 is returned. With
    /// <paramref name="last"/> the caller does nothing more in the database after this insert
    /// (<see cref="CallContext.InsertWithEventAsync"/>).
    /// </summary>
    public static async Task<int> InsertAsync(CallContext ctx, string table, IReadOnlyDictionary<string, object?> values, int? userId = null,
        string? onConflict = null, bool last = false)
    {
        var p = new List<(string Name, object? Value)>(values.Count + 1);
        foreach (var (k, v) in values)
        {
            p.Add((k, v));
        }
        p.Add(("_user", userId ?? ctx.AssertLogin().UserId));
        var columns = string.Join(", ", values.Keys);
        var names = string.Join(", ", values.Keys.Select(k => "@" + k));
        var conflict = onConflict is null ? "" : $" ON CONFLICT {onConflict} DO NOTHING";
        return (int)(await ctx.InsertWithEventAsync(
            $"INSERT INTO {table} ({columns}, create_event, creator_id) VALUES ({names}, @_event, @_user){conflict}", [.. p], last: last).ConfigureAwait(false) ?? 0);
    }

    private static Dapper.DynamicParameters Merge(object param, int eventId, int userId)
    {
        var p = new Dapper.DynamicParameters(param);
        p.Add("_event", eventId);
        p.Add("_user", userId);
        return p;
    }
}
