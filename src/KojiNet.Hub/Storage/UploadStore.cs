using System.Globalization;
using System.Security.Cryptography;
using KojiNet.Hub.Api;

namespace KojiNet.Hub.Storage;

/// <summary>
/// Uploads into <c>KojiDir/work</c> (protocol.md §9): path rules, directory ownership, chunk
/// writes with per-chunk digests, and file checks. Shared by the fast (raw) upload, the legacy
/// <c>uploadFile</c> and <c>checkUpload</c>.
/// </summary>
internal static class UploadStore
{
    /// <summary>Resolves and authorises an upload destination for the caller; returns the file path.</summary>
    public static async Task<string> ResolveAsync(CallContext ctx, string? path, string? name, bool create)
    {
        if (string.IsNullOrEmpty(name) || name.StartsWith('.') || name.Contains('/', StringComparison.Ordinal))
        {
            throw KojiErrors.Generic($"Invalid upload file name: {name}");
        }
        string full;
        try
        {
            full = ctx.Hub.Storage.ResolveWorkPath(path ?? "", name);
        }
        catch (ArgumentException e)
        {
            throw KojiErrors.Generic(e.Message);
        }
        var dir = Path.GetDirectoryName(full)!;
        var parts = (path ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts[0] == "tasks")
        {
            // tasks/<n>/<task id>/...: only the host running that task may write there.
            if (parts.Length < 3 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var taskId))
            {
                throw KojiErrors.Generic($"Invalid task upload path: {path}");
            }
            var session = ctx.AssertLogin();
            var owner = await ctx.ScalarAsync<int?>(
                "SELECT h.user_id FROM task t JOIN host h ON h.id = t.host_id WHERE t.id = @taskId AND t.state = 1",
                new { taskId }).ConfigureAwait(false);
            if (owner != session.UserId)
            {
                throw KojiErrors.NotAllowed($"host does not own task {taskId}");
            }
        }
        else
        {
            var userFile = Path.Combine(dir, ".user");
            var uid = ctx.AssertLogin().UserId.ToString(CultureInfo.InvariantCulture);
            if (File.Exists(userFile))
            {
                if ((await File.ReadAllTextAsync(userFile).ConfigureAwait(false)).Trim() != uid)
                {
                    throw KojiErrors.Generic("Invalid upload directory, not owner");
                }
            }
            else if (create)
            {
                Directory.CreateDirectory(dir);
                await File.WriteAllTextAsync(userFile, uid).ConfigureAwait(false);
            }
        }
        if (create)
        {
            Directory.CreateDirectory(dir);
        }
        if (File.Exists(full) || Directory.Exists(full))
        {
            var info = new FileInfo(full);
            if (info.LinkTarget is not null || Directory.Exists(full))
            {
                throw KojiErrors.Generic($"destination not a file: {full}");
            }
        }
        return full;
    }

    /// <summary>Writes one chunk of a fast upload; returns the response struct.</summary>
    public static async Task<Dictionary<string, object?>> WriteChunkAsync(string file, Stream body, long offset, bool overwrite, string verify, long maxChunk, CancellationToken cancellationToken)
    {
        var hasher = Hasher.Create(verify);
        if (offset == 0 && File.Exists(file) && !overwrite)
        {
            throw KojiErrors.Generic("upload path exists");
        }
        FileStream fs;
        try
        {
            fs = new FileStream(file, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
        }
        catch (IOException)
        {
            throw KojiErrors.Lock($"file locked: {file}");
        }
        long size = 0;
        long start;
        await using (fs.ConfigureAwait(false))
        {
            start = offset < 0 ? fs.Length : offset;
            if (overwrite)
            {
                fs.SetLength(start);
            }
            fs.Seek(start, SeekOrigin.Begin);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                size += n;
                if (size > maxChunk)
                {
                    throw KojiErrors.Generic("upload chunk too large");
                }
                hasher?.Append(buffer.AsSpan(0, n));
                await fs.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
            if (!overwrite && fs.Length != start + size)
            {
                throw KojiErrors.Generic(string.Create(CultureInfo.InvariantCulture, $"Incorrect upload length for {file}: {fs.Length} != {start + size}"));
            }
        }
        var result = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["size"] = size,
            ["fileverify"] = verify,
            ["offset"] = start,
        };
        if (hasher is not null)
        {
            result["hexdigest"] = hasher.HexDigest();
        }
        return result;
    }

    /// <summary><c>checkUpload</c>: size, mtime and optionally a digest of an uploaded file, or null.</summary>
    public static async Task<Dictionary<string, object?>?> CheckAsync(string file, string? verify, long? tail)
    {
        if (!File.Exists(file))
        {
            return null;
        }
        var info = new FileInfo(file);
        var result = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["size"] = info.Length,
            ["mtime"] = KojiTime.ToTs(info.LastWriteTimeUtc),
        };
        if (!string.IsNullOrEmpty(verify))
        {
            var hasher = Hasher.Create(verify)!;
            await using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
            if (tail is { } t && t < fs.Length)
            {
                fs.Seek(-t, SeekOrigin.End);
            }
            var start = fs.Position;
            var buffer = new byte[1 << 16];
            int n;
            while ((n = await fs.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                hasher.Append(buffer.AsSpan(0, n));
            }
            result["sumlength"] = fs.Length - start;
            result["hexdigest"] = hasher.HexDigest();
        }
        return result;
    }

    /// <summary>The digests uploads may be verified with: adler32 (what the client sends), md5, sha256.</summary>
    internal abstract class Hasher
    {
        public static Hasher? Create(string? name) => name switch
        {
            null or "" => null,
            "adler32" => new Adler32(),
            "md5" => new Incremental(IncrementalHash.CreateHash(HashAlgorithmName.MD5)),
            "sha256" => new Incremental(IncrementalHash.CreateHash(HashAlgorithmName.SHA256)),
            _ => throw KojiErrors.Generic($"Unsupported verify type: {name}"),
        };

        public abstract void Append(ReadOnlySpan<byte> data);

        public abstract string HexDigest();

        private sealed class Incremental(IncrementalHash hash) : Hasher
        {
            public override void Append(ReadOnlySpan<byte> data) => hash.AppendData(data);

            public override string HexDigest() => Convert.ToHexStringLower(hash.GetHashAndReset());
        }

        private sealed class Adler32 : Hasher
        {
            private uint _a = 1;
            private uint _b;

            public override void Append(ReadOnlySpan<byte> data)
            {
                const uint mod = 65521;
                foreach (var d in data)
                {
                    _a = (_a + d) % mod;
                    _b = (_b + _a) % mod;
                }
            }

            public override string HexDigest() => ((_b << 16) | _a).ToString("x8", CultureInfo.InvariantCulture);
        }
    }
}
