using KojiNet.Hub.Api.Common;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.Packages;

/// <summary>Packages and tag package lists (api-core.md §2).</summary>
internal static class PackageApi
{
    /// <summary>Not read-only: <c>create=True</c> registers the package name (without a permission check, as upstream).</summary>
    [KojiMethod("getPackage")]
    public static async Task<Dictionary<string, object?>?> GetPackage(CallContext ctx, object? info, bool strict = false, bool create = false)
    {
        if (create && info is string name)
        {
            NameValidation.InternalName(ctx, name);
        }
        var row = await Lookup.NameAsync(ctx, "package", info, strict, create).ConfigureAwait(false);
        return row is null ? null : new Dictionary<string, object?>(StringComparer.Ordinal) { ["id"] = row.Id, ["name"] = row.Name };
    }

    [KojiMethod("getPackageID", ReadOnly = true)]
    public static async Task<int?> GetPackageId(CallContext ctx, object? name, bool strict = false)
    {
        var row = await Lookup.NameAsync(ctx, "package", name).ConfigureAwait(false);
        return row?.Id ?? (strict ? throw KojiErrors.Generic($"No such package name: {Lookup.Str(name)}") : null);
    }

    [KojiMethod("listPackagesSimple", ReadOnly = true)]
    public static async Task<object> ListPackagesSimple(CallContext ctx, string? prefix = null, IReadOnlyDictionary<string, object?>? queryOpts = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        return opts.ApplyInMemory(await AllPackagesAsync(ctx, prefix).ConfigureAwait(false));
    }

    private static async Task<List<IReadOnlyDictionary<string, object?>>> AllPackagesAsync(CallContext ctx, string? prefix)
    {
        var rows = await ctx.QueryAsync<NameRow>("SELECT id, name FROM package ORDER BY id").ConfigureAwait(false);
        return rows.Where(r => MatchesPrefix(r.Name, prefix))
            .Select(r => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>(StringComparer.Ordinal) { ["package_id"] = r.Id, ["package_name"] = r.Name })
            .ToList();
    }

    private static bool MatchesPrefix(string name, string? prefix) =>
        prefix is null || name.ToLowerInvariant().StartsWith(prefix.ToLowerInvariant(), StringComparison.Ordinal);

    [KojiMethod("listPackages", ReadOnly = true)]
    public static async Task<object> ListPackages(CallContext ctx, object? tagID = null, object? userID = null, object? pkgID = null, string? prefix = null,
        bool inherited = false, bool with_dups = false, int? @event = null, IReadOnlyDictionary<string, object?>? queryOpts = null,
        bool with_owners = true, bool with_blocked = true)
    {
        var opts = QueryOptions.Parse(queryOpts);
        if (tagID is null && userID is null && pkgID is null)
        {
            return opts.ApplyInMemory(await AllPackagesAsync(ctx, prefix).ConfigureAwait(false));
        }
        int? tagId = tagID is null ? null : (await Lookup.NameAsync(ctx, "tag", tagID, strict: true).ConfigureAwait(false))!.Id;
        int? userId = userID is null ? null : (await Lookup.UserAsync(ctx, userID).ConfigureAwait(false)).Id;
        int? pkgId = pkgID is null ? null : (await Lookup.NameAsync(ctx, "package", pkgID, strict: true).ConfigureAwait(false))!.Id;
        var lists = await PackageLists.ReadAsync(ctx, tagId, with_owners ? userId : null, pkgId, @event, inherited && tagId is not null, with_dups).ConfigureAwait(false);
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        foreach (var entries in lists.Values)
        {
            if (!with_blocked && entries[0].Blocked)
            {
                continue;
            }
            foreach (var e in with_dups ? entries : entries.Take(1))
            {
                if (MatchesPrefix(e.Package_Name, prefix))
                {
                    rows.Add(e.ToStruct(with_owners));
                }
            }
        }
        return opts.ApplyInMemory(rows);
    }

    [KojiMethod("checkTagPackage", ReadOnly = true)]
    public static async Task<bool> CheckTagPackage(CallContext ctx, object? tag, object? pkg)
    {
        var tagRow = await Lookup.NameAsync(ctx, "tag", tag).ConfigureAwait(false);
        var pkgRow = await Lookup.NameAsync(ctx, "package", pkg).ConfigureAwait(false);
        if (tagRow is null || pkgRow is null)
        {
            return false;
        }
        var entry = await PackageLists.WinnerAsync(ctx, tagRow.Id, pkgRow.Id).ConfigureAwait(false);
        return entry is { Blocked: false };
    }

    [KojiMethod("getPackageConfig", ReadOnly = true)]
    public static async Task<Dictionary<string, object?>?> GetPackageConfig(CallContext ctx, object? tag, object? pkg, int? @event = null)
    {
        var tagRow = (await Lookup.NameAsync(ctx, "tag", tag, strict: true).ConfigureAwait(false))!;
        var pkgRow = (await Lookup.NameAsync(ctx, "package", pkg, strict: true).ConfigureAwait(false))!;
        return (await PackageLists.WinnerAsync(ctx, tagRow.Id, pkgRow.Id, @event).ConfigureAwait(false))?.ToStruct(true);
    }

