using System.Globalization;
using System.Text;

namespace KojiNet.Builder.Buildroots;

/// <summary>The log file names kojid and mock use (kojid uploads them under these names).</summary>
public static class BuildrootLogs
{
    /// <summary>The build's output (rpmbuild).</summary>
    public const string Build = "build.log";

    /// <summary>Buildroot setup: package installation, sandbox setup.</summary>
    public const string Root = "root.log";

    /// <summary>Start/finish lines of each phase, with times.</summary>
    public const string State = "state.log";

    /// <summary>The output of every mock (or sandbox) command.</summary>
    public const string MockOutput = "mock_output.log";

    /// <summary>The buildroot's generated configuration.</summary>
    public const string MockConfig = "mock_config.log";
}

/// <summary>File chores shared by the backends.</summary>
internal static class BuildrootFiles
{
    public static void AppendLine(string path, string line)
    {
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        stream.Write(Encoding.UTF8.GetBytes(line + "\n"));
    }

    /// <summary>A mock-style state.log line: <c>2024-05-01 10:00:00,123 - Start: init</c>.</summary>
    public static void State(string resultDir, string what) =>
        AppendLine(Path.Combine(resultDir, BuildrootLogs.State),
            DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss,fff", CultureInfo.InvariantCulture) + " - " + what);

    public static void CopyTree(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var dir in Directory.EnumerateDirectories(source, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(destination, Path.GetRelativePath(source, dir)));
        }
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, Path.Combine(destination, Path.GetRelativePath(source, file)), overwrite: true);
        }
    }

    /// <summary>Moves the files matching <paramref name="pattern"/> under <paramref name="from"/> (recursively) into <paramref name="to"/>.</summary>
    public static List<string> MoveAll(string from, string pattern, string to)
    {
        var moved = new List<string>();
        if (!Directory.Exists(from))
        {
            return moved;
        }
        foreach (var file in Directory.EnumerateFiles(from, pattern, SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList())
        {
            var target = Path.Combine(to, Path.GetFileName(file));
            File.Move(file, target, overwrite: true);
            moved.Add(target);
        }
        return moved;
    }

    public static void RecreateDirectory(string path)
    {
        DeleteTree(path);
        Directory.CreateDirectory(path);
    }

    /// <summary>Deletes a directory tree; a missing one is fine. Mounts below it are detached first.</summary>
    public static void DeleteTree(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            return;
        }
        UnmountBelow(path);
        var dir = new DirectoryInfo(path);
        if (dir.LinkTarget is not null)
        {
            dir.Delete();
            return;
        }
        MakeWritable(dir);
        dir.Delete(recursive: true);
    }

    // Read-only directories (builds can leave them) would stop a delete by a non-root builder.
    // Symbolic links are not followed.
    private static void MakeWritable(DirectoryInfo dir)
    {
        dir.UnixFileMode |= UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
        foreach (var sub in dir.EnumerateDirectories())
        {
            if (sub.LinkTarget is null)
            {
                MakeWritable(sub);
            }
        }
    }

    /// <summary>Lazily unmounts anything mounted at or below <paramref name="path"/> (deepest first), so a delete never reaches into a mount.</summary>
    public static void UnmountBelow(string path)
    {
        const string MountInfo = "/proc/self/mountinfo";
        if (!File.Exists(MountInfo))
        {
            return;
        }
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var mounts = File.ReadAllLines(MountInfo)
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 4)
            .Select(f => UnescapeMountPath(f[4]))
            .Where(m => m == root || m.StartsWith(root + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Length)
            .ToList();
        foreach (var mount in mounts)
        {
            var r = BuildrootProcess.RunCapturedAsync(BuildrootProcess.StartInfo("umount", ["-l", mount]), CancellationToken.None)
                .GetAwaiter().GetResult();
            if (r.Outcome.ExitCode != 0)
            {
                throw new IOException($"cannot unmount {mount} under {path}: {r.Output.Trim()}");
            }
        }
    }

    /// <summary>Whether something is mounted exactly at <paramref name="path"/>.</summary>
    public static bool IsMountPoint(string path)
    {
        const string MountInfo = "/proc/self/mountinfo";
        if (!File.Exists(MountInfo))
        {
            return false;
        }
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        return File.ReadAllLines(MountInfo)
            .Select(l => l.Split(' '))
            .Any(f => f.Length > 4 && UnescapeMountPath(f[4]) == target);
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo octal.
    private static string UnescapeMountPath(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }
        var sb = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int start) =>
        start + 3 <= s.Length && s.AsSpan(start, 3).IndexOfAnyExceptInRange('0', '7') < 0;

    /// <summary>Whether <paramref name="path"/> is <paramref name="root"/> or inside it (after normalising both).</summary>
    public static bool IsUnder(string path, string root)
    {
        var p = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var r = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        return p == r || p.StartsWith(r + "/", StringComparison.Ordinal);
    }
}
