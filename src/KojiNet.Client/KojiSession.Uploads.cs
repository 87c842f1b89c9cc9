using System.Globalization;
using System.Security.Cryptography;

namespace KojiNet.Client;

// Uploads into the hub's work directory (spec protocol.md §9, builder.md §17).
public sealed partial class KojiSession
{
    private const int LegacyChunkAttempts = 3;

    /// <summary>
    /// Uploads a local file to <c>&lt;KojiDir&gt;/work/<paramref name="remoteDir"/>/<paramref name="name"/></c>.
    /// With <see cref="KojiClientOptions.UseFastUpload"/> (the default) each
    /// <see cref="KojiClientOptions.UploadBlockSize"/> block is POSTed raw and its size and
    /// Adler-32 checksum are checked against the hub's reply, and a final <c>checkUpload</c> must
    /// report the whole size (and, if any block had to be resent, the whole file's checksum).
    /// Otherwise the legacy <c>uploadFile</c> call carries base64 blocks with SHA-256 digests,
    /// followed by a closing call with offset -1 that verifies the whole file.
    /// </summary>
    /// <param name="localPath">The file to send.</param>
    /// <param name="remoteDir">Destination directory relative to the hub's work directory,
    /// such as <c>tasks/1234/91234</c> or <c>cli-build/1700000000.1.abcdefgh</c>.</param>
    /// <param name="name">Remote file name; defaults to the local one.</param>
    /// <param name="overwrite">Replace an existing remote file (fast upload only; the legacy
    /// call refuses to replace anything but <c>.log</c> files).</param>
    /// <param name="volume">The storage volume, when not the default one.</param>
    /// <param name="cancellationToken">Cancels the upload between and during requests.</param>
    /// <returns>The number of bytes uploaded.</returns>
    /// <exception cref="KojiUploadException">The hub's size or checksum does not match.</exception>
    /// <exception cref="KojiFaultException">The hub refused the upload (not logged in, not the owner of the directory...).</exception>
    public async Task<long> UploadFileAsync(string localPath, string remoteDir, string? name = null, bool overwrite = true,
        string? volume = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(localPath);
        ArgumentException.ThrowIfNullOrEmpty(remoteDir);
        name ??= Path.GetFileName(localPath);
        CheckRemoteName(name);
        var stream = new FileStream(localPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            return _options.UseFastUpload
                ? await FastUploadAsync(stream, remoteDir, name, overwrite, volume, cancellationToken).ConfigureAwait(false)
                : await LegacyUploadAsync(stream, remoteDir, name, volume, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Uploads one piece of a file at <paramref name="offset"/> (for streaming a growing log):
    /// a raw upload checked by size and Adler-32, or, without fast upload, one legacy
    /// <c>uploadFile</c> call checked by SHA-256.
    /// </summary>
    /// <param name="remoteDir">Destination directory relative to the hub's work directory.</param>
    /// <param name="name">Remote file name.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="offset">Where they go; -1 appends at the current end (fast upload only).</param>
    /// <param name="overwrite">Allow replacing: the remote file is cut at <paramref name="offset"/>
    /// before writing (fast upload only).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The offset the data was written at (the resolved end for -1).</returns>
    public async Task<long> UploadChunkAsync(string remoteDir, string name, ReadOnlyMemory<byte> data, long offset,
        bool overwrite = true, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(remoteDir);
        CheckRemoteName(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(offset, -1);
        if (_options.UseFastUpload)
        {
            var (at, _) = await RawUploadAsync(remoteDir, name, data, offset, overwrite, null, cancellationToken).ConfigureAwait(false);
            return at;
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        await LegacyChunkAsync(remoteDir, name, data, offset, null, cancellationToken).ConfigureAwait(false);
        return offset;
    }

    private async Task<long> FastUploadAsync(FileStream stream, string remoteDir, string name, bool overwrite, string? volume,
        CancellationToken cancellationToken)
    {
        var buffer = new byte[_options.UploadBlockSize];
        var whole = new Adler32();
        long offset = 0;
        var resent = false;
        while (true)
        {
            var n = await ReadBlockAsync(stream, buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0 && offset > 0)
            {
                break;
            }
            // An empty file still takes one request, which creates it.
            var chunk = buffer.AsMemory(0, n);
            var (_, attempts) = await RawUploadAsync(remoteDir, name, chunk, offset, overwrite, volume, cancellationToken).ConfigureAwait(false);
            resent |= attempts > 1;
            whole.Append(chunk.Span);
            offset += n;
            if (n < buffer.Length)
            {
                break;
            }
        }
        var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (resent)
        {
            kwargs["verify"] = "adler32";
        }
        if (volume is not null)
        {
            kwargs["volume"] = volume;
        }
        var check = await CallAsync("checkUpload", [remoteDir, name], kwargs, cancellationToken).ConfigureAwait(false)
            as IReadOnlyDictionary<string, object?>
            ?? throw new KojiUploadException($"{remoteDir}/{name}: the hub has no such file after the upload");
        var size = ToInt64(check.GetValueOrDefault("size"));
        if (size != offset)
        {
            throw new KojiUploadException(string.Create(CultureInfo.InvariantCulture,
                $"{remoteDir}/{name}: the hub has {size} bytes, {offset} were sent"));
        }
        if (resent && check.GetValueOrDefault("hexdigest") is string digest
            && !string.Equals(digest, whole.HexDigest, StringComparison.OrdinalIgnoreCase))
        {
            throw new KojiUploadException($"{remoteDir}/{name}: adler32 of the uploaded file is {digest}, expected {whole.HexDigest}");
        }
        return offset;
    }

    // One raw (fast upload) request; returns the offset the hub wrote at and the attempts it took.
    private Task<(long Offset, int Attempts)> RawUploadAsync(string remoteDir, string name, ReadOnlyMemory<byte> data, long offset,
        bool overwrite, string? volume, CancellationToken cancellationToken)
    {
        var query = AppendQuery("", "filename", name);
        query = AppendQuery(query, "filepath", remoteDir);
        query = AppendQuery(query, "fileverify", "adler32");
        query = AppendQuery(query, "offset", offset.ToString(CultureInfo.InvariantCulture));
        if (overwrite)
        {
            query = AppendQuery(query, "overwrite", "1");
        }
        if (volume is not null)
        {
            query = AppendQuery(query, "volume", volume);
        }
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return WithRenewalAsync(async ct =>
        {
            var (value, attempts) = await SendAsync(_baseUrl, query, KojiHttp.OctetStreamContentType, data, "rawUpload",
                retry: true, _options.Timeout, ct).ConfigureAwait(false);
            if (value is not IReadOnlyDictionary<string, object?> result)
            {
                throw new KojiUploadException($"{remoteDir}/{name}: unexpected reply to a raw upload");
            }
            var size = ToInt64(result.GetValueOrDefault("size"));
            if (size != data.Length)
            {
                throw new KojiUploadException(string.Create(CultureInfo.InvariantCulture,
                    $"{remoteDir}/{name}: the hub received {size} of {data.Length} bytes at offset {offset}"));
            }
            var expected = Adler32.Hex(data.Span);
            if (result.GetValueOrDefault("hexdigest") is not string digest || !string.Equals(digest, expected, StringComparison.OrdinalIgnoreCase))
            {
                throw new KojiUploadException(string.Create(CultureInfo.InvariantCulture,
                    $"{remoteDir}/{name}: adler32 of the chunk at offset {offset} is {result.GetValueOrDefault("hexdigest") ?? "missing"} on the hub, {expected} here"));
            }
            return (ToInt64(result.GetValueOrDefault("offset")), attempts);
        }, cancellationToken);
    }

    private async Task<long> LegacyUploadAsync(FileStream stream, string remoteDir, string name, string? volume, CancellationToken cancellationToken)
    {
        var buffer = new byte[_options.UploadBlockSize];
        using var whole = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long offset = 0;
        int n;
        while ((n = await ReadBlockAsync(stream, buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            var chunk = buffer.AsMemory(0, n);
            await LegacyChunkAsync(remoteDir, name, chunk, offset, volume, cancellationToken).ConfigureAwait(false);
            whole.AppendData(chunk.Span);
            offset += n;
            if (n < buffer.Length)
            {
                break;
            }
        }
        // The closing call: no data, offset -1, the whole size and digest; the hub trims and verifies.
        var digest = Convert.ToHexStringLower(whole.GetHashAndReset());
        var ok = await CallAsync("uploadFile", [remoteDir, name, offset, new object?[] { "sha256", digest }, -1, ""],
            VolumeKwargs(volume), cancellationToken).ConfigureAwait(false);
        if (ok is not true)
        {
            throw new KojiUploadException(string.Create(CultureInfo.InvariantCulture,
                $"{remoteDir}/{name}: the hub could not verify the uploaded file ({offset} bytes, sha256 {digest})"));
        }
        return offset;
    }

    private async Task LegacyChunkAsync(string remoteDir, string name, ReadOnlyMemory<byte> chunk, long offset, string? volume,
        CancellationToken cancellationToken)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(chunk.Span));
        var data = Convert.ToBase64String(chunk.Span);
        for (var attempt = 1; ; attempt++)
        {
            // The hub answers false when size or digest do not match what it decoded.
            var ok = await CallAsync("uploadFile", [remoteDir, name, chunk.Length, new object?[] { "sha256", digest }, offset, data],
                VolumeKwargs(volume), cancellationToken).ConfigureAwait(false);
            if (ok is true)
            {
                return;
            }
            if (attempt >= LegacyChunkAttempts)
            {
                throw new KojiUploadException(string.Create(CultureInfo.InvariantCulture,
                    $"{remoteDir}/{name}: the hub rejected the chunk at offset {offset} {attempt} times"));
            }
        }
    }

    private static Dictionary<string, object?>? VolumeKwargs(string? volume) =>
        volume is null ? null : new Dictionary<string, object?>(StringComparer.Ordinal) { ["volume"] = volume };

    private static async Task<int> ReadBlockAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(total), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    private static void CheckRemoteName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.StartsWith('.') || name.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"upload file name '{name}' must not contain '/' or start with '.'", nameof(name));
        }
    }

    private static long ToInt64(object? value) => value switch
    {
        int i => i,
        long l => l,
        _ => throw new KojiUploadException($"expected an integer from the hub, got {value ?? "nil"}"),
    };
}
