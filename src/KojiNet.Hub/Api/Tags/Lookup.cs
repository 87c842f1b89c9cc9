using System.Text.RegularExpressions;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Tags;

/// <summary>A row of a name registry table (<c>tag</c>, <c>package</c>, <c>permissions</c>, <c>build_target</c>).</summary>
internal sealed class NameRow
{
    public int Id { get; init; }

    public string Name { get; init; } = "";
}

/// <summary>
/// Koji's <c>lookup_name</c> over the name registry tables (existence of the row only, not of
/// its versioned configuration) and the small argument parsers the tag methods share.
/// </summary>
internal static partial class Lookup
{
    /// <summary>
    /// Finds <paramref name="info"/> (id, name or struct) in <paramref name="table"/>. Missing:
    /// GenericError <c>No such entry in table &lt;t&gt;: &lt;x&gt;</c> when strict, a new row when
    /// <paramref name="create"/> (names only), else null.
    /// </summary>
    public static async Task<NameRow?> NameAsync(CallContext ctx, string table, object? info, bool strict = false, bool create = false)
    {
        var (id, name) = TagQueries.NameOrId(info);
        var row = id is { } i
            ? await ctx.QuerySingleOrDefaultAsync<NameRow>($"SELECT id, name FROM {table} WHERE id = @i", new { i }).ConfigureAwait(false)
            : await ctx.QuerySingleOrDefaultAsync<NameRow>($"SELECT id, name FROM {table} WHERE name = @name", new { name }).ConfigureAwait(false);
        if (row is not null)
        {
            return row;
        }
        if (strict)
        {
            throw KojiErrors.Generic($"No such entry in table {table}: {Str(info)}");
        }
        if (create)
        {
            if (name is null)
            {
                throw KojiErrors.Generic("Name must be a string");
            }
            var newId = await ctx.ExecuteScalarAsync<int>($"INSERT INTO {table} (name) VALUES (@name) RETURNING id", new { name }).ConfigureAwait(false);
            return new NameRow { Id = newId, Name = name };
        }
        return null;
    }

    /// <summary>Python's <c>str</c> of a value for messages (strings without quotes).</summary>
    public static string Str(object? value) => value is string s ? s : UserQueries.Repr(value);

    /// <summary>
    /// Koji's strict arch list parsing: a string (space separated) or a list of strings, each arch
    /// made of letters, digits and underscores; returned space-joined. Null stays null.
    /// </summary>
    public static string? Arches(object? arches)
    {
        IEnumerable<string> parts = arches switch
        {
            null => [],
            string s => s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries),
            IReadOnlyList<object?> l => l.Select(a => a as string ?? throw KojiErrors.Parameter($"Invalid type for arches: {UserQueries.Repr(a)}"))
                .SelectMany(a => a.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)),
            _ => throw KojiErrors.Parameter($"Invalid type for arches: {ArgumentBinder.PythonTypeName(arches)}"),
        };
        if (arches is null)
        {
            return null;
        }
        var list = parts.ToList();
        foreach (var arch in list)
        {
            if (!ArchRegex().IsMatch(arch))
            {
                throw KojiErrors.Generic($"Invalid architecture: {arch}");
            }
        }
        return string.Join(' ', list);
    }

    [GeneratedRegex("^[A-Za-z0-9_]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ArchRegex();

    /// <summary>A case-insensitive shell glob (<c>*</c>, <c>?</c>, <c>[...]</c>) as a regex, like Python's <c>fnmatch</c>.</summary>
    public static Regex Glob(string pattern)
    {
        var sb = new System.Text.StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*': sb.Append(".*"); break;
                case '?': sb.Append('.'); break;
                case '[':
                    var end = pattern.IndexOf(']', i + 1);
                    if (end < 0)
                    {
                        sb.Append(@"\[");
                    }
                    else
                    {
                        var body = pattern[(i + 1)..end];
                        sb.Append('[').Append(body.StartsWith('!') ? "^" + Regex.Escape(body[1..]) : Regex.Escape(body)).Append(']');
                        i = end;
                    }
                    break;
                default: sb.Append(Regex.Escape(c.ToString())); break;
            }
        }
        sb.Append('$');
        return new Regex(sb.ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }

    /// <summary>The user an <c>owner</c> argument names; GenericError <c>No such user: ...</c> when unknown.</summary>
    public static async Task<UserRow> UserAsync(CallContext ctx, object? info) =>
        await UserQueries.FindAsync(ctx, info).ConfigureAwait(false)
        ?? throw KojiErrors.Generic($"No such user: {UserQueries.Repr(info)}");
}
