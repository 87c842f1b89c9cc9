namespace KojiNet.Builder.Buildroots;

/// <summary>
/// What both backends share: paths, the one-operation-at-a-time rule, and removal of the
/// buildroot when an operation is cancelled.
/// </summary>
internal abstract class BuildrootBase : IBuildroot
{
    private int _busy;
    private bool _removed;

    protected BuildrootBase(BuildrootRequest request, BuildrootOptions options, string backend)
    {
        Request = request;
        Options = options;
        Backend = backend;
        BuildrootDir = Path.Combine(options.MockDir, request.Name);
        ResultDir = Path.Combine(BuildrootDir, "result");
    }

    public BuildrootRequest Request { get; }

    public string Backend { get; }

    public string Name => Request.Name;

    public string BuildrootDir { get; }

    public string ResultDir { get; }

    public abstract string ScratchDir { get; }

    public string ConfigText { get; protected set; } = string.Empty;

    protected BuildrootOptions Options { get; }

    protected string MockOutputLog => Path.Combine(Request.WorkDir, BuildrootLogs.MockOutput);

    protected string RootLog => Path.Combine(ResultDir, BuildrootLogs.Root);

    protected string BuildLog => Path.Combine(ResultDir, BuildrootLogs.Build);

    protected bool Initialized { get; set; }

    public IReadOnlyList<string> LogFiles()
    {
        var logs = new List<string>();
        foreach (var name in new[] { BuildrootLogs.MockConfig, BuildrootLogs.MockOutput })
        {
            var path = Path.Combine(Request.WorkDir, name);
            if (File.Exists(path))
            {
                logs.Add(path);
            }
        }
        if (Directory.Exists(ResultDir))
        {
            logs.AddRange(Directory.EnumerateFiles(ResultDir, "*.log").Order(StringComparer.Ordinal));
        }
        logs.AddRange(ExtraLogFiles());
        return logs;
    }

    protected virtual IEnumerable<string> ExtraLogFiles() => [];

    public abstract string ToBuildrootPath(string hostPath);

    public BuildrootResults ScanResults() => BuildrootResults.Scan(ResultDir);

    public Task InitAsync(CancellationToken cancellationToken) =>
        RunAsync(async ct =>
        {
            await InitCoreAsync(ct).ConfigureAwait(false);
            Initialized = true;
            return true;
        }, requireInit: false, cancellationToken);

    public Task<IReadOnlyList<InstalledRpm>> ListInstalledPackagesAsync(CancellationToken cancellationToken) =>
        RunAsync(ListInstalledCoreAsync, requireInit: true, cancellationToken);

    public Task<string> BuildSrpmAsync(string specFile, string sourcesDir, CancellationToken cancellationToken)
    {
        RequireFile(specFile, "spec file");
        if (!Directory.Exists(sourcesDir))
        {
            throw new ArgumentException($"sources directory {sourcesDir} does not exist", nameof(sourcesDir));
        }
        return RunAsync(ct => BuildSrpmCoreAsync(Path.GetFullPath(specFile), Path.GetFullPath(sourcesDir), ct), requireInit: true, cancellationToken);
    }

    public Task<string> RebuildSrpmAsync(string srpmFile, CancellationToken cancellationToken)
    {
        RequireFile(srpmFile, "SRPM");
        return RunAsync(ct => RebuildSrpmCoreAsync(Path.GetFullPath(srpmFile), ct), requireInit: true, cancellationToken);
    }

    public Task<BuildrootResults> BuildRpmsAsync(string srpmFile, string? targetArch, CancellationToken cancellationToken)
    {
        RequireFile(srpmFile, "SRPM");
        if (targetArch is not null && (targetArch.Length == 0 || targetArch.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '_')))
        {
            throw new ArgumentException($"invalid target arch '{targetArch}'", nameof(targetArch));
        }
        return RunAsync(ct => BuildRpmsCoreAsync(Path.GetFullPath(srpmFile), targetArch, ct), requireInit: true, cancellationToken);
    }

    public Task RunCommandAsync(IReadOnlyList<string> command, string workingDir, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Count == 0 || string.IsNullOrEmpty(command[0]))
        {
            throw new ArgumentException("empty command", nameof(command));
        }
        return RunAsync(async ct =>
        {
            await RunCommandCoreAsync(command, workingDir, ct).ConfigureAwait(false);
            return true;
        }, requireInit: true, cancellationToken);
    }

    public async Task RemoveAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException($"buildroot {Name} is busy");
        }
        try
        {
            await RemoveOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    protected abstract Task InitCoreAsync(CancellationToken cancellationToken);

    protected abstract Task<IReadOnlyList<InstalledRpm>> ListInstalledCoreAsync(CancellationToken cancellationToken);

    protected abstract Task<string> BuildSrpmCoreAsync(string specFile, string sourcesDir, CancellationToken cancellationToken);

    protected abstract Task<string> RebuildSrpmCoreAsync(string srpmFile, CancellationToken cancellationToken);

    protected abstract Task<BuildrootResults> BuildRpmsCoreAsync(string srpmFile, string? targetArch, CancellationToken cancellationToken);

    protected abstract Task RunCommandCoreAsync(IReadOnlyList<string> command, string workingDir, CancellationToken cancellationToken);

    protected abstract Task RemoveCoreAsync(CancellationToken cancellationToken);

    /// <summary>The one SRPM a step left in <paramref name="dir"/>, moved into the result dir.</summary>
    protected string TakeSingleSrpm(string dir, string step)
    {
        var srpms = Directory.Exists(dir) ? Directory.GetFiles(dir, "*.src.rpm") : [];
        if (srpms.Length != 1)
        {
            throw new BuildrootException(
                $"{step}: expected exactly one SRPM, found {srpms.Length}{(srpms.Length > 0 ? ": " + string.Join(", ", srpms.Select(Path.GetFileName)) : string.Empty)}");
        }
        var target = Path.Combine(ResultDir, Path.GetFileName(srpms[0]));
        if (!string.Equals(Path.GetFullPath(srpms[0]), target, StringComparison.Ordinal))
        {
            File.Move(srpms[0], target, overwrite: true);
        }
        return target;
    }

    /// <summary>kojid's hint about which log explains a failed run.</summary>
    protected static string LogHint(int exitCode) => exitCode switch
    {
        10 => BuildrootLogs.Build,
        1 => $"{BuildrootLogs.Build} or {BuildrootLogs.Root}",
        _ => BuildrootLogs.Root,
    };

    private async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, bool requireInit, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException($"buildroot {Name} is busy with another operation");
        }
        try
        {
            if (_removed)
            {
                throw new InvalidOperationException($"buildroot {Name} has been removed");
            }
            if (requireInit && !Initialized)
            {
                throw new InvalidOperationException($"buildroot {Name} is not initialised");
            }
            return await operation(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Cancelled: the process tree is already killed; the buildroot goes too.
            await RemoveOnceAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    private async Task RemoveOnceAsync(CancellationToken cancellationToken)
    {
        if (_removed)
        {
            return;
        }
        await RemoveCoreAsync(cancellationToken).ConfigureAwait(false);
        _removed = true;
    }

    private static void RequireFile(string path, string what)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new ArgumentException($"{what} {path} does not exist");
        }
    }
}
