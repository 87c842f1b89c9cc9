using System.Globalization;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Tags;

/// <summary>A tag with its configuration at some event (the active <c>tag_config</c> row).</summary>
internal class TagRow
{
    public int Id { get; init; }

    public string Name { get; init; } = "";

    public string? Arches { get; init; }

    public int? Perm_Id { get; init; }

    public string? Perm { get; init; }

    public bool Locked { get; init; }

    public bool Maven_Support { get; init; }

    public bool Maven_Include_All { get; init; }
}

/// <summary>A <c>tag_extra</c> row: <c>Value</c> is JSON text, null for a blocked key.</summary>
internal sealed class TagExtraRow
{
    public string Key { get; init; } = "";

    public string? Value { get; init; }
}

/// <summary>Finding tags by Koji's name-or-id rules, as of an event, and shaping the <c>getTag</c> struct.</summary>
internal static class TagQueries
{
    private static string Select(int? atEvent) => $"""
        SELECT tag.id, tag.name, tc.arches, tc.perm_id, permissions.name AS perm, tc.locked, tc.maven_support, tc.maven_include_all
        FROM tag_config tc
        JOIN tag ON tag.id = tc.tag_id
        LEFT JOIN permissions ON permissions.id = tc.perm_id
        WHERE {Versioning.Active("tc", atEvent)}
        """;

    /// <summary>
    /// Resolves a name-or-id argument (int id, string name, struct with <c>id</c> or <c>name</c>) to
    /// an id or a name; anything else is ParameterError <c>Invalid name or id value: ...</c>.
    /// </summary>
    public static (int? Id, string? Name) NameOrId(object? info)
    {
        var value = info;
        if (info is IReadOnlyDictionary<string, object?> d)
        {
            if (d.TryGetValue("id", out var id))
            {
                value = id;
            }
            else if (d.TryGetValue("name", out var name))
            {
                value = name;
            }
            else
            {
                throw KojiErrors.Parameter($"Invalid name or id value: {UserQueries.Repr(info)}");
            }
        }
        return value switch
        {
            int i => (i, null),
            long l when l is >= int.MinValue and <= int.MaxValue => ((int)l, null),
            bool b => (b ? 1 : 0, null),
            string s => (null, s),
            _ => throw KojiErrors.Parameter($"Invalid name or id value: {UserQueries.Repr(info)}"),
        };
    }

    /// <summary>
    /// The tag <paramref name="tagInfo"/> names, as of <paramref name="atEvent"/> (current when null);
    /// null when there is no such tag or it had no configuration then (deleted or not yet created).
    /// </summary>
    public static async Task<TagRow?> FindAsync(CallContext ctx, object? tagInfo, int? atEvent)
    {
        var (id, name) = NameOrId(tagInfo);
        return await FastQuery.FirstOrDefaultAsync(ctx, SelectOne(atEvent, byId: id is not null),
            [("tagId", id), ("tagName", name), ("event", atEvent)], MapTag).ConfigureAwait(false);
    }

    // One tag as of an event, by @tagId or by @tagName.
    private static string SelectOne(int? atEvent, bool byId) => Select(atEvent) + (byId ? " AND tag.id = @tagId" : " AND tag.name = @tagName");

    private static TagRow MapTag(FastRow r) => MapTag(r, 0);

    /// <summary>
    /// The current-config select of one tag (the columns <see cref="MapTag(FastRow, int)"/> reads)
    /// by <c>@tagId</c> when <paramref name="id"/> is given, else by <c>@tagName</c>, as <see cref="FindAsync"/> looks it up.
    /// </summary>
    public static string CurrentSelect(int? id) => SelectOne(null, byId: id is not null);

