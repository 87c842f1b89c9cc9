using System.Globalization;
using KojiNet.Client;
using KojiNet.XmlRpc;
using Microsoft.Extensions.Logging;

namespace KojiNet.Repos;

/// <summary>
/// The repo service, Koji's kojira (spec/kojira.md §6–§7): keeps the hub's repo queue moving
/// (<c>repo.checkQueue</c>, <c>repo.autoRequests</c>, <c>repo.updateEndEvents</c>), marks stuck
/// repos PROBLEM, expires superseded READY repos, and deletes expired ones after
/// <c>expired_repo_lifetime</c> — never while a buildroot still uses them.
/// </summary>
public sealed partial class RepoService : IAsyncDisposable
{
    private const int Init = 0;
    private const int Ready = 1;
    private const int Expired = 2;
    private const int Deleted = 3;
    private const int Problem = 4;

    private static readonly object?[] RepoFields =
    [
        "id", "tag_id", "tag_name", "create_event", "state", "dist", "task_id", "creation_ts", "state_ts", "end_event", "opts",
        "custom_opts", "task_state",
    ];

    private readonly KojiraOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly Dictionary<int, double> _lastExpireCheck = [];
    private readonly Dictionary<int, double> _lastReferenceCheck = [];
    private KojiSession? _session;

