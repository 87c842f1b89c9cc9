using System.ComponentModel;
using System.Diagnostics;

namespace KojiNet.Builder.Scm;

/// <summary>
/// Runs an SCM client (git) with its stdout and stderr appended to a log file as they come, so
/// the log can be tailed and uploaded while the command runs. Cancellation kills the command's
/// whole process tree.
/// </summary>
internal static class ScmCommand
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Runs the command; returns its exit code and what it printed on stdout when <paramref name="captureStdout"/>.</summary>
    public static async Task<(int ExitCode, string StdOut)> RunAsync(string fileName, IReadOnlyList<string> args,
        string workingDirectory, IReadOnlyDictionary<string, string>? environment, string logPath,
        bool captureStdout, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }
        // Never wait for a password on a terminal: fail instead.
        psi.Environment["GIT_TERMINAL_PROMPT"] = "0";
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                psi.Environment[key] = value;
            }
        }

        var logDirectory = Path.GetDirectoryName(Path.GetFullPath(logPath));
        if (logDirectory is not null)
        {
            Directory.CreateDirectory(logDirectory);
        }
        var log = new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        await using (log.ConfigureAwait(false))
        {
            using var process = new Process { StartInfo = psi };
            try
            {
                process.Start();
            }
            catch (Win32Exception e)
            {
                throw ScmException.Build($"Cannot run {fileName}: {e.Message}", e);
            }
            process.StandardInput.Close();
            using var gate = new SemaphoreSlim(1, 1);
            using var stdout = new MemoryStream();
            var pumps = Task.WhenAll(
                PumpAsync(process.StandardOutput.BaseStream, log, gate, captureStdout ? stdout : null),
                PumpAsync(process.StandardError.BaseStream, log, gate, null));
            using (cancellationToken.Register(() => Kill(process)))
            {
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    // A descendant that survived may hold the pipes open; don't hang on it when cancelled.
                    await pumps.WaitAsync(cancellationToken.IsCancellationRequested ? DrainTimeout : Timeout.InfiniteTimeSpan,
                        CancellationToken.None).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            return (process.ExitCode, System.Text.Encoding.UTF8.GetString(stdout.ToArray()));
        }
    }

    private static void Kill(Process process)
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
            // Exiting while being killed.
        }
    }

    private static async Task PumpAsync(Stream from, FileStream log, SemaphoreSlim gate, MemoryStream? copy)
    {
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                if (copy is not null)
                {
                    copy.Write(buffer, 0, n);
                    continue;
                }
                await gate.WaitAsync().ConfigureAwait(false);
                try
                {
                    await log.WriteAsync(buffer.AsMemory(0, n)).ConfigureAwait(false);
                    await log.FlushAsync().ConfigureAwait(false);
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The run was cancelled and gave up waiting for this stream.
        }
    }
}
