using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.Packages;

/// <summary>A package list entry of one tag, with its owner at the same event.</summary>
internal sealed class PackageListRow
{
    public int Package_Id { get; init; }

    public string Package_Name { get; init; } = "";

    public int Tag_Id { get; init; }

    public string Tag_Name { get; init; } = "";

    public bool Blocked { get; init; }

    public string? Extra_Arches { get; init; }

    public int? Owner_Id { get; init; }

    public string? Owner_Name { get; init; }

    public Dictionary<string, object?> ToStruct(bool withOwners)
    {
        var s = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["package_id"] = Package_Id,
            ["package_name"] = Package_Name,
            ["tag_id"] = Tag_Id,
            ["tag_name"] = Tag_Name,
            ["extra_arches"] = Extra_Arches,
            ["blocked"] = Blocked,
        };
        if (withOwners)
        {
            s["owner_id"] = Owner_Id;
            s["owner_name"] = Owner_Name;
        }
        return s;
    }
}

/// <summary>
/// Koji's <c>readPackageList</c> (model.md §4): a tag's own entries, then those of its ancestors
/// in inheritance order, each ancestor's entries passing the <c>pkg_filter</c> patterns of its
/// path; the first entry of a package wins, blocked ones included.
/// </summary>
internal static class PackageLists
{
    /// <summary>
    /// Entries keyed by package id, in the order found; each list holds the winner first and,
    /// with <paramref name="withDups"/>, every later inherited entry.
    /// </summary>
    public static async Task<Dictionary<int, List<PackageListRow>>> ReadAsync(
        CallContext ctx, int? tagId, int? userId = null, int? pkgId = null, int? atEvent = null, bool inherit = false, bool withDups = false)
    {
        var result = new Dictionary<int, List<PackageListRow>>();
        var order = new List<int>();
        var path = tagId is { } t && inherit
            ? await Inheritance.SearchPathAsync(ctx, t, atEvent).ConfigureAwait(false)
            : [(tagId ?? 0, (IReadOnlyList<string>)[], false)];
        foreach (var (id, filter, _) in path)
        {
            foreach (var row in await OwnEntriesAsync(ctx, tagId is null ? null : id, userId, pkgId, atEvent).ConfigureAwait(false))
            {
                if (!Inheritance.FilterMatches(filter, row.Package_Name))
                {
                    continue;
                }
                if (result.TryGetValue(row.Package_Id, out var list))
                {
                    if (withDups)
                    {
                        list.Add(row);
                    }
                    continue;
                }
                result[row.Package_Id] = [row];
            }
        }
        return result;
    }

    /// <summary>The entries stored on one tag (all tags when <paramref name="tagId"/> is null).</summary>
    public static async Task<IReadOnlyList<PackageListRow>> OwnEntriesAsync(CallContext ctx, int? tagId, int? userId, int? pkgId, int? atEvent)
    {
        var where = Versioning.Active("tp", atEvent);
        if (tagId is not null)
        {
            where += " AND tp.tag_id = @tagId";
        }
        if (pkgId is not null)
        {
            where += " AND tp.package_id = @pkgId";
        }
        if (userId is not null)
        {
            where += " AND tpo.owner = @userId";
        }
        return (await ctx.QueryAsync<PackageListRow>($"""
            SELECT tp.package_id, package.name AS package_name, tp.tag_id, tag.name AS tag_name, tp.blocked, tp.extra_arches,
                   tpo.owner AS owner_id, users.name AS owner_name
            FROM tag_packages tp
            JOIN package ON package.id = tp.package_id
            JOIN tag ON tag.id = tp.tag_id
            LEFT JOIN tag_package_owners tpo ON tpo.tag_id = tp.tag_id AND tpo.package_id = tp.package_id AND {Versioning.Active("tpo", atEvent)}
            LEFT JOIN users ON users.id = tpo.owner
            WHERE {where}
            ORDER BY tp.tag_id, tp.package_id
            """, new { tagId, userId, pkgId, @event = atEvent }).ConfigureAwait(false)).ToList();
    }

    /// <summary>The winning (inherited) entry of one package in a tag, or null.</summary>
    public static async Task<PackageListRow?> WinnerAsync(CallContext ctx, int tagId, int pkgId, int? atEvent = null) =>
        (await ReadAsync(ctx, tagId, pkgId: pkgId, atEvent: atEvent, inherit: true).ConfigureAwait(false)).GetValueOrDefault(pkgId)?[0];
}
