using KojiNet.Hub.Api;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Targets;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Policies;

/// <summary>
/// One evaluation of a policy: the data it is about, the policies (for <c>policy NAME</c>), and
/// the call whose database and logged-in user the hub tests consult. Lookups that several tests
/// of one evaluation share (the policy user, the build) are made once.
/// </summary>
internal sealed class PolicyContext(IDictionary<string, object?> data, PolicySet policies, CallContext? call)
{
    private (bool Done, UserRow? User) _user;
    private (object? Key, BuildRow? Build)? _build;

    /// <summary>The policy data; tests may add helper keys (<c>_tagname</c>...), as upstream's do.</summary>
    public IDictionary<string, object?> Data { get; } = data;

    /// <summary>The compiled policies.</summary>
    public PolicySet Policies { get; } = policies;

    /// <summary>The call the policy is evaluated for; null only for evaluations without a hub (unit tests of pure rules).</summary>
    public CallContext? Call { get; } = call;

    /// <summary>The <c>policy NAME</c> test instances being evaluated, for loop detection.</summary>
    internal HashSet<PolicyTest> Running { get; } = [];

    /// <summary>The call, for tests that read the database.</summary>
    public CallContext Db => Call ?? throw new InvalidOperationException("this policy test needs the hub database, and the evaluation has none");

    /// <summary>
    /// The user a policy is about (upstream's <c>policy_get_user</c>): <c>data['user_id']</c> when
    /// present (builder-side checks pass the task owner), else the logged-in user; null when neither.
    /// </summary>
    public async Task<UserRow?> GetUserAsync()
    {
        if (_user.Done)
        {
            return _user.User;
        }
        UserRow? user;
        if (Data.TryGetValue("user_id", out var userId) && userId is not null)
        {
            user = await UserQueries.FindAsync(Db, userId).ConfigureAwait(false);
        }
        else if (Call?.Session is { } session)
        {
            user = await UserQueries.ByIdAsync(Call, session.UserId).ConfigureAwait(false);
        }
        else
        {
            user = null;
        }
        _user = (true, user);
        return user;
    }

    /// <summary>A user's permissions, those inherited from its groups included.</summary>
    public async Task<IReadOnlySet<string>> GetPermsAsync(UserRow user)
    {
        if (Call?.Session is { } session && session.UserId == user.Id)
        {
            return await Call.GetPermsAsync().ConfigureAwait(false);
        }
        var names = await Db.QueryAsync<string>("""
            SELECT p.name FROM user_perms up JOIN permissions p ON p.id = up.perm_id
            WHERE up.revoke_event IS NULL AND (up.user_id = @uid OR up.user_id IN (
                SELECT ug.group_id FROM user_groups ug WHERE ug.user_id = @uid AND ug.revoke_event IS NULL))
            """, new { uid = user.Id }).ConfigureAwait(false);
        return names.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The groups a user is an active member of, by id.</summary>
    public async Task<IReadOnlyDictionary<int, string>> GetGroupsAsync(int userId)
    {
        var rows = await Db.QueryAsync<NameRow>($"""
            SELECT g.id, g.name FROM user_groups ug JOIN users g ON g.id = ug.group_id
            WHERE ug.user_id = @userId AND ug.revoke_event IS NULL AND g.usertype = {Auth.UserTypes.Group}
            ORDER BY g.id
            """, new { userId }).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Id, r => r.Name);
    }

    /// <summary>The build <c>data['build']</c> names; GenericError when the key is absent or the build unknown.</summary>
    public async Task<BuildRow> GetBuildAsync()
    {
        if (!Data.TryGetValue("build", out var info))
        {
            throw KojiErrors.Generic("policy data must contain a build");
        }
        if (_build is { } cached && Equals(cached.Key, info) && cached.Build is { } hit)
        {
            return hit;
        }
        var build = await BuildQueries.GetAsync(Db, info).ConfigureAwait(false);
        _build = (info, build);
        return build;
    }

    /// <summary>
    /// The package a policy is about (<c>policy_get_pkg</c>): <c>data['package']</c> (a name that
    /// does not exist yet gives a null id), else the package of <c>data['build']</c>.
    /// </summary>
    public async Task<(int? Id, string Name)> GetPackageAsync()
    {
        if (Data.TryGetValue("package", out var info))
        {
            var row = await Lookup.NameAsync(Db, "package", info).ConfigureAwait(false);
            if (row is not null)
            {
                return (row.Id, row.Name);
            }
            return info is string name ? (null, name) : throw KojiErrors.Generic($"No such package: {PolicyValues.Str(info)}");
        }
        if (Data.ContainsKey("build"))
        {
            var build = await GetBuildAsync().ConfigureAwait(false);
            return (build.Package_Id, build.Package_Name);
        }
        throw KojiErrors.Generic("policy requires package data");
    }

    /// <summary>
    /// The build tags a policy is about (<c>policy_get_build_tags</c>): <c>build_tag</c>, else the
    /// <c>build_tags</c> list, else the build tag of <c>target</c>. (Upstream's last resort, the tags
    /// of the buildroots of the build's components, needs standard buildroots, which this hub does
    /// not record; content generator buildroots have no tag anyway.)
    /// </summary>
    public async Task<IReadOnlyList<TagRow>> GetBuildTagsAsync()
    {
        var tags = new List<TagRow>();
        void Add(TagRow tag)
        {
            if (!tags.Any(t => t.Id == tag.Id))
            {
                tags.Add(tag);
            }
        }
        if (Data.TryGetValue("build_tag", out var buildTag))
        {
            Add(await TagQueries.GetAsync(Db, buildTag).ConfigureAwait(false));
        }
        else if (Data.TryGetValue("build_tags", out var buildTags))
        {
            foreach (var tag in PolicyValues.Items(buildTags) ?? throw KojiErrors.Generic($"policy data 'build_tags' must be a list, got {PolicyValues.Str(buildTags)}"))
            {
                Add(await TagQueries.GetAsync(Db, tag).ConfigureAwait(false));
            }
        }
        if (tags.Count == 0 && Data.TryGetValue("target", out var target) && ArgumentBinder.Truthy(target))
        {
            if (await TargetApi.GetBuildTarget(Db, target).ConfigureAwait(false) is { } info && info["build_tag"] is int tagId)
            {
                Add(await TagQueries.GetAsync(Db, tagId).ConfigureAwait(false));
            }
        }
        return tags;
    }

    /// <summary>The buildroot ids a policy is about: <c>data['buildroots']</c>, else those of the build's RPMs (null for RPMs without one).</summary>
    public async Task<IReadOnlyList<int?>> GetBuildrootsAsync()
    {
        if (Data.TryGetValue("buildroots", out var brs))
        {
            return (PolicyValues.Items(brs) ?? throw KojiErrors.Generic($"policy data 'buildroots' must be a list, got {PolicyValues.Str(brs)}"))
                .Select(b => PolicyValues.Number(b) is { } n ? (int?)(int)n : null)
                .Distinct()
                .ToList();
        }
        if (Data.ContainsKey("build"))
        {
            var build = await GetBuildAsync().ConfigureAwait(false);
            return (await Db.QueryAsync<int?>("SELECT DISTINCT buildroot_id FROM rpminfo WHERE build_id = @id", new { id = build.Id }).ConfigureAwait(false)).ToList();
        }
        return [];
    }
}
