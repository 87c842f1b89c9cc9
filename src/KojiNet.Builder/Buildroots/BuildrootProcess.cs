using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Buildroots;

/// <summary>How a buildroot command ended.</summary>
/// <param name="ExitCode">The exit status (-1 when it was killed for running too long).</param>
/// <param name="TimedOut">Whether it was killed because it ran longer than its time limit.</param>
internal sealed record ProcessOutcome(int ExitCode, bool TimedOut);

/// <summary>
/// Runs the commands of a buildroot: output (stdout and stderr interleaved) is appended to a log
/// file as it comes, flushed per chunk so a log streamer sees it at once; stdin is empty.
/// Cancellation or the time limit kills the whole process tree.
/// </summary>
internal static class BuildrootProcess
{
    private static readonly TimeSpan KillWait = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan OutputDrainWait = TimeSpan.FromSeconds(60);

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string? workingDirectory = null)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (workingDirectory is not null)
        {
            psi.WorkingDirectory = workingDirectory;
        }
        foreach (var a in arguments)
        {
            psi.ArgumentList.Add(a);
        }
        return psi;
    }

    /// <summary>Runs the process with its output appended to <paramref name="logPath"/>.</summary>
    public static async Task<ProcessOutcome> RunLoggedAsync(ProcessStartInfo psi, string logPath, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        await using var log = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1, useAsync: false);
        var gate = new Lock();
        return await RunAsync(psi, chunk =>
        {
            lock (gate)
            {
                if (log.CanWrite)
                {
                    log.Write(chunk.Span);
                    log.Flush();
                }
            }
        }, timeout, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the process and returns its exit status and its output (stdout and stderr together).</summary>
    public static async Task<(ProcessOutcome Outcome, string Output)> RunCapturedAsync(ProcessStartInfo psi, CancellationToken cancellationToken)
    {
        var output = new MemoryStream();
        var gate = new Lock();
        var outcome = await RunAsync(psi, chunk =>
        {
            lock (gate)
            {
                output.Write(chunk.Span);
            }
        }, null, cancellationToken).ConfigureAwait(false);
        return (outcome, Encoding.UTF8.GetString(output.GetBuffer(), 0, (int)output.Length));
    }

    /// <summary>Runs the process, handing its output (stdout and stderr interleaved) to <paramref name="sink"/> chunk by chunk.</summary>
    public static async Task<ProcessOutcome> RunAsync(ProcessStartInfo psi, Action<ReadOnlyMemory<byte>> sink, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Process process;
        try
        {
            process = await StartAsync(psi).ConfigureAwait(false);
        }
        catch (Win32Exception e)
        {
            throw new BuildrootException(KojiFaultCode.BuildrootError, $"cannot run {psi.FileName}: {e.Message}", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var pumps = Task.WhenAll(
                PumpAsync(process.StandardOutput.BaseStream, sink),
                PumpAsync(process.StandardError.BaseStream, sink));
            using var limit = new CancellationTokenSource();
            if (timeout is { } t)
            {
                limit.CancelAfter(t);
            }
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, limit.Token);
            try
            {
                await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
                try
                {
                    // A daemonised grandchild can hold the pipes open: its output is not waited for long.
                    await pumps.WaitAsync(OutputDrainWait, linked.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
                return new ProcessOutcome(process.ExitCode, false);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                KillTree(process);
                await Task.WhenAny(pumps, Task.Delay(KillWait, CancellationToken.None)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                return new ProcessOutcome(-1, true);
            }
        }
    }

    // Children are started from one thread that lives as long as the builder: bubblewrap's
    // --die-with-parent (PR_SET_PDEATHSIG) fires when the *thread* that forked it exits, and a
    // thread-pool thread can retire in the middle of a build.
    private static readonly BlockingCollection<(ProcessStartInfo StartInfo, TaskCompletionSource<Process> Started)> SpawnQueue = StartSpawner();

    private static BlockingCollection<(ProcessStartInfo, TaskCompletionSource<Process>)> StartSpawner()
    {
        var queue = new BlockingCollection<(ProcessStartInfo, TaskCompletionSource<Process>)>();
        var thread = new Thread(() =>
        {
            foreach (var (psi, started) in queue.GetConsumingEnumerable())
            {
                try
                {
                    started.SetResult(Process.Start(psi) ?? throw new InvalidOperationException($"{psi.FileName} did not start"));
                }
                catch (Exception e) when (e is Win32Exception or InvalidOperationException)
                {
                    started.SetException(e);
                }
            }
        })
        {
            IsBackground = true,
            Name = "buildroot process starter",
        };
        thread.Start();
        return queue;
    }

    private static Task<Process> StartAsync(ProcessStartInfo psi)
    {
        var started = new TaskCompletionSource<Process>(TaskCreationOptions.RunContinuationsAsynchronously);
        SpawnQueue.Add((psi, started));
        return started.Task;
    }

    /// <summary>Kills the process and every descendant, and waits (briefly) for the process to be gone.</summary>
    public static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
        catch (Win32Exception)
        {
            // Raced with its exit.
        }
        process.WaitForExit(KillWait);
    }

    private static async Task PumpAsync(Stream stream, Action<ReadOnlyMemory<byte>> sink)
    {
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await stream.ReadAsync(buffer, CancellationToken.None).ConfigureAwait(false)) > 0)
        {
            sink(buffer.AsMemory(0, n));
        }
    }

    /// <summary>The command as a shell-like line for logs.</summary>
    public static string Describe(string fileName, IEnumerable<string> arguments) =>
        string.Join(' ', arguments.Prepend(fileName).Select(Quote));

    private static string Quote(string word) =>
        word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:@%+,".Contains(c, StringComparison.Ordinal))
            ? word
            : "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Seconds for a message.</summary>
    public static string Seconds(TimeSpan t) => ((long)t.TotalSeconds).ToString(CultureInfo.InvariantCulture);
}
