using KojiNet.Hub.Api.Common;

namespace KojiNet.Hub.Api.Users;

/// <summary>A row of <c>permissions</c>.</summary>
internal sealed class PermissionRow
{
    public int Id { get; init; }

    public string Name { get; init; } = "";

    public string? Description { get; init; }
}

/// <summary>Permissions and their grants (auth.md §5). Grants are event-versioned in <c>user_perms</c>.</summary>
internal static class PermissionApi
{
    [KojiMethod("getPerms", ReadOnly = true, Doc = "Get a list of the permissions granted to the currently logged-in user.")]
    public static async Task<List<string>> GetPerms(CallContext ctx) =>
        (await ctx.GetPermsAsync().ConfigureAwait(false)).Order(StringComparer.Ordinal).ToList();

    [KojiMethod("getUserPerms", ReadOnly = true, Doc = "Get a list of the permissions granted to the user with the given ID/name.")]
    public static async Task<List<string>> GetUserPerms(CallContext ctx, object? userID = null, bool with_groups = true)
    {
        int userId;
        if (userID is null)
        {
            if (ctx.UserId is not { } me)
            {
                return [];
            }
            userId = me;
        }
        else
        {
            userId = (await UserApi.ResolveAsync(ctx, userID, true).ConfigureAwait(false))!.Id;
        }
        return await UserPermsAsync(ctx, userId, with_groups).ConfigureAwait(false);
    }

    [KojiMethod("getAllPerms", ReadOnly = true, Doc = "Get a list of all permissions in the system.")]
    public static async Task<List<Dictionary<string, object?>>> GetAllPerms(CallContext ctx) =>
        (await ctx.QueryAsync<PermissionRow>("SELECT id, name, description FROM permissions ORDER BY id").ConfigureAwait(false))
            .Select(p => new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["id"] = p.Id,
                ["name"] = p.Name,
                ["description"] = p.Description,
            }).ToList();

    [KojiMethod("hasPerm", ReadOnly = true, Doc = "Check if the logged-in user has the given permission. Return False if they do not.")]
    public static async Task<bool> HasPerm(CallContext ctx, string perm, bool strict = false)
    {
        if (strict && await LookupAsync(ctx, perm, strict: false).ConfigureAwait(false) is null)
        {
            throw KojiErrors.Generic($"No such permission {perm} defined");
        }
        return ctx.IsLoggedIn && await ctx.HasPermAsync(perm).ConfigureAwait(false);
    }

    [KojiMethod("grantPermission", Doc = "Grant a permission to a user")]
    public static async Task<object?> GrantPermission(CallContext ctx, object? userinfo, object? permission, bool create = false, string? description = null)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        if (create)
        {
            NameValidation.InternalName(ctx, permission as string ?? throw KojiErrors.Generic($"Invalid permission name: {UserQueries.Repr(permission)}"));
        }
        var user = (await UserApi.ResolveAsync(ctx, userinfo, true).ConfigureAwait(false))!;
        if (description is not null && !create)
        {
            throw KojiErrors.Generic("Description can be set only with create=True");
        }
        var perm = await LookupAsync(ctx, permission, strict: !create).ConfigureAwait(false);
        if (perm is null)
        {
            var name = (string)permission!;
            var id = await ctx.ExecuteScalarAsync<int>(
                "INSERT INTO permissions (name, description) VALUES (@name, @description) RETURNING id", new { name, description }).ConfigureAwait(false);
            perm = new PermissionRow { Id = id, Name = name, Description = description };
        }
        else if (create && description is not null)
        {
            await ctx.ExecuteAsync("UPDATE permissions SET description = @description WHERE id = @id", new { description, id = perm.Id }).ConfigureAwait(false);
        }
        if ((await UserPermsAsync(ctx, user.Id, withGroups: false).ConfigureAwait(false)).Contains(perm.Name, StringComparer.Ordinal))
        {
            throw KojiErrors.Generic($"user {UserApi.Plain(userinfo)} already has permission: {perm.Name}");
        }
        await Versioning.InsertAsync(ctx, "user_perms", new Dictionary<string, object?> { ["user_id"] = user.Id, ["perm_id"] = perm.Id }).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("revokePermission", Doc = "Revoke a permission from a user")]
    public static async Task<object?> RevokePermission(CallContext ctx, object? userinfo, object? permission)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var user = (await UserApi.ResolveAsync(ctx, userinfo, true).ConfigureAwait(false))!;
        var perm = (await LookupAsync(ctx, permission, strict: true).ConfigureAwait(false))!;
        var revoked = await Versioning.RevokeAsync(ctx, "user_perms", "user_id = @uid AND perm_id = @pid", new { uid = user.Id, pid = perm.Id }).ConfigureAwait(false);
        if (revoked == 0)
        {
            throw KojiErrors.Generic($"user {UserApi.Plain(userinfo)} does not have permission: {perm.Name}");
        }
        return null;
    }

    [KojiMethod("editPermission", Doc = "Edit a permission description")]
    public static async Task<object?> EditPermission(CallContext ctx, object? permission, string? description)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var perm = (await LookupAsync(ctx, permission, strict: true).ConfigureAwait(false))!;
        await ctx.ExecuteAsync("UPDATE permissions SET description = @description WHERE id = @id", new { description, id = perm.Id }).ConfigureAwait(false);
        return null;
    }

    /// <summary>Finds a permission by id or name (upstream's <c>lookup_perm</c>).</summary>
    public static async Task<PermissionRow?> LookupAsync(CallContext ctx, object? info, bool strict)
    {
        var perm = info switch
        {
            int or long => await ctx.QuerySingleOrDefaultAsync<PermissionRow>("SELECT id, name, description FROM permissions WHERE id = @id",
                new { id = Convert.ToInt32(info, System.Globalization.CultureInfo.InvariantCulture) }).ConfigureAwait(false),
            string name => await ctx.QuerySingleOrDefaultAsync<PermissionRow>("SELECT id, name, description FROM permissions WHERE name = @name",
                new { name }).ConfigureAwait(false),
            _ => throw KojiErrors.Generic($"Invalid name or id value: {UserQueries.Repr(info)}"),
        };
        if (perm is null && strict)
        {
            throw KojiErrors.Generic($"No such entry in table permissions: {UserApi.Plain(info)}");
        }
        return perm;
    }

    /// <summary>A user's permission names: direct grants, plus those of its groups when <paramref name="withGroups"/>.</summary>
    public static async Task<List<string>> UserPermsAsync(CallContext ctx, int userId, bool withGroups) =>
        (await ctx.QueryAsync<string>(withGroups
            ? """
              SELECT DISTINCT p.name FROM user_perms up JOIN permissions p ON p.id = up.perm_id
              WHERE up.revoke_event IS NULL AND (up.user_id = @userId OR up.user_id IN (
                  SELECT ug.group_id FROM user_groups ug WHERE ug.user_id = @userId AND ug.revoke_event IS NULL))
              ORDER BY p.name
              """
            : """
              SELECT p.name FROM user_perms up JOIN permissions p ON p.id = up.perm_id
              WHERE up.revoke_event IS NULL AND up.user_id = @userId ORDER BY p.name
              """, new { userId }).ConfigureAwait(false)).ToList();
}
