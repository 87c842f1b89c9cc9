using System.Globalization;
using KojiNet.Hub.Storage;

namespace KojiNet.Hub.Api.Tasks;

/// <summary>
/// The files a task produced, under <c>work/tasks/&lt;id % 10000&gt;/&lt;id&gt;/</c> of a volume
/// (spec/layout.md): <c>listTaskOutput</c> and <c>downloadTaskOutput</c> (protocol.md §9.4).
/// </summary>
internal static class TaskOutputApi
{
    /// <summary>The task directory on a volume: <c>[vol/&lt;name&gt;/]work/tasks/&lt;id % 10000&gt;/&lt;id&gt;</c>.</summary>
    public static string TaskDir(StorageLayout storage, int taskId, string? volume = null)
    {
        var work = volume is null or "DEFAULT" ? storage.WorkDir : Path.Combine(storage.TopDir, "vol", volume, "work");
        return Path.Combine(work, "tasks", (taskId % 10000).ToString(CultureInfo.InvariantCulture), taskId.ToString(CultureInfo.InvariantCulture));
    }

    [KojiMethod("listTaskOutput", ReadOnly = true, Doc = "List the files a task produced")]
    public static async Task<object> ListTaskOutput(CallContext ctx, object? taskID, bool stat = false, bool all_volumes = false, bool strict = false)
    {
        var taskId = TaskQueries.TaskId(taskID);
        if (strict && await TaskQueries.FindAsync(ctx, taskId).ConfigureAwait(false) is null)
        {
            throw KojiErrors.Generic("Task doesn't exist");
        }
        IReadOnlyList<string> volumes = all_volumes
            ? (await ctx.QueryAsync<string>("SELECT name FROM volume ORDER BY id").ConfigureAwait(false)).ToList()
            : ["DEFAULT"];
        var files = new List<string>();
        var statResult = new Dictionary<string, object?>(StringComparer.Ordinal);
        var volumeResult = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var volume in volumes)
        {
            if (volume.Contains('/', StringComparison.Ordinal) || volume is "." or "..")
            {
                continue;
            }
            var dir = TaskDir(ctx.Hub.Storage, taskId, volume);
            if (!Directory.Exists(dir))
            {
                continue;
            }
            foreach (var relative in Walk(dir, ""))
            {
                if (stat)
                {
                    var info = StatOf(Path.Combine(dir, relative));
                    if (all_volumes)
                    {
                        if (statResult.GetValueOrDefault(relative) is not Dictionary<string, object?> perVolume)
                        {
                            statResult[relative] = perVolume = new Dictionary<string, object?>(StringComparer.Ordinal);
                        }
                        perVolume[volume] = info;
                    }
                    else
                    {
                        statResult[relative] = info;
                    }
                }
                else if (all_volumes)
                {
                    if (volumeResult.GetValueOrDefault(relative) is not List<object?> list)
                    {
                        volumeResult[relative] = list = [];
                    }
                    list.Add(volume);
                }
                else
                {
                    files.Add(relative);
                }
            }
        }
        return stat ? statResult : all_volumes ? volumeResult : files;
    }

    // The files below a directory, as os.walk lists them: this directory's files first, then each
    // subdirectory; symlinks to directories are not followed.
    private static IEnumerable<string> Walk(string dir, string prefix)
    {
        var entries = new DirectoryInfo(dir).GetFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
        var subdirs = new List<DirectoryInfo>();
        foreach (var entry in entries)
        {
            if (entry is DirectoryInfo d)
            {
                if (d.LinkTarget is null)
                {
                    subdirs.Add(d);
                }
                continue;
            }
            yield return prefix + entry.Name;
        }
        foreach (var sub in subdirs)
        {
            foreach (var f in Walk(sub.FullName, prefix + sub.Name + "/"))
            {
                yield return f;
            }
        }
    }

    private static Dictionary<string, object?> StatOf(string path)
    {
        FileSystemInfo info = new FileInfo(path);
        if (info.LinkTarget is not null && info.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true } target)
        {
            info = target;
        }
        static double Ts(DateTime t) => KojiTime.ToTs(new DateTimeOffset(t.ToUniversalTime(), TimeSpan.Zero));
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["st_atime"] = Ts(info.LastAccessTimeUtc),
            ["st_ctime"] = Ts(info.LastWriteTimeUtc > info.CreationTimeUtc ? info.LastWriteTimeUtc : info.CreationTimeUtc),
            ["st_mtime"] = Ts(info.LastWriteTimeUtc),
            // upstream sends the size as a string (it may not fit an XML-RPC int)
            ["st_size"] = (info is FileInfo f ? f.Length : 0).ToString(CultureInfo.InvariantCulture),
        };
    }

    [KojiMethod("downloadTaskOutput", ReadOnly = true, Doc = "Download a file a task produced, as base64")]
    public static string DownloadTaskOutput(CallContext ctx, object? taskID, string fileName,
        [System.Runtime.InteropServices.Optional, System.Runtime.InteropServices.DefaultParameterValue(0)] object? offset, int size = -1, string? volume = null)
    {
        var taskId = TaskQueries.TaskId(taskID);
        if (fileName.Contains("..", StringComparison.Ordinal))
        {
            throw KojiErrors.Generic($"Invalid file name: {fileName}");
        }
        var start = offset switch
        {
            null => 0L,
            int i => i,
            long l => l,
            string s when long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v) => v,
            _ => throw KojiErrors.Parameter($"Invalid offset: {Users.UserQueries.Repr(offset)}"),
        };
        var noFile = KojiErrors.Generic($"no file \"{fileName}\" output by task {taskId}");
        if (volume is not null && (volume.Contains('/', StringComparison.Ordinal) || volume.Length == 0))
        {
            throw noFile;
        }
        var dir = TaskDir(ctx.Hub.Storage, taskId, volume);
        // Like upstream, the name is appended to the task directory (a leading '/' does not escape it).
        var path = Path.GetFullPath(dir + "/" + fileName);
        if (!StorageLayout.IsInside(path, dir) || path == dir || !File.Exists(path))
        {
            throw noFile;
        }
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (start < 0)
        {
            start = Math.Max(0, stream.Length + start);
        }
        stream.Seek(Math.Min(start, stream.Length), SeekOrigin.Begin);
        var remaining = stream.Length - stream.Position;
        var count = size < 0 ? remaining : Math.Min(size, remaining);
        if (count > int.MaxValue / 2)
        {
            throw KojiErrors.Generic($"Too much data requested from {fileName}: {count} bytes");
        }
        var buffer = new byte[count];
        stream.ReadExactly(buffer);
        return Convert.ToBase64String(buffer);
    }
}
