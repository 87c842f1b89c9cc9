using System.Collections.Concurrent;
using System.Globalization;
using KojiNet.Builder.Buildroots;
using KojiNet.Builder.Configuration;
using KojiNet.Builder.Tasks;
using KojiNet.Client;
using KojiNet.XmlRpc;
using Microsoft.Extensions.Logging;

namespace KojiNet.Builder.Daemon;

/// <summary>
/// The builder's main loop (kojid's TaskManager, spec/builder.md §4–§5): logs in with the host
/// certificate (or a password), holds an exclusive session, reports load and readiness, takes
/// the tasks the hub assigns to it and runs each in its own subsession, at most <c>maxjobs</c> at
/// once. Instead of sleeping <c>sleeptime</c> between polls it long-polls <c>host.waitTasks</c>,
/// so a new task starts at once; against a hub without that call it polls like kojid.
/// Tasks run in this process (not forked); canceling one kills its process tree.
/// </summary>
public sealed partial class BuilderDaemon : IAsyncDisposable
{
    private readonly KojidOptions _options;
    private readonly TaskHandlerRegistry _handlers;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<int, RunningTask> _running = new();
    private readonly SemaphoreSlim _localChange = new(0);
    private readonly HttpClient _http;
    private readonly IBuildrootBackend _buildroots;
    private KojiSession? _session;
    private BuilderHost? _host;
    private bool _hubHasWaitTasks = true;

    /// <summary>Creates the daemon; nothing is contacted until <see cref="RunAsync"/>.</summary>
    public BuilderDaemon(KojidOptions options, TaskHandlerRegistry handlers, ILogger logger, IBuildrootBackend? buildroots = null)
    {
        _options = options;
        _handlers = handlers;
        _logger = logger;
        _http = TopUrlHttp.Create(options);
        _buildroots = buildroots ?? BuildrootBackends.Create(BuildrootOptionsFrom(options), logger: logger);
    }

    /// <summary>The buildroot settings of kojid.conf.</summary>
    public static BuildrootOptions BuildrootOptionsFrom(KojidOptions options) => options.Buildroot;

    /// <summary>The host id once logged in.</summary>
    public int? HostId => _host?.HostId;

    /// <summary>Ids of the tasks running here now.</summary>
    public IReadOnlyCollection<int> RunningTaskIds => _running.Keys.ToList();

    private sealed class RunningTask(TaskContext context, KojiSession subsession, CancellationTokenSource cancel, double weight)
    {
        public TaskContext Context { get; } = context;

        public KojiSession Subsession { get; } = subsession;

        public CancellationTokenSource Cancel { get; } = cancel;

        public double Weight { get; set; } = weight;

        public bool Waiting { get; set; }

        public Task? Run { get; set; }
    }

