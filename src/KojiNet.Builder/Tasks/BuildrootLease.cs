using KojiNet.Builder.Buildroots;
using KojiNet.Client;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tasks;

/// <summary>
/// A buildroot as a task uses it (kojid's <c>BuildRoot</c>): registered on the hub
/// (<c>host.newBuildRoot</c>), created by the host's backend, its installed packages reported
/// (<c>host.setBuildRootList</c>), BUILDING while in use, its logs streamed to the task's upload
/// directory as they grow, and EXPIRED and removed when disposed.
/// </summary>
public sealed class BuildrootLease : IAsyncDisposable
{
    private readonly TaskContext _task;
    private readonly LogStreamer _logs;
    private readonly HashSet<string> _watched = new(StringComparer.Ordinal);

    private BuildrootLease(TaskContext task, int id, IBuildroot root, LogStreamer logs)
    {
        _task = task;
        Id = id;
        Root = root;
        _logs = logs;
    }

    /// <summary>The buildroot id on the hub.</summary>
    public int Id { get; }

    /// <summary>The buildroot itself.</summary>
    public IBuildroot Root { get; }

    /// <summary>The log paths (relative to <c>work/</c>) uploaded for this buildroot.</summary>
    public IReadOnlyList<string> UploadedLogs =>
        _logs.UploadedBytes.Where(kv => kv.Value > 0).Select(kv => _task.UploadPath + "/" + kv.Key).Order(StringComparer.Ordinal).ToList();

    /// <summary>Creates, registers and initialises a buildroot for <paramref name="arch"/> from the tag's repo.</summary>
    public static async Task<BuildrootLease> CreateAsync(TaskContext task, string tagName, int repoId, string arch, string installGroup,
        IReadOnlyDictionary<string, object?> tagExtra, bool network = false, IReadOnlyList<(string Source, string Destination)>? bindMounts = null)
    {
        var id = Values.Int(await task.CallAsync("host.newBuildRoot", [repoId, arch], new Dictionary<string, object?>(StringComparer.Ordinal) { ["task_id"] = task.Id }).ConfigureAwait(false));
        var request = new BuildrootRequest
        {
            TagName = tagName,
            RepoId = repoId,
            Arch = arch,
            BuildrootId = id,
            TaskId = task.Id,
            WorkDir = task.WorkDir,
            InstallGroup = installGroup,
            TagExtra = tagExtra,
            Network = network,
            BindMounts = bindMounts ?? [],
        };
        var root = await task.Host.Buildroots.CreateAsync(request, task.Cancellation).ConfigureAwait(false);
        var logs = new LogStreamer(task.Session, task.UploadPath, logger: task.Logger);
        var lease = new BuildrootLease(task, id, root, logs);
        // The standard logs are watched before they exist, so they stream from their first line.
        foreach (var log in new[] { BuildrootLogs.MockConfig, BuildrootLogs.MockOutput }.Select(n => Path.Combine(task.WorkDir, n))
            .Concat(new[] { BuildrootLogs.Root, BuildrootLogs.Build, BuildrootLogs.State }.Select(n => Path.Combine(root.ResultDir, n))))
        {
            lease.WatchLog(log);
        }
        lease.WatchNewLogs();
        logs.Start();
        try
        {
            await root.InitAsync(task.Cancellation).ConfigureAwait(false);
            var installed = await root.ListInstalledPackagesAsync(task.Cancellation).ConfigureAwait(false);
            await task.CallAsync("host.setBuildRootList", id, installed.Select(r => (object?)r.ToHubStruct()).ToList()).ConfigureAwait(false);
            await task.CallAsync("host.setBuildRootState", id, "BUILDING").ConfigureAwait(false);
        }
        catch
        {
            await lease.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return lease;
    }

    /// <summary>Also streams <paramref name="localPath"/> (e.g. <c>checkout.log</c>) to the task's upload directory.</summary>
    public void WatchLog(string localPath)
    {
        if (_watched.Add(Path.GetFileName(localPath)))
        {
            _logs.Add(localPath);
        }
    }

    /// <summary>Watches logs the buildroot made since (e.g. <c>dnf.log</c>).</summary>
    public void WatchNewLogs()
    {
        foreach (var log in Root.LogFiles())
        {
            WatchLog(log);
        }
    }

    /// <summary>Uploads what the logs have now (call before reporting results).</summary>
    public Task FlushLogsAsync()
    {
        WatchNewLogs();
        return _logs.FlushAsync(_task.Cancellation);
    }

    /// <summary>Final log pass, buildroot EXPIRED on the hub, directory removed.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            WatchNewLogs();
            await _logs.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is XmlRpcFaultException or HttpRequestException or IOException or KojiUploadException)
        {
            // Logs are best effort once the task is over.
        }
        await _logs.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _task.Session.CallAsync("host.setBuildRootState", [Id, "EXPIRED"], null, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is XmlRpcFaultException or HttpRequestException)
        {
            // A canceled task may already have lost its session; the hub expires buildroots of dead tasks.
        }
        await Root.RemoveAsync(CancellationToken.None).ConfigureAwait(false);
    }
}
