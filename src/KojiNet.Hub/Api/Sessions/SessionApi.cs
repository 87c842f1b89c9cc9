using KojiNet.Hub.Api.Users;
using KojiNet.Hub.Auth;

namespace KojiNet.Hub.Api.Sessions;

/// <summary>Login, logout and session management (auth.md §1–3).</summary>
internal static class SessionApi
{
    [KojiMethod("sslLogin", Doc = "Log in with the verified client certificate (or a trusted proxy's word for another user).")]
    public static async Task<Dictionary<string, object?>> SslLogin(CallContext ctx, VarArgs args, KwArgs opts)
    {
        if (ctx.IsLoggedIn)
        {
            throw KojiErrors.Auth("Already logged in");
        }
        var proxyUser = Arg(args, opts, 0, "proxyuser") as string;
        var proxyAuthType = Arg(args, opts, 1, "proxyauthtype");
        var renew = ArgumentBinder.Truthy(Arg(args, opts, 2, "renew"));
        var exclusive = ArgumentBinder.Truthy(Arg(args, opts, 3, "exclusive"));
        var req = ctx.Request;
        if (req.ClientDn is null)
        {
            throw KojiErrors.Auth($"could not verify client: {req.ClientVerifyError ?? "NONE"}");
        }
        var component = ctx.Hub.Config.Auth.DNUsernameComponent;
        if (!req.ClientDnComponents.TryGetValue(component, out var username) || username.Length == 0)
        {
            throw KojiErrors.Auth($"unable to get user information ({component}) from client certificate");
        }
        var authType = UserTypes.AuthSsl;
        if (proxyUser is not null)
        {
            var allowed = ctx.Hub.Config.Auth.ProxyDNs.Split('|').Select(d => d.Trim()).Where(d => d.Length > 0);
            if (!allowed.Contains(req.ClientDn, StringComparer.Ordinal))
            {
                throw KojiErrors.Auth($"{req.ClientDn} is not authorized to login other users");
            }
            if (proxyAuthType is not null)
            {
                var requested = proxyAuthType is int i ? i : -1;
                if (requested != authType && !ctx.Hub.Config.Auth.AllowProxyAuthType)
                {
                    throw KojiErrors.Auth("Proxy must use same auth mechanism as client (AllowProxyAuthType = False)");
                }
                if (requested is not (UserTypes.AuthSsl or UserTypes.AuthGssapi))
                {
                    throw KojiErrors.Auth($"Proxied authtype {UserQueries.Repr(proxyAuthType)} is not valid for sslLogin");
                }
                authType = requested;
            }
            username = proxyUser;
        }
        var user = await UserQueries.ByNameAsync(ctx, username).ConfigureAwait(false);
        if (user is null)
        {
            if (!ctx.Hub.Config.Auth.LoginCreatesUser)
            {
                throw KojiErrors.Auth($"Unknown user: {username}");
            }
            var id = await ctx.ExecuteScalarAsync<int>(
                "INSERT INTO users (name, status, usertype) VALUES (@username, 0, 0) RETURNING id", new { username }).ConfigureAwait(false);
            user = new UserRow { Id = id, Name = username, Status = UserTypes.StatusNormal, UserType = UserTypes.Normal };
        }
        if (user.Status != UserTypes.StatusNormal)
        {
            throw KojiErrors.Auth($"logins by {user.Name} are not allowed");
        }
        return await SessionManager.CreateAsync(ctx, user.Id, user.Name, authType, renew, exclusive).ConfigureAwait(false);
    }

