using System.Globalization;
using KojiNet.Builder.Configuration;
using KojiNet.Client;
using KojiNet.XmlRpc;
using Microsoft.Extensions.Logging;

namespace KojiNet.Builder.Tasks;

/// <summary>
/// One running task as its handler sees it: the decoded request, the task's own hub subsession,
/// its local work directory, its upload directory on the hub, cancellation (canceled or
/// reassigned on the hub), and the subtask and wait calls of kojid's <c>BaseTaskHandler</c>.
/// </summary>
public sealed class TaskContext
{
    private readonly SemaphoreSlim _wake = new(0);

    internal TaskContext(int id, string method, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs,
        IReadOnlyDictionary<string, object?> info, KojiSession session, BuilderHost host, CancellationToken cancellation)
    {
        Id = id;
        Method = method;
        Args = args;
        Kwargs = kwargs;
        Info = info;
        Session = session;
        Host = host;
        Cancellation = cancellation;
        WorkDir = Path.Combine(host.Options.WorkDir, "tasks", (id % 10000).ToString(CultureInfo.InvariantCulture), id.ToString(CultureInfo.InvariantCulture));
        UploadPath = TaskUploadPath(id);
    }

    /// <summary>The task id.</summary>
    public int Id { get; }

    /// <summary>The task method.</summary>
    public string Method { get; }

    /// <summary>The positional arguments of the request.</summary>
    public IReadOnlyList<object?> Args { get; }

    /// <summary>The keyword arguments of the request (its trailing <c>__starstar</c> struct).</summary>
    public IReadOnlyDictionary<string, object?> Kwargs { get; }

    /// <summary>The task struct of <c>getTaskInfo</c> (owner, channel_id, arch, priority, parent...).</summary>
    public IReadOnlyDictionary<string, object?> Info { get; }

    /// <summary>The task's own subsession of the builder's exclusive session.</summary>
    public KojiSession Session { get; }

    /// <summary>The builder this task runs on.</summary>
    public BuilderHost Host { get; }

    /// <summary>The builder's configuration.</summary>
    public KojidOptions Options => Host.Options;

    /// <summary>Signalled when the task is canceled or taken away on the hub, or the builder stops.</summary>
    public CancellationToken Cancellation { get; }

    /// <summary>Local scratch directory <c>&lt;workdir&gt;/tasks/&lt;id % 10000&gt;/&lt;id&gt;</c>, removed after the task.</summary>
    public string WorkDir { get; }

    /// <summary>Where the task's output goes on the hub, relative to <c>work/</c>: <c>tasks/&lt;id % 10000&gt;/&lt;id&gt;</c>.</summary>
    public string UploadPath { get; }

    /// <summary>The task's owner (user id).</summary>
    public int Owner => Convert.ToInt32(Info.GetValueOrDefault("owner"), CultureInfo.InvariantCulture);

    /// <summary>The task's logger.</summary>
    public ILogger Logger => Host.Logger;

    /// <summary><c>tasks/&lt;id % 10000&gt;/&lt;id&gt;</c>.</summary>
    public static string TaskUploadPath(int id) =>
        string.Create(CultureInfo.InvariantCulture, $"tasks/{id % 10000}/{id}");

    /// <summary>The positional argument <paramref name="index"/>, or the keyword argument <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public object? Arg(int index, string name, object? fallback = null) =>
        index < Args.Count ? Args[index] : Kwargs.TryGetValue(name, out var v) ? v : fallback;

    /// <summary>Calls a hub method on the task's subsession.</summary>
    public Task<object?> CallAsync(string method, params object?[] args) =>
        Session.CallAsync(method, args, null, Cancellation);

    /// <summary>Calls a hub method with keyword arguments on the task's subsession.</summary>
    public Task<object?> CallAsync(string method, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs) =>
        Session.CallAsync(method, args, kwargs, Cancellation);

