namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>waitrepo(tag, newer_than=None, nvrs=None, min_event=None)</c> (§10.6): waits until the tag
/// has a repo containing the given builds, or newer than the given event; returns the repo struct.
/// </summary>
public sealed class WaitrepoHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["waitrepo"];

    /// <inheritdoc/>
    public override double Weight => 0.2;

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var tagArg = task.Arg(0, "tag");
        var newerThan = task.Arg(1, "newer_than");
        var nvrs = Values.List(task.Arg(2, "nvrs")).Select(n => Values.Str(n)!).ToList();
        var minEvent = task.Arg(3, "min_event");
        if (newerThan is not null && minEvent is not null)
        {
            throw new BuildErrorException("waitrepo: newer_than and min_event cannot be combined");
        }
        var tag = Values.Dict(await task.CallAsync("getTag", [tagArg], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }).ConfigureAwait(false));
        if (newerThan is not null)
        {
            // "now" and a timestamp both mean: a repo made after the tag's latest change.
            minEvent = "last";
        }
        var watcher = new RepoWatcher(task, tag, minEvent, nvrs);
        return await watcher.WaitAsync().ConfigureAwait(false);
    }
}
