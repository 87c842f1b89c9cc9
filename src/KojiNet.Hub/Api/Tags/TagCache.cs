using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Common;

namespace KojiNet.Hub.Api.Tags;

/// <summary>One current listing of a tag: a COMPLETE build and the event that tagged it.</summary>
internal readonly record struct CachedListing(BuildRow Build, int CreateEvent);

/// <summary>
/// What the cache keeps of one tag, as of one value of its <c>tag_versions</c> counter: name and
/// configuration, and (loaded when first needed) its extra, direct parents, package list and
/// listing. Never changed once a part is set; a newer counter value gets a new object.
/// </summary>
internal sealed class CachedTag
{
    public required int Id { get; init; }

    public required long Version { get; init; }

    /// <summary>The value of the shared names counter (row 0) the tag was loaded at.</summary>
    public required long NamesVersion { get; init; }

    public required string Name { get; init; }

    /// <summary>The active configuration, or null when the tag has none (deleted).</summary>
    public TagRow? Config { get; init; }

    public IReadOnlyList<TagExtraRow>? Extra { get; set; }

    public IReadOnlyList<InheritanceLink>? Parents { get; set; }

    /// <summary>The tag's own package list: package name and whether it is blocked.</summary>
    public IReadOnlyList<(string Name, bool Blocked)>? Packages { get; set; }

    /// <summary>COMPLETE builds tagged now, most recently tagged first (then highest build id).</summary>
    public CachedListing[]? Listing { get; set; }

    /// <summary>Whether the listing is too large to keep (queries go to the database).</summary>
    public bool ListingTooLarge { get; set; }

    /// <summary>When a call last used this entry (for eviction).</summary>
    public long LastUsed;
}

/// <summary>A tag found through the cache, with the counters read for it and for the tags it was validated with.</summary>
internal sealed class TagLookup(TagCache cache, CallContext ctx, CachedTag tag, Dictionary<int, long> versions)
{
    public CachedTag Tag { get; } = tag;

    public TagRow Config => Tag.Config!;

    /// <summary>The tag's extra rows (blocked keys have a null value).</summary>
    public ValueTask<IReadOnlyList<TagExtraRow>> ExtraAsync() => cache.ExtraAsync(ctx, Tag);

    /// <summary>The tags to search for the tag's inherited content (the tag first), each with what the cache has of it.</summary>
    public Task<TagChain> ChainAsync() => cache.ChainAsync(ctx, Tag, versions);
}

/// <summary>
/// A tag's inheritance as the cache has it: the search path (the tag, then its ancestors with
/// the package filters of their paths) with every tag on it validated, the inherited package list
/// merged along it, and selections from the listings computed once per set of options.
/// </summary>
internal sealed class TagChain
{
    public required IReadOnlyList<(int TagId, IReadOnlyList<string> Filter, bool Noconfig)> Path { get; init; }

    /// <summary>Every tag on the path once, in path order.</summary>
    public required IReadOnlyList<CachedTag> Tags { get; init; }

    /// <summary>Inherited package list: name to blocked (first entry along the path wins).</summary>
    public required IReadOnlyDictionary<string, bool> Packages { get; init; }

    /// <summary>Selections already made from this chain, by their options.</summary>
    public ConcurrentDictionary<(bool Inherit, int Limit, string? Package, string? Owner, bool? Draft), IReadOnlyList<(Tagging.TaggedBuildRow Build, string TagName)>> Selections { get; } = new();

    /// <summary>The versions the chain was built from, to tell whether it still holds.</summary>
    public required long[] Versions { get; init; }

    public required long NamesVersion { get; init; }
}

/// <summary>
/// The hub's in-memory copy of tags for the hot read paths (<c>getTag</c>, <c>listTagged</c>,
/// <c>getLatestBuilds</c>...): served only after one query shows that the <c>tag_versions</c>
/// counters of the tags involved are still the ones the copy was loaded at. The counters are
/// bumped by database triggers in the same transaction as any change, whoever makes it, so a
/// hub never serves a change it has not seen, however many hubs share the database. Only
/// read-only calls use it (they see committed data only; a writing call could see counters of
/// its own uncommitted changes). Listings are kept up to a budget of rows, least recently used
/// tags dropped first.
/// </summary>
internal sealed class TagCache
{
    /// <summary>A tag with a larger listing is always read from the database.</summary>
    public const int MaxListingPerTag = 100_000;

