using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KojiNet.Client;

/// <summary>Timing and sizes of a <see cref="LogStreamer"/>; the defaults are the builder's (builder.md §17).</summary>
public sealed class LogStreamerOptions
{
    /// <summary>How often new bytes are looked for (1 second).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The largest piece sent in one request (64 KiB).</summary>
    public int ChunkSize { get; set; } = 64 * 1024;

    /// <summary>How many times a failed piece is sent again before the pass gives up (5).</summary>
    public int Retries { get; set; } = 5;

    /// <summary>The pause before sending a failed piece again (10 seconds).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// Streams growing local log files to a directory of the hub's work tree while a build runs,
/// as the builder does with mock's logs: every <see cref="LogStreamerOptions.Interval"/> the new
/// bytes of each watched file are uploaded in pieces of at most
/// <see cref="LogStreamerOptions.ChunkSize"/> at the current offset with overwrite on, so the
/// remote copy follows the local one; a file that shrank (truncated or replaced by a shorter
/// one) is sent again from the start. <see cref="StopAsync"/> ends the loop with a final pass.
/// </summary>
/// <remarks>
/// Files that do not exist yet are picked up once they appear; empty files are not created
/// remotely. A replaced file that is not shorter than what was already sent is not detected.
/// Errors of the background passes are logged and retried on the next pass; errors of
/// <see cref="FlushAsync"/> and <see cref="StopAsync"/> are thrown.
/// </remarks>
public sealed class LogStreamer : IAsyncDisposable
{
    private readonly KojiSession _session;
    private readonly string _remoteDir;
    private readonly LogStreamerOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _filesLock = new();
    private readonly List<WatchedFile> _files = [];
    private readonly SemaphoreSlim _passLock = new(1, 1);
    private CancellationTokenSource? _loopStop;
    private Task? _loop;

    /// <summary>Creates a streamer that uploads through <paramref name="session"/> into <paramref name="remoteDir"/>.</summary>
    /// <param name="session">A logged-in session allowed to write to the directory (for task output: the host's session).</param>
    /// <param name="remoteDir">Destination relative to the hub's work directory, such as <c>tasks/1234/91234</c>.</param>
    /// <param name="options">Timing and sizes; the defaults when <see langword="null"/>.</param>
    /// <param name="logger">Where failed passes are reported.</param>
    public LogStreamer(KojiSession session, string remoteDir, LogStreamerOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentException.ThrowIfNullOrEmpty(remoteDir);
        options ??= new LogStreamerOptions();
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ChunkSize, 0, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.Retries, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.Interval, TimeSpan.Zero, nameof(options));
        _session = session;
        _remoteDir = remoteDir;
        _options = options;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Starts watching a file (it need not exist yet).</summary>
    /// <param name="localPath">The local file.</param>
    /// <param name="remoteName">The remote file name; defaults to the local one.</param>
    /// <exception cref="ArgumentException">The remote name is already watched, or is not a valid upload name.</exception>
    public void Add(string localPath, string? remoteName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        remoteName ??= Path.GetFileName(localPath);
        if (remoteName.Length == 0 || remoteName.StartsWith('.') || remoteName.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"remote log name '{remoteName}' must be non-empty, without '/', and not start with '.'", nameof(remoteName));
        }
        lock (_filesLock)
        {
            if (_files.Any(f => f.RemoteName == remoteName))
            {
                throw new ArgumentException($"a log named '{remoteName}' is already being streamed", nameof(remoteName));
            }
            _files.Add(new WatchedFile(Path.GetFullPath(localPath), remoteName));
        }
    }

    /// <summary>The number of bytes of each watched file (by remote name) known to be on the hub.</summary>
    public IReadOnlyDictionary<string, long> UploadedBytes
    {
        get
        {
            lock (_filesLock)
            {
                return _files.ToDictionary(f => f.RemoteName, f => Interlocked.Read(ref f.Offset), StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Starts the background loop.</summary>
    /// <exception cref="InvalidOperationException">Already started.</exception>
    public void Start()
    {
        if (_loop is not null)
        {
            throw new InvalidOperationException("the log streamer is already running");
        }
        _loopStop = new CancellationTokenSource();
        _loop = RunAsync(_loopStop.Token);
    }

    /// <summary>Uploads whatever is new in every watched file now.</summary>
    /// <exception cref="KojiFaultException">The hub refused a piece (after the retries).</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _passLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            WatchedFile[] files;
            lock (_filesLock)
            {
                files = [.. _files];
            }
            foreach (var file in files)
            {
                await UploadNewBytesAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _passLock.Release();
        }
    }

    /// <summary>Stops the background loop (if started) and makes a final pass.</summary>
    /// <param name="cancellationToken">Cancels the final pass.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await StopLoopAsync().ConfigureAwait(false);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the background loop without a final pass.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopLoopAsync().ConfigureAwait(false);
        _loopStop?.Dispose();
    }

    private async Task StopLoopAsync()
    {
        if (_loop is { } loop)
        {
            await _loopStop!.CancelAsync().ConfigureAwait(false);
            await loop.ConfigureAwait(false);
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        // Off the caller's thread from the start.
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await FlushAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The next pass starts again from what is known to have arrived.
                Log.LogPassFailed(_logger, _remoteDir, e.Message);
            }
            try
            {
                await Task.Delay(_options.Interval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task UploadNewBytesAsync(WatchedFile file, CancellationToken cancellationToken)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(file.LocalPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete,
                1 << 16, useAsync: true);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }
        await using (stream.ConfigureAwait(false))
        {
            var offset = Interlocked.Read(ref file.Offset);
            var length = stream.Length;
            if (length < offset)
            {
                Log.LogRestarted(_logger, file.LocalPath, offset, length);
                offset = 0;
                Interlocked.Exchange(ref file.Offset, 0);
            }
            if (length == offset)
            {
                return;
            }
            stream.Seek(offset, SeekOrigin.Begin);
            var buffer = new byte[_options.ChunkSize];
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await UploadPieceAsync(file, buffer.AsMemory(0, n), offset, cancellationToken).ConfigureAwait(false);
                offset += n;
                Interlocked.Exchange(ref file.Offset, offset);
            }
        }
    }

    private async Task UploadPieceAsync(WatchedFile file, ReadOnlyMemory<byte> data, long offset, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _session.UploadChunkAsync(_remoteDir, file.RemoteName, data, offset, overwrite: true, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (attempt <= _options.Retries && !cancellationToken.IsCancellationRequested
                && e is KojiFaultException or KojiUploadException or IOException or HttpRequestException or TimeoutException)
            {
                Log.LogChunkFailed(_logger, file.RemoteName, offset, attempt, _options.Retries + 1, e.Message);
                await Task.Delay(_options.RetryDelay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private sealed class WatchedFile(string localPath, string remoteName)
    {
        public long Offset;

        public string LocalPath { get; } = localPath;

        public string RemoteName { get; } = remoteName;
    }
}
