using KojiNet.Client;

namespace KojiNet.Up;

/// <summary>
/// The ready-to-use example of <c>kojinet up</c>, made through the hub's own API (so it is
/// idempotent and checked like any client's calls): the builder host in the <c>default</c> and
/// <c>createrepo</c> channels, the repo service's user with the <c>repo</c> permission, a build tag
/// with the <c>build</c> and <c>srpm-build</c> groups, a destination tag and a target.
/// </summary>
internal static class ExampleSetup
{
    public static async Task EnsureAsync(KojiSession admin, string hostName, string arch, string repoUser, CancellationToken ct)
    {
        Task<object?> Call(string method, params object?[] args) => admin.CallAsync(method, args, null, ct);

        if (await Call("getHost", hostName).ConfigureAwait(false) is null)
        {
            await Call("addHost", hostName, new List<object?> { arch }).ConfigureAwait(false);
        }
        var channels = ((await Call("listChannels").ConfigureAwait(false)) as IReadOnlyList<object?> ?? [])
            .OfType<IReadOnlyDictionary<string, object?>>().Select(c => c.GetValueOrDefault("name") as string).ToHashSet(StringComparer.Ordinal);
        var hostChannels = ((await admin.CallAsync("listChannels", [], new Dictionary<string, object?>(StringComparer.Ordinal) { ["hostID"] = hostName }, ct).ConfigureAwait(false)) as IReadOnlyList<object?> ?? [])
            .OfType<IReadOnlyDictionary<string, object?>>().Select(c => c.GetValueOrDefault("name") as string).ToHashSet(StringComparer.Ordinal);
        foreach (var channel in new[] { "default", "createrepo" }.Where(c => channels.Contains(c) && !hostChannels.Contains(c)))
        {
            await Call("addHostToChannel", hostName, channel).ConfigureAwait(false);
        }

        if (await Call("getUser", repoUser).ConfigureAwait(false) is null)
        {
            await Call("createUser", repoUser).ConfigureAwait(false);
        }
        var perms = (await Call("getUserPerms", repoUser).ConfigureAwait(false)) as IReadOnlyList<object?> ?? [];
        if (!perms.Contains("repo"))
        {
            await Call("grantPermission", repoUser, "repo", true).ConfigureAwait(false);
        }

        if (await Call("getTag", LocalSystem.ExampleDestTag).ConfigureAwait(false) is null)
        {
            await Call("createTag", LocalSystem.ExampleDestTag).ConfigureAwait(false);
        }
        if (await Call("getTag", LocalSystem.ExampleBuildTag).ConfigureAwait(false) is null)
        {
            await admin.CallAsync("createTag", [LocalSystem.ExampleBuildTag], new Dictionary<string, object?>(StringComparer.Ordinal) { ["arches"] = arch }, ct).ConfigureAwait(false);
            // Like a distribution's build tag: it inherits the destination tag, so what was built
            // earlier is in the buildroot repo for the next builds.
            var dest = (IReadOnlyDictionary<string, object?>)(await Call("getTag", LocalSystem.ExampleDestTag).ConfigureAwait(false))!;
            var link = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["parent_id"] = dest["id"],
                ["priority"] = 0,
                ["maxdepth"] = null,
                ["intransitive"] = false,
                ["noconfig"] = false,
                ["pkg_filter"] = "",
            };
            await Call("setInheritanceData", LocalSystem.ExampleBuildTag, new List<object?> { link }).ConfigureAwait(false);
            await AddGroupAsync(admin, "build", LocalSystem.BuildGroup, ct).ConfigureAwait(false);
            await AddGroupAsync(admin, "srpm-build", LocalSystem.SrpmBuildGroup, ct).ConfigureAwait(false);
        }
        if (await Call("getBuildTarget", LocalSystem.ExampleTarget).ConfigureAwait(false) is null)
        {
            await Call("createBuildTarget", LocalSystem.ExampleTarget, LocalSystem.ExampleBuildTag, LocalSystem.ExampleDestTag).ConfigureAwait(false);
        }
    }

    private static async Task AddGroupAsync(KojiSession admin, string group, IEnumerable<string> packages, CancellationToken ct)
    {
        await admin.CallAsync("groupListAdd", [LocalSystem.ExampleBuildTag, group], null, ct).ConfigureAwait(false);
        foreach (var package in packages)
        {
            await admin.CallAsync("groupPackageListAdd", [LocalSystem.ExampleBuildTag, group, package], null, ct).ConfigureAwait(false);
        }
    }
}
