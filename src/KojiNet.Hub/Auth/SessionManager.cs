using System.Globalization;
using System.Security.Cryptography;
using KojiNet.Hub.Api;

namespace KojiNet.Hub.Auth;

/// <summary>
/// Sessions as Koji keeps them (spec/auth.md §3, protocol.md §5): validating the credentials a
/// request carries, creating sessions at login, renewal after expiry, subsessions and the
/// exclusive session of a builder.
/// </summary>
internal static class SessionManager
{
    // Methods that may be replayed with the same callnum (their effects are idempotent).
    private static readonly HashSet<string> RetryWhitelist = new(StringComparer.Ordinal)
    {
        "host.taskWait", "host.taskUnwait", "host.taskSetWait", "host.updateHost", "host.setBuildRootState",
        "repoExpire", "repoDelete", "repoProblem",
    };

    private static readonly HashSet<string> LoginMethods = new(StringComparer.Ordinal) { "login", "sslLogin" };

    // Calls that work while another session of the user holds the exclusive lock.
    private static readonly HashSet<string> LockExempt = new(StringComparer.Ordinal) { "exclusiveSession", "login", "logout" };

    // update_time is bumped at most this often, so read-only calls rarely write.
    private const double UpdateTimeGranularity = 60;

    private sealed class SessionRow
    {
        public int Id { get; init; }

        public int User_Id { get; init; }

        public bool Expired { get; init; }

        public int? Master { get; init; }

        public string Key { get; init; } = "";

        public int AuthType { get; init; }

        public string HostIp { get; init; } = "";

        public int? CallNum { get; init; }

        public double Start_Time { get; init; }

        public double Update_Time { get; init; }

        public double? Renew_Time { get; init; }

        public bool? Exclusive { get; init; }

        public string Name { get; init; } = "";

        public int Status { get; init; }

        public int UserType { get; init; }

        /// <summary>The user's exclusive session, if any (validation only).</summary>
        public int? Exclusive_Id { get; init; }

        /// <summary>The <c>perm_versions</c> counter (validation only).</summary>
        public long Perms_Version { get; init; }
    }

    private const string SessionSelect = """
        SELECT s.id, s.user_id, s.expired, s.master, s.key, s.authtype, s.hostip, s.callnum,
               s.start_time, s.update_time, s.renew_time, s.exclusive, u.name, u.status, u.usertype
        FROM sessions s JOIN users u ON u.id = s.user_id
        """;

    // Validation reads the session, its user, the user's exclusive session and the permission
    // counter (PermissionCache) in one statement.
    private const string ValidateSql = """
        SELECT s.id, s.user_id, s.expired, s.master, s.key, s.authtype, s.hostip, s.callnum,
               s.start_time, s.update_time, s.renew_time, s.exclusive, u.name, u.status, u.usertype,
               (SELECT x.id FROM sessions x WHERE x.user_id = s.user_id AND x.exclusive IS NOT NULL AND x.closed = FALSE) AS exclusive_id,
               (SELECT pv.version FROM perm_versions pv WHERE pv.id = 0) AS perms_version
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = @id AND s.key = @key AND s.hostip = @hostip AND s.closed = FALSE
        """;

    // A writing call on PostgreSQL stores its callnum in the validating statement: the UPDATE in
    // the WITH runs in the call's transaction, while the SELECT still reads the session as it was
    // before (so the sequence checks below see the stored number). Any fault rolls it back.
    private static readonly string ValidateAndStoreCallNumSqlPostgres =
        "WITH _callnum AS (UPDATE sessions SET callnum = @callnum WHERE id = @id AND key = @key AND hostip = @hostip AND closed = FALSE AND expired = FALSE RETURNING id)\n"
        + ValidateSql;

    // A row of ValidateSql, by column position.
    private static SessionRow MapValidation(Api.Common.FastRow r) => new()
    {
        Id = r.Int(0),
        User_Id = r.Int(1),
        Expired = r.Bool(2),
        Master = r.IntOrNull(3),
        Key = r.String(4),
        AuthType = r.Int(5),
        HostIp = r.String(6),
        CallNum = r.IntOrNull(7),
        Start_Time = r.Double(8),
        Update_Time = r.Double(9),
        Renew_Time = r.DoubleOrNull(10),
        Exclusive = r.BoolOrNull(11),
        Name = r.String(12),
        Status = r.Int(13),
        UserType = r.Int(14),
        Exclusive_Id = r.IntOrNull(15),
        Perms_Version = r.Long(16),
    };

