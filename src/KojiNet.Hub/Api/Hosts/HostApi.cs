using System.Text.RegularExpressions;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Users;
using KojiNet.Hub.Auth;

namespace KojiNet.Hub.Api.Hosts;

/// <summary>A host with its configuration as of some event.</summary>
internal sealed class HostRow
{
    public int Id { get; init; }

    public int User_Id { get; init; }

    public string Name { get; init; } = "";

    public double? Update_Time { get; init; }

    public bool Ready { get; init; }

    public double Task_Load { get; init; }

    public string? Arches { get; init; }

    public double Capacity { get; init; }

    public string? Description { get; init; }

    public string? Comment { get; init; }

    public bool Enabled { get; init; }

    /// <summary>The host struct of <c>getHost</c> and <c>listHosts</c>, keys in upstream's (alphabetical) order.</summary>
    public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
    {
        ["arches"] = Arches,
        ["capacity"] = Capacity,
        ["comment"] = Comment,
        ["description"] = Description,
        ["enabled"] = Enabled,
        ["id"] = Id,
        ["name"] = Name,
        ["ready"] = Ready,
        ["task_load"] = Task_Load,
        ["update_ts"] = Update_Time,
        ["user_id"] = User_Id,
    };
}

/// <summary>Builder hosts (api-core.md §8, auth.md §6). <c>host_config</c> is event-versioned.</summary>
internal static partial class HostApi
{
    private const string Select = """
        SELECT h.id, h.user_id, h.name, h.update_time, h.ready, h.task_load,
               hc.arches, hc.capacity, hc.description, hc.comment, hc.enabled
        FROM host_config hc JOIN host h ON h.id = hc.host_id
        """;

    [KojiMethod("getHost", ReadOnly = true, Doc = "Get information about the given host.")]
    public static async Task<Dictionary<string, object?>?> GetHost(CallContext ctx, object? hostInfo, bool strict = false, int? @event = null) =>
        (await FindAsync(ctx, hostInfo, strict, @event).ConfigureAwait(false))?.ToStruct();

    [KojiMethod("listHosts", ReadOnly = true, Doc = "Get a list of hosts.")]
    public static async Task<object> ListHosts(CallContext ctx, IReadOnlyList<object?>? arches = null, object? channelID = null, bool? ready = null, bool? enabled = null, object? userID = null, IReadOnlyDictionary<string, object?>? queryOpts = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        var where = new List<string> { "hc.revoke_event IS NULL" };
        int? channelId = null;
        if (channelID is not null)
        {
            channelId = (await ChannelApi.FindAsync(ctx, channelID, strict: true).ConfigureAwait(false))!.Id;
            where.Add("h.id IN (SELECT hch.host_id FROM host_channels hch WHERE hch.channel_id = @channelId AND hch.revoke_event IS NULL)");
        }
        if (ready is { } r)
        {
            where.Add(r ? "h.ready = TRUE" : "h.ready = FALSE");
        }
        if (enabled is { } e)
        {
            where.Add(e ? "hc.enabled = TRUE" : "hc.enabled = FALSE");
        }
        int? userId = null;
        if (userID is not null)
        {
            userId = (await UserApi.ResolveAsync(ctx, userID, true).ConfigureAwait(false))!.Id;
            where.Add("h.user_id = @userId");
        }
        HashSet<string>? wanted = null;
        if (arches is not null)
        {
            if (arches.Count == 0)
            {
                throw KojiErrors.Generic("arches option cannot be empty");
            }
            wanted = arches.Select(a => a as string ?? throw KojiErrors.Generic($"Invalid arch: {UserQueries.Repr(a)}")).ToHashSet(StringComparer.Ordinal);
        }
        var rows = await ctx.QueryAsync<HostRow>($"{Select} WHERE {string.Join(" AND ", where)} ORDER BY h.id", new { channelId, userId }).ConfigureAwait(false);
        // Arches match as whole words of the host's arch list, as upstream's word-boundary regex does.
        var matching = rows.Where(h => wanted is null || ArchWords().Matches(h.Arches ?? "").Any(m => wanted.Contains(m.Value)));
        return opts.ApplyInMemory(matching.Select(h => (IReadOnlyDictionary<string, object?>)h.ToStruct()));
    }