    /// <summary>A <see cref="TagRow"/> from the columns of a tag select, starting at <paramref name="column"/>.</summary>
    public static TagRow MapTag(FastRow r, int column) => new()
    {
        Id = r.Int(column),
        Name = r.String(column + 1),
        Arches = r.StringOrNull(column + 2),
        Perm_Id = r.IntOrNull(column + 3),
        Perm = r.StringOrNull(column + 4),
        Locked = r.Bool(column + 5),
        Maven_Support = r.Bool(column + 6),
        Maven_Include_All = r.Bool(column + 7),
    };

    /// <summary>Like <see cref="FindAsync"/>, but a missing tag is GenericError <c>No such tagInfo: '&lt;x&gt;'</c>.</summary>
    public static async Task<TagRow> GetAsync(CallContext ctx, object? tagInfo, int? atEvent = null) =>
        await FindAsync(ctx, tagInfo, atEvent).ConfigureAwait(false)
        ?? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tagInfo)}");

    /// <summary>The tag's own <c>tag_extra</c> rows as of an event (blocked keys have a null value).</summary>
    public static async Task<IReadOnlyList<TagExtraRow>> ExtraRowsAsync(CallContext ctx, int tagId, int? atEvent) =>
        await FastQuery.ListAsync(ctx,
            atEvent is null ? CurrentExtraSql : $"SELECT te.key, te.value FROM tag_extra te WHERE te.tag_id = @tagId AND {Versioning.Active("te", atEvent)} ORDER BY te.key",
            [("tagId", tagId), ("event", atEvent)], r => new TagExtraRow { Key = r.String(0), Value = r.StringOrNull(1) }).ConfigureAwait(false);

    private const string CurrentExtraSql = "SELECT te.key, te.value FROM tag_extra te WHERE te.tag_id = @tagId AND te.revoke_event IS NULL ORDER BY te.key";

    /// <summary>
    /// The <c>getTag</c> struct. Without <paramref name="blocked"/>, <c>extra</c> holds the decoded
    /// values of unblocked keys; with it, every key maps to <c>[is_blocked, value]</c>.
    /// </summary>
    public static async Task<Dictionary<string, object?>> ToStructAsync(CallContext ctx, TagRow tag, int? atEvent, bool blocked) =>
        ToStruct(tag, await ExtraRowsAsync(ctx, tag.Id, atEvent).ConfigureAwait(false), atEvent, blocked);

    /// <summary>The <c>getTag</c> struct from the tag and its extra rows as of <paramref name="atEvent"/>.</summary>
    public static Dictionary<string, object?> ToStruct(TagRow tag, IReadOnlyList<TagExtraRow> extraRows, int? atEvent, bool blocked)
    {
        var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var row in extraRows)
        {
            if (blocked)
            {
                extra[row.Key] = new List<object?> { row.Value is null, row.Value is null ? null : PyJson.Decode(row.Value) };
            }
            else if (row.Value is not null)
            {
                extra[row.Key] = PyJson.Decode(row.Value);
            }
        }
        var result = BaseStruct(tag);
        result["extra"] = extra;
        if (atEvent is { } e)
        {
            result["query_event"] = e;
        }
        return result;
    }

    /// <summary>The tag's config fields without <c>extra</c>.</summary>
    public static Dictionary<string, object?> BaseStruct(TagRow tag) => new(StringComparer.Ordinal)
    {
        ["arches"] = tag.Arches,
        ["id"] = tag.Id,
        ["locked"] = tag.Locked,
        ["maven_include_all"] = tag.Maven_Include_All,
        ["maven_support"] = tag.Maven_Support,
        ["name"] = tag.Name,
        ["perm"] = tag.Perm,
        ["perm_id"] = tag.Perm_Id,
    };

    /// <summary>An <c>event</c> argument: null, or an event id (int).</summary>
    public static int? EventArg(object? value) => value switch
    {
        null => null,
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        _ => throw KojiErrors.Parameter($"Invalid event: {UserQueries.Repr(value)}"),
    };

    /// <summary>Formats an int with the invariant culture.</summary>
    public static string Str(int value) => value.ToString(CultureInfo.InvariantCulture);
}
