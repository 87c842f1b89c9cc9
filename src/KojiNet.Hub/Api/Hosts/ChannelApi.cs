using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Hosts;

/// <summary>A row of <c>channels</c>.</summary>
internal sealed class ChannelRow
{
    public int Id { get; init; }

    public string Name { get; init; } = "";

    public string? Description { get; init; }

    public bool Enabled { get; init; }

    public string? Comment { get; init; }

    /// <summary>The channel struct, keys in upstream's (alphabetical) order.</summary>
    public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
    {
        ["comment"] = Comment,
        ["description"] = Description,
        ["enabled"] = Enabled,
        ["id"] = Id,
        ["name"] = Name,
    };
}

/// <summary>Task channels (api-core.md §8). Channel rows are not versioned; host membership is.</summary>
internal static class ChannelApi
{
    private const string Select = "SELECT c.id, c.name, c.description, c.enabled, c.comment FROM channels c";

    [KojiMethod("listChannels", ReadOnly = true, Doc = "List builder channels.")]
    public static async Task<List<Dictionary<string, object?>>> ListChannels(CallContext ctx, object? hostID = null, int? @event = null, bool? enabled = null)
    {
        var where = new List<string>();
        if (enabled is { } e)
        {
            where.Add(e ? "c.enabled = TRUE" : "c.enabled = FALSE");
        }
        int? hostId = null;
        if (hostID is not null)
        {
            hostId = hostID switch
            {
                int i => i,
                long l => (int)l,
                _ => (await HostApi.FindAsync(ctx, hostID, true, null).ConfigureAwait(false))!.Id,
            };
            where.Add($"c.id IN (SELECT hc.channel_id FROM host_channels hc WHERE hc.host_id = @hostId AND {Versioning.Active("hc", @event)})");
        }
        else if (@event is not null)
        {
            throw KojiErrors.Generic("list_channels with event and not host is not allowed.");
        }
        var sql = Select + (where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "") + " ORDER BY c.id";
        return (await ctx.QueryAsync<ChannelRow>(sql, new { hostId, @event }).ConfigureAwait(false)).Select(c => c.ToStruct()).ToList();
    }

    [KojiMethod("getChannel", ReadOnly = true, Doc = "Return information about a channel.")]
    public static async Task<Dictionary<string, object?>?> GetChannel(CallContext ctx, object? channelInfo, bool strict = false) =>
        (await FindAsync(ctx, channelInfo, strict).ConfigureAwait(false))?.ToStruct();

    [KojiMethod("addChannel", Doc = "Add a channel.")]
    public static async Task<int> AddChannel(CallContext ctx, string channel_name, string? description = null)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        return (await CreateAsync(ctx, channel_name, description).ConfigureAwait(false)).Id;
    }

    [KojiMethod("editChannel", Doc = "Edit information for an existing channel.")]
    public static async Task<bool> EditChannel(CallContext ctx, object? channelInfo, KwArgs kw)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var channel = (await FindAsync(ctx, channelInfo, strict: true).ConfigureAwait(false))!;
        var sets = new List<string>();
        var p = new Dapper.DynamicParameters();
        p.Add("id", channel.Id);
        if (kw.Values.TryGetValue("name", out var name) && ArgumentBinder.Truthy(name))
        {
            var newName = name as string ?? throw KojiErrors.Generic($"Invalid channel name: {UserQueries.Repr(name)}");
            NameValidation.InternalName(ctx, newName);
            if (await FindAsync(ctx, newName, strict: false).ConfigureAwait(false) is { } dup)
            {
                throw KojiErrors.Generic($"channel {dup.Name} already exists (id={dup.Id})");
            }
            sets.Add("name = @name");
            p.Add("name", newName);
        }
        foreach (var field in (string[])["description", "comment"])
        {
            if (kw.Values.TryGetValue(field, out var value))
            {
                if (value is not (null or string))
                {
                    throw KojiErrors.Generic($"Invalid {field}: {UserQueries.Repr(value)}");
                }
                sets.Add($"{field} = @{field}");
                p.Add(field, value);
            }
        }
        if (sets.Count == 0)
        {
            return false;
        }
        await ctx.ExecuteAsync($"UPDATE channels SET {string.Join(", ", sets)} WHERE id = @id", p).ConfigureAwait(false);
        return true;
    }

    [KojiMethod("renameChannel", Doc = "Rename a channel")]
    public static async Task<object?> RenameChannel(CallContext ctx, object? old, string @new)
    {
        await EditChannel(ctx, old, new KwArgs(new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = @new })).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("enableChannel", Doc = "Mark a channel as enabled")]
    public static Task<object?> EnableChannel(CallContext ctx, object? channelname, string? comment = null) => SetEnabledAsync(ctx, channelname, true, comment);

    [KojiMethod("disableChannel", Doc = "Mark a channel as disabled")]
    public static Task<object?> DisableChannel(CallContext ctx, object? channelname, string? comment = null) => SetEnabledAsync(ctx, channelname, false, comment);

    /// <summary>Finds a channel by id, name or struct; null, or GenericError <c>query returned no rows</c> when strict.</summary>
    public static async Task<ChannelRow?> FindAsync(CallContext ctx, object? info, bool strict)
    {
        var (clause, id, name) = info switch
        {
            int or long => ("c.id = @id", Convert.ToInt32(info, System.Globalization.CultureInfo.InvariantCulture), null),
            string s => ("c.name = @name", 0, s),
            IReadOnlyDictionary<string, object?> d when d.GetValueOrDefault("id") is int or long =>
                ("c.id = @id", Convert.ToInt32(d["id"], System.Globalization.CultureInfo.InvariantCulture), (string?)null),
            IReadOnlyDictionary<string, object?> d when d.GetValueOrDefault("name") is string n => ("c.name = @name", 0, n),
            _ => throw KojiErrors.Parameter($"Invalid name or id value: {UserQueries.Repr(info)}"),
        };
        var channel = await ctx.QuerySingleOrDefaultAsync<ChannelRow>($"{Select} WHERE {clause}", new { id, name }).ConfigureAwait(false);
        if (channel is null && strict)
        {
            throw KojiErrors.Generic("query returned no rows");
        }
        return channel;
    }

    /// <summary>Creates a channel after checking its name (<c>RegexNameInternal</c>) and uniqueness.</summary>
    public static async Task<ChannelRow> CreateAsync(CallContext ctx, string name, string? description)
    {
        NameValidation.InternalName(ctx, name);
        if (await FindAsync(ctx, name, strict: false).ConfigureAwait(false) is { } dup)
        {
            throw KojiErrors.Generic($"channel {dup.Name} already exists (id={dup.Id})");
        }
        var id = await ctx.ExecuteScalarAsync<int>(
            "INSERT INTO channels (name, description) VALUES (@name, @description) RETURNING id", new { name, description }).ConfigureAwait(false);
        return new ChannelRow { Id = id, Name = name, Description = description, Enabled = true };
    }

    private static async Task<object?> SetEnabledAsync(CallContext ctx, object? channelname, bool enabled, string? comment)
    {
        await ctx.AssertPermAsync("host").ConfigureAwait(false);
        var channel = await FindAsync(ctx, channelname, strict: false).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"No such channel: {UserApi.Plain(channelname)}");
        await ctx.ExecuteAsync("UPDATE channels SET enabled = @enabled, comment = @comment WHERE id = @id",
            new { enabled, comment, id = channel.Id }).ConfigureAwait(false);
        return null;
    }
}