    [KojiMethod("addHost", Doc = "Add a builder host to the database.")]
    public static async Task<int> AddHost(CallContext ctx, string hostname, object? arches, string? krb_principal = null, bool force = false)
    {
        await ctx.AssertPermAsync("host").ConfigureAwait(false);
        NameValidation.InternalName(ctx, hostname);
        // Upstream joins the items with spaces; a plain string therefore becomes its characters.
        var joined = arches switch
        {
            string s => string.Join(' ', s.Select(c => c.ToString())),
            IReadOnlyList<object?> list => string.Join(' ', list.Select(a => a as string ?? throw KojiErrors.Generic($"Invalid arch: {UserQueries.Repr(a)}"))),
            _ => throw KojiErrors.Generic($"Invalid type for arches: {UserApi.PythonClass(arches)}"),
        };
        var archList = ParseArches(joined);
        if (await FindAsync(ctx, hostname, false, null).ConfigureAwait(false) is not null)
        {
            throw KojiErrors.Generic($"host already exists: {hostname}");
        }
        var defaultChannel = await ctx.ScalarAsync<int>("SELECT id FROM channels WHERE name = 'default'").ConfigureAwait(false);
        var lookup = new Dictionary<string, object?>(StringComparer.Ordinal) { ["name"] = hostname };
        if (!string.IsNullOrEmpty(krb_principal))
        {
            lookup["krb_principal"] = krb_principal;
        }
        var user = await UserApi.ResolveAsync(ctx, lookup, false).ConfigureAwait(false);
        int userId;
        if (user is not null)
        {
            if (user.UserType != UserTypes.Host)
            {
                if (!(force && user.UserType == UserTypes.Normal))
                {
                    throw KojiErrors.Generic($"user {hostname} already exists and it is not a host");
                }
                await ctx.ExecuteAsync("UPDATE users SET usertype = @t WHERE id = @id", new { t = UserTypes.Host, id = user.Id }).ConfigureAwait(false);
            }
            userId = user.Id;
        }
        else
        {
            if (krb_principal is null && ctx.Hub.Config.Auth.HostPrincipalFormat is { Length: > 0 } format)
            {
                krb_principal = format.Replace("%s", hostname, StringComparison.Ordinal);
            }
            userId = await UserApi.InsertUserAsync(ctx, hostname, UserTypes.Host, null, krb_principal).ConfigureAwait(false);
        }
        var hostId = await ctx.ExecuteScalarAsync<int>(
            "INSERT INTO host (user_id, name) VALUES (@userId, @hostname) RETURNING id", new { userId, hostname }).ConfigureAwait(false);
        await Versioning.InsertAsync(ctx, "host_config", new Dictionary<string, object?> { ["host_id"] = hostId, ["arches"] = archList }).ConfigureAwait(false);
        await Versioning.InsertAsync(ctx, "host_channels", new Dictionary<string, object?> { ["host_id"] = hostId, ["channel_id"] = defaultChannel }).ConfigureAwait(false);
        return hostId;
    }

