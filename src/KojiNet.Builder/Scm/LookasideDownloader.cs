using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace KojiNet.Builder.Scm;

/// <summary>
/// The lookaside step of an SCM build: downloads the files a <c>sources</c> file lists from a
/// dist-git style lookaside cache, at
/// <c>&lt;base&gt;/&lt;package&gt;/&lt;filename&gt;/&lt;hashtype&gt;/&lt;hash&gt;/&lt;filename&gt;</c>
/// (old md5 lines: <c>&lt;base&gt;/&lt;package&gt;/&lt;filename&gt;/&lt;md5&gt;/&lt;filename&gt;</c>),
/// hashing each file while it streams to disk. A file whose hash does not match is deleted
/// and the download fails with both hashes named.
/// </summary>
public sealed class LookasideDownloader
{
    private readonly HttpClient _http;
    private readonly string _baseUrl;

    /// <summary>Creates the downloader.</summary>
    /// <param name="httpClient">The client to use (see <see cref="CreateHttpClient"/>); it must not decompress responses.</param>
    /// <param name="baseUrl">The lookaside's download base, for example <c>https://pkgs.example.com/repo/pkgs</c>.</param>
    public LookasideDownloader(HttpClient httpClient, string baseUrl)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentException.ThrowIfNullOrEmpty(baseUrl);
        if (!Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"lookaside base URL must be an http or https URL: {baseUrl}", nameof(baseUrl));
        }
        _http = httpClient;
        _baseUrl = baseUrl.TrimEnd('/');
    }

    /// <summary>
    /// An HTTP client for the lookaside: no automatic decompression (the bytes are hashed as
    /// served); with <paramref name="caFile"/>, https servers must have a certificate issued by a
    /// CA in that PEM file (and only those CAs) for the right host name.
    /// </summary>
    public static HttpClient CreateHttpClient(string? caFile = null, TimeSpan? timeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        if (caFile is not null)
        {
            var roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(caFile);
            if (roots.Count == 0)
            {
                throw new ArgumentException($"no certificates in CA file {caFile}", nameof(caFile));
            }
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                ValidateWithRoots(roots, certificate, chain, errors);
        }
        return new HttpClient(handler, disposeHandler: true)
        {
            Timeout = timeout ?? TimeSpan.FromMinutes(30),
        };
    }

    /// <summary>Where the lookaside serves <paramref name="entry"/> of <paramref name="packageName"/>.</summary>
    public Uri GetDownloadUri(string packageName, SourcesEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        CheckPackageName(packageName);
        var file = Uri.EscapeDataString(entry.FileName);
        var tail = entry.IsLegacy
            ? $"{file}/{entry.Hash}/{file}"
            : $"{file}/{entry.HashType.ToLowerInvariant()}/{entry.Hash}/{file}";
        return new Uri($"{_baseUrl}/{Uri.EscapeDataString(packageName)}/{tail}");
    }

    /// <summary>
    /// Downloads every file of the sources file into <paramref name="destinationDirectory"/> and
    /// returns their paths. A missing sources file means nothing to download.
    /// </summary>
    public async Task<IReadOnlyList<string>> DownloadSourcesAsync(string packageName, string sourcesFilePath,
        string destinationDirectory, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourcesFilePath);
        if (!File.Exists(sourcesFilePath))
        {
            return [];
        }
        var paths = new List<string>();
        foreach (var entry in SourcesFile.Load(sourcesFilePath))
        {
            paths.Add(await DownloadAsync(packageName, entry, destinationDirectory, cancellationToken)
                .ConfigureAwait(false));
        }
        return paths;
    }

    /// <summary>
    /// Downloads one file into <paramref name="destinationDirectory"/> and returns its path. A
    /// regular file already there with the right hash is kept. Throws
    /// <see cref="ScmException"/> (BuildError) when the download fails or the hash differs (no
    /// file of that name is left behind then).
    /// </summary>
    public async Task<string> DownloadAsync(string packageName, SourcesEntry entry, string destinationDirectory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrEmpty(destinationDirectory);
        var uri = GetDownloadUri(packageName, entry);
        var destination = Path.Combine(destinationDirectory, entry.FileName);
        if (Directory.Exists(destination))
        {
            throw ScmException.Build($"Cannot download {entry.FileName}: a directory of that name is in the way");
        }
        var existing = new FileInfo(destination);
        if (existing.Exists && existing.LinkTarget is null
            && await HashFileAsync(destination, entry.HashType, cancellationToken).ConfigureAwait(false) == entry.Hash)
        {
            return destination;
        }

        var partial = Path.Combine(destinationDirectory, "." + entry.FileName + ".part");
        try
        {
            File.Delete(partial);
            string actual;
            using (var response = await SendAsync(uri, entry, cancellationToken).ConfigureAwait(false))
            {
                using var hasher = SourcesFile.CreateHash(entry.HashType);
                var input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (input.ConfigureAwait(false))
                {
                    var output = new FileStream(partial, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                    await using (output.ConfigureAwait(false))
                    {
                        var buffer = new byte[81920];
                        int n;
                        while ((n = await ReadAsync(input, buffer, uri, entry, cancellationToken).ConfigureAwait(false)) > 0)
                        {
                            hasher.AppendData(buffer, 0, n);
                            await output.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                        }
                    }
                }
                actual = Convert.ToHexStringLower(hasher.GetHashAndReset());
            }
            if (actual != entry.Hash)
            {
                File.Delete(destination);
                throw ScmException.Build(
                    $"{entry.HashType} mismatch for {entry.FileName}: expected {entry.Hash}, got {actual} (downloaded from {uri})");
            }
            File.Move(partial, destination, overwrite: true);
            return destination;
        }
        finally
        {
            File.Delete(partial);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, SourcesEntry entry, CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw ScmException.Build($"Failed to download {entry.FileName} from {uri}: {e.Message}", e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw ScmException.Build($"Failed to download {entry.FileName} from {uri}: timed out", e);
        }
        if (!response.IsSuccessStatusCode)
        {
            var status = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
            response.Dispose();
            throw ScmException.Build($"Failed to download {entry.FileName} from {uri}: {status}");
        }
        return response;
    }

    private static async Task<int> ReadAsync(Stream input, byte[] buffer, Uri uri, SourcesEntry entry,
        CancellationToken cancellationToken)
    {
        try
        {
            return await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw ScmException.Build($"Failed to download {entry.FileName} from {uri}: {e.Message}", e);
        }
        catch (HttpRequestException e)
        {
            throw ScmException.Build($"Failed to download {entry.FileName} from {uri}: {e.Message}", e);
        }
    }

    private static async Task<string> HashFileAsync(string path, string hashType, CancellationToken cancellationToken)
    {
        using var hasher = SourcesFile.CreateHash(hashType);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[81920];
            int n;
            while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hasher.AppendData(buffer, 0, n);
            }
        }
        return Convert.ToHexStringLower(hasher.GetHashAndReset());
    }

    private static void CheckPackageName(string packageName)
    {
        ArgumentException.ThrowIfNullOrEmpty(packageName);
        if (packageName.Contains('/', StringComparison.Ordinal) || packageName.StartsWith('.')
            || packageName.Any(c => c <= ' ' || c == '\x7f'))
        {
            throw ScmException.Build($"Invalid package name for the lookaside: {ScmUrl.Printable(packageName)}");
        }
    }

    private static bool ValidateWithRoots(X509Certificate2Collection roots, X509Certificate? certificate,
        X509Chain? presented, SslPolicyErrors errors)
    {
        if (certificate is null
            || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (presented is not null)
        {
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }
}
