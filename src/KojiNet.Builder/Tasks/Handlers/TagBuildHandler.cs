using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>tagBuild(tag_id, build_id, force=False, fromtag=None, ignore_success=False)</c>: tags (or
/// moves) a build as the task's owner through <c>host.tagBuild</c>, then queues the tag
/// notification, also for a failure.
/// </summary>
public sealed class TagBuildHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["tagBuild"];

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var tagId = task.Arg(0, "tag_id");
        var buildId = task.Arg(1, "build_id");
        var force = Values.Truthy(task.Arg(2, "force", false));
        var fromTag = task.Arg(3, "fromtag");
        var ignoreSuccess = Values.Truthy(task.Arg(4, "ignore_success", false));
        try
        {
            await task.CallAsync("host.tagBuild", task.Id, tagId, buildId, force, fromTag).ConfigureAwait(false);
        }
        catch (XmlRpcFaultException ex)
        {
            await task.CallAsync("host.tagNotification", false, tagId, fromTag, buildId, task.Owner, ignoreSuccess, ex.FaultString).ConfigureAwait(false);
            throw;
        }
        await task.CallAsync("host.tagNotification", true, tagId, fromTag, buildId, task.Owner, ignoreSuccess).ConfigureAwait(false);
        return null;
    }
}
