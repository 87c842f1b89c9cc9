using System.Globalization;

namespace KojiNet.Hub.Api.Users;

/// <summary>A row of <c>users</c>.</summary>
internal sealed class UserRow
{
    public int Id { get; init; }

    public string Name { get; init; } = "";

    public int Status { get; init; }

    public int UserType { get; init; }

    public string? Password { get; init; }
}

/// <summary>Finding users by Koji's user-info forms and shaping the <c>getUser</c> struct.</summary>
internal static class UserQueries
{
    private const string Select = "SELECT id, name, status, usertype, password FROM users";

    public static Task<UserRow?> ByIdAsync(CallContext ctx, int id) =>
        ctx.QuerySingleOrDefaultAsync<UserRow>(Select + " WHERE id = @id", new { id });

    public static Task<UserRow?> ByNameAsync(CallContext ctx, string name) =>
        ctx.QuerySingleOrDefaultAsync<UserRow>(Select + " WHERE name = @name", new { name });

    public static Task<UserRow?> ByPrincipalAsync(CallContext ctx, string principal) =>
        ctx.QuerySingleOrDefaultAsync<UserRow>(
            Select + " WHERE id = (SELECT user_id FROM user_krb_principals WHERE krb_principal = @principal)", new { principal });

    /// <summary>
    /// Resolves Koji's user-info argument: an int id, a string (user name or Kerberos principal),
    /// or a struct with <c>id</c>, <c>name</c> or <c>krb_principal</c>. Null when there is no such user.
    /// </summary>
    public static async Task<UserRow?> FindAsync(CallContext ctx, object? info)
    {
        switch (info)
        {
            case int id:
                return await ByIdAsync(ctx, id).ConfigureAwait(false);
            case long l when l is >= int.MinValue and <= int.MaxValue:
                return await ByIdAsync(ctx, (int)l).ConfigureAwait(false);
            case string s:
                return await ByNameAsync(ctx, s).ConfigureAwait(false) ?? await ByPrincipalAsync(ctx, s).ConfigureAwait(false);
            case IReadOnlyDictionary<string, object?> d:
                if (d.TryGetValue("id", out var idv) && idv is int or long)
                {
                    return await ByIdAsync(ctx, Convert.ToInt32(idv, CultureInfo.InvariantCulture)).ConfigureAwait(false);
                }
                if (d.TryGetValue("name", out var n) && n is string name)
                {
                    return await ByNameAsync(ctx, name).ConfigureAwait(false);
                }
                if (d.TryGetValue("krb_principal", out var p) && p is string principal)
                {
                    return await ByPrincipalAsync(ctx, principal).ConfigureAwait(false);
                }
                throw KojiErrors.Generic($"Invalid user info: {Repr(info)}");
            default:
                throw KojiErrors.Parameter($"Invalid name or id value: {Repr(info)}");
        }
    }

    public static async Task<IReadOnlyList<string>> PrincipalsAsync(CallContext ctx, int userId) =>
        (await ctx.QueryAsync<string>("SELECT krb_principal FROM user_krb_principals WHERE user_id = @userId ORDER BY krb_principal", new { userId }).ConfigureAwait(false)).ToList();

    /// <summary>The <c>getUser</c> struct: id, name, status, usertype, krb_principals.</summary>
    public static async Task<Dictionary<string, object?>> ToStructAsync(CallContext ctx, UserRow user, bool krbPrincipals = true) =>
        new(StringComparer.Ordinal)
        {
            ["id"] = user.Id,
            ["name"] = user.Name,
            ["status"] = user.Status,
            ["usertype"] = user.UserType,
            ["krb_principals"] = krbPrincipals ? await PrincipalsAsync(ctx, user.Id).ConfigureAwait(false) : null,
        };

    /// <summary>Python's <c>repr</c> of a value, for error messages.</summary>
    public static string Repr(object? value) => value switch
    {
        null => "None",
        string s => "'" + s + "'",
        bool b => b ? "True" : "False",
        IReadOnlyDictionary<string, object?> d => "{" + string.Join(", ", d.Select(kv => $"'{kv.Key}': {Repr(kv.Value)}")) + "}",
        IReadOnlyList<object?> l => "[" + string.Join(", ", l.Select(Repr)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