    /// <summary>The address stored with a session: the client's, or <c>-</c> when CheckClientIP is off.</summary>
    public static string HostIp(CallContext ctx) => ctx.Hub.Config.Auth.CheckClientIP ? ctx.Request.RemoteAddress : "-";

    /// <summary>
    /// Validates the session the request carries (protocol.md §5.2) and sets <see cref="CallContext.Session"/>.
    /// An expired session is accepted only for login calls, which renew it.
    /// </summary>
    public static async Task<SessionState?> ValidateAsync(CallContext ctx, string method)
    {
        var req = ctx.Request;
        if (req.SessionId is null && req.SessionKey is null)
        {
            if (req.BadQuerySession)
            {
                throw KojiErrors.Auth("'session-id' not specified in session args");
            }
            return null;
        }
        if (req.SessionId is null || req.SessionKey is null
            || !int.TryParse(req.SessionId, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sessionId))
        {
            throw KojiErrors.Auth("Invalid session or bad credentials");
        }
        int? callNum = req.CallNum is not null && int.TryParse(req.CallNum, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed)
            ? parsed : null;
        // Not for a raw upload: it streams its body inside the call, and the stored callnum's row
        // lock would hold back the session's other calls (a task's log streaming) meanwhile.
        var storeCallNum = ctx.Engine == Data.DatabaseEngine.PostgreSql && ctx.WriteCall && callNum is not null
            && !LoginMethods.Contains(method) && method != "rawUpload";
        var sql = storeCallNum ? ValidateAndStoreCallNumSqlPostgres : ValidateSql;
        var row = await Api.Common.FastQuery.FirstOrDefaultAsync(ctx, sql,
            [("id", sessionId), ("key", req.SessionKey), ("hostip", HostIp(ctx)), ("callnum", callNum)], MapValidation).ConfigureAwait(false)
            ?? throw KojiErrors.Auth("Invalid session or bad credentials");

        var now = ctx.Hub.Now();
        var expired = row.Expired;
        var timeout = ctx.Hub.Config.Auth.SessionRenewalTimeout;
        if (!expired && timeout > 0 && now > (row.Renew_Time ?? row.Start_Time) + timeout * 60.0)
        {
            // Stored by the dispatcher in a transaction of its own, so the fault below does not undo it.
            ctx.SessionUpkeep = new SessionUpkeep(row.Id, Expire: true, Touch: false, now);
            expired = true;
        }
        if (expired)
        {
            if (!LoginMethods.Contains(method))
            {
                throw KojiErrors.AuthExpired($"session \"{row.Id}\" has expired");
            }
            // The login call renews this session.
            ctx.ExpiredSession = (row.Id, row.Key);
            return null;
        }

        int? received = null;
        if (req.CallNum is not null)
        {
            if (callNum is not { } cn)
            {
                throw KojiErrors.Auth("Invalid callnum");
            }
            received = cn;
            if (row.CallNum is { } stored)
            {
                if (stored > cn)
                {
                    throw KojiErrors.Sequence($"{stored} > {cn} (session {row.Id})");
                }
                if (stored == cn && !RetryWhitelist.Contains(method))
                {
                    throw KojiErrors.Retry($"unable to retry call {cn} (method {method}) for session {row.Id}");
                }
            }
        }
        if (row.Status != UserTypes.StatusNormal)
        {
            throw KojiErrors.Auth($"logins by {row.Name} are not allowed");
        }

        var top = row.Master ?? row.Id;
        var exclusiveId = row.Exclusive_Id;
        var isExclusive = exclusiveId == top;
        if (exclusiveId is not null && !isExclusive && !LockExempt.Contains(method))
        {
            throw KojiErrors.AuthLock("User locked by another session");
        }

        ctx.PresetPerms(await ctx.Hub.Permissions.GetAsync(ctx, row.User_Id, row.Perms_Version).ConfigureAwait(false));
        if (now - row.Update_Time >= UpdateTimeGranularity)
        {
            ctx.SessionUpkeep = new SessionUpkeep(row.Id, Expire: false, Touch: true, now);
        }
        return new SessionState
        {
            Id = row.Id,
            UserId = row.User_Id,
            UserName = row.Name,
            UserType = row.UserType,
            UserStatus = row.Status,
            Key = row.Key,
            AuthType = row.AuthType,
            HostIp = row.HostIp,
            CallNum = row.CallNum,
            Master = row.Master,
            Exclusive = isExclusive,
            StartTime = row.Start_Time,
            UpdateTime = row.Update_Time,
            RenewTime = row.Renew_Time,
            ReceivedCallNum = received,
            CallNumStored = storeCallNum && !row.Expired,
        };
    }

