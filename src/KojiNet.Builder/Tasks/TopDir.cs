namespace KojiNet.Builder.Tasks;

/// <summary>Reading files of the Koji tree: from <c>topdir</c> when it is mounted here, else over <c>topurl</c>.</summary>
public static class TopDir
{
    /// <summary>
    /// A local copy of <paramref name="relPath"/> (relative to the top directory, e.g.
    /// <c>work/tasks/3/1003/foo-1-1.src.rpm</c>) in the task's work directory.
    /// </summary>
    public static async Task<string> FetchAsync(TaskContext task, string relPath)
    {
        if (relPath.Split('/').Any(p => p is ".." or ""))
        {
            throw new BuildErrorException($"invalid path in the koji tree: {relPath}");
        }
        var dest = Path.Combine(task.WorkDir, "local", relPath);
        Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
        var mounted = Path.Combine(task.Options.TopDir, relPath);
        if (File.Exists(mounted))
        {
            File.Copy(mounted, dest, overwrite: true);
            return dest;
        }
        var url = task.Options.FirstTopUrl!.TrimEnd('/') + "/" + string.Join('/', relPath.Split('/').Select(Uri.EscapeDataString));
        using var response = await task.Host.Http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, task.Cancellation).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new BuildErrorException($"cannot download {url}: HTTP {(int)response.StatusCode}");
        }
        var file = new FileStream(dest, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        await using (file.ConfigureAwait(false))
        {
            await response.Content.CopyToAsync(file, task.Cancellation).ConfigureAwait(false);
        }
        return dest;
    }
}