    /// <summary>Listing rows kept in all; beyond it the least recently used tags go.</summary>
    public const int MaxListingRows = 300_000;

    private static readonly ConditionalWeakTable<HubServices, TagCache> Caches = [];

    private readonly ConcurrentDictionary<int, CachedTag> _tags = new();
    private readonly ConcurrentDictionary<string, int> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, TagChain> _chains = new();
    private long _listingRows;
    private long _clock;

    /// <summary>The cache of a hub.</summary>
    public static TagCache For(HubServices hub) => Caches.GetValue(hub, _ => new TagCache());

    /// <summary>Whether a call may use the cache: read-only calls, current data.</summary>
    public static bool Serves(CallContext ctx, int? atEvent) => atEvent is null && !ctx.WriteCall;

    /// <summary>
    /// The tag <paramref name="tagInfo"/> (id, name or struct) names, with an active configuration;
    /// null when there is none. With <paramref name="withChain"/> the tags of its last known search
    /// path are validated in the same query.
    /// </summary>
    public async Task<TagLookup?> FindAsync(CallContext ctx, object? tagInfo, bool withChain)
    {
        var (id, name) = TagQueries.NameOrId(tagInfo);
        var hinted = false;
        if (id is null && _ids.TryGetValue(name!, out var known))
        {
            id = known;
            hinted = true;
        }
        for (var attempt = 0; attempt < 3; attempt++)
        {
            if (id is null)
            {
                id = await FastQuery.FirstOrDefaultAsync(ctx, "SELECT id FROM tag WHERE name = @name", [("name", name)], r => (int?)r.Int(0)).ConfigureAwait(false);
                if (id is null)
                {
                    return null;
                }
            }
            var ids = new List<int> { id.Value };
            if (withChain && _chains.TryGetValue(id.Value, out var chain))
            {
                ids.AddRange(chain.Tags.Select(t => t.Id).Where(t => t != id.Value));
            }
            var versions = await ReadVersionsAsync(ctx, ids).ConfigureAwait(false);
            var tag = await GetAsync(ctx, id.Value, versions).ConfigureAwait(false);
            if (name is not null && (tag is null || !string.Equals(tag.Name, name, StringComparison.Ordinal)))
            {
                // The name was remembered for a tag that is gone or renamed (or was renamed
                // between the two reads): look the name up again.
                _ids.TryRemove(new KeyValuePair<string, int>(name, id.Value));
                if (!hinted && tag is null)
                {
                    return null;
                }
                hinted = false;
                id = null;
                continue;
            }
            if (tag is null)
            {
                return null;
            }
            if (name is not null)
            {
                _ids[name] = tag.Id;
            }
            return tag.Config is null ? null : new TagLookup(this, ctx, tag, versions);
        }
        return null;
    }

    /// <summary>The counters of <paramref name="ids"/> and of the names (key 0); a tag without a row is missing.</summary>
    private static async Task<Dictionary<int, long>> ReadVersionsAsync(CallContext ctx, IReadOnlyList<int> ids)
    {
        var args = new (string, object?)[ids.Count];
        var names = new string[ids.Count];
        for (var i = 0; i < ids.Count; i++)
        {
            var n = "t" + i.ToString(CultureInfo.InvariantCulture);
            args[i] = (n, ids[i]);
            names[i] = "@" + n;
        }
        var rows = await FastQuery.ListAsync(ctx, $"SELECT tag_id, version FROM tag_versions WHERE tag_id IN (0, {string.Join(", ", names)})",
            args, r => (Id: r.Int(0), Version: r.Long(1))).ConfigureAwait(false);
        var versions = new Dictionary<int, long>(rows.Count);
        foreach (var (tagId, version) in rows)
        {
            versions[tagId] = version;
        }
        return versions;
    }

