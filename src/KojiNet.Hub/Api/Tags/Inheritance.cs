using System.Text.RegularExpressions;
using KojiNet.Hub.Api.Common;

namespace KojiNet.Hub.Api.Tags;

/// <summary>
/// A direct inheritance link (<c>tag_inheritance</c> row) with the name of the tag at its far end:
/// the parent's name for a parent link, the child's name for a descendant link.
/// </summary>
internal sealed class InheritanceLink
{
    public int Tag_Id { get; init; }

    public int Parent_Id { get; init; }

    public string Name { get; init; } = "";

    public int Priority { get; init; }

    public int? Maxdepth { get; init; }

    public bool Intransitive { get; init; }

    public bool Noconfig { get; init; }

    public string? Pkg_Filter { get; init; }
}

/// <summary>One entry of a full inheritance walk: a link plus where and how it was reached.</summary>
internal sealed class InheritanceEntry
{
    public required InheritanceLink Link { get; init; }

    /// <summary>Depth from the start tag (1 = a direct parent or child).</summary>
    public int CurrDepth { get; init; }

    /// <summary>How many more levels may be followed past this tag; null = unlimited.</summary>
    public int? NextDepth { get; init; }

    /// <summary>Whether a <c>noconfig</c> link lies on the path to this tag.</summary>
    public bool Noconfig { get; init; }

    /// <summary>The <c>pkg_filter</c> patterns accumulated along the path.</summary>
    public required IReadOnlyList<string> Filter { get; init; }

    /// <summary>The tag this entry reaches: the parent, or the child in a reverse walk.</summary>
    public int TargetId(bool reverse) => reverse ? Link.Tag_Id : Link.Parent_Id;
}

/// <summary>
/// Tag inheritance (model.md §4): direct links and the full depth-first walk Koji calls
/// <c>readFullInheritance</c>.
/// </summary>
internal static class Inheritance
{
    /// <summary>The direct parent links of a tag as of an event, by priority (<c>getInheritanceData</c>).</summary>
    public static async Task<IReadOnlyList<InheritanceLink>> ReadParentsAsync(CallContext ctx, int tagId, int? atEvent) =>
        (await ctx.QueryAsync<InheritanceLink>($"""
            SELECT ti.tag_id, ti.parent_id, tag.name, ti.priority, ti.maxdepth, ti.intransitive, ti.noconfig, ti.pkg_filter
            FROM tag_inheritance ti JOIN tag ON tag.id = ti.parent_id
            WHERE ti.tag_id = @tagId AND {Versioning.Active("ti", atEvent)}
            ORDER BY ti.priority
            """, new { tagId, @event = atEvent }).ConfigureAwait(false)).ToList();

    /// <summary>The direct child links of a tag as of an event, by priority.</summary>
    public static async Task<IReadOnlyList<InheritanceLink>> ReadChildrenAsync(CallContext ctx, int tagId, int? atEvent) =>
        (await ctx.QueryAsync<InheritanceLink>($"""
            SELECT ti.tag_id, ti.parent_id, tag.name, ti.priority, ti.maxdepth, ti.intransitive, ti.noconfig, ti.pkg_filter
            FROM tag_inheritance ti JOIN tag ON tag.id = ti.tag_id
            WHERE ti.parent_id = @tagId AND {Versioning.Active("ti", atEvent)}
            ORDER BY ti.priority, ti.tag_id
            """, new { tagId, @event = atEvent }).ConfigureAwait(false)).ToList();

    /// <summary>The <c>getInheritanceData</c> struct of a parent link.</summary>
    public static Dictionary<string, object?> ParentStruct(InheritanceLink link) => new(StringComparer.Ordinal)
    {
        ["parent_id"] = link.Parent_Id,
        ["name"] = link.Name,
        ["priority"] = link.Priority,
        ["maxdepth"] = link.Maxdepth,
        ["intransitive"] = link.Intransitive,
        ["noconfig"] = link.Noconfig,
        ["pkg_filter"] = link.Pkg_Filter,
        ["child_id"] = link.Tag_Id,
    };

    /// <summary>The struct of a child link (reverse walks).</summary>
    public static Dictionary<string, object?> ChildStruct(InheritanceLink link) => new(StringComparer.Ordinal)
    {
        ["tag_id"] = link.Tag_Id,
        ["name"] = link.Name,
        ["priority"] = link.Priority,
        ["maxdepth"] = link.Maxdepth,
        ["intransitive"] = link.Intransitive,
        ["noconfig"] = link.Noconfig,
        ["pkg_filter"] = link.Pkg_Filter,
        ["parent_id"] = link.Parent_Id,
    };

    /// <summary>The <c>getFullInheritance</c> struct of a walk entry.</summary>
    public static Dictionary<string, object?> EntryStruct(InheritanceEntry entry, bool reverse)
    {
        var s = reverse ? ChildStruct(entry.Link) : ParentStruct(entry.Link);
        s["noconfig"] = entry.Noconfig;
        s["currdepth"] = entry.CurrDepth;
        s["nextdepth"] = entry.NextDepth;
        s["filter"] = entry.Filter.ToList();
        return s;
    }

