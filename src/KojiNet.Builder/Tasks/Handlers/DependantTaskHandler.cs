namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>dependantTask(wait_list, task_list)</c> (§10.7): waits until every task of
/// <c>wait_list</c> has finished (any failure fails this task), then runs <c>task_list</c> as
/// subtasks (<c>[method, arglist, taskopts?]</c> each) and waits for all of them.
/// </summary>
public sealed class DependantTaskHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["dependantTask"];

    /// <inheritdoc/>
    public override double Weight => 0.2;

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var waitFor = new List<int>();
        foreach (var item in Values.List(task.Arg(0, "wait_list")))
        {
            if (item is int or long && await task.CallAsync("getTaskInfo", item).ConfigureAwait(false) is not null)
            {
                waitFor.Add(Values.Int(item));
            }
        }
        while (waitFor.Count > 0)
        {
            foreach (var id in waitFor.ToList())
            {
                if (!Values.Truthy(await task.CallAsync("taskFinished", id).ConfigureAwait(false)))
                {
                    continue;
                }
                var info = Values.Dict(await task.CallAsync("getTaskInfo", id).ConfigureAwait(false));
                if (Values.IntOrNull(info.Get("state")) is 3 or 5)
                {
                    throw new BuildErrorException($"Dependency {id} failed to complete.");
                }
                waitFor.Remove(id);
            }
            if (waitFor.Count > 0)
            {
                // Not children of this task, so no wake-up comes from the hub: poll each second like kojid.
                await Task.Delay(TimeSpan.FromSeconds(1), task.Cancellation).ConfigureAwait(false);
            }
        }
        var children = new List<int>();
        foreach (var entry in Values.List(task.Arg(1, "task_list")).Select(Values.List))
        {
            var method = Values.Str(entry[0]) ?? throw new BuildErrorException("dependantTask: a task_list entry has no method");
            var args = entry.Count > 1 ? Values.List(entry[1]) : [];
            var opts = entry.Count > 2 ? Values.Dict(entry[2]) : new Dictionary<string, object?>(StringComparer.Ordinal);
            children.Add(await task.SubtaskAsync(method, args, label: Values.Str(opts.Get("label")), arch: Values.Str(opts.Get("arch")),
                priority: Values.IntOrNull(opts.Get("priority")), channel: Values.Str(opts.Get("channel"))).ConfigureAwait(false));
        }
        if (children.Count > 0)
        {
            await task.WaitAsync(children, all: true, failAny: true).ConfigureAwait(false);
        }
        return null;
    }
}
