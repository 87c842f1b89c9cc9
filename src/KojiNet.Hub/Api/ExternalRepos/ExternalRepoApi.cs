using System.Globalization;
using System.Text.RegularExpressions;
using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.ExternalRepos;

/// <summary>
/// External repos (api-core.md §9, kojira.md §3): repos outside Koji whose packages are merged
/// into a tag's buildroot repos. The repo's URL (<c>external_repo_config</c>), its links to tags
/// (<c>tag_external_repos</c>) and kojira's tracking data (<c>external_repo_data</c>) are
/// event-versioned, so each change is a change of every tag that uses the repo.
/// </summary>
internal static partial class ExternalRepoApi
{
    private static readonly Dictionary<string, string> OrderColumns = new(StringComparer.Ordinal)
    {
        ["id"] = "er.id",
        ["name"] = "er.name",
        ["url"] = "erc.url",
    };

    [KojiMethod("createExternalRepo")]
    public static async Task<Dictionary<string, object?>> CreateExternalRepo(CallContext ctx, string name, string url)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        NameValidation.InternalName(ctx, name);
        // The internal placeholder (id 0) has no configuration, but its name is not free.
        if ((await ExternalRepoQueries.ListAsync(ctx, name, null, null).ConfigureAwait(false)).Count > 0
            || string.Equals(name, "INTERNAL", StringComparison.Ordinal))
        {
            throw KojiErrors.Generic($"An external repo named \"{name}\" already exists");
        }
        url = NormalizeUrl(url);
        // A deleted repo's name keeps its id.
        var repo = (await Lookup.NameAsync(ctx, "external_repo", name, create: true).ConfigureAwait(false))!;
        await InsertConfigAsync(ctx, repo.Id, url).ConfigureAwait(false);
        return new ExternalRepoRow { Id = repo.Id, Name = name, Url = url }.ToStruct();
    }

    [KojiMethod("listExternalRepos", ReadOnly = true)]
    public static async Task<object> ListExternalRepos(CallContext ctx, object? info = null, string? url = null, int? @event = null,
        IReadOnlyDictionary<string, object?>? queryOpts = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        var rows = await ExternalRepoQueries.ListAsync(ctx, info, url, @event,
            opts.OrderBySql(OrderColumns, "er.id") + opts.LimitSql(ctx.Engine)).ConfigureAwait(false);
        return opts.Shape(rows.Select(r => (IReadOnlyDictionary<string, object?>)r.ToStruct()).ToList());
    }

    [KojiMethod("getExternalRepo", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> GetExternalRepo(CallContext ctx, object? info, bool strict = false, int? @event = null)
    {
        var row = await ExternalRepoQueries.FindAsync(ctx, info, @event).ConfigureAwait(false);
        if (row is null && strict)
        {
            throw KojiErrors.Generic($"No such repo: {Lookup.Str(info)}");
        }
        return row?.ToStruct();
    }

    [KojiMethod("editExternalRepo")]
    public static async Task<object?> EditExternalRepo(CallContext ctx, object? info, string? name = null, string? url = null)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var repo = await ExternalRepoQueries.GetAsync(ctx, info).ConfigureAwait(false);
        if (!string.IsNullOrEmpty(name) && !string.Equals(name, repo.Name, StringComparison.Ordinal))
        {
            NameValidation.InternalName(ctx, name);
            if (await ctx.ScalarAsync<int?>("SELECT id FROM external_repo WHERE name = @name", new { name }).ConfigureAwait(false) is { } taken)
            {
                throw KojiErrors.Generic(string.Create(CultureInfo.InvariantCulture, $"name \"{name}\" is already taken by external repo {taken}"));
            }
            await ctx.ExecuteAsync("UPDATE external_repo SET name = @name WHERE id = @id", new { name, id = repo.Id }).ConfigureAwait(false);
        }
        if (!string.IsNullOrEmpty(url))
        {
            // Compared after the trailing slash is added: an unchanged URL makes no new version
            // (and so no change event for the tags using the repo).
            url = NormalizeUrl(url);
            if (!string.Equals(url, repo.Url, StringComparison.Ordinal))
            {
                await Versioning.RevokeAsync(ctx, "external_repo_config", "external_repo_id = @id", new { id = repo.Id }).ConfigureAwait(false);
                await InsertConfigAsync(ctx, repo.Id, url).ConfigureAwait(false);
            }
        }
        return null;
    }

    [KojiMethod("deleteExternalRepo")]
    public static async Task<object?> DeleteExternalRepo(CallContext ctx, object? info)
    {
        await ctx.AssertPermAsync("admin").ConfigureAwait(false);
        var repo = await ExternalRepoQueries.GetAsync(ctx, info).ConfigureAwait(false);
        await Versioning.RevokeAsync(ctx, "tag_external_repos", "external_repo_id = @id", new { id = repo.Id }).ConfigureAwait(false);
        await Versioning.RevokeAsync(ctx, "external_repo_config", "external_repo_id = @id", new { id = repo.Id }).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("addExternalRepoToTag")]
    public static async Task<object?> AddExternalRepoToTag(CallContext ctx, object? tag_info, object? repo_info, object? priority, string? merge_mode = "koji",
        object? arches = null)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var mode = CheckMergeMode(merge_mode);
        var tag = await TagQueries.GetAsync(ctx, tag_info).ConfigureAwait(false);
        var repo = await ExternalRepoQueries.GetAsync(ctx, repo_info).ConfigureAwait(false);
        var archList = ParseArches(arches);
        await AddLinkAsync(ctx, tag, repo, ToInt(priority), mode, archList).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("removeExternalRepoFromTag")]
    public static async Task<object?> RemoveExternalRepoFromTag(CallContext ctx, object? tag_info, object? repo_info)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = await TagQueries.GetAsync(ctx, tag_info).ConfigureAwait(false);
        var repo = await ExternalRepoQueries.GetAsync(ctx, repo_info).ConfigureAwait(false);
        if ((await ExternalRepoQueries.TagLinksAsync(ctx, tag.Id, repo.Id, null).ConfigureAwait(false)).Count == 0)
        {
            throw NotAssociated(tag, repo);
        }
        await RevokeLinkAsync(ctx, tag.Id, repo.Id).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("editTagExternalRepo")]
    public static async Task<bool> EditTagExternalRepo(CallContext ctx, object? tag_info, object? repo_info, object? priority = null, string? merge_mode = null,
        object? arches = null)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        var tag = await TagQueries.GetAsync(ctx, tag_info).ConfigureAwait(false);
        var repo = await ExternalRepoQueries.GetAsync(ctx, repo_info).ConfigureAwait(false);
        var links = await ExternalRepoQueries.TagLinksAsync(ctx, tag.Id, repo.Id, null).ConfigureAwait(false);
        if (links.Count == 0)
        {
            throw NotAssociated(tag, repo);
        }
        var link = links[0];
        var archList = ParseArches(arches);
        // A null argument leaves the value as it is.
        var newPriority = priority is null ? link.Priority : ToInt(priority);
        var newMode = merge_mode ?? link.MergeMode;
        var newArches = arches is null ? link.Arches : archList;
        if (newPriority == link.Priority && string.Equals(newMode, link.MergeMode, StringComparison.Ordinal)
            && string.Equals(newArches, link.Arches, StringComparison.Ordinal))
        {
            return false;
        }
        var mode = CheckMergeMode(newMode);
        await RevokeLinkAsync(ctx, tag.Id, repo.Id).ConfigureAwait(false);
        await AddLinkAsync(ctx, tag, repo, newPriority, mode, newArches).ConfigureAwait(false);
        return true;
    }

    [KojiMethod("getTagExternalRepos", ReadOnly = true)]
    public static async Task<IReadOnlyList<Dictionary<string, object?>>> GetTagExternalRepos(CallContext ctx, object? tag_info = null, object? repo_info = null,
        int? @event = null)
    {
        int? tagId = null, repoId = null;
        if (ArgumentBinder.Truthy(tag_info))
        {
            tagId = (await TagQueries.GetAsync(ctx, tag_info, @event).ConfigureAwait(false)).Id;
        }
        if (ArgumentBinder.Truthy(repo_info))
        {
            repoId = (await ExternalRepoQueries.GetAsync(ctx, repo_info, @event).ConfigureAwait(false)).Id;
        }
        return (await ExternalRepoQueries.TagLinksAsync(ctx, tagId, repoId, @event).ConfigureAwait(false)).Select(l => l.ToStruct()).ToList();
    }

    [KojiMethod("getExternalRepoList", ReadOnly = true)]
    public static async Task<IReadOnlyList<Dictionary<string, object?>>> GetExternalRepoList(CallContext ctx, object? tag_info, int? @event = null)
    {
        var tag = await TagQueries.GetAsync(ctx, tag_info, @event).ConfigureAwait(false);
        return (await ExternalRepoQueries.ListForTagAsync(ctx, tag.Id, @event).ConfigureAwait(false)).Select(l => l.ToStruct()).ToList();
    }

    [KojiMethod("repo.getExternalRepoData", ReadOnly = true)]
    public static async Task<object?> GetExternalRepoData(CallContext ctx, object? erepo)
    {
        var repo = (await Lookup.NameAsync(ctx, "external_repo", erepo, strict: true).ConfigureAwait(false))!;
        var data = await ctx.ScalarAsync<string?>(
            "SELECT data FROM external_repo_data WHERE external_repo_id = @id AND revoke_event IS NULL", new { id = repo.Id }).ConfigureAwait(false);
        return data is null ? null : PyJson.Decode(data);
    }

    [KojiMethod("repo.setExternalRepoData")]
    public static async Task<object?> SetExternalRepoData(CallContext ctx, object? external_repo_id, object? data)
    {
        await ctx.AssertPermAsync("repo").ConfigureAwait(false);
        var repo = (await Lookup.NameAsync(ctx, "external_repo", external_repo_id, strict: true).ConfigureAwait(false))!;
        var json = PyJson.Encode(ToDict(data));
        // A new version every time, even when equal: kojira calls only when the repo changed.
        await Versioning.RevokeAsync(ctx, "external_repo_data", "external_repo_id = @id", new { id = repo.Id }).ConfigureAwait(false);
        await Versioning.InsertAsync(ctx, "external_repo_data", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["external_repo_id"] = repo.Id,
            ["data"] = json,
        }).ConfigureAwait(false);
        return null;
    }

    private static async Task AddLinkAsync(CallContext ctx, TagRow tag, ExternalRepoRow repo, int priority, string mode, string? arches)
    {
        var links = await ExternalRepoQueries.TagLinksAsync(ctx, tag.Id, null, null).ConfigureAwait(false);
        if (links.Any(l => l.ExternalRepoId == repo.Id))
        {
            throw KojiErrors.Generic($"tag {tag.Name} already associated with external repo {repo.Name}");
        }
        if (links.Any(l => l.Priority == priority))
        {
            throw KojiErrors.Generic(string.Create(CultureInfo.InvariantCulture, $"tag {tag.Name} already associated with an external repo at priority {priority}"));
        }
        await Versioning.InsertAsync(ctx, "tag_external_repos", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tag_id"] = tag.Id,
            ["external_repo_id"] = repo.Id,
            ["priority"] = priority,
            ["merge_mode"] = mode,
            ["arches"] = arches,
        }).ConfigureAwait(false);
    }

    private static Task<int> RevokeLinkAsync(CallContext ctx, int tagId, int repoId) =>
        Versioning.RevokeAsync(ctx, "tag_external_repos", "tag_id = @tagId AND external_repo_id = @repoId", new { tagId, repoId });

    private static Task InsertConfigAsync(CallContext ctx, int repoId, string url) =>
        Versioning.InsertAsync(ctx, "external_repo_config", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["external_repo_id"] = repoId,
            ["url"] = url,
        });

    private static Exception NotAssociated(TagRow tag, ExternalRepoRow repo) =>
        KojiErrors.Generic($"external repo {repo.Name} not associated with tag {tag.Name}");

    /// <summary>The URL as stored: it always ends with <c>/</c>.</summary>
    private static string NormalizeUrl(string? url)
    {
        if (string.IsNullOrEmpty(url))
        {
            throw KojiErrors.Generic("An external repo needs a url");
        }
        return url.EndsWith('/') ? url : url + "/";
    }

    /// <summary>A merge mode argument: null means <c>koji</c>; anything else must be one of Koji's modes.</summary>
    private static string CheckMergeMode(string? mode)
    {
        mode ??= ExternalRepoQueries.DefaultMergeMode;
        return ExternalRepoQueries.MergeModes.Contains(mode) ? mode : throw KojiErrors.Generic($"No such merge mode: {mode}");
    }

    /// <summary>
    /// Koji's strict arch list (<c>parse_arches(strict=True)</c>): a string of space-separated
    /// arches made of letters, digits, <c>_</c> and <c>-</c>, returned with single spaces. Null stays null.
    /// </summary>
    private static string? ParseArches(object? arches) => arches switch
    {
        null => null,
        string s when ArchChars().IsMatch(s) => string.Join(' ', s.Split(' ', StringSplitOptions.RemoveEmptyEntries)),
        string => throw KojiErrors.Generic("Architecture can be only [a-zA-Z0-9_-]"),
        _ => throw KojiErrors.Parameter($"Invalid type for arches: {ArgumentBinder.PythonTypeName(arches)}"),
    };

    [GeneratedRegex("^[a-zA-Z0-9_\\- ]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ArchChars();

    /// <summary>Python's <c>int(value)</c> with Koji's <c>convert_value</c> errors.</summary>
    private static int ToInt(object? value) => value switch
    {
        null => throw KojiErrors.Parameter("Invalid type, expected type <class 'int'>"),
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        bool b => b ? 1 : 0,
        double d when !double.IsNaN(d) && !double.IsInfinity(d) && Math.Abs(d) < int.MaxValue => (int)Math.Truncate(d),
        string s when int.TryParse(s.Trim().Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i) => i,
        _ => throw InvalidValue(value),
    };

    /// <summary>Python's <c>dict(value)</c> with Koji's <c>convert_value</c> errors: a struct, or a list of key/value pairs.</summary>
    private static IReadOnlyDictionary<string, object?> ToDict(object? value)
    {
        switch (value)
        {
            case null:
                throw KojiErrors.Parameter("Invalid type, expected type <class 'dict'>");
            case IReadOnlyDictionary<string, object?> d:
                return d;
            case IReadOnlyList<object?> list:
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var item in list)
                {
                    if (item is not IReadOnlyList<object?> { Count: 2 } pair || pair[0] is not string key)
                    {
                        throw InvalidValue(value);
                    }
                    result[key] = pair[1];
                }
                return result;
            default:
                throw InvalidValue(value);
        }
    }

    private static Exception InvalidValue(object? value) =>
        KojiErrors.Parameter($"Invalid type for value '{Lookup.Str(value)}': <class '{ArgumentBinder.PythonTypeName(value)}'>");
}