    /// <summary>Writes what validation decided about the session (expiry, update_time) in its own transaction.</summary>
    public static async Task ApplyUpkeepAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction tx, SessionUpkeep upkeep)
    {
        var sql = upkeep.Expire
            ? "UPDATE sessions SET expired = TRUE WHERE id = @Id OR master = @Id"
            : "UPDATE sessions SET update_time = @Now WHERE id = @Id";
        await Dapper.SqlMapper.ExecuteAsync(connection, sql, upkeep, tx).ConfigureAwait(false);
    }

    /// <summary>Stores the call number once a call has written (read-only calls may always be retried).</summary>
    public static Task StoreCallNumAsync(CallContext ctx)
    {
        if (ctx.Session is { ReceivedCallNum: { } cn, CreatedByThisCall: false, CallNumStored: false } s && ctx.Wrote)
        {
            return ctx.ExecuteAsync("UPDATE sessions SET callnum = @cn WHERE id = @id", new { cn, id = s.Id });
        }
        return Task.CompletedTask;
    }

    /// <summary>A new session key: the user id, a dash and 19 random letters and digits.</summary>
    public static string NewKey(int userId)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(CultureInfo.InvariantCulture, $"{userId}-{RandomNumberGenerator.GetString(alphabet, 19)}");
    }

    /// <summary>
    /// Creates a session for a user who has just authenticated (or renews the expired session the
    /// request carried), optionally making it exclusive; returns Koji's login struct.
    /// </summary>
    public static async Task<Dictionary<string, object?>> CreateAsync(CallContext ctx, int userId, string userName, int authType, bool renew, bool exclusive, string? hostIp = null)
    {
        var now = ctx.Hub.Now();
        int id;
        var key = NewKey(userId);
        if (renew && ctx.ExpiredSession is { } old)
        {
            id = old.Id;
            await ctx.ExecuteAsync(
                "UPDATE sessions SET key = @key, expired = FALSE, update_time = @now, renew_time = @now WHERE id = @id",
                new { key, now, id }).ConfigureAwait(false);
        }
        else
        {
            id = await ctx.ExecuteScalarAsync<int>("""
                INSERT INTO sessions (user_id, expired, key, authtype, hostip, callnum, start_time, update_time, closed)
                VALUES (@userId, FALSE, @key, @authType, @hostip, NULL, @now, @now, FALSE) RETURNING id
                """, new { userId, key, authType, hostip = hostIp ?? HostIp(ctx), now }).ConfigureAwait(false);
        }
        ctx.Session = new SessionState
        {
            Id = id,
            UserId = userId,
            UserName = userName,
            Key = key,
            AuthType = authType,
            HostIp = hostIp ?? HostIp(ctx),
            StartTime = now,
            UpdateTime = now,
            CreatedByThisCall = true,
        };
        if (exclusive)
        {
            await MakeExclusiveAsync(ctx, force: false).ConfigureAwait(false);
        }
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["session-id"] = id,
            ["session-key"] = key,
            ["header-auth"] = true,
        };
    }

    /// <summary><c>exclusiveSession</c>: makes the current top-level session the user's only usable one.</summary>
    public static async Task MakeExclusiveAsync(CallContext ctx, bool force)
    {
        var s = ctx.AssertLogin();
        if (s.Master is not null)
        {
            throw KojiErrors.Generic("subsessions cannot become exclusive");
        }
        if (s.Exclusive)
        {
            throw KojiErrors.Generic("session is already exclusive");
        }
        var other = await ctx.ScalarAsync<int?>(
            "SELECT id FROM sessions WHERE user_id = @uid AND exclusive IS NOT NULL AND closed = FALSE AND id <> @id",
            new { uid = s.UserId, id = s.Id }).ConfigureAwait(false);
        if (other is { } otherId)
        {
            if (!force)
            {
                throw KojiErrors.AuthLock("Cannot get exclusive session");
            }
            await ctx.ExecuteAsync(
                "UPDATE sessions SET expired = TRUE, exclusive = NULL, closed = TRUE WHERE id = @id OR master = @id",
                new { id = otherId }).ConfigureAwait(false);
        }
        await ctx.ExecuteAsync("UPDATE sessions SET exclusive = TRUE WHERE id = @id", new { id = s.Id }).ConfigureAwait(false);
        ctx.Session = Clone(s, exclusive: true);
    }

    /// <summary><c>sharedSession</c>: gives up exclusivity.</summary>
    public static async Task MakeSharedAsync(CallContext ctx)
    {
        var s = ctx.AssertLogin();
        if (s.Master is not null)
        {
            throw KojiErrors.Generic("subsessions cannot be exclusive");
        }
        await ctx.ExecuteAsync("UPDATE sessions SET exclusive = NULL WHERE id = @id", new { id = s.Id }).ConfigureAwait(false);
        ctx.Session = Clone(s, exclusive: false);
    }

    /// <summary>Closes a session and its subsessions.</summary>
    public static Task CloseAsync(CallContext ctx, int sessionId) =>
        ctx.ExecuteAsync("UPDATE sessions SET expired = TRUE, exclusive = NULL, closed = TRUE WHERE id = @id OR master = @id", new { id = sessionId });

    /// <summary><c>subsession</c>: a new session of the same user under the current top-level one.</summary>
    public static async Task<Dictionary<string, object?>> CreateSubsessionAsync(CallContext ctx)
    {
        var s = ctx.AssertLogin();
        var now = ctx.Hub.Now();
        var key = NewKey(s.UserId);
        var id = await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO sessions (user_id, expired, master, key, authtype, hostip, start_time, update_time, closed)
            VALUES (@uid, FALSE, @master, @key, @authType, @hostip, @now, @now, FALSE) RETURNING id
            """, new { uid = s.UserId, master = s.Master ?? s.Id, key, authType = s.AuthType, hostip = s.HostIp, now }).ConfigureAwait(false);
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["session-id"] = id,
            ["session-key"] = key,
            ["header-auth"] = true,
        };
    }

    /// <summary>The <c>getSessionInfo</c> struct of a session row.</summary>
    public static async Task<IReadOnlyList<Dictionary<string, object?>>> DescribeAsync(CallContext ctx, string where, object param, bool details)
    {
        var rows = await ctx.QueryAsync<SessionRow>(SessionSelect + " WHERE " + where + " ORDER BY s.id", param).ConfigureAwait(false);
        return rows.Select(r =>
        {
            var d = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["user_id"] = r.User_Id,
                ["expired"] = r.Expired,
                ["master"] = r.Master,
                ["authtype"] = r.AuthType,
                ["callnum"] = r.CallNum,
                ["start_time"] = KojiTime.Format(r.Start_Time),
                ["start_ts"] = r.Start_Time,
                ["update_time"] = KojiTime.Format(r.Update_Time),
                ["update_ts"] = r.Update_Time,
                ["renew_time"] = KojiTime.Format(r.Renew_Time),
                ["renew_ts"] = r.Renew_Time,
                ["exclusive"] = r.Exclusive,
            };
            if (details)
            {
                d["hostip"] = r.HostIp;
                d["id"] = r.Id;
            }
            return d;
        }).ToList();
    }

    private static SessionState Clone(SessionState s, bool exclusive) => new()
    {
        Id = s.Id,
        UserId = s.UserId,
        UserName = s.UserName,
        UserType = s.UserType,
        UserStatus = s.UserStatus,
        Key = s.Key,
        AuthType = s.AuthType,
        HostIp = s.HostIp,
        CallNum = s.CallNum,
        Master = s.Master,
        Exclusive = exclusive,
        StartTime = s.StartTime,
        UpdateTime = s.UpdateTime,
        RenewTime = s.RenewTime,
        ReceivedCallNum = s.ReceivedCallNum,
        CreatedByThisCall = s.CreatedByThisCall,
    };
}

/// <summary>Session bookkeeping found during validation, stored apart from the call's own transaction.</summary>
internal sealed record SessionUpkeep(int Id, bool Expire, bool Touch, double Now);
