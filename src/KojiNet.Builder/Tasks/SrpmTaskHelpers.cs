using KojiNet.Rpm;

namespace KojiNet.Builder.Tasks;

/// <summary>What the SRPM-making and arch-build handlers share.</summary>
public static class SrpmTaskHelpers
{
    /// <summary>§11.4: the build tag's canonical arches must meet this host's arches.</summary>
    public static async Task<bool> TagArchesMatchHostAsync(TaskContext task, object? tag)
    {
        var config = Values.Dict(await task.CallAsync("getBuildConfig", tag).ConfigureAwait(false));
        var tagArches = Arches.Split(Values.Str(config.Get("arches"))).Select(Arches.Canon).ToHashSet(StringComparer.Ordinal);
        return task.Host.Arches.Any(tagArches.Contains);
    }

    /// <summary>§14.3 step 7: the SRPM's file name must be its header's <c>N-V-R.src.rpm</c>.</summary>
    public static void CheckSrpmName(string srpmPath)
    {
        var header = RpmPackage.Open(srpmPath);
        var expected = header.Nvr + ".src.rpm";
        if (!string.Equals(Path.GetFileName(srpmPath), expected, StringComparison.Ordinal))
        {
            throw new BuildErrorException($"srpm name mismatch: {Path.GetFileName(srpmPath)} != {expected}");
        }
    }

    /// <summary>The repo id the SRPM/arch tasks must be given in their opts.</summary>
    public static int RequireRepoId(IReadOnlyDictionary<string, object?> opts) =>
        Values.IntOrNull(opts.Get("repo_id")) ?? throw new BuildErrorException("A repo id must be provided");

    /// <summary>The build tag's config as of the repo's event.</summary>
    public static async Task<(IReadOnlyDictionary<string, object?> Config, int RepoId)> RepoAndConfigAsync(TaskContext task, object? buildTag, IReadOnlyDictionary<string, object?> opts)
    {
        var repoId = RequireRepoId(opts);
        var repo = Values.Dict(await task.CallAsync("repoInfo", [repoId], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }).ConfigureAwait(false));
        var config = Values.Dict(await task.CallAsync("getBuildConfig", [buildTag], new Dictionary<string, object?>(StringComparer.Ordinal) { ["event"] = repo.Get("create_event") }).ConfigureAwait(false));
        return (config, repoId);
    }
}
