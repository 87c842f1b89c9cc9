using System.Runtime.InteropServices;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Auth;

namespace KojiNet.Hub.Api.Users;

/// <summary>User accounts, groups and Kerberos principals (auth.md §4, api-core.md §1).</summary>
internal static class UserApi
{
    [KojiMethod("getUser", ReadOnly = true, Doc = "Return information about a user.")]
    public static async Task<Dictionary<string, object?>?> GetUser(CallContext ctx, object? userInfo = null, bool strict = false, bool krb_princs = true, bool groups = false)
    {
        if (userInfo is null)
        {
            userInfo = ctx.UserId ?? throw KojiErrors.Generic("No user provided");
        }
        var user = await ResolveAsync(ctx, userInfo, strict).ConfigureAwait(false);
        if (user is null)
        {
            return null;
        }
        var result = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = user.Id,
            ["name"] = user.Name,
            ["status"] = user.Status,
            ["usertype"] = user.UserType,
        };
        if (krb_princs)
        {
            result["krb_principals"] = await UserQueries.PrincipalsAsync(ctx, user.Id).ConfigureAwait(false);
        }
        if (groups)
        {
            result["groups"] = (await GroupsOfAsync(ctx, user.Id).ConfigureAwait(false)).Select(g => g.Name).ToList();
        }
        return result;
    }

    [KojiMethod("listUsers", ReadOnly = true, Doc = "List users, optionally of given types, with a name prefix, or holding a permission.")]
    public static async Task<object> ListUsers(CallContext ctx, [Optional, DefaultParameterValue(0)] object? userType, string? prefix = null, IReadOnlyDictionary<string, object?>? queryOpts = null, object? perm = null, bool inherited_perm = false)
    {
        var types = userType switch
        {
            null => new List<int> { UserTypes.Normal, UserTypes.Host, UserTypes.Group },
            int i => [i],
            long l => [(int)l],
            IReadOnlyList<object?> list => list.Select(v => v is int or long ? Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)
                : throw KojiErrors.Generic($"Invalid userType: {UserQueries.Repr(userType)}")).ToList(),
            _ => throw KojiErrors.Generic($"Invalid userType: {UserQueries.Repr(userType)}"),
        };
        if (queryOpts is not null && queryOpts.ContainsKey("group"))
        {
            throw KojiErrors.Generic("queryOpts.group is not available for this API");
        }
        var opts = QueryOptions.Parse(queryOpts);
        var where = new List<string> { types.Count == 0 ? "1 = 0" : $"u.usertype IN ({IntList(types)})" };
        if (!string.IsNullOrEmpty(prefix))
        {
            where.Add("lower(substr(u.name, 1, length(@prefix))) = lower(@prefix)");
        }
        int? permId = null;
        if (perm is not null && ArgumentBinder.Truthy(perm))
        {
            permId = (await PermissionApi.LookupAsync(ctx, perm, strict: true).ConfigureAwait(false))!.Id;
            where.Add(inherited_perm
                ? """
                  u.id IN (SELECT up.user_id FROM user_perms up WHERE up.perm_id = @permId AND up.revoke_event IS NULL
                           UNION SELECT ug.user_id FROM user_groups ug JOIN user_perms gp ON gp.user_id = ug.group_id
                           WHERE gp.perm_id = @permId AND gp.revoke_event IS NULL AND ug.revoke_event IS NULL)
                  """
                : "u.id IN (SELECT up.user_id FROM user_perms up WHERE up.perm_id = @permId AND up.revoke_event IS NULL)");
        }
        else if (inherited_perm)
        {
            throw KojiErrors.Generic("inherited_perm option must be used with perm option");
        }
        var columns = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["id"] = "u.id",
            ["name"] = "u.name",
            ["status"] = "u.status",
            ["usertype"] = "u.usertype",
        };
        var sql = $"SELECT u.id, u.name, u.status, u.usertype FROM users u WHERE {string.Join(" AND ", where)}"
            + opts.OrderBySql(columns, "u.id") + opts.LimitSql(ctx.Engine);
        var rows = (await ctx.QueryAsync<UserRow>(sql, new { types, prefix, permId }).ConfigureAwait(false)).ToList();
        var principals = await PrincipalMapAsync(ctx, rows.Select(r => r.Id)).ConfigureAwait(false);
        return opts.Shape(rows.Select(u => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = u.Id,
            ["krb_principals"] = principals.GetValueOrDefault(u.Id) ?? [],
            ["name"] = u.Name,
            ["status"] = u.Status,
            ["usertype"] = u.UserType,
        }).ToList());
    }

    [KojiMethod("createUser", Doc = "Add a user to the database.")]
    public static async Task<int> CreateUser(CallContext ctx, string username, int? status = null, string? krb_principal = null)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        NameValidation.UserName(ctx, username);
        if (krb_principal is not null)
        {
            NameValidation.UserName(ctx, krb_principal);
        }
        if (await ResolveAsync(ctx, username, false).ConfigureAwait(false) is not null)
        {
            throw KojiErrors.Generic($"user already exists: {username}");
        }
        if (!string.IsNullOrEmpty(krb_principal) && await UserQueries.ByPrincipalAsync(ctx, krb_principal).ConfigureAwait(false) is not null)
        {
            throw KojiErrors.Generic($"user with this Kerberos principal already exists: {krb_principal}");
        }
        return await InsertUserAsync(ctx, username, UserTypes.Normal, status, krb_principal).ConfigureAwait(false);
    }

    [KojiMethod("editUser", Doc = "Edit information for an existing user: rename it or change its Kerberos principals.")]
    public static async Task<object?> EditUser(CallContext ctx, object? userInfo, string? name = null, IReadOnlyList<object?>? krb_principal_mappings = null)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var user = (await ResolveAsync(ctx, userInfo, true).ConfigureAwait(false))!;
        if (!string.IsNullOrEmpty(name) && name != user.Name)
        {
            NameValidation.UserName(ctx, name);
            if (await UserQueries.ByNameAsync(ctx, name).ConfigureAwait(false) is { } taken)
            {
                throw KojiErrors.Generic($"Name {name} already taken by user {taken.Id}");
            }
            await ctx.ExecuteAsync("UPDATE users SET name = @name WHERE id = @id", new { name, id = user.Id }).ConfigureAwait(false);
        }
        if (krb_principal_mappings is { Count: > 0 })
        {
            var added = new SortedSet<string>(StringComparer.Ordinal);
            var removed = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var entry in krb_principal_mappings)
            {
                if (entry is not IReadOnlyDictionary<string, object?> pair)
                {
                    throw KojiErrors.Generic($"Invalid krb_principal_mappings entry: {UserQueries.Repr(entry)}");
                }
                if (pair.GetValueOrDefault("old") is string old && old.Length > 0)
                {
                    removed.Add(old);
                }
                if (pair.GetValueOrDefault("new") is string added1 && added1.Length > 0)
                {
                    NameValidation.UserName(ctx, added1);
                    added.Add(added1);
                }
            }
            var conflicts = added.Intersect(removed, StringComparer.Ordinal).ToList();
            if (conflicts.Count > 0)
            {
                throw KojiErrors.Generic($"There are some conflicts between added and removed Kerberos principals: {string.Join(", ", conflicts)}");
            }
            var current = (await UserQueries.PrincipalsAsync(ctx, user.Id).ConfigureAwait(false)).ToHashSet(StringComparer.Ordinal);
            var existing = added.Where(current.Contains).ToList();
            if (existing.Count > 0)
            {
                throw KojiErrors.Generic($"Cannot add existing Kerberos principals: {string.Join(", ", existing)}");
            }
            var missing = removed.Where(p => !current.Contains(p)).ToList();
            if (missing.Count > 0)
            {
                throw KojiErrors.Generic($"Cannot remove non-existent Kerberos principals: {string.Join(", ", missing)}");
            }
            foreach (var p in removed)
            {
                await ctx.ExecuteAsync("DELETE FROM user_krb_principals WHERE user_id = @id AND krb_principal = @p", new { id = user.Id, p }).ConfigureAwait(false);
            }
            foreach (var p in added)
            {
                await AddPrincipalAsync(ctx, user.Id, p).ConfigureAwait(false);
            }
        }
        return null;
    }

    [KojiMethod("enableUser", Doc = "Enable logins by the specified user")]
    public static Task<object?> EnableUser(CallContext ctx, object? username) => SetStatusAsync(ctx, username, UserTypes.StatusNormal);

    [KojiMethod("disableUser", Doc = "Disable logins by the specified user")]
    public static Task<object?> DisableUser(CallContext ctx, object? username) => SetStatusAsync(ctx, username, UserTypes.StatusBlocked);

    [KojiMethod("addUserKrbPrincipal", Doc = "Add a Kerberos principal for user")]
    public static async Task<int> AddUserKrbPrincipal(CallContext ctx, object? user, string krb_principal)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        NameValidation.UserName(ctx, krb_principal);
        var info = (await ResolveAsync(ctx, user, true).ConfigureAwait(false))!;
        if (await UserQueries.ByPrincipalAsync(ctx, krb_principal).ConfigureAwait(false) is not null)
        {
            throw KojiErrors.Generic($"user with this Kerberos principal already exists: {krb_principal}");
        }
        await AddPrincipalAsync(ctx, info.Id, krb_principal).ConfigureAwait(false);
        return info.Id;
    }

    [KojiMethod("removeUserKrbPrincipal", Doc = "Remove a Kerberos principal for user")]
    public static async Task<int> RemoveUserKrbPrincipal(CallContext ctx, object? user, string? krb_principal)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var info = (await ResolveAsync(ctx, user, true).ConfigureAwait(false))!;
        if (string.IsNullOrEmpty(krb_principal))
        {
            throw KojiErrors.Generic("krb_principal must be specified");
        }
        var removed = await ctx.ExecuteAsync("DELETE FROM user_krb_principals WHERE user_id = @id AND krb_principal = @krb_principal",
            new { id = info.Id, krb_principal }).ConfigureAwait(false);
        if (removed == 0)
        {
            throw KojiErrors.Generic($"cannot remove Kerberos Principal {krb_principal} for user {info.Name}");
        }
        return info.Id;
    }

    [KojiMethod("newGroup", Doc = "Add a user group to the database")]
    public static async Task<int> NewGroup(CallContext ctx, string name)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        NameValidation.UserName(ctx, name);
        if (await ResolveAsync(ctx, name, false).ConfigureAwait(false) is not null)
        {
            throw KojiErrors.Generic($"user/group already exists: {name}");
        }
        return await InsertUserAsync(ctx, name, UserTypes.Group, null, null).ConfigureAwait(false);
    }

    [KojiMethod("addGroupMember", Doc = "Add user to group")]
    public static async Task<object?> AddGroupMember(CallContext ctx, object? group, object? user, bool strict = true)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var g = await ResolveAsync(ctx, group, false).ConfigureAwait(false);
        if (g is null || g.UserType != UserTypes.Group)
        {
            throw KojiErrors.Generic($"Not a group: {Plain(group)}");
        }
        var u = (await ResolveAsync(ctx, user, true).ConfigureAwait(false))!;
        if (u.UserType == UserTypes.Group)
        {
            throw KojiErrors.Generic("Groups cannot be members of other groups");
        }
        var member = await ctx.ScalarAsync<int?>(
            "SELECT user_id FROM user_groups WHERE user_id = @uid AND group_id = @gid AND revoke_event IS NULL", new { uid = u.Id, gid = g.Id }).ConfigureAwait(false);
        if (member is not null)
        {
            if (!strict)
            {
                return null;
            }
            throw KojiErrors.Generic("User already in group");
        }
        await Versioning.InsertAsync(ctx, "user_groups", new Dictionary<string, object?> { ["user_id"] = u.Id, ["group_id"] = g.Id }).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("dropGroupMember", Doc = "Drop user from group")]
    public static async Task<object?> DropGroupMember(CallContext ctx, object? group, object? user)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var u = (await ResolveAsync(ctx, user, true).ConfigureAwait(false))!;
        var g = await ResolveAsync(ctx, group, false).ConfigureAwait(false);
        if (g is null || g.UserType != UserTypes.Group)
        {
            throw KojiErrors.Generic($"No such group: {Plain(group)}");
        }
        var revoked = await Versioning.RevokeAsync(ctx, "user_groups", "user_id = @uid AND group_id = @gid", new { uid = u.Id, gid = g.Id }).ConfigureAwait(false);
        if (revoked == 0)
        {
            throw KojiErrors.Generic($"No such user in group: {Plain(group)}");
        }
        return null;
    }

    [KojiMethod("getGroupMembers", ReadOnly = true, Doc = "Get the members of a group")]
    public static async Task<List<Dictionary<string, object?>>> GetGroupMembers(CallContext ctx, object? group)
    {
        var g = await ResolveAsync(ctx, group, false).ConfigureAwait(false);
        if (g is null || g.UserType != UserTypes.Group)
        {
            throw KojiErrors.Generic($"No such group: {Plain(group)}");
        }
        var rows = (await ctx.QueryAsync<UserRow>("""
            SELECT u.id, u.name, u.status, u.usertype FROM user_groups ug JOIN users u ON u.id = ug.user_id
            WHERE ug.group_id = @gid AND ug.revoke_event IS NULL ORDER BY u.id
            """, new { gid = g.Id }).ConfigureAwait(false)).ToList();
        var principals = await PrincipalMapAsync(ctx, rows.Select(r => r.Id)).ConfigureAwait(false);
        return rows.Select(u => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["id"] = u.Id,
            ["krb_principals"] = principals.GetValueOrDefault(u.Id) ?? [],
            ["name"] = u.Name,
            ["usertype"] = u.UserType,
        }).ToList();
    }

    [KojiMethod("getUserGroups", ReadOnly = true, Doc = "The groups associated with the given user")]
    public static async Task<List<Dictionary<string, object?>>> GetUserGroups(CallContext ctx, object? user)
    {
        var u = (await ResolveAsync(ctx, user, true).ConfigureAwait(false))!;
        return (await GroupsOfAsync(ctx, u.Id).ConfigureAwait(false))
            .Select(g => new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = g.Name, ["id"] = g.Id }).ToList();
    }

    /// <summary>
    /// Resolves a user-info argument as upstream's <c>get_user</c> does: an int id; a string
    /// matching a user name or a Kerberos principal; or a struct whose <c>id</c>, <c>name</c>
    /// and <c>krb_principal</c> members must all match. Null (or GenericError when strict) if none.
    /// </summary>
    public static async Task<UserRow?> ResolveAsync(CallContext ctx, object? info, bool strict)
    {
        UserRow? user;
        switch (info)
        {
            case int or long:
                user = await UserQueries.ByIdAsync(ctx, Convert.ToInt32(info, System.Globalization.CultureInfo.InvariantCulture)).ConfigureAwait(false);
                break;
            case string s:
                user = await UserQueries.ByNameAsync(ctx, s).ConfigureAwait(false) ?? await UserQueries.ByPrincipalAsync(ctx, s).ConfigureAwait(false);
                break;
            case IReadOnlyDictionary<string, object?> d:
                var clauses = new List<string>();
                var id = d.GetValueOrDefault("id");
                if (id is not null)
                {
                    if (id is not (int or long))
                    {
                        throw KojiErrors.Generic($"Invalid type for userid: {PythonClass(id)}");
                    }
                    clauses.Add("id = @id");
                }
                var name = d.GetValueOrDefault("name") as string;
                if (!string.IsNullOrEmpty(name))
                {
                    clauses.Add("name = @name");
                }
                var principal = d.GetValueOrDefault("krb_principal") as string;
                if (!string.IsNullOrEmpty(principal))
                {
                    clauses.Add("id IN (SELECT user_id FROM user_krb_principals WHERE krb_principal = @principal)");
                }
                if (clauses.Count == 0)
                {
                    throw KojiErrors.Generic($"Invalid userInfo: {UserQueries.Repr(info)}");
                }
                user = await ctx.QuerySingleOrDefaultAsync<UserRow>(
                    $"SELECT id, name, status, usertype, password FROM users WHERE {string.Join(" AND ", clauses)}",
                    new { id = id is null ? 0 : Convert.ToInt32(id, System.Globalization.CultureInfo.InvariantCulture), name, principal }).ConfigureAwait(false);
                break;
            default:
                throw KojiErrors.Generic($"Invalid type for userInfo: {PythonClass(info)}");
        }
        if (user is null && strict)
        {
            throw KojiErrors.Generic($"No such user: {UserQueries.Repr(info)}");
        }
        return user;
    }

    /// <summary>Python's <c>str(type(value))</c>.</summary>
    public static string PythonClass(object? value) => $"<class '{ArgumentBinder.PythonTypeName(value)}'>";

    /// <summary>Python's <c>str(value)</c> for messages formatted with <c>%s</c>.</summary>
    public static string Plain(object? value) => value is string s ? s : UserQueries.Repr(value);

    /// <summary>The active groups of a user, by id.</summary>
    public static async Task<List<UserRow>> GroupsOfAsync(CallContext ctx, int userId) =>
        (await ctx.QueryAsync<UserRow>("""
            SELECT g.id, g.name, g.status, g.usertype FROM user_groups ug JOIN users g ON g.id = ug.group_id
            WHERE ug.user_id = @userId AND ug.revoke_event IS NULL AND g.usertype = 2 ORDER BY g.id
            """, new { userId }).ConfigureAwait(false)).ToList();

    private sealed class PrincipalRow
    {
        public int User_Id { get; init; }

        public string Krb_Principal { get; init; } = "";
    }

    private static async Task<Dictionary<int, List<string>>> PrincipalMapAsync(CallContext ctx, IEnumerable<int> userIds)
    {
        var ids = userIds.ToList();
        if (ids.Count == 0)
        {
            return [];
        }
        var rows = await ctx.QueryAsync<PrincipalRow>(
            $"SELECT user_id, krb_principal FROM user_krb_principals WHERE user_id IN ({IntList(ids)}) ORDER BY krb_principal").ConfigureAwait(false);
        return rows.GroupBy(r => r.User_Id).ToDictionary(g => g.Key, g => g.Select(r => r.Krb_Principal).ToList());
    }

    // Integer lists are written inline: Dapper expands list parameters differently per provider.
    private static string IntList(IEnumerable<int> values) =>
        string.Join(", ", values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>Creates a user row (and its principal) as upstream's session <c>createUser</c> does.</summary>
    public static async Task<int> InsertUserAsync(CallContext ctx, string name, int usertype, int? status, string? krbPrincipal)
    {
        if (status is { } st && st is not (UserTypes.StatusNormal or UserTypes.StatusBlocked))
        {
            throw KojiErrors.Generic($"invalid status: {st}");
        }
        var id = await ctx.ExecuteScalarAsync<int>(
            "INSERT INTO users (name, status, usertype) VALUES (@name, @status, @usertype) RETURNING id",
            new { name, status = status ?? UserTypes.StatusNormal, usertype }).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(krbPrincipal))
        {
            await AddPrincipalAsync(ctx, id, krbPrincipal).ConfigureAwait(false);
        }
        return id;
    }

    private static async Task AddPrincipalAsync(CallContext ctx, int userId, string principal)
    {
        CheckRealm(ctx, principal);
        if (await UserQueries.ByPrincipalAsync(ctx, principal).ConfigureAwait(false) is not null)
        {
            throw KojiErrors.Generic($"user with this Kerberos principal already exists: {principal}");
        }
        await ctx.ExecuteAsync("INSERT INTO user_krb_principals (user_id, krb_principal) VALUES (@userId, @principal)", new { userId, principal }).ConfigureAwait(false);
    }

    private static void CheckRealm(CallContext ctx, string principal)
    {
        var allowed = ctx.Hub.Config.Auth.AllowedKrbRealms;
        if (allowed.Split(',').Select(r => r.Trim()).Contains("*", StringComparer.Ordinal))
        {
            return;
        }
        var at = principal.LastIndexOf('@');
        var realm = at < 0 ? "" : principal[(at + 1)..];
        if (!allowed.Split(',').Select(r => r.Trim()).Contains(realm, StringComparer.Ordinal))
        {
            throw KojiErrors.Auth($"Kerberos principal's realm: {realm} is not allowed");
        }
    }

    private static async Task<object?> SetStatusAsync(CallContext ctx, object? username, int status)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var user = await ResolveAsync(ctx, username, false).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such user: {Plain(username)}");
        await ctx.ExecuteAsync("UPDATE users SET status = @status WHERE id = @id", new { status, id = user.Id }).ConfigureAwait(false);
        return null;
    }
}