    [KojiMethod("login", Doc = "Log in with a user name and password (development setups).")]
    public static async Task<Dictionary<string, object?>> Login(CallContext ctx, VarArgs args, KwArgs opts)
    {
        if (ctx.IsLoggedIn)
        {
            throw KojiErrors.Auth("Already logged in");
        }
        var name = Arg(args, opts, 0, "user") as string;
        var password = Arg(args, opts, 1, "password") as string;
        var loginOpts = Arg(args, opts, 2, "opts") as IReadOnlyDictionary<string, object?>;
        var renew = ArgumentBinder.Truthy(Arg(args, opts, 3, "renew"));
        var exclusive = ArgumentBinder.Truthy(Arg(args, opts, 4, "exclusive"));
        if (string.IsNullOrEmpty(name) || string.IsNullOrEmpty(password))
        {
            throw KojiErrors.Auth("No username or password provided");
        }
        var user = await UserQueries.ByNameAsync(ctx, name).ConfigureAwait(false);
        if (user is null || !PasswordHash.Verify(password, user.Password))
        {
            throw KojiErrors.Auth("Invalid username or password");
        }
        if (user.Status != UserTypes.StatusNormal)
        {
            throw KojiErrors.Auth($"logins by {user.Name} are not allowed");
        }
        var hostIp = loginOpts?.GetValueOrDefault("hostip") as string;
        return await SessionManager.CreateAsync(ctx, user.Id, user.Name, UserTypes.AuthNormal, renew, exclusive, hostIp).ConfigureAwait(false);
    }

    [KojiMethod("logout")]
    public static async Task<object?> Logout(CallContext ctx, int? session_id = null)
    {
        var s = ctx.Session ?? throw KojiErrors.Auth("Not logged in");
        if (session_id is { } other && other != s.Id)
        {
            var owner = await ctx.ScalarAsync<int?>("SELECT user_id FROM sessions WHERE id = @other", new { other }).ConfigureAwait(false);
            if (owner != s.UserId && !await ctx.IsAdminAsync().ConfigureAwait(false))
            {
                throw KojiErrors.NotAllowed("only admins or owner may logout other session");
            }
            await SessionManager.CloseAsync(ctx, other).ConfigureAwait(false);
            return null;
        }
        await SessionManager.CloseAsync(ctx, s.Id).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("subsession")]
    public static Task<Dictionary<string, object?>> Subsession(CallContext ctx) => SessionManager.CreateSubsessionAsync(ctx);

    [KojiMethod("logoutChild")]
    public static async Task<object?> LogoutChild(CallContext ctx, int session_id)
    {
        var s = ctx.AssertLogin();
        var master = await ctx.ScalarAsync<int?>("SELECT master FROM sessions WHERE id = @session_id", new { session_id }).ConfigureAwait(false);
        if (master != s.Id)
        {
            throw KojiErrors.NotAllowed($"session {session_id} is not a subsession of this session");
        }
        await SessionManager.CloseAsync(ctx, session_id).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("exclusiveSession")]
    public static async Task<object?> ExclusiveSession(CallContext ctx, VarArgs args, KwArgs opts)
    {
        await SessionManager.MakeExclusiveAsync(ctx, ArgumentBinder.Truthy(Arg(args, opts, 0, "force"))).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("sharedSession")]
    public static async Task<object?> SharedSession(CallContext ctx)
    {
        await SessionManager.MakeSharedAsync(ctx).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("getSessionInfo", ReadOnly = true)]
    public static async Task<object?> GetSessionInfo(CallContext ctx, bool details = false, int? user_id = null)
    {
        if (ctx.Session is not { } s)
        {
            return null;
        }
        if (user_id is { } uid)
        {
            if (uid != s.UserId && !await ctx.IsAdminAsync().ConfigureAwait(false))
            {
                throw KojiErrors.NotAllowed("only admins or owner may see all active sessions");
            }
            return await SessionManager.DescribeAsync(ctx, "s.user_id = @uid AND s.expired = FALSE", new { uid }, details).ConfigureAwait(false);
        }
        var rows = await SessionManager.DescribeAsync(ctx, "s.id = @id", new { id = s.Id }, details).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    // Methods declared (*args, **opts) upstream take their real parameters either way.
    private static object? Arg(VarArgs args, KwArgs opts, int position, string name) =>
        position < args.Values.Count ? args.Values[position] : opts.Get(name);
}
