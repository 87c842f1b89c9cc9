namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>rebuildSRPM(srpm, build_tag, opts=None)</c> (spec/builder.md §15): rebuilds an uploaded SRPM
/// in a <c>srpm-build</c> buildroot without network, so its headers carry this site's macros.
/// </summary>
public sealed class RebuildSrpmHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["rebuildSRPM"];

    /// <inheritdoc/>
    public override Task<bool> CheckHostAsync(TaskContext task) => SrpmTaskHelpers.TagArchesMatchHostAsync(task, task.Arg(1, "build_tag"));

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var srpm = Values.Str(task.Arg(0, "srpm")) ?? throw new BuildErrorException("rebuildSRPM: no srpm given");
        var (config, repoId) = await SrpmTaskHelpers.RepoAndConfigAsync(task, task.Arg(1, "build_tag"), Values.Dict(task.Arg(2, "opts"))).ConfigureAwait(false);
        var local = await TopDir.FetchAsync(task, "work/" + srpm).ConfigureAwait(false);
        var arch = Arches.FindArch("noarch", task.Host.Arches, Arches.Split(Values.Str(config.Get("arches"))));
        await using var lease = await BuildrootLease.CreateAsync(task, Values.Str(config.Get("name"))!, repoId, arch, "srpm-build", Values.Dict(config.Get("extra"))).ConfigureAwait(false);
        var rebuilt = await lease.Root.RebuildSrpmAsync(local, task.Cancellation).ConfigureAwait(false);
        SrpmTaskHelpers.CheckSrpmName(rebuilt);
        var uploaded = await task.UploadAsync(rebuilt).ConfigureAwait(false);
        await lease.FlushLogsAsync().ConfigureAwait(false);
        var name = Path.GetFileName(srpm);
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["srpm"] = uploaded,
            ["logs"] = lease.UploadedLogs.Cast<object?>().ToList(),
            ["brootid"] = lease.Id,
            ["source"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["source"] = name, ["url"] = name },
        };
    }
}