    [KojiMethod("editHost", Doc = "Edit information for an existing host.")]
    public static async Task<bool> EditHost(CallContext ctx, object? hostInfo, KwArgs kw)
    {
        await ctx.AssertPermAsync("host").ConfigureAwait(false);
        var host = (await FindAsync(ctx, hostInfo, true, null).ConfigureAwait(false))!;
        var current = host.ToStruct();
        var values = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["arches"] = host.Arches,
            ["capacity"] = host.Capacity,
            ["description"] = host.Description,
            ["comment"] = host.Comment,
        };
        var changed = false;
        foreach (var field in (string[])["arches", "capacity", "description", "comment"])
        {
            if (!kw.Values.TryGetValue(field, out var value) || SameValue(current[field], value))
            {
                continue;
            }
            values[field] = field switch
            {
                "arches" => ParseArches(value as string ?? throw KojiErrors.Generic($"Invalid arches: {UserQueries.Repr(value)}")),
                "capacity" => value switch
                {
                    int or long or double => Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture),
                    _ => throw KojiErrors.Generic($"Invalid capacity: {UserQueries.Repr(value)}"),
                },
                _ => value is null or string ? value : throw KojiErrors.Generic($"Invalid {field}: {UserQueries.Repr(value)}"),
            };
            changed = true;
        }
        if (!changed)
        {
            return false;
        }
        values["enabled"] = host.Enabled;
        await ReplaceConfigAsync(ctx, host.Id, values).ConfigureAwait(false);
        return true;
    }

    [KojiMethod("enableHost", Doc = "Mark a host as enabled")]
    public static Task<object?> EnableHost(CallContext ctx, object? hostname) => SetEnabledAsync(ctx, hostname, true);

    [KojiMethod("disableHost", Doc = "Mark a host as disabled")]
    public static Task<object?> DisableHost(CallContext ctx, object? hostname) => SetEnabledAsync(ctx, hostname, false);

    [KojiMethod("addHostToChannel", Doc = "Add the host to the specified channel")]
    public static async Task<object?> AddHostToChannel(CallContext ctx, object? hostname, object? channel_name, bool create = false, bool force = false)
    {
        await ctx.AssertPermAsync("host").ConfigureAwait(false);
        var host = await FindAsync(ctx, hostname, false, null).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"host does not exist: {UserApi.Plain(hostname)}");
        var channel = await ChannelApi.FindAsync(ctx, channel_name, strict: false).ConfigureAwait(false);
        if (channel is null && create && channel_name is string newName)
        {
            channel = await ChannelApi.CreateAsync(ctx, newName, null).ConfigureAwait(false);
        }
        if (channel is null)
        {
            throw KojiErrors.Generic($"channel does not exist: {UserApi.Plain(channel_name)}");
        }
        if (!force && !channel.Enabled)
        {
            throw KojiErrors.Generic($"channel {UserApi.Plain(channel_name)} is disabled");
        }
        var member = await ctx.ScalarAsync<int?>(
            "SELECT host_id FROM host_channels WHERE host_id = @h AND channel_id = @c AND revoke_event IS NULL", new { h = host.Id, c = channel.Id }).ConfigureAwait(false);
        if (member is not null)
        {
            throw KojiErrors.Generic($"host {host.Name} is already subscribed to the {channel.Name} channel");
        }
        await Versioning.InsertAsync(ctx, "host_channels", new Dictionary<string, object?> { ["host_id"] = host.Id, ["channel_id"] = channel.Id }).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("removeHostFromChannel", Doc = "Remove the host from the specified channel")]
    public static async Task<object?> RemoveHostFromChannel(CallContext ctx, object? hostname, object? channel_name)
    {
        await ctx.AssertPermAsync("host").ConfigureAwait(false);
        var host = await FindAsync(ctx, hostname, false, null).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"host does not exist: {UserApi.Plain(hostname)}");
        var channel = await ChannelApi.FindAsync(ctx, channel_name, strict: false).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"channel does not exist: {UserApi.Plain(channel_name)}");
        var revoked = await Versioning.RevokeAsync(ctx, "host_channels", "host_id = @h AND channel_id = @c", new { h = host.Id, c = channel.Id }).ConfigureAwait(false);
        if (revoked == 0)
        {
            throw KojiErrors.Generic($"host {host.Name} is not subscribed to the {channel.Name} channel");
        }
        return null;
    }

    /// <summary>
    /// Finds a host by id, name or struct (<c>id</c>/<c>name</c>) with its configuration as of
    /// <paramref name="atEvent"/>. Null, or GenericError <c>Invalid hostInfo: …</c> when strict.
    /// </summary>
    public static async Task<HostRow?> FindAsync(CallContext ctx, object? hostInfo, bool strict, int? atEvent)
    {
        string clause;
        object? id = null;
        string? name = null;
        switch (hostInfo)
        {
            case int or long:
                clause = "h.id = @id";
                id = Convert.ToInt32(hostInfo, System.Globalization.CultureInfo.InvariantCulture);
                break;
            case string s:
                clause = "h.name = @name";
                name = s;
                break;
            case IReadOnlyDictionary<string, object?> d when d.GetValueOrDefault("id") is int or long:
                clause = "h.id = @id";
                id = Convert.ToInt32(d["id"], System.Globalization.CultureInfo.InvariantCulture);
                break;
            case IReadOnlyDictionary<string, object?> d when d.GetValueOrDefault("name") is string n:
                clause = "h.name = @name";
                name = n;
                break;
            case IReadOnlyDictionary<string, object?>:
                throw KojiErrors.Generic($"Invalid hostInfo: {UserQueries.Repr(hostInfo)}");
            default:
                throw KojiErrors.Generic($"Invalid type for hostInfo: {UserApi.PythonClass(hostInfo)}");
        }
        var host = await ctx.QuerySingleOrDefaultAsync<HostRow>($"{Select} WHERE {clause} AND {Versioning.Active("hc", atEvent)}",
            new { id, name, @event = atEvent }).ConfigureAwait(false);
        if (host is null && strict)
        {
            throw KojiErrors.Generic($"Invalid hostInfo: {UserApi.Plain(hostInfo)}");
        }
        return host;
    }

    /// <summary>Upstream's <c>parse_arches(strict=True)</c>: commas or spaces separate, each arch a plain word.</summary>
    private static string ParseArches(string arches)
    {
        var list = arches.Replace(',', ' ').Split(' ', StringSplitOptions.RemoveEmptyEntries);
        foreach (var arch in list)
        {
            if (!ValidArch().IsMatch(arch))
            {
                throw KojiErrors.Generic($"Invalid architecture: {arch}");
            }
        }
        return string.Join(' ', list);
    }

    private static bool SameValue(object? current, object? value) => (current, value) switch
    {
        (null, null) => true,
        (double d, int i) => d == i,
        (double d, long l) => d == l,
        _ => Equals(current, value),
    };

    private static async Task ReplaceConfigAsync(CallContext ctx, int hostId, Dictionary<string, object?> values)
    {
        await Versioning.RevokeAsync(ctx, "host_config", "host_id = @hostId", new { hostId }).ConfigureAwait(false);
        values["host_id"] = hostId;
        await Versioning.InsertAsync(ctx, "host_config", values).ConfigureAwait(false);
    }

    private static async Task<object?> SetEnabledAsync(CallContext ctx, object? hostname, bool enabled)
    {
        await ctx.AssertPermAsync("host").ConfigureAwait(false);
        var host = await FindAsync(ctx, hostname, false, null).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"host does not exist: {UserApi.Plain(hostname)}");
        await ReplaceConfigAsync(ctx, host.Id, new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["arches"] = host.Arches,
            ["capacity"] = host.Capacity,
            ["description"] = host.Description,
            ["comment"] = host.Comment,
            ["enabled"] = enabled,
        }).ConfigureAwait(false);
        return null;
    }

    [GeneratedRegex(@"\w+", RegexOptions.CultureInvariant)]
    private static partial Regex ArchWords();

    [GeneratedRegex(@"^[A-Za-z0-9_-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidArch();
}
