using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.ExternalRepos;

/// <summary>An external repo with its configuration at some event: the <c>{id, name, url}</c> struct.</summary>
internal sealed class ExternalRepoRow
{
    public int Id { get; init; }

    public string Name { get; init; } = "";

    /// <summary>The repo's base URL; always ends with <c>/</c> and may contain <c>$arch</c>.</summary>
    public string Url { get; init; } = "";

    public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
    {
        ["id"] = Id,
        ["name"] = Name,
        ["url"] = Url,
    };
}

/// <summary>
/// One link of a tag to an external repo (a <c>tag_external_repos</c> row with the repo's name
/// and URL at the same event): the struct <c>getTagExternalRepos</c> and <c>getExternalRepoList</c>
/// return.
/// </summary>
internal sealed class TagExternalRepo
{
    public int ExternalRepoId { get; init; }

    public string ExternalRepoName { get; init; } = "";

    /// <summary>Order among the tag's external repos: lower first.</summary>
    public int Priority { get; init; }

    /// <summary>The tag the link belongs to (for an inherited list, the ancestor that carries it).</summary>
    public int TagId { get; init; }

    public string TagName { get; init; } = "";

    /// <summary>The repo's base URL, ending with <c>/</c>; <c>$arch</c> is expanded by the builder.</summary>
    public string Url { get; init; } = "";

    /// <summary><c>koji</c>, <c>simple</c> or <c>bare</c>.</summary>
    public string MergeMode { get; init; } = ExternalRepoQueries.DefaultMergeMode;

    /// <summary>Space-separated arches the repo is used for; null or empty means every arch.</summary>
    public string? Arches { get; init; }

    public Dictionary<string, object?> ToStruct() => new(StringComparer.Ordinal)
    {
        ["arches"] = Arches,
        ["external_repo_id"] = ExternalRepoId,
        ["external_repo_name"] = ExternalRepoName,
        ["merge_mode"] = MergeMode,
        ["priority"] = Priority,
        ["tag_id"] = TagId,
        ["tag_name"] = TagName,
        ["url"] = Url,
    };
}

/// <summary>
/// Reads of external repos and of their links to tags, current or as of an event (model.md §2.3).
/// Repo generation (<c>host.repoInit</c>, the <c>newRepo</c> checks) uses
/// <see cref="ListForTagAsync"/>; the API methods are in <see cref="ExternalRepoApi"/>.
/// </summary>
internal static class ExternalRepoQueries
{
    /// <summary>Koji's <c>REPO_MERGE_MODES</c>.</summary>
    public static readonly IReadOnlySet<string> MergeModes = new HashSet<string>(StringComparer.Ordinal) { "koji", "simple", "bare" };

    public const string DefaultMergeMode = "koji";

    /// <summary>
    /// The external repos of the tag <paramref name="tagId"/> and of its inheritance chain as of
    /// <paramref name="eventId"/> (current when null), as the builder merges them: the tag's own
    /// first, then each ancestor's in depth-first inheritance order, each tag's links by priority,
    /// and a repo reached again through another tag left out (the first link wins).
    /// An unknown tag, or one without configuration at the event, gives an empty list.
    /// </summary>
    public static async Task<IReadOnlyList<TagExternalRepo>> ListForTagAsync(CallContext ctx, int tagId, int? eventId)
    {
        var tags = new List<int> { tagId };
        tags.AddRange((await Inheritance.ReadFullInheritanceAsync(ctx, tagId, eventId).ConfigureAwait(false)).Select(e => e.Link.Parent_Id));
        var seen = new HashSet<int>();
        var result = new List<TagExternalRepo>();
        foreach (var id in tags)
        {
            foreach (var link in await TagLinksAsync(ctx, id, null, eventId).ConfigureAwait(false))
            {
                if (seen.Add(link.ExternalRepoId))
                {
                    result.Add(link);
                }
            }
        }
        return result;
    }

    /// <summary>
    /// The links of a tag (or of every tag when <paramref name="tagId"/> is null) to a repo (or to
    /// every repo) as of an event, ordered by priority. Links to a repo without configuration at
    /// the event (a deleted repo) are not listed.
    /// </summary>
    public static async Task<IReadOnlyList<TagExternalRepo>> TagLinksAsync(CallContext ctx, int? tagId, int? repoId, int? eventId)
    {
        var where = "";
        if (tagId is not null)
        {
            where += " AND ter.tag_id = @tagId";
        }
        if (repoId is not null)
        {
            where += " AND ter.external_repo_id = @repoId";
        }
        var rows = await ctx.QueryAsync<TagExternalRepo>($"""
            SELECT er.id AS ExternalRepoId, er.name AS ExternalRepoName, ter.priority AS Priority, tag.id AS TagId,
                   tag.name AS TagName, erc.url AS Url, ter.merge_mode AS MergeMode, ter.arches AS Arches
            FROM tag_external_repos ter
            JOIN tag ON tag.id = ter.tag_id
            JOIN external_repo er ON er.id = ter.external_repo_id
            JOIN external_repo_config erc ON erc.external_repo_id = er.id
            WHERE {Versioning.Active("ter", eventId)} AND {Versioning.Active("erc", eventId)}{where}
            ORDER BY ter.priority, ter.tag_id, ter.external_repo_id
            """, new { tagId, repoId, @event = eventId }).ConfigureAwait(false);
        return rows.ToList();
    }

    /// <summary>
    /// External repos with their configuration as of an event (current when null), optionally
    /// only the one <paramref name="info"/> names (id, name or struct) and only those with the
    /// exact <paramref name="url"/>. <paramref name="orderLimit"/> is appended to the query.
    /// </summary>
    public static async Task<List<ExternalRepoRow>> ListAsync(CallContext ctx, object? info, string? url, int? eventId, string orderLimit = " ORDER BY er.id")
    {
        var where = "";
        int? id = null;
        string? name = null;
        if (info is not null)
        {
            (id, name) = TagQueries.NameOrId(info);
            where += id is null ? " AND er.name = @name" : " AND er.id = @id";
        }
        if (!string.IsNullOrEmpty(url))
        {
            where += " AND erc.url = @url";
        }
        return (await ctx.QueryAsync<ExternalRepoRow>($"""
            SELECT er.id AS Id, er.name AS Name, erc.url AS Url
            FROM external_repo er
            JOIN external_repo_config erc ON erc.external_repo_id = er.id
            WHERE {Versioning.Active("erc", eventId)}{where}{orderLimit}
            """, new { id, name, url, @event = eventId }).ConfigureAwait(false)).ToList();
    }

    /// <summary>The external repo <paramref name="info"/> names as of an event, or null.</summary>
    public static async Task<ExternalRepoRow?> FindAsync(CallContext ctx, object? info, int? eventId) =>
        (await ListAsync(ctx, info, null, eventId).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>Like <see cref="FindAsync"/>, but a missing repo is GenericError <c>No such repo: &lt;x&gt;</c>.</summary>
    public static async Task<ExternalRepoRow> GetAsync(CallContext ctx, object? info, int? eventId = null) =>
        await FindAsync(ctx, info, eventId).ConfigureAwait(false)
        ?? throw KojiErrors.Generic($"No such repo: {Lookup.Str(info)}");
}
