using System.Diagnostics;
using KojiNet.TestSupport;

namespace KojiNet.Builder.Tests.Scm;

/// <summary>A fresh directory under the system temp directory, deleted on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kojinet-scm-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Combine(params string[] parts) => System.IO.Path.Combine([Path, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>Makes git repositories for the tests with the real git.</summary>
internal static class TestGit
{
    private static readonly Dictionary<string, string> Environment = new()
    {
        ["GIT_AUTHOR_NAME"] = "Test Packager",
        ["GIT_AUTHOR_EMAIL"] = "packager@example.com",
        ["GIT_COMMITTER_NAME"] = "Test Packager",
        ["GIT_COMMITTER_EMAIL"] = "packager@example.com",
        ["GIT_CONFIG_NOSYSTEM"] = "1",
        ["GIT_CONFIG_GLOBAL"] = "/dev/null",
    };

    public static string Run(string directory, params string[] args) =>
        ExternalTool.RunChecked("git", args, workingDirectory: directory, environment: Environment).Trim();

    public static void Init(string directory)
    {
        Directory.CreateDirectory(directory);
        Run(directory, "init", "-q", "-b", "main");
    }

    /// <summary>Writes the files (relative path → text), commits everything and returns the commit id.</summary>
    public static string Commit(string directory, string message, params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files)
        {
            var full = Path.Combine(directory, path);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        Run(directory, "add", "-A");
        Run(directory, "commit", "-q", "--allow-empty", "-m", message);
        return Run(directory, "rev-parse", "HEAD");
    }
}

internal static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout} waiting for {what}");
            }
            await Task.Delay(20);
        }
    }
}