    /// <summary>Uploads a local file into the task's upload directory; returns its path relative to <c>work/</c>.</summary>
    public async Task<string> UploadAsync(string localPath, string? name = null)
    {
        name ??= Path.GetFileName(localPath);
        await Session.UploadFileAsync(localPath, UploadPath, name, overwrite: true, cancellationToken: Cancellation).ConfigureAwait(false);
        return UploadPath + "/" + name;
    }

    /// <summary>
    /// Creates a subtask (<c>host.subtask</c>); a subtask with the same <paramref name="label"/> is
    /// reused by the hub, so a restarted parent does not create it twice.
    /// </summary>
    public async Task<int> SubtaskAsync(string method, IReadOnlyList<object?> args, string? label = null, string? arch = null,
        int? priority = null, string? channel = null, IReadOnlyDictionary<string, object?>? kwargs = null)
    {
        var opts = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (label is not null)
        {
            opts["label"] = label;
        }
        if (arch is not null)
        {
            opts["arch"] = arch;
        }
        if (priority is not null)
        {
            opts["priority"] = priority;
        }
        if (channel is not null)
        {
            opts["channel"] = channel;
        }
        if (kwargs is not null)
        {
            opts["kwargs"] = kwargs;
        }
        var id = await Session.CallAsync("host.subtask", [method, args, Id], opts, Cancellation).ConfigureAwait(false);
        return Convert.ToInt32(id, CultureInfo.InvariantCulture);
    }

    /// <summary>Wakes a task blocked in <see cref="WaitAsync"/> (the builder saw an awaited subtask finish).</summary>
    internal void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    /// <summary>
    /// Waits for subtasks like kojid's <c>BaseTaskHandler.wait</c> (§8): <paramref name="subtasks"/>
    /// null means every child; returns at the first finished one unless <paramref name="all"/>;
    /// with <paramref name="failAny"/> a failed subtask not in <paramref name="canFail"/> cancels the
    /// other children and fails this task. Returns task id → result (a fault struct for a tolerated failure).
    /// </summary>
    public async Task<Dictionary<int, object?>> WaitAsync(IReadOnlyList<int>? subtasks = null, bool all = false, bool failAny = false,
        IReadOnlyList<int>? canFail = null)
    {
        object? list = subtasks?.Cast<object?>().ToList();
        await CallAsync("host.taskSetWait", Id, list).ConfigureAwait(false);
        var seen = new HashSet<int>();
        var finished = new List<int>();
        while (true)
        {
            var status = Values.List(await CallAsync("host.taskWait", Id).ConfigureAwait(false));
            finished.AddRange(Ids(status[0]).Where(seen.Add));
            var unfinished = Ids(status[1]);
            if (failAny)
            {
                foreach (var done in finished.Where(t => canFail is null || !canFail.Contains(t)).ToList())
                {
                    try
                    {
                        await CallAsync("getTaskResult", done).ConfigureAwait(false);
                    }
                    catch (XmlRpcFaultException)
                    {
                        await CallAsync("cancelTaskChildren", Id).ConfigureAwait(false);
                        throw;
                    }
                }
            }
            if (unfinished.Count == 0 || (!all && finished.Count > 0))
            {
                break;
            }
            // Woken by the builder when the hub reports an awaited child finished; the timeout is a safety net.
            await _wake.WaitAsync(TimeSpan.FromSeconds(15), Cancellation).ConfigureAwait(false);
        }
        // All requested: every listed subtask (null = every child); otherwise just those finished so far.
        object? wanted = all ? subtasks?.Cast<object?>().ToList() : finished.Cast<object?>().ToList();
        object? canFailArg = canFail?.Cast<object?>().ToList();
        var results = Values.List(await CallAsync("host.taskWaitResults", Id, wanted, canFailArg).ConfigureAwait(false));
        var map = new Dictionary<int, object?>();
        foreach (var pair in results.Select(Values.List))
        {
            map[Convert.ToInt32(pair[0], CultureInfo.InvariantCulture)] = pair[1];
        }
        return map;
    }

    private static List<int> Ids(object? value) => Values.List(value).Select(Values.Int).ToList();
}
