namespace KojiNet.Hub.Storage;

/// <summary>
/// Paths under <c>KojiDir</c> in Koji's layout (spec/layout.md): <c>packages/</c>, <c>work/</c>,
/// <c>repos/</c>, <c>scratch/</c>... Relative paths from clients are checked so they cannot
/// leave the tree.
/// </summary>
public sealed class StorageLayout(string topDir)
{
    /// <summary>The top of the tree (Koji's <c>/mnt/koji</c>).</summary>
    public string TopDir { get; } = Path.GetFullPath(topDir);

    /// <summary><c>work/</c>: uploads and task output.</summary>
    public string WorkDir => Path.Combine(TopDir, "work");

    /// <summary><c>packages/</c>: imported builds.</summary>
    public string PackagesDir => Path.Combine(TopDir, "packages");

    /// <summary>The directory of a build: <c>packages/NAME/VERSION/RELEASE</c>.</summary>
    public string BuildDir(string name, string version, string release) =>
        Path.Combine(PackagesDir, name, version, release);

    /// <summary>Where an RPM of a build lives: <c>packages/N/V/R/ARCH/N-V-R.ARCH.rpm</c>.</summary>
    public string RpmPath(string buildName, string version, string release, string rpmName, string arch) =>
        Path.Combine(BuildDir(buildName, version, release), arch, $"{rpmName}-{version}-{release}.{arch}.rpm");

    /// <summary><c>data/logs/ARCH</c> of a build (<c>data/logs</c> when <paramref name="arch"/> is empty).</summary>
    public string BuildLogDir(string name, string version, string release, string? arch) =>
        string.IsNullOrEmpty(arch)
            ? Path.Combine(BuildDir(name, version, release), "data", "logs")
            : Path.Combine(BuildDir(name, version, release), "data", "logs", arch);

    /// <summary><c>scratch/</c>: scratch build results, per user.</summary>
    public string ScratchDir => Path.Combine(TopDir, "scratch");

    /// <summary>Where a scratch build's files go: <c>scratch/USER/task_ID</c>.</summary>
    public string ScratchTaskDir(string userName, int taskId) =>
        Path.Combine(ScratchDir, userName, "task_" + taskId.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A task's output directory relative to <c>work/</c>: <c>tasks/ID%10000/ID</c>.</summary>
    public static string TaskRelPath(int taskId) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"tasks/{taskId % 10000}/{taskId}");

    /// <summary>
    /// Resolves a client-supplied path relative to <c>work/</c> (uploads), refusing absolute
    /// paths, <c>..</c> components and anything that resolves outside <c>work/</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The path is not acceptable.</exception>
    public string ResolveWorkPath(string relative, string? fileName = null)
    {
        if (string.IsNullOrEmpty(relative) || Path.IsPathRooted(relative) || relative.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"invalid upload path: {relative}");
        }
        var parts = relative.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Any(p => p is "." or ".."))
        {
            throw new ArgumentException($"invalid upload path: {relative}");
        }
        if (fileName is not null && (fileName.Length == 0 || fileName.Contains('/', StringComparison.Ordinal) || fileName is "." or ".." || fileName.Contains('\0', StringComparison.Ordinal)))
        {
            throw new ArgumentException($"invalid file name: {fileName}");
        }
        var full = Path.GetFullPath(Path.Combine(WorkDir, Path.Combine(parts), fileName ?? string.Empty));
        if (!IsInside(full, WorkDir))
        {
            throw new ArgumentException($"invalid upload path: {relative}");
        }
        // A symlink planted inside work/ must not lead outside it.
        var existing = full;
        while (!Directory.Exists(existing) && !File.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing)!;
        }
        var resolved = ResolveLinks(existing);
        if (!IsInside(resolved, ResolveLinks(WorkDir)) && resolved != ResolveLinks(WorkDir))
        {
            throw new ArgumentException($"invalid upload path: {relative}");
        }
        return full;
    }

    /// <summary>Whether <paramref name="path"/> is <paramref name="dir"/> itself or below it.</summary>
    public static bool IsInside(string path, string dir)
    {
        var d = dir.EndsWith('/') ? dir : dir + "/";
        return path.StartsWith(d, StringComparison.Ordinal) || path == dir;
    }

    private static string ResolveLinks(string path)
    {
        if (!Directory.Exists(path) && !File.Exists(path))
        {
            return path;
        }
        var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var current = "/";
        foreach (var part in parts)
        {
            current = Path.Combine(current, part);
            var info = new FileInfo(current);
            if (info.LinkTarget is not null)
            {
                var target = info.ResolveLinkTarget(returnFinalTarget: true);
                current = target?.FullName ?? current;
            }
        }
        return current;
    }
}