    /// <summary>
    /// Enforces the <c>package_list</c> policy (policy.md §5): data <c>tag</c> (id), <c>action</c>
    /// (<c>add</c>, <c>update</c>, <c>block</c>, <c>remove</c>, <c>unblock</c>), <c>package</c> (as
    /// the caller named it for add/update/block, the id for remove/unblock) and <c>force</c>, which
    /// lets an admin past a denial.
    /// </summary>
    private static Task AssertPackageListPolicyAsync(CallContext ctx, int tagId, string action, object? package, bool force)
    {
        ctx.AssertLogin();
        return ctx.Hub.Policies.AssertAsync(ctx, "package_list", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["tag"] = tagId,
            ["action"] = action,
            ["package"] = package,
            ["force"] = force,
        }, force: force);
    }

    [KojiMethod("packageListAdd")]
    public static async Task<object?> PackageListAdd(CallContext ctx, object? taginfo, object? pkginfo, object? owner = null, object? block = null,
        object? extra_arches = null, bool force = false, bool update = false)
    {
        await AddAsync(ctx, taginfo, pkginfo, owner, block, extra_arches, force, update).ConfigureAwait(false);
        return null;
    }

    /// <summary>Adds or updates a package list entry (upstream's <c>pkglist_add</c>), after the <c>package_list</c> policy.</summary>
    private static async Task AddAsync(CallContext ctx, object? taginfo, object? pkginfo, object? owner, object? block, object? extraArches, bool force, bool update)
    {
        ctx.AssertLogin();
        var tag = await TagQueries.GetAsync(ctx, taginfo).ConfigureAwait(false);
        var pkg = await Lookup.NameAsync(ctx, "package", pkginfo).ConfigureAwait(false);
        if (pkg is null && pkginfo is not string)
        {
            throw KojiErrors.Generic($"No such package: {Lookup.Str(pkginfo)}");
        }
        int? ownerId = owner is null ? null : (await Lookup.UserAsync(ctx, owner).ConfigureAwait(false)).Id;
        var action = update ? "update" : ArgumentBinder.Truthy(block) ? "block" : "add";
        await AssertPackageListPolicyAsync(ctx, tag.Id, action, pkginfo, force).ConfigureAwait(false);
        var previous = pkg is null ? null : await PackageLists.WinnerAsync(ctx, tag.Id, pkg.Id).ConfigureAwait(false);
        bool blocked;
        var changedOwner = false;
        var changed = false;
        string? arches;
        if (previous is null)
        {
            blocked = ArgumentBinder.Truthy(block);
            if (update && !force)
            {
                throw KojiErrors.Generic($"cannot update: tag {tag.Name} has no data for package {pkg?.Name ?? Lookup.Str(pkginfo)}");
            }
            arches = Lookup.Arches(extraArches);
        }
        else
        {
            ownerId ??= previous.Owner_Id;
            changedOwner = previous.Owner_Id != ownerId;
            blocked = block is null ? previous.Blocked : ArgumentBinder.Truthy(block);
            arches = extraArches is null ? previous.Extra_Arches : Lookup.Arches(extraArches);
            changed = blocked != previous.Blocked || !string.Equals(arches, previous.Extra_Arches, StringComparison.Ordinal);
            if (!changed && !changedOwner && !force)
            {
                return;
            }
            if (previous.Blocked && !blocked && !force)
            {
                throw KojiErrors.Generic($"package {pkg!.Name} is blocked in tag {tag.Name}");
            }
        }
        if (ownerId is null)
        {
            ownerId = force ? ctx.AssertLogin().UserId : throw KojiErrors.Generic("owner not specified");
        }
        if (pkg is null)
        {
            NameValidation.InternalName(ctx, (string)pkginfo!);
            pkg = await Lookup.NameAsync(ctx, "package", pkginfo, create: true).ConfigureAwait(false);
        }
        var p = new { tagId = tag.Id, pkgId = pkg!.Id };
        // A change to an inherited entry becomes an entry of this tag (list row and owner together).
        var own = previous is not null && previous.Tag_Id == tag.Id;
        if (!own || changed || force)
        {
            await Versioning.RevokeAsync(ctx, "tag_packages", "tag_id = @tagId AND package_id = @pkgId", p).ConfigureAwait(false);
            await Versioning.InsertAsync(ctx, "tag_packages", new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["package_id"] = pkg.Id,
                ["tag_id"] = tag.Id,
                ["blocked"] = blocked,
                ["extra_arches"] = arches,
            }).ConfigureAwait(false);
        }
        if (!own || changedOwner || force)
        {
            await SetOwnerAsync(ctx, tag.Id, pkg.Id, ownerId.Value).ConfigureAwait(false);
        }
    }

    private static async Task SetOwnerAsync(CallContext ctx, int tagId, int pkgId, int ownerId)
    {
        await Versioning.RevokeAsync(ctx, "tag_package_owners", "tag_id = @tagId AND package_id = @pkgId", new { tagId, pkgId }).ConfigureAwait(false);
        await Versioning.InsertAsync(ctx, "tag_package_owners", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["package_id"] = pkgId,
            ["tag_id"] = tagId,
            ["owner"] = ownerId,
        }).ConfigureAwait(false);
    }

    [KojiMethod("packageListRemove")]
    public static async Task<object?> PackageListRemove(CallContext ctx, object? taginfo, object? pkginfo, bool force = false)
    {
        var tag = await TagQueries.GetAsync(ctx, taginfo).ConfigureAwait(false);
        var pkg = (await Lookup.NameAsync(ctx, "package", pkginfo, strict: true).ConfigureAwait(false))!;
        await AssertPackageListPolicyAsync(ctx, tag.Id, "remove", pkg.Id, force).ConfigureAwait(false);
        var p = new { tagId = tag.Id, pkgId = pkg.Id };
        await Versioning.RevokeAsync(ctx, "tag_packages", "tag_id = @tagId AND package_id = @pkgId", p).ConfigureAwait(false);
        await Versioning.RevokeAsync(ctx, "tag_package_owners", "tag_id = @tagId AND package_id = @pkgId", p).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("packageListBlock")]
    public static async Task<object?> PackageListBlock(CallContext ctx, object? taginfo, object? pkginfo, bool force = false)
    {
        var tag = await TagQueries.GetAsync(ctx, taginfo).ConfigureAwait(false);
        var pkg = (await Lookup.NameAsync(ctx, "package", pkginfo, strict: true).ConfigureAwait(false))!;
        if (await PackageLists.WinnerAsync(ctx, tag.Id, pkg.Id).ConfigureAwait(false) is null)
        {
            throw KojiErrors.Generic($"Package {pkg.Name} is not in tag listing for {tag.Name}");
        }
        await AddAsync(ctx, taginfo, pkginfo, null, true, null, force, false).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("packageListUnblock")]
    public static async Task<object?> PackageListUnblock(CallContext ctx, object? taginfo, object? pkginfo, bool force = false)
    {
        var tag = await TagQueries.GetAsync(ctx, taginfo).ConfigureAwait(false);
        var pkg = (await Lookup.NameAsync(ctx, "package", pkginfo, strict: true).ConfigureAwait(false))!;
        await AssertPackageListPolicyAsync(ctx, tag.Id, "unblock", pkg.Id, force).ConfigureAwait(false);
        var previous = await PackageLists.WinnerAsync(ctx, tag.Id, pkg.Id).ConfigureAwait(false)
            ?? throw KojiErrors.Generic($"no data (blocked or otherwise) for package {pkg.Name} in tag {tag.Name}");
        if (!previous.Blocked)
        {
            throw KojiErrors.Generic($"package {pkg.Name} NOT blocked in tag {tag.Name}");
        }
        var p = new { tagId = tag.Id, pkgId = pkg.Id };
        if (previous.Tag_Id != tag.Id)
        {
            await InsertEntryAsync(ctx, tag.Id, pkg.Id, previous).ConfigureAwait(false);
            return null;
        }
        await Versioning.RevokeAsync(ctx, "tag_packages", "tag_id = @tagId AND package_id = @pkgId", p).ConfigureAwait(false);
        await Versioning.RevokeAsync(ctx, "tag_package_owners", "tag_id = @tagId AND package_id = @pkgId", p).ConfigureAwait(false);
        if (await PackageLists.WinnerAsync(ctx, tag.Id, pkg.Id).ConfigureAwait(false) is null or { Blocked: true })
        {
            await InsertEntryAsync(ctx, tag.Id, pkg.Id, previous).ConfigureAwait(false);
        }
        return null;
    }

    private static async Task InsertEntryAsync(CallContext ctx, int tagId, int pkgId, PackageListRow previous)
    {
        await Versioning.InsertAsync(ctx, "tag_packages", new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["package_id"] = pkgId,
            ["tag_id"] = tagId,
            ["blocked"] = false,
            ["extra_arches"] = previous.Extra_Arches,
        }).ConfigureAwait(false);
        if (previous.Owner_Id is { } owner)
        {
            await SetOwnerAsync(ctx, tagId, pkgId, owner).ConfigureAwait(false);
        }
    }

    [KojiMethod("packageListSetOwner")]
    public static async Task<object?> PackageListSetOwner(CallContext ctx, object? taginfo, object? pkginfo, object? owner, bool force = false)
    {
        await AddAsync(ctx, taginfo, pkginfo, owner, null, null, force, true).ConfigureAwait(false);
        return null;
    }

    [KojiMethod("packageListSetArches")]
    public static async Task<object?> PackageListSetArches(CallContext ctx, object? taginfo, object? pkginfo, object? arches, bool force = false)
    {
        await AddAsync(ctx, taginfo, pkginfo, null, null, arches, force, true).ConfigureAwait(false);
        return null;
    }
}