    /// <summary>
    /// The cached tag if its counters still match <paramref name="versions"/>, else loaded now (and
    /// kept when the call is read-only and the tag has a counter); null when there is no such tag.
    /// </summary>
    private async Task<CachedTag?> GetAsync(CallContext ctx, int id, Dictionary<int, long> versions)
    {
        var counted = versions.TryGetValue(id, out var version) & versions.TryGetValue(0, out var names);
        if (counted && _tags.TryGetValue(id, out var cached) && cached.Version == version && cached.NamesVersion == names)
        {
            cached.LastUsed = Interlocked.Increment(ref _clock);
            return cached;
        }
        var row = await FastQuery.FirstOrDefaultAsync(ctx, """
            SELECT tag.name, tc.tag_id, tc.arches, tc.perm_id, permissions.name, tc.locked, tc.maven_support, tc.maven_include_all
            FROM tag
            LEFT JOIN tag_config tc ON tc.tag_id = tag.id AND tc.revoke_event IS NULL
            LEFT JOIN permissions ON permissions.id = tc.perm_id
            WHERE tag.id = @id
            """, [("id", id)], r => (Name: r.String(0), Config: r.IsNull(1) ? null : new TagRow
        {
            Id = id,
            Name = r.String(0),
            Arches = r.StringOrNull(2),
            Perm_Id = r.IntOrNull(3),
            Perm = r.StringOrNull(4),
            Locked = r.Bool(5),
            Maven_Support = r.Bool(6),
            Maven_Include_All = r.Bool(7),
        })).ConfigureAwait(false);
        if (row.Name is null)
        {
            return null;
        }
        var tag = new CachedTag { Id = id, Version = counted ? version : -1, NamesVersion = names, Name = row.Name, Config = row.Config, LastUsed = Interlocked.Increment(ref _clock) };
        if (counted && !ctx.WriteCall)
        {
            _tags[id] = tag;
        }
        return tag;
    }

    /// <summary>The tag's extra rows, loaded on first use.</summary>
    public async ValueTask<IReadOnlyList<TagExtraRow>> ExtraAsync(CallContext ctx, CachedTag tag) =>
        tag.Extra ??= await TagQueries.ExtraRowsAsync(ctx, tag.Id, null).ConfigureAwait(false);

    private static async ValueTask<IReadOnlyList<InheritanceLink>> ParentsAsync(CallContext ctx, CachedTag tag) =>
        tag.Parents ??= await FastQuery.ListAsync(ctx, """
            SELECT ti.tag_id, ti.parent_id, tag.name, ti.priority, ti.maxdepth, ti.intransitive, ti.noconfig, ti.pkg_filter
            FROM tag_inheritance ti JOIN tag ON tag.id = ti.parent_id
            WHERE ti.tag_id = @tagId AND ti.revoke_event IS NULL
            ORDER BY ti.priority
            """, [("tagId", tag.Id)], r => new InheritanceLink
        {
            Tag_Id = r.Int(0),
            Parent_Id = r.Int(1),
            Name = r.String(2),
            Priority = r.Int(3),
            Maxdepth = r.IntOrNull(4),
            Intransitive = r.Bool(5),
            Noconfig = r.Bool(6),
            Pkg_Filter = r.StringOrNull(7),
        }).ConfigureAwait(false);

    private static async ValueTask<IReadOnlyList<(string Name, bool Blocked)>> PackagesAsync(CallContext ctx, CachedTag tag) =>
        tag.Packages ??= await FastQuery.ListAsync(ctx, """
            SELECT pk.name, tp.blocked FROM tag_packages tp JOIN package pk ON pk.id = tp.package_id
            WHERE tp.tag_id = @tagId AND tp.revoke_event IS NULL
            """, [("tagId", tag.Id)], r => (r.String(0), r.Bool(1))).ConfigureAwait(false);

    private const string ListingSql = "SELECT " + BuildQueries.Columns + ", tl.create_event FROM tag_listing tl JOIN build b ON b.id = tl.build_id " + BuildQueries.Joins + """
         WHERE tl.tag_id = @tagId AND tl.revoke_event IS NULL AND b.state = 1
         ORDER BY tl.create_event DESC, b.id DESC
        """;

    /// <summary>The tag's listing, loaded on first use; null when it is too large to keep.</summary>
    public async ValueTask<CachedListing[]?> ListingAsync(CallContext ctx, CachedTag tag)
    {
        if (tag.Listing is { } listing)
        {
            return listing;
        }
        if (tag.ListingTooLarge)
        {
            return null;
        }
        var count = await FastQuery.FirstOrDefaultAsync(ctx, "SELECT COUNT(*) FROM tag_listing WHERE tag_id = @tagId AND revoke_event IS NULL",
            [("tagId", tag.Id)], r => r.Int(0)).ConfigureAwait(false);
        if (count > MaxListingPerTag)
        {
            tag.ListingTooLarge = true;
            return null;
        }
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        var rows = await FastQuery.ListAsync(ctx, ListingSql, [("tagId", tag.Id)],
            r => new CachedListing(BuildQueries.Map(r, names), r.Int(24))).ConfigureAwait(false);
        listing = [.. rows];
        tag.Listing = listing;
        if (Interlocked.Add(ref _listingRows, listing.Length) > MaxListingRows)
        {
            Evict();
        }
        return listing;
    }

