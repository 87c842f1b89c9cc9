using System.Globalization;
using System.Text.Json;
using KojiNet.Rpm;

namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>buildArch(pkg, root, arch, keep_srpm, opts=None)</c> (spec/builder.md §10.4): rebuilds the
/// SRPM for one arch in a fresh buildroot from the build tag's repo, uploads the RPMs (and the
/// SRPM when <c>keep_srpm</c>), the logs and <c>noarch_rpmdiff.json</c>.
/// </summary>
public sealed class BuildArchHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["buildArch"];

    /// <inheritdoc/>
    public override double Weight => 1.5;

    /// <inheritdoc/>
    public override Task<bool> CheckHostAsync(TaskContext task) => SrpmTaskHelpers.TagArchesMatchHostAsync(task, task.Arg(1, "root"));

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var pkg = Values.Str(task.Arg(0, "pkg")) ?? throw new BuildErrorException("buildArch: no package given");
        var root = task.Arg(1, "root");
        var arch = Values.Str(task.Arg(2, "arch")) ?? throw new BuildErrorException("buildArch: no arch given");
        var keepSrpm = Values.Truthy(task.Arg(3, "keep_srpm", false));
        var opts = Values.Dict(task.Arg(4, "opts"));
        var repoId = Values.IntOrNull(opts.Get("repo_id")) ?? throw new BuildErrorException("A repo id must be provided");
        var repo = Values.Dict(await task.CallAsync("repoInfo", [repoId], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }).ConfigureAwait(false));
        var eventId = Values.IntOrNull(repo.Get("create_event"));

        var srpmLocal = await TopDir.FetchAsync(task, "work/" + pkg).ConfigureAwait(false);
        var header = RpmPackage.Open(srpmLocal);
        if (!header.IsSource)
        {
            throw new BuildErrorException($"not a source package: {pkg}");
        }
        await UpdateWeightAsync(task, header.Name).ConfigureAwait(false);

        var config = Values.Dict(await task.CallAsync("getBuildConfig", [root], new Dictionary<string, object?>(StringComparer.Ordinal) { ["event"] = eventId }).ConfigureAwait(false));
        var tagArches = Arches.Split(Values.Str(config.Get("arches")));
        var brArch = Arches.FindArch(arch, task.Host.Arches, tagArches, Values.Str(task.Info.Get("arch")));
        await using var lease = await BuildrootLease.CreateAsync(task, Values.Str(config.Get("name"))!, repoId, brArch, "build", Values.Dict(config.Get("extra"))).ConfigureAwait(false);
        var results = await lease.Root.BuildRpmsAsync(srpmLocal, arch == "noarch" ? "noarch" : brArch, task.Cancellation).ConfigureAwait(false);

        var logs = new List<object?>();
        var noarch = results.Rpms.Where(r => r.EndsWith(".noarch.rpm", StringComparison.Ordinal)).ToList();
        if (noarch.Count > 0)
        {
            var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var file in noarch)
            {
                hashes[Path.GetFileName(file)] = NoarchHash.Compute(RpmPackage.Open(file));
            }
            var doc = new SortedDictionary<string, object?>(StringComparer.Ordinal) { [task.Id.ToString(CultureInfo.InvariantCulture)] = hashes };
            var diffFile = Path.Combine(task.WorkDir, "noarch_rpmdiff.json");
            await File.WriteAllTextAsync(diffFile, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }), task.Cancellation).ConfigureAwait(false);
            logs.Add(await task.UploadAsync(diffFile).ConfigureAwait(false));
        }
        var rpms = new List<object?>();
        foreach (var rpm in results.Rpms)
        {
            rpms.Add(await task.UploadAsync(rpm).ConfigureAwait(false));
        }
        var srpms = new List<object?>();
        if (keepSrpm)
        {
            if (results.Srpms.Count != 1)
            {
                throw new BuildErrorException(string.Create(CultureInfo.InvariantCulture, $"expected exactly one SRPM from the build, found {results.Srpms.Count}"));
            }
            var built = RpmPackage.Open(results.Srpms[0]);
            if (string.IsNullOrEmpty(built.Packager) || string.IsNullOrEmpty(built.Vendor) || string.IsNullOrEmpty(Values.Str(built.Header.GetString(Rpm.Format.RpmTag.Distribution))))
            {
                throw new BuildErrorException($"{Path.GetFileName(results.Srpms[0])} lacks Packager, Vendor or Distribution");
            }
            srpms.Add(await task.UploadAsync(results.Srpms[0]).ConfigureAwait(false));
        }
        await lease.FlushLogsAsync().ConfigureAwait(false);
        logs.AddRange(lease.UploadedLogs);
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["rpms"] = rpms,
            ["srpms"] = srpms,
            ["logs"] = logs,
            ["brootid"] = lease.Id,
        };
    }

    /// <summary>§7: heavier weight for packages that usually build long.</summary>
    private static async Task UpdateWeightAsync(TaskContext task, string name)
    {
        var avg = await task.CallAsync("getAverageBuildDuration", [name], new Dictionary<string, object?>(StringComparer.Ordinal) { ["age"] = 6 }).ConfigureAwait(false);
        if (avg is not null && Convert.ToDouble(avg, CultureInfo.InvariantCulture) is var seconds and > 0)
        {
            await task.CallAsync("host.setTaskWeight", task.Id, 1.5 + Math.Min(18, seconds / 4800)).ConfigureAwait(false);
        }
    }
}