    /// <summary>Creates the service; nothing is contacted until <see cref="RunAsync"/>.</summary>
    public RepoService(KojiraOptions options, ILogger logger, TimeProvider? clock = null)
    {
        _options = options;
        _logger = logger;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>Logs in and runs the passes every <c>sleeptime</c> seconds until stopped.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        _session = await LoginAsync(stoppingToken).ConfigureAwait(false);
        var external = _options.CheckExternalRepos ? Task.Run(() => RunExternalChecksAsync(_session, stoppingToken), CancellationToken.None) : Task.CompletedTask;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (KojiAuthException)
            {
                throw;
            }
            catch (Exception ex) when (ex is XmlRpcFaultException or HttpRequestException or TimeoutException or IOException or InvalidCastException)
            {
                LogPassFailed(ex.Message);
            }
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(_options.SleepTime), _clock, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await external.ConfigureAwait(false);
        await _session.LogoutAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// The <c>check_external</c> thread (§3, <c>check_external_repos</c>): an external repo
    /// timestamp pass every <c>sleeptime</c> seconds on its own subsession, so a slow external
    /// server never delays the queue passes.
    /// </summary>
    private async Task RunExternalChecksAsync(KojiSession session, CancellationToken stoppingToken)
    {
        KojiSession? sub = null;
        using var checker = new ExternalRepoChecker(_logger);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    sub ??= await session.SubsessionAsync(stoppingToken).ConfigureAwait(false);
                    await checker.CheckAsync(sub, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (KojiAuthException ex)
                {
                    // The subsession is gone (hub restart, logout): a new one next time.
                    LogExternalFailed(ex.Message);
                    if (sub is not null)
                    {
                        await sub.DisposeAsync().ConfigureAwait(false);
                        sub = null;
                    }
                }
                catch (Exception ex) when (ex is XmlRpcFaultException or HttpRequestException or TimeoutException or IOException or InvalidCastException or XmlRpcFormatException)
                {
                    LogExternalFailed(ex.Message);
                }
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(_options.SleepTime), _clock, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
        finally
        {
            if (sub is not null)
            {
                await sub.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task<KojiSession> LoginAsync(CancellationToken ct)
    {
        var session = new KojiSession(new KojiClientOptions
        {
            Server = _options.Server!,
            CertFile = _options.Cert is { } c && File.Exists(c) ? c : null,
            ServerCaFile = _options.ServerCa is { } ca && File.Exists(ca) ? ca : null,
            NoSslVerify = _options.NoSslVerify,
            RetryInterval = TimeSpan.FromSeconds(_options.RetryInterval),
            MaxRetries = _options.MaxRetries,
            OfflineRetry = _options.OfflineRetry,
            OfflineRetryInterval = TimeSpan.FromSeconds(_options.OfflineRetryInterval),
        });
        if (session.Options.CertFile is not null)
        {
            await session.SslLoginAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        else if (_options.User is { } user)
        {
            await session.LoginAsync(user, _options.Password ?? "", ct).ConfigureAwait(false);
        }
        else
        {
            throw new InvalidOperationException("no way to log in: set 'cert' or 'user'/'password' in kojira.conf");
        }
        await session.ExclusiveSessionAsync(force: true, ct).ConfigureAwait(false);
        return session;
    }

    /// <summary>One pass: the queue calls, then the state checks of every repo that is not DELETED.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        var session = _session ?? throw new InvalidOperationException("not logged in");
        await session.CallAsync("repo.checkQueue", [], null, ct).ConfigureAwait(false);
        await session.CallAsync("repo.autoRequests", [], null, ct).ConfigureAwait(false);
        await session.CallAsync("repo.updateEndEvents", [], null, ct).ConfigureAwait(false);
        var clauses = new List<object?> { new List<object?> { "state", "!=", Deleted } };
        var repos = List(await session.CallAsync("repo.query", [clauses], new Dictionary<string, object?>(StringComparer.Ordinal) { ["fields"] = RepoFields.ToList() }, ct).ConfigureAwait(false))
            .Select(Dict).ToList();
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        foreach (var repo in repos)
        {
            var state = Int(repo["state"]);
            switch (state)
            {
                case Init:
                    await CheckInitAsync(session, repo, now, ct).ConfigureAwait(false);
                    break;
                case Ready:
                    await CheckExpireAsync(session, repo, repos, now, ct).ConfigureAwait(false);
                    break;
                case Expired or Problem:
                    await CheckDeleteAsync(session, repo, now, ct).ConfigureAwait(false);
                    break;
            }
        }
    }

    /// <summary>§7.3: INIT too long, or its task failed or was canceled → PROBLEM.</summary>
    private async Task CheckInitAsync(KojiSession session, IReadOnlyDictionary<string, object?> repo, double now, CancellationToken ct)
    {
        var created = Double(repo.GetValueOrDefault("creation_ts"));
        var taskState = repo.GetValueOrDefault("task_state") is { } ts ? Int(ts) : (int?)null;
        if (created is null || now - created > _options.InitTimeout || taskState is 3 or 5)
        {
            LogProblem(Int(repo["id"]));
            await session.CallAsync("repoProblem", [repo["id"]], null, ct).ConfigureAwait(false);
        }
    }

    /// <summary>§7.1: expire READY repos that are no longer current, old enough and not the newest one a target needs.</summary>
    private async Task CheckExpireAsync(KojiSession session, IReadOnlyDictionary<string, object?> repo, List<IReadOnlyDictionary<string, object?>> all, double now, CancellationToken ct)
    {
        var id = Int(repo["id"]);
        var dist = Truthy(repo.GetValueOrDefault("dist"));
        var custom = repo.GetValueOrDefault("custom_opts") is IReadOnlyDictionary<string, object?> c && c.Count > 0;
        if (repo.GetValueOrDefault("end_event") is null && !custom)
        {
            return;
        }
        var age = now - (Double(repo.GetValueOrDefault("state_ts")) ?? now);
        if (age <= (dist ? _options.DistRepoLifetime : _options.RepoLifetime))
        {
            return;
        }
        if (_lastExpireCheck.TryGetValue(id, out var last) && now - last < _options.RecheckPeriod)
        {
            return;
        }
        _lastExpireCheck[id] = now;
        if (!custom)
        {
            var tagId = Int(repo["tag_id"]);
            var newest = all.Where(r => Int(r["tag_id"]) == tagId && Int(r["state"]) == Ready && Truthy(r.GetValueOrDefault("dist")) == dist
                    && !(r.GetValueOrDefault("custom_opts") is IReadOnlyDictionary<string, object?> o && o.Count > 0))
                .MaxBy(r => Int(r["create_event"]));
            if (newest is not null && Int(newest["id"]) == id)
            {
                if (dist)
                {
                    return;
                }
                var targets = List(await session.CallAsync("getBuildTargets", [], new Dictionary<string, object?>(StringComparer.Ordinal) { ["buildTagID"] = tagId }, ct).ConfigureAwait(false));
                if (targets.Count > 0)
                {
                    return;
                }
            }
        }
        LogExpire(id);
        await session.CallAsync("repoExpire", [id], null, ct).ConfigureAwait(false);
    }

    /// <summary>§7.2: delete EXPIRED/PROBLEM repos after their lifetime, unless a buildroot still uses them.</summary>
    private async Task CheckDeleteAsync(KojiSession session, IReadOnlyDictionary<string, object?> repo, double now, CancellationToken ct)
    {
        var id = Int(repo["id"]);
        var age = now - (Double(repo.GetValueOrDefault("state_ts")) ?? now);
        if (age < _options.ExpiredRepoLifetime)
        {
            return;
        }
        var period = _options.ReferenceRecheckPeriod ?? _options.RecheckPeriod;
        if (_lastReferenceCheck.TryGetValue(id, out var last) && now - last < period)
        {
            return;
        }
        _lastReferenceCheck[id] = now;
        var references = List(await session.CallAsync("repo.references", [id], null, ct).ConfigureAwait(false));
        if (references.Count > 0)
        {
            LogStillUsed(id, references.Count);
            return;
        }
        await session.CallAsync("repo.setState", [id, Deleted], null, ct).ConfigureAwait(false);
        var dir = Path.Combine(_options.TopDir, Truthy(repo.GetValueOrDefault("dist")) ? "repos-dist" : "repos",
            Convert.ToString(repo["tag_name"], CultureInfo.InvariantCulture)!, id.ToString(CultureInfo.InvariantCulture));
        LogDelete(id, dir);
        if (new FileInfo(dir).LinkTarget is not null)
        {
            File.Delete(dir);
        }
        else if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static IReadOnlyList<object?> List(object? value) => value as IReadOnlyList<object?> ?? [];

    private static IReadOnlyDictionary<string, object?> Dict(object? value) =>
        value as IReadOnlyDictionary<string, object?> ?? throw new InvalidCastException("expected a struct from the hub");

    private static int Int(object? value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);

    private static double? Double(object? value) => value is null ? null : Convert.ToDouble(value, CultureInfo.InvariantCulture);

    private static bool Truthy(object? value) => XmlRpcMethodCall.IsTruthy(value);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_session is { } session)
        {
            await session.DisposeAsync().ConfigureAwait(false);
        }
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Repo pass failed: {Message}")]
    private partial void LogPassFailed(string message);

    [LoggerMessage(EventId = 5006, Level = LogLevel.Warning, Message = "External repo check failed: {Message}")]
    private partial void LogExternalFailed(string message);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Repo {RepoId} is stuck in INIT or its task failed: marking it PROBLEM")]
    private partial void LogProblem(int repoId);

    [LoggerMessage(EventId = 5003, Level = LogLevel.Information, Message = "Expiring repo {RepoId}")]
    private partial void LogExpire(int repoId);

    [LoggerMessage(EventId = 5004, Level = LogLevel.Information, Message = "Repo {RepoId} is expired but still used by {Count} buildroot(s)")]
    private partial void LogStillUsed(int repoId, int count);

    [LoggerMessage(EventId = 5005, Level = LogLevel.Information, Message = "Deleting repo {RepoId} at {Dir}")]
    private partial void LogDelete(int repoId, string dir);
}