    /// <summary>
    /// Koji's <c>readFullInheritance</c>: a depth-first walk from <paramref name="tagId"/> over its
    /// parents (or children when <paramref name="reverse"/>), each level in priority order, every
    /// tag's own ancestors before its next sibling. Links back into the current path are pruned;
    /// intransitive links are followed only from the start tag (a reverse walk lists them but does
    /// not go past them); negative priorities are skipped; <c>maxdepth</c> bounds the remaining
    /// depth, the smallest bound on the path winning; <c>noconfig</c> sticks to everything past it;
    /// <c>pkg_filter</c> patterns accumulate. A tag reached again is listed again only when the new
    /// path is less restrictive than every earlier one (more depth left, no noconfig where there
    /// was one, or earlier paths had filters).
    /// </summary>
    public static Task<IReadOnlyList<InheritanceEntry>> ReadFullInheritanceAsync(CallContext ctx, int tagId, int? atEvent, bool reverse = false) =>
        WalkAsync(tagId, reverse, async id => reverse
            ? await ReadChildrenAsync(ctx, id, atEvent).ConfigureAwait(false)
            : await ReadParentsAsync(ctx, id, atEvent).ConfigureAwait(false));

    /// <summary>
    /// The walk of <see cref="ReadFullInheritanceAsync"/> over links from <paramref name="links"/>
    /// (the direct parents of a tag, or its children when <paramref name="reverse"/>), asked once per tag.
    /// </summary>
    public static async Task<IReadOnlyList<InheritanceEntry>> WalkAsync(int tagId, bool reverse, Func<int, ValueTask<IReadOnlyList<InheritanceLink>>> links)
    {
        var order = new List<InheritanceEntry>();
        var cache = new Dictionary<int, IReadOnlyList<InheritanceLink>>();
        var history = new Dictionary<int, List<InheritanceEntry>>();
        await WalkAsync(links, tagId, reverse, order, cache, history, [], 0, null, false, []).ConfigureAwait(false);
        return order;
    }

    private static async Task WalkAsync(
        Func<int, ValueTask<IReadOnlyList<InheritanceLink>>> read, int tagId, bool reverse, List<InheritanceEntry> order,
        Dictionary<int, IReadOnlyList<InheritanceLink>> cache, Dictionary<int, List<InheritanceEntry>> history,
        HashSet<int> pathAbove, int depth, int? maxdepth, bool noconfig, IReadOnlyList<string> filter)
    {
        if (maxdepth is < 1)
        {
            return;
        }
        var currdepth = depth + 1;
        var path = new HashSet<int>(pathAbove) { tagId };
        if (!cache.TryGetValue(tagId, out var links))
        {
            links = await read(tagId).ConfigureAwait(false);
            cache[tagId] = links;
        }
        foreach (var link in links)
        {
            var next = reverse ? link.Tag_Id : link.Parent_Id;
            if (path.Contains(next))
            {
                continue; // a loop: pruned
            }
            if (link.Intransitive && path.Count > 1 && !reverse)
            {
                continue;
            }
            if (link.Priority < 0)
            {
                continue;
            }
            int? nextdepth = link.Maxdepth is { } md ? md - 1 : null;
            if (maxdepth is { } limit && (nextdepth is null || nextdepth > limit - 1))
            {
                nextdepth = limit - 1;
            }
            var entryNoconfig = noconfig || link.Noconfig;
            var entryFilter = string.IsNullOrEmpty(link.Pkg_Filter) ? filter : [.. filter, link.Pkg_Filter];
            var entry = new InheritanceEntry
            {
                Link = link,
                CurrDepth = currdepth,
                NextDepth = nextdepth,
                Noconfig = entryNoconfig,
                Filter = entryFilter,
            };
            if (history.TryGetValue(next, out var previous))
            {
                if (previous.Any(p => Covers(p, entry)))
                {
                    continue;
                }
            }
            else
            {
                history[next] = previous = [];
            }
            previous.Add(entry);
            order.Add(entry);
            if (link.Intransitive && reverse)
            {
                continue;
            }
            await WalkAsync(read, next, reverse, order, cache, history, path, currdepth, nextdepth, entryNoconfig, entryFilter).ConfigureAwait(false);
        }
    }

    /// <summary>Whether an earlier visit already covered everything a new visit would reach.</summary>
    private static bool Covers(InheritanceEntry previous, InheritanceEntry current)
    {
        if (current.NextDepth is null ? previous.NextDepth is not null : previous.NextDepth is { } last && current.NextDepth > last)
        {
            return false;
        }
        if (previous.Noconfig && !current.Noconfig)
        {
            return false;
        }
        return previous.Filter.Count == 0;
    }

    /// <summary>
    /// The tags to search for a tag's inherited content, in order: the tag itself (no filter),
    /// then every ancestor entry of the walk with the <c>pkg_filter</c> patterns of its path and
    /// its <c>noconfig</c> flag. An ancestor may appear more than once (re-listed paths).
    /// </summary>
    public static async Task<IReadOnlyList<(int TagId, IReadOnlyList<string> Filter, bool Noconfig)>> SearchPathAsync(CallContext ctx, int tagId, int? atEvent) =>
        SearchPath(tagId, await ReadFullInheritanceAsync(ctx, tagId, atEvent).ConfigureAwait(false));

    /// <summary>The search path of <see cref="SearchPathAsync"/> from a finished walk.</summary>
    public static IReadOnlyList<(int TagId, IReadOnlyList<string> Filter, bool Noconfig)> SearchPath(int tagId, IReadOnlyList<InheritanceEntry> walk)
    {
        var result = new List<(int, IReadOnlyList<string>, bool)>(walk.Count + 1) { (tagId, [], false) };
        foreach (var entry in walk)
        {
            result.Add((entry.Link.Parent_Id, entry.Filter, entry.Noconfig));
        }
        return result;
    }

    /// <summary>
    /// Whether a package name passes every pattern of a path's filter (Python <c>re.match</c>:
    /// anchored at the start, not at the end).
    /// </summary>
    public static bool FilterMatches(IReadOnlyList<string> filter, string packageName)
    {
        foreach (var pattern in filter)
        {
            if (!Regex.IsMatch(packageName, @"\A(?:" + pattern + ")", RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)))
            {
                return false;
            }
        }
        return true;
    }
}
