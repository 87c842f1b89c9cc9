using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using Dapper;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Rpms;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Tagging;

/// <summary>listTagged, getLatestBuilds, listTaggedRPMS, getLatestRPMS, tagBuildBypass, untagBuildBypass.</summary>
internal static class TaggedApi
{
    [KojiMethod("listTagged", ReadOnly = true)]
    internal static async Task<object?> ListTagged(CallContext ctx, object? tag, [Optional, DefaultParameterValue(null)] object? @event, [Optional, DefaultParameterValue(false)] bool inherit, [Optional, DefaultParameterValue(null)] string? prefix,
        [Optional, DefaultParameterValue(false)] object? latest, [Optional, DefaultParameterValue(null)] string? package, [Optional, DefaultParameterValue(null)] string? owner, [Optional, DefaultParameterValue(null)] string? type, [Optional, DefaultParameterValue(true)] bool strict, [Optional, DefaultParameterValue(false)] bool extra,
        [Optional, DefaultParameterValue(null)] object? draft)
    {
        var ev = TagQueries.EventArg(@event);
        var options = new TaggedBuilds.Options(ev, inherit, latest, package, owner, type, DraftArg(draft));
        IReadOnlyList<(TaggedBuildRow Build, string TagName)> rows;
        if (TagCache.Serves(ctx, ev))
        {
            var lookup = await TagCache.For(ctx.Hub).FindAsync(ctx, tag, withChain: true).ConfigureAwait(false);
            if (lookup is null)
            {
                return strict ? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tag)}") : new List<object?>();
            }
            rows = await TaggedBuilds.ReadAsync(ctx, lookup, options).ConfigureAwait(false);
        }
        else
        {
            var t = await TagQueries.FindAsync(ctx, tag, ev).ConfigureAwait(false);
            if (t is null)
            {
                return strict ? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tag)}") : new List<object?>();
            }
            rows = await TaggedBuilds.ReadAsync(ctx, t, options).ConfigureAwait(false);
        }
        var result = new List<object?>(prefix is null ? rows.Count : 0);
        foreach (var (build, tagName) in rows)
        {
            if (prefix is null || build.Build.Package_Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                result.Add(TaggedBuilds.ToStruct(build, tagName, extra, type));
            }
        }
        return result;
    }

    private static bool? DraftArg(object? draft) => draft is null ? null : ArgumentBinder.Truthy(draft);

    /// <summary>The tag through the cache (with its search path validated); GenericError <c>No such tagInfo</c> when missing.</summary>
    private static async Task<TagLookup> FindCachedAsync(CallContext ctx, object? tag) =>
        await TagCache.For(ctx.Hub).FindAsync(ctx, tag, withChain: true).ConfigureAwait(false)
        ?? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tag)}");

    [KojiMethod("getLatestBuilds", ReadOnly = true)]
    internal static async Task<object?> GetLatestBuilds(CallContext ctx, object? tag, object? @event = null, string? package = null,
        string? type = null, bool? draft = null)
    {
        var ev = TagQueries.EventArg(@event);
        var options = new TaggedBuilds.Options(ev, true, true, package, null, type, draft);
        var rows = TagCache.Serves(ctx, ev)
            ? await TaggedBuilds.ReadAsync(ctx, await FindCachedAsync(ctx, tag).ConfigureAwait(false), options).ConfigureAwait(false)
            : await TaggedBuilds.ReadAsync(ctx, await TagQueries.GetAsync(ctx, tag, ev).ConfigureAwait(false), options).ConfigureAwait(false);
        var result = new List<object?>(rows.Count);
        foreach (var (build, tagName) in rows)
        {
            result.Add(TaggedBuilds.ToStruct(build, tagName, false, type));
        }
        return result;
    }

    [KojiMethod("listTaggedRPMS", ReadOnly = true)]
    internal static async Task<object?> ListTaggedRpms(CallContext ctx, object? tag, [Optional, DefaultParameterValue(null)] object? @event, [Optional, DefaultParameterValue(false)] bool inherit, [Optional, DefaultParameterValue(false)] object? latest,
        [Optional, DefaultParameterValue(null)] string? package, [Optional, DefaultParameterValue(null)] object? arch, [Optional, DefaultParameterValue(false)] bool rpmsigs, [Optional, DefaultParameterValue(null)] string? owner, [Optional, DefaultParameterValue(null)] string? type, [Optional, DefaultParameterValue(true)] bool strict,
        [Optional, DefaultParameterValue(true)] bool extra, [Optional, DefaultParameterValue(null)] object? draft)
    {
        var ev = TagQueries.EventArg(@event);
        var options = new TaggedBuilds.Options(ev, inherit, latest, package, owner, type, DraftArg(draft));
        if (TagCache.Serves(ctx, ev))
        {
            var lookup = await TagCache.For(ctx.Hub).FindAsync(ctx, tag, withChain: true).ConfigureAwait(false);
            return lookup is null
                ? strict ? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tag)}") : new List<object?> { new List<object?>(), new List<object?>() }
                : await RpmsOfAsync(ctx, await TaggedBuilds.ReadAsync(ctx, lookup, options).ConfigureAwait(false), options, arch, rpmsigs, extra).ConfigureAwait(false);
        }
        var t = await TagQueries.FindAsync(ctx, tag, ev).ConfigureAwait(false);
        if (t is null)
        {
            return strict ? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tag)}") : new List<object?> { new List<object?>(), new List<object?>() };
        }
        return await RpmsOfAsync(ctx, await TaggedBuilds.ReadAsync(ctx, t, options).ConfigureAwait(false), options, arch, rpmsigs, extra).ConfigureAwait(false);
    }

    [KojiMethod("getLatestRPMS", ReadOnly = true)]
    internal static async Task<object?> GetLatestRpms(CallContext ctx, object? tag, string? package = null, object? arch = null, object? @event = null,
        bool rpmsigs = false, string? type = null, bool? draft = null)
    {
        var ev = TagQueries.EventArg(@event);
        var options = new TaggedBuilds.Options(ev, true, true, package, null, type, draft);
        var builds = TagCache.Serves(ctx, ev)
            ? await TaggedBuilds.ReadAsync(ctx, await FindCachedAsync(ctx, tag).ConfigureAwait(false), options).ConfigureAwait(false)
            : await TaggedBuilds.ReadAsync(ctx, await TagQueries.GetAsync(ctx, tag, ev).ConfigureAwait(false), options).ConfigureAwait(false);
        return await RpmsOfAsync(ctx, builds, options, arch, rpmsigs, extra: true).ConfigureAwait(false);
    }

    private static async Task<List<object?>> RpmsOfAsync(CallContext ctx, IReadOnlyList<(TaggedBuildRow Build, string TagName)> builds, TaggedBuilds.Options o, object? arch, bool rpmsigs, bool extra)
    {
        var arches = arch switch
        {
            null => null,
            string a => [a],
            IReadOnlyList<object?> l => l.Select(x => x as string ?? throw KojiErrors.Parameter($"Invalid arch: {UserQueries.Repr(x)}")).ToList(),
            _ => throw KojiErrors.Parameter($"Invalid arch: {UserQueries.Repr(arch)}"),
        };
        var rpms = new List<object?>();
        var ids = builds.Select(b => b.Build.Build.Id).Distinct().ToList();
        var byBuild = new Dictionary<int, List<RpmRow>>();
        for (var start = 0; start < ids.Count; start += 500)
        {
            var chunk = ids.Skip(start).Take(500).ToList();
            var p = new DynamicParameters();
            var names = new List<string>();
            for (var i = 0; i < chunk.Count; i++)
            {
                var n = "b" + i.ToString(CultureInfo.InvariantCulture);
                names.Add("@" + n);
                p.Add(n, chunk[i]);
            }
            var archSql = "";
            if (arches is not null)
            {
                archSql = " AND r.arch IN (" + string.Join(", ", arches.Select((_, i) => "@a" + i.ToString(CultureInfo.InvariantCulture))) + ")";
                for (var i = 0; i < arches.Count; i++)
                {
                    p.Add("a" + i.ToString(CultureInfo.InvariantCulture), arches[i]);
                }
                if (arches.Count == 0)
                {
                    archSql = " AND 1 = 0";
                }
            }
            var rows = await ctx.QueryAsync<RpmRow>($"""
                SELECT q.*{(rpmsigs ? ", s.sigkey AS Sigkey" : "")}
                FROM ({RpmQueries.SelectFrom} WHERE r.build_id IN ({string.Join(", ", names)}){archSql}) q
                {(rpmsigs ? "LEFT JOIN rpmsigs s ON s.rpm_id = q.Id" : "")}
                ORDER BY q.Id{(rpmsigs ? ", s.sigkey" : "")}
                """, p).ConfigureAwait(false);
            foreach (var r in rows)
            {
                // Tagged builds are internal, so their rpms always have a build.
                var buildId = r.Build_Id!.Value;
                if (!byBuild.TryGetValue(buildId, out var list))
                {
                    byBuild[buildId] = list = [];
                }
                list.Add(r);
            }
        }
        foreach (var (b, _) in builds)
        {
            foreach (var r in byBuild.GetValueOrDefault(b.Build.Id) ?? [])
            {
                var d = new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["arch"] = r.Arch,
                    ["build_id"] = r.Build_Id,
                    ["buildroot_id"] = r.Buildroot_Id,
                    ["buildtime"] = r.Buildtime,
                    ["draft"] = r.Draft,
                    ["epoch"] = r.Epoch,
                    ["id"] = r.Id,
                    ["metadata_only"] = r.Metadata_Only,
                    ["name"] = r.Name,
                    ["payloadhash"] = r.Payloadhash,
                    ["release"] = r.Release,
                    ["size"] = r.Size,
                    ["version"] = r.Version,
                };
                if (extra)
                {
                    d["extra"] = BuildQueries.DecodeExtra(r.Extra);
                }
                if (rpmsigs)
                {
                    d["sigkey"] = r.Sigkey;
                }
                rpms.Add(d);
            }
        }
        var buildStructs = builds.Select(b => (object?)TaggedBuilds.ToStruct(b.Build, b.TagName, false, o.Type)).ToList();
        return [rpms, buildStructs];
    }

    private static async Task AssertTagAccessAsync(CallContext ctx, TagRow tag)
    {
        await ctx.AssertPermAsync("tag").ConfigureAwait(false);
        if (await ctx.IsAdminAsync().ConfigureAwait(false))
        {
            return;
        }
        if (tag.Locked)
        {
            throw KojiErrors.NotAllowed($"tag {tag.Name} is locked");
        }
        if (tag.Perm is { } perm && !await ctx.HasPermAsync(perm).ConfigureAwait(false))
        {
            throw KojiErrors.NotAllowed($"{perm} permission required");
        }
    }

    [KojiMethod("tagBuildBypass")]
    internal static async Task<object?> TagBuildBypass(CallContext ctx, object? tag, object? build, bool force = false, bool notify = false)
    {
        ctx.AssertLogin();
        var (t, b) = await GetTagAndBuildAsync(ctx, tag, build).ConfigureAwait(false);
        await AssertTagAccessAsync(ctx, t).ConfigureAwait(false);
        await ctx.Hub.Policies.AssertTagPolicyAsync(ctx, "tag", t.Id, null, b.Id, force).ConfigureAwait(false);
        _ = notify;
        await DirectTagAsync(ctx, t, b, force, last: true).ConfigureAwait(false);
        return null;
    }

    // The statements of GetTagAndBuildAsync, by [tag by id][build by id].
    private static readonly string[,] TagAndBuildSql = new string[2, 2];

    /// <summary>
    /// A tagging call's tag (current config) and build, read in one statement. A missing tag is
    /// reported before a missing build, and a build argument that does not parse still gets its
    /// error only after the tag was found, as with two separate lookups.
    /// </summary>
    internal static async Task<(TagRow Tag, BuildRef Build)> GetTagAndBuildAsync(CallContext ctx, object? tag, object? build)
    {
        var (tagId, tagName) = TagQueries.NameOrId(tag);
        BuildInfo info;
        try
        {
            info = BuildQueries.ParseInfo(build);
        }
        catch (KojiNet.XmlRpc.XmlRpcFaultException)
        {
            await TagQueries.GetAsync(ctx, tag).ConfigureAwait(false);
            throw;
        }
        int byTagId = tagId is null ? 0 : 1, byBuildId = info.Id is null ? 0 : 1;
        var sql = TagAndBuildSql[byTagId, byBuildId] ??= $"""
            SELECT t.id, t.name, t.arches, t.perm_id, t.perm, t.locked, t.maven_support, t.maven_include_all,
                   b.id, b.state, b.name, b.version, b.release
            FROM (SELECT 1 AS one) o
            LEFT JOIN ({TagQueries.CurrentSelect(tagId)}) t ON 1 = 1
            LEFT JOIN ({BuildQueries.RefSelect(info)}) b ON 1 = 1
            """;
        var row = await Common.FastQuery.FirstOrDefaultAsync(ctx, sql,
            [("tagId", tagId), ("tagName", tagName), ("buildId", info.Id), ("name", info.Nvr.Name), ("version", info.Nvr.Version), ("release", info.Nvr.Release)],
            r => (Tag: r.IsNull(0) ? null : TagQueries.MapTag(r, 0),
                  Build: r.IsNull(8) ? null : new BuildRef(r.Int(8), r.Int(9), $"{r.String(10)}-{r.String(11)}-{r.String(12)}"))).ConfigureAwait(false);
        var t = row.Tag ?? throw KojiErrors.Generic($"No such tagInfo: {UserQueries.Repr(tag)}");
        var b = row.Build ?? throw KojiErrors.Generic($"No such build: {BuildQueries.Str(build)}");
        return (t, b);
    }

    /// <summary>
    /// Koji's <c>_direct_tag_build</c>: tags a COMPLETE build (TagError otherwise); an already tagged
    /// build is TagError unless <paramref name="force"/>, which re-tags it. Recorded as
    /// <paramref name="userId"/> (the caller when null); no access or policy check. With
    /// <paramref name="last"/> the caller does nothing more in the database after it.
    /// </summary>
    internal static async Task DirectTagAsync(CallContext ctx, TagRow t, BuildRef b, bool force, int? userId = null, bool last = false)
    {
        if (b.State != BuildStates.Complete)
        {
            throw KojiErrors.Tag($"build {b.Nvr} not complete: state {BuildStates.Name(b.State)}");
        }
        var row = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["build_id"] = b.Id,
            ["tag_id"] = t.Id,
        };
        if (!force)
        {
            // One statement: the current-listing unique index turns "already tagged" into an error.
            try
            {
                await Common.Versioning.InsertAsync(ctx, "tag_listing", row, userId, last: last).ConfigureAwait(false);
                return;
            }
            catch (DbException e) when (Data.DbErrors.IsUniqueViolation(e, "tag_listing", "tag_listing_current"))
            {
                throw KojiErrors.Tag($"build {b.Nvr} already tagged ({t.Name})");
            }
        }
        if (await Common.Versioning.InsertAsync(ctx, "tag_listing", row, userId, onConflict: "(build_id, tag_id) WHERE revoke_event IS NULL").ConfigureAwait(false) > 0)
        {
            return;
        }
        await Common.Versioning.RevokeAsync(ctx, "tag_listing", "tag_id = @tagId AND build_id = @buildId", new { tagId = t.Id, buildId = b.Id }, userId).ConfigureAwait(false);
        await Common.Versioning.InsertAsync(ctx, "tag_listing", row, userId).ConfigureAwait(false);
    }

    [KojiMethod("untagBuildBypass")]
    internal static async Task<object?> UntagBuildBypass(CallContext ctx, object? tag, object? build, bool strict = true, bool force = false, bool notify = false)
    {
        ctx.AssertLogin();
        var t = await TagQueries.GetAsync(ctx, tag).ConfigureAwait(false);
        var b = await BuildQueries.GetAsync(ctx, build).ConfigureAwait(false);
        await AssertTagAccessAsync(ctx, t).ConfigureAwait(false);
        await ctx.Hub.Policies.AssertTagPolicyAsync(ctx, "untag", null, t.Id, b.Id, force).ConfigureAwait(false);
        _ = notify;
        await DirectUntagAsync(ctx, t, b, strict).ConfigureAwait(false);
        return null;
    }

    /// <summary>
    /// Koji's <c>_direct_untag_build</c>: revokes the build's listing in the tag, as
    /// <paramref name="userId"/> (the caller when null); TagError when it was not tagged and
    /// <paramref name="strict"/>. No access or policy check.
    /// </summary>
    internal static async Task DirectUntagAsync(CallContext ctx, TagRow t, BuildRow b, bool strict, int? userId = null)
    {
        var n = await Common.Versioning.RevokeAsync(ctx, "tag_listing", "tag_id = @tagId AND build_id = @buildId", new { tagId = t.Id, buildId = b.Id }, userId).ConfigureAwait(false);
        if (n == 0 && strict)
        {
            throw KojiErrors.Tag($"build {b.Nvr} not in tag {t.Name}");
        }
    }
}
