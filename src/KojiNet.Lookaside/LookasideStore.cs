namespace KojiNet.Lookaside;

/// <summary>
/// The files on disk, in dist-git's layout under the storage root:
/// <c>&lt;name&gt;/&lt;filename&gt;/&lt;hashtype&gt;/&lt;hash&gt;/&lt;filename&gt;</c>, plus the
/// old md5 layout <c>&lt;name&gt;/&lt;filename&gt;/&lt;md5&gt;/&lt;filename&gt;</c> that a cache
/// copied from dist-git may still hold (read only; new files are never written there).
/// Uploads are written to <c>.tmp/</c> on the same file system and renamed into place.
/// </summary>
internal sealed class LookasideStore
{
    public const int BufferSize = 128 * 1024;

    /// <summary>Temporary files older than this are left over from a crash and removed on start.</summary>
    private static readonly TimeSpan StaleTempAge = TimeSpan.FromDays(1);

    public LookasideStore(string root)
    {
        Root = Path.GetFullPath(root);
        TempDir = Path.Combine(Root, ".tmp");
        Directory.CreateDirectory(TempDir);
        foreach (var stale in new DirectoryInfo(TempDir).EnumerateFiles())
        {
            if (DateTime.UtcNow - stale.LastWriteTimeUtc > StaleTempAge)
            {
                stale.Delete();
            }
        }
    }

    public string Root { get; }

    public string TempDir { get; }

    /// <summary>The path of a file relative to the root (also its download path below <c>/repo/pkgs/</c>).</summary>
    public static string RelativePath(string module, string fileName, LookasideHashType type, string hash) =>
        $"{module}/{fileName}/{type.Name}/{hash}/{fileName}";

    /// <summary>Where a file lives; the names must have passed <see cref="LookasideNames"/>.</summary>
    public string PathOf(string module, string fileName, LookasideHashType type, string hash) =>
        Contained(Path.Combine(Root, RelativePath(module, fileName, type, hash)));

    /// <summary>The old md5 layout's path of a file.</summary>
    public string LegacyPathOf(string module, string fileName, string md5) =>
        Contained(Path.Combine(Root, module, fileName, md5, fileName));

    /// <summary>The stored file, looking also at the old md5 layout, or null when absent.</summary>
    public FileInfo? Find(string module, string fileName, LookasideHashType type, string hash)
    {
        var file = new FileInfo(PathOf(module, fileName, type, hash));
        if (file.Exists)
        {
            return file;
        }
        if (type == LookasideHashType.Md5)
        {
            var legacy = new FileInfo(LegacyPathOf(module, fileName, hash));
            if (legacy.Exists)
            {
                return legacy;
            }
        }
        return null;
    }

    /// <summary>A new, empty temporary file (mode 0644) for an upload in progress.</summary>
    public FileStream CreateTemp(out string path)
    {
        path = Path.Combine(TempDir, "upload-" + Guid.NewGuid().ToString("N"));
        return new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 0,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead,
        });
    }

    /// <summary>
    /// Moves a complete, verified temporary file to its place. Returns false (and leaves the
    /// temporary file) when the destination already exists, for example after a concurrent upload
    /// of the same file.
    /// </summary>
    public bool Commit(string tempPath, string destination)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        try
        {
            File.Move(tempPath, destination, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(destination))
        {
            return false;
        }
    }

    /// <summary>Refuses any path outside the root; the name checks already exclude it, this is the second line.</summary>
    private string Contained(string path)
    {
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(Root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"path outside the lookaside: {path}");
        }
        return full;
    }
}