    /// <summary>Logs in and serves tasks until <paramref name="stoppingToken"/> is signalled; then gives the held tasks back.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        await LoginAsync(stoppingToken).ConfigureAwait(false);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                bool taken;
                try
                {
                    await UpdateTasksAsync(stoppingToken).ConfigureAwait(false);
                    taken = await GetNextTaskAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (KojiAuthException ex)
                {
                    LogAuthFailed(ex.Message);
                    throw;
                }
                catch (Exception ex) when (ex is XmlRpcFaultException or HttpRequestException or TimeoutException or XmlRpcFormatException or IOException)
                {
                    LogLoopError(ex.Message);
                    taken = false;
                    await DelayAsync(TimeSpan.FromSeconds(Math.Min(_options.SleepTime, 5)), stoppingToken).ConfigureAwait(false);
                    continue;
                }
                if (!taken)
                {
                    await IdleAsync(stoppingToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await ShutdownAsync().ConfigureAwait(false);
        }
    }

    private async Task LoginAsync(CancellationToken ct)
    {
        var clientOptions = new KojiClientOptions
        {
            Server = _options.Server!,
            CertFile = _options.Cert is { } c && File.Exists(c) ? c : null,
            ServerCaFile = _options.ServerCa is { } ca && File.Exists(ca) ? ca : null,
            NoSslVerify = _options.NoSslVerify,
            RetryInterval = TimeSpan.FromSeconds(_options.RetryInterval),
            MaxRetries = _options.MaxRetries,
            OfflineRetry = _options.OfflineRetry,
            OfflineRetryInterval = TimeSpan.FromSeconds(_options.OfflineRetryInterval),
            UseFastUpload = _options.UseFastUpload,
        };
        if (_options.Timeout is { } t)
        {
            clientOptions.Timeout = TimeSpan.FromSeconds(t);
        }
        var session = new KojiSession(clientOptions);
        if (clientOptions.CertFile is not null)
        {
            await session.SslLoginAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        else if (_options.User is { } user)
        {
            await session.LoginAsync(user, _options.Password ?? "", ct).ConfigureAwait(false);
        }
        else
        {
            throw new InvalidOperationException("no way to log in: set 'cert' (a PEM with the host certificate and key) or 'user'/'password' in kojid.conf");
        }
        await session.ExclusiveSessionAsync(force: true, ct).ConfigureAwait(false);
        var echo = Values.List(await session.CallAsync("echo", ["OK"], null, ct).ConfigureAwait(false));
        if (echo.Count != 1 || !string.Equals(Values.Str(echo[0]), "OK", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("the hub did not echo 'OK'");
        }
        var hostId = Values.Int(await session.CallAsync("host.getID", [], null, ct).ConfigureAwait(false));
        var hostInfo = Values.Dict(await session.CallAsync("host.getHost", [], null, ct).ConfigureAwait(false));
        _session = session;
        _host = new BuilderHost(_options, session, hostId, Values.Str(hostInfo.Get("name")) ?? "", SplitArches(hostInfo.Get("arches")), _logger, _http, _buildroots);
        LogLoggedIn(_host.Name, hostId);
    }

    private static List<string> SplitArches(object? arches) =>
        (Values.Str(arches) ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();

    /// <summary>§5 step 2: free stale tasks, wake waiting ones, stop tasks canceled or moved on the hub.</summary>
    private async Task UpdateTasksAsync(CancellationToken ct)
    {
        var session = _session!;
        var held = Values.List(await session.CallAsync("host.getHostTasks", [], null, ct).ConfigureAwait(false)).Select(Values.Dict).ToList();
        var heldIds = new HashSet<int>();
        var stale = new List<object?>();
        foreach (var task in held)
        {
            var id = Values.Int(task.Get("id"));
            heldIds.Add(id);
            if (!_running.TryGetValue(id, out var running))
            {
                stale.Add(id);
                continue;
            }
            running.Waiting = Values.Truthy(task.Get("waiting"));
            if (Values.Truthy(task.Get("alert")))
            {
                running.Context.Wake();
            }
        }
        if (stale.Count > 0)
        {
            LogFreeingStale(string.Join(' ', stale));
            await session.CallAsync("host.freeTasks", [stale], null, ct).ConfigureAwait(false);
        }
        foreach (var (id, running) in _running)
        {
            if (running.Run is { IsCompleted: true })
            {
                continue;
            }
            if (!heldIds.Contains(id) && !running.Cancel.IsCancellationRequested)
            {
                var info = Values.Dict(await session.CallAsync("getTaskInfo", [id], null, ct).ConfigureAwait(false));
                var state = Values.IntOrNull(info.Get("state"));
                var hostId = Values.IntOrNull(info.Get("host_id"));
                if (state == 3 || hostId != _host!.HostId)
                {
                    LogKillingTask(id, state ?? -1);
                    await running.Cancel.CancelAsync().ConfigureAwait(false);
                }
            }
        }
    }

    private double TaskLoad => _running.Values.Where(r => !r.Waiting && r.Run is not { IsCompleted: true }).Sum(r => r.Weight);

    /// <summary>§5 step 3: report readiness, then take at most one assigned task.</summary>
    private async Task<bool> GetNextTaskAsync(CancellationToken ct)
    {
        var session = _session!;
        var hostInfo = Values.Dict(await session.CallAsync("host.getHost", [], null, ct).ConfigureAwait(false));
        _host!.Arches = SplitArches(hostInfo.Get("arches"));
        var capacity = Convert.ToDouble(hostInfo.Get("capacity") ?? 2.0, CultureInfo.InvariantCulture);
        var load = TaskLoad;
        var reason = !Values.Truthy(hostInfo.Get("enabled")) ? "Host is disabled"
            : load > capacity ? "Over capacity"
            : _running.Count >= _options.MaxJobs ? "Full queue"
            : !EnoughSpace() ? "Low disk space"
            : null;
        var data = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["methods"] = _handlers.Methods.Cast<object?>().ToList(),
            ["maxjobs"] = _options.MaxJobs,
        };
        await session.CallAsync("host.updateHost", [load, reason is null], new Dictionary<string, object?>(StringComparer.Ordinal) { ["data"] = data }, ct).ConfigureAwait(false);
        if (reason is not null)
        {
            LogNotReady(reason);
            return false;
        }
        var tasks = Values.List(await session.CallAsync("host.getTasks", [], null, ct).ConfigureAwait(false)).Select(Values.Dict);
        foreach (var task in tasks)
        {
            var id = Values.Int(task.Get("id"));
            if (_running.ContainsKey(id) || Values.IntOrNull(task.Get("state")) != 4 || Values.IntOrNull(task.Get("host_id")) != _host.HostId)
            {
                continue;
            }
            if (await TakeTaskAsync(id, Values.Str(task.Get("method")) ?? "", ct).ConfigureAwait(false))
            {
                return true;
            }
        }
        return false;
    }

    private bool EnoughSpace()
    {
        try
        {
            Directory.CreateDirectory(_options.WorkDir);
            var drive = new DriveInfo(Path.GetFullPath(_options.WorkDir));
            return drive.AvailableFreeSpace / (1024 * 1024) >= _options.MinSpace;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>§5.2: refuse what we cannot run, else open the task and start it in a subsession.</summary>
    private async Task<bool> TakeTaskAsync(int id, string method, CancellationToken ct)
    {
        var session = _session!;
        var handler = _handlers.Find(method);
        if (handler is null)
        {
            await session.CallAsync("host.refuseTask", [id], Kw(("soft", false), ("msg", "no handler for method")), ct).ConfigureAwait(false);
            return false;
        }
        var info = Values.Dict(await session.CallAsync("getTaskInfo", [id], Kw(("request", true)), ct).ConfigureAwait(false));
        var (args, kwargs) = SplitRequest(Values.List(info.Get("request")));
        var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var probe = new TaskContext(id, method, args, kwargs, info, session, _host!, cancel.Token);
        bool hostOk;
        try
        {
            hostOk = await handler.CheckHostAsync(probe).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is XmlRpcFaultException or InvalidOperationException or InvalidCastException)
        {
            hostOk = false;
        }
        if (!hostOk)
        {
            cancel.Dispose();
            await session.CallAsync("host.refuseTask", [id], Kw(("soft", false), ("msg", "failed host check")), ct).ConfigureAwait(false);
            return false;
        }
        var opened = await session.CallAsync("host.openTask", [id], null, ct).ConfigureAwait(false);
        if (opened is null)
        {
            cancel.Dispose();
            return false;
        }
        await session.CallAsync("host.setTaskWeight", [id, handler.Weight], null, ct).ConfigureAwait(false);
        var subsession = await session.SubsessionAsync(ct).ConfigureAwait(false);
        var context = new TaskContext(id, method, args, kwargs, info, subsession, _host!, cancel.Token);
        var running = new RunningTask(context, subsession, cancel, handler.Weight);
        _running[id] = running;
        running.Run = Task.Run(() => RunTaskAsync(handler, running), CancellationToken.None);
        LogTaskStarted(id, method);
        return true;
    }

    /// <summary>Splits a decoded request into positional and keyword arguments (the trailing <c>__starstar</c> struct).</summary>
    internal static (IReadOnlyList<object?> Args, IReadOnlyDictionary<string, object?> Kwargs) SplitRequest(IReadOnlyList<object?> request)
    {
        if (request.Count > 0 && request[^1] is IReadOnlyDictionary<string, object?> last && Values.Truthy(last.Get("__starstar")))
        {
            var kwargs = last.Where(kv => !string.Equals(kv.Key, "__starstar", StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            return (request.Take(request.Count - 1).ToList(), kwargs);
        }
        return (request, new Dictionary<string, object?>(StringComparer.Ordinal));
    }

    private static Dictionary<string, object?> Kw(params (string Key, object? Value)[] items) =>
        items.ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);

    /// <summary>§5.3: run the handler, then close, fail or give back the task; always end the subsession.</summary>
    private async Task RunTaskAsync(TaskHandler handler, RunningTask running)
    {
        var context = running.Context;
        var session = running.Subsession;
        try
        {
            if (Directory.Exists(context.WorkDir))
            {
                Directory.Delete(context.WorkDir, recursive: true);
            }
            Directory.CreateDirectory(context.WorkDir);
            object? result;
            try
            {
                result = await handler.RunAsync(context).ConfigureAwait(false);
            }
            catch (RefuseTaskException ex)
            {
                await session.CallAsync("host.refuseTask", [context.Id], Kw(("msg", ex.Message)), CancellationToken.None).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (running.Cancel.IsCancellationRequested)
            {
                // Canceled or reassigned on the hub, or the builder is stopping (the task is freed at shutdown).
                LogTaskCanceled(context.Id);
                return;
            }
            catch (Exception ex)
            {
                var (code, text) = ex switch
                {
                    XmlRpcFaultException f => (f.FaultCode, f.FaultString),
                    BuildErrorException b => (b.FaultCode, b.Message),
                    _ => (1, ex.ToString()),
                };
                LogTaskFailed(context.Id, context.Method, code, ex.Message);
                var fault = FaultDocument(code, text);
                await session.CallAsync("host.failTask", [context.Id, fault], null, CancellationToken.None).ConfigureAwait(false);
                return;
            }
            await session.CallAsync("host.closeTask", [context.Id, ResponseDocument(result)], null, CancellationToken.None).ConfigureAwait(false);
            LogTaskClosed(context.Id, context.Method);
        }
        catch (Exception ex) when (ex is XmlRpcFaultException or HttpRequestException or TimeoutException or IOException or UnauthorizedAccessException)
        {
            LogTaskReportFailed(context.Id, ex.Message);
        }
        finally
        {
            var subsessionId = session.SessionId;
            try
            {
                await session.LogoutAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is XmlRpcFaultException or HttpRequestException or TimeoutException)
            {
                if (subsessionId is { } sid && _session is { } main)
                {
                    await IgnoreFailures(() => main.LogoutChildAsync(sid, CancellationToken.None)).ConfigureAwait(false);
                }
            }
            await session.DisposeAsync().ConfigureAwait(false);
            TryDelete(context.WorkDir);
            _running.TryRemove(context.Id, out _);
            running.Cancel.Dispose();
            _localChange.Release();
        }
    }

    /// <summary>The <c>methodResponse</c> document <c>host.closeTask</c> stores as the task's result.</summary>
    public static string ResponseDocument(object? result) =>
        System.Text.Encoding.UTF8.GetString(XmlRpcWriter.ResponseToBytes(result));

    /// <summary>The fault <c>methodResponse</c> document <c>host.failTask</c> stores.</summary>
    public static string FaultDocument(int code, string text)
    {
        using var buffer = new MemoryStream();
        XmlRpcWriter.WriteFault(buffer, code, text);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Nothing taken: long-poll the hub until something concerns this host (or a local task
    /// ends); against an upstream hub, sleep <c>sleeptime</c> like kojid.
    /// </summary>
    private async Task IdleAsync(CancellationToken ct)
    {
        using var local = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var localChange = _localChange.WaitAsync(local.Token);
        if (_hubHasWaitTasks && _options.WaitTasksTimeout > 0)
        {
            // Passing the held tasks lets the hub answer at once if one of them was canceled meanwhile.
            var held = _running.Keys.Cast<object?>().ToList();
            var poll = _session!.CallAsync("host.waitTasks", [_options.WaitTasksTimeout],
                new Dictionary<string, object?>(StringComparer.Ordinal) { ["tasks"] = held }, local.Token);
            try
            {
                await Task.WhenAny(poll, localChange).ConfigureAwait(false);
                if (poll.IsCompleted)
                {
                    await poll.ConfigureAwait(false);
                }
            }
            catch (XmlRpcFaultException ex) when (ex.FaultCode == KojiFaultCode.GenericError && ex.FaultString.Contains("Invalid method", StringComparison.Ordinal))
            {
                LogNoWaitTasks();
                _hubHasWaitTasks = false;
            }
            finally
            {
                await local.CancelAsync().ConfigureAwait(false);
                await IgnoreFailures(() => poll).ConfigureAwait(false);
            }
            if (_hubHasWaitTasks)
            {
                return;
            }
        }
        await Task.WhenAny(localChange, Task.Delay(TimeSpan.FromSeconds(_options.SleepTime), local.Token)).ConfigureAwait(false);
        await local.CancelAsync().ConfigureAwait(false);
        await IgnoreFailures(() => localChange).ConfigureAwait(false);
    }

    private static async Task IgnoreFailures(Func<Task> action)
    {
        try
        {
            await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or XmlRpcFaultException or HttpRequestException or TimeoutException)
        {
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>§4 SIGTERM: stop the tasks, give them back to the hub, report not ready, log out.</summary>
    private async Task ShutdownAsync()
    {
        if (_session is not { } session)
        {
            return;
        }
        var held = _running.Keys.Cast<object?>().ToList();
        foreach (var running in _running.Values)
        {
            await running.Cancel.CancelAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_running.Values.Select(r => r.Run ?? Task.CompletedTask)).WaitAsync(TimeSpan.FromSeconds(30)).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        if (held.Count > 0)
        {
            await IgnoreFailures(() => session.CallAsync("host.freeTasks", [held], null, CancellationToken.None)).ConfigureAwait(false);
        }
        await IgnoreFailures(() => session.CallAsync("host.updateHost", [0.0, false], null, CancellationToken.None)).ConfigureAwait(false);
        await IgnoreFailures(() => session.LogoutAsync(CancellationToken.None)).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_session is { } session)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
        _http.Dispose();
        _localChange.Dispose();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Logged in as host {Name} (id {HostId})")]
    private partial void LogLoggedIn(string name, int hostId);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Authentication failed: {Message}")]
    private partial void LogAuthFailed(string message);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Main loop error: {Message}")]
    private partial void LogLoopError(string message);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Freeing stale tasks: {Ids}")]
    private partial void LogFreeingStale(string ids);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Stopping task {TaskId} (state on the hub: {State})")]
    private partial void LogKillingTask(int taskId, int state);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Debug, Message = "Not ready: {Reason}")]
    private partial void LogNotReady(string reason);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "Task {TaskId} ({Method}) started")]
    private partial void LogTaskStarted(int taskId, string method);

    [LoggerMessage(EventId = 4008, Level = LogLevel.Information, Message = "Task {TaskId} ({Method}) closed")]
    private partial void LogTaskClosed(int taskId, string method);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Warning, Message = "Task {TaskId} ({Method}) failed with fault {Code}: {Message}")]
    private partial void LogTaskFailed(int taskId, string method, int code, string message);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Task {TaskId} stopped")]
    private partial void LogTaskCanceled(int taskId);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Error, Message = "Could not report the end of task {TaskId}: {Message}")]
    private partial void LogTaskReportFailed(int taskId, string message);

    [LoggerMessage(EventId = 4012, Level = LogLevel.Information, Message = "The hub has no host.waitTasks; polling every sleeptime seconds")]
    private partial void LogNoWaitTasks();
}