    /// <summary>
    /// Drops the least recently used tags until the listings kept fit the budget again. The
    /// running count is only an estimate (replaced tags are not subtracted); it is recounted here.
    /// </summary>
    private void Evict()
    {
        lock (_chains)
        {
            var tags = _tags.Values.OrderBy(t => t.LastUsed).ToList();
            long total = tags.Sum(t => t.Listing?.Length ?? 0);
            foreach (var tag in tags)
            {
                if (total <= MaxListingRows * 3 / 4)
                {
                    break;
                }
                if (tag.Listing is { } listing && _tags.TryRemove(new KeyValuePair<int, CachedTag>(tag.Id, tag)))
                {
                    total -= listing.Length;
                }
            }
            Interlocked.Exchange(ref _listingRows, total);
            _chains.Clear();
        }
    }

    /// <summary>
    /// The search path of <paramref name="tag"/> with every tag on it validated: reused while the
    /// counters of all its tags are unchanged, otherwise walked again (tags not validated yet are
    /// validated one at a time as the walk reaches them).
    /// </summary>
    public async Task<TagChain> ChainAsync(CallContext ctx, CachedTag tag, Dictionary<int, long> versions)
    {
        if (_chains.TryGetValue(tag.Id, out var known) && known.Tags[0] == tag && known.NamesVersion == tag.NamesVersion && Holds(known, versions))
        {
            return known;
        }
        var tags = new Dictionary<int, CachedTag> { [tag.Id] = tag };
        async ValueTask<IReadOnlyList<InheritanceLink>> LinksAsync(int id)
        {
            if (!tags.TryGetValue(id, out var t))
            {
                if (!versions.ContainsKey(id))
                {
                    foreach (var (k, v) in await ReadVersionsAsync(ctx, [id]).ConfigureAwait(false))
                    {
                        versions[k] = v;
                    }
                }
                t = await GetAsync(ctx, id, versions).ConfigureAwait(false)
                    ?? throw new InvalidOperationException($"tag {id} vanished during an inheritance walk");
                tags[id] = t;
            }
            return await ParentsAsync(ctx, t).ConfigureAwait(false);
        }
        var walk = await Inheritance.WalkAsync(tag.Id, false, LinksAsync).ConfigureAwait(false);
        var path = Inheritance.SearchPath(tag.Id, walk);
        var members = new List<CachedTag>();
        foreach (var (id, _, _) in path)
        {
            if (!members.Exists(m => m.Id == id))
            {
                if (!tags.TryGetValue(id, out var member))
                {
                    // A parent reached only as a leaf of the walk (its own parents never asked for).
                    await LinksAsync(id).ConfigureAwait(false);
                    member = tags[id];
                }
                members.Add(member);
            }
        }
        var packages = new Dictionary<string, bool>(StringComparer.Ordinal);
        var own = new Dictionary<int, IReadOnlyList<(string Name, bool Blocked)>>();
        foreach (var member in members)
        {
            own[member.Id] = await PackagesAsync(ctx, member).ConfigureAwait(false);
        }
        foreach (var (tagId, filter, _) in path)
        {
            foreach (var (name, blocked) in own[tagId])
            {
                if (!packages.ContainsKey(name) && Inheritance.FilterMatches(filter, name))
                {
                    packages[name] = blocked;
                }
            }
        }
        var chain = new TagChain
        {
            Path = path,
            Tags = members,
            Packages = packages,
            Versions = [.. members.Select(m => m.Version)],
            NamesVersion = tag.NamesVersion,
        };
        if (!ctx.WriteCall && members.TrueForAll(m => _tags.TryGetValue(m.Id, out var c) && ReferenceEquals(c, m)))
        {
            _chains[tag.Id] = chain;
        }
        return chain;
    }

    private bool Holds(TagChain chain, Dictionary<int, long> versions)
    {
        for (var i = 0; i < chain.Tags.Count; i++)
        {
            var t = chain.Tags[i];
            if (!versions.TryGetValue(t.Id, out var v) || v != chain.Versions[i] || !_tags.TryGetValue(t.Id, out var c) || !ReferenceEquals(c, t))
            {
                return false;
            }
            t.LastUsed = Interlocked.Increment(ref _clock);
        }
        return true;
    }
}
