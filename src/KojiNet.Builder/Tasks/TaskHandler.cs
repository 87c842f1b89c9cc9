namespace KojiNet.Builder.Tasks;

/// <summary>
/// Runs one kind of task (spec/builder.md §9). A handler lists the task methods it serves and
/// the weight the scheduler should count for it; <see cref="RunAsync"/> returns the task's
/// result value (encoded into the <c>methodResponse</c> of <c>host.closeTask</c>).
/// </summary>
public abstract class TaskHandler
{
    /// <summary>The task methods this handler runs, e.g. <c>buildArch</c>.</summary>
    public abstract IReadOnlyList<string> Methods { get; }

    /// <summary>The task's weight (§7), reported with <c>host.setTaskWeight</c> after opening it.</summary>
    public virtual double Weight => 1.0;

    /// <summary>
    /// Whether this host can run the task (§11.4); false makes the builder refuse it for good.
    /// Called before the task is opened.
    /// </summary>
    public virtual Task<bool> CheckHostAsync(TaskContext task) => Task.FromResult(true);

    /// <summary>Runs the task; throw to fail it (a <see cref="RefuseTaskException"/> gives it back).</summary>
    public abstract Task<object?> RunAsync(TaskContext task);
}

/// <summary>Gives the task back to the hub (a soft refusal) instead of failing it.</summary>
public sealed class RefuseTaskException(string message) : Exception(message);

/// <summary>A task failure with a Koji fault code (BuildError = 1005 unless told otherwise).</summary>
public sealed class BuildErrorException(string message, int faultCode = XmlRpc.KojiFaultCode.BuildError) : Exception(message)
{
    /// <summary>The fault code stored with the failed task.</summary>
    public int FaultCode { get; } = faultCode;
}

/// <summary>The handlers a builder runs, by task method.</summary>
public sealed class TaskHandlerRegistry
{
    private readonly Dictionary<string, TaskHandler> _byMethod = new(StringComparer.Ordinal);

    /// <summary>Adds a handler for each of its methods (a later handler replaces an earlier one).</summary>
    public TaskHandlerRegistry Add(TaskHandler handler)
    {
        foreach (var method in handler.Methods)
        {
            _byMethod[method] = handler;
        }
        return this;
    }

    /// <summary>The handler for <paramref name="method"/>, or null.</summary>
    public TaskHandler? Find(string method) => _byMethod.GetValueOrDefault(method);

    /// <summary>Every method a handler exists for (sent to the hub as host data).</summary>
    public IReadOnlyList<string> Methods => _byMethod.Keys.Order(StringComparer.Ordinal).ToList();
}

/// <summary>The handlers this builder ships.</summary>
public static class BuiltinHandlers
{
    /// <summary>A registry with every built-in handler.</summary>
    public static TaskHandlerRegistry Create() => new TaskHandlerRegistry()
        .Add(new Handlers.BuildHandler())
        .Add(new Handlers.ChainBuildHandler())
        .Add(new Handlers.BuildSrpmFromScmHandler())
        .Add(new Handlers.RebuildSrpmHandler())
        .Add(new Handlers.BuildArchHandler())
        .Add(new Handlers.TagBuildHandler())
        .Add(new Handlers.WaitrepoHandler())
        .Add(new Handlers.DependantTaskHandler())
        .Add(new Handlers.NewRepoHandler())
        .Add(new Handlers.CreaterepoHandler());
}
