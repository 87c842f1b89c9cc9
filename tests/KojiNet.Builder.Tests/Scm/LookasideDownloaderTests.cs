using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using KojiNet.Builder.Scm;
using KojiNet.XmlRpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KojiNet.Builder.Tests.Scm;

/// <summary>
/// A lookaside stand-in: Kestrel on a loopback port serving a directory (the dist-git layout
/// under <c>repo/pkgs</c>), recording the paths asked for. <c>/slow/...</c> sends a first chunk
/// and then waits until the server is stopped.
/// </summary>
internal sealed class LookasideServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();

    private LookasideServer(WebApplication app, string root)
    {
        _app = app;
        Root = root;
    }

    public string Root { get; }

    public ConcurrentQueue<string> Requests { get; } = new();

    public string BaseUrl { get; private set; } = "";

    public static async Task<LookasideServer> StartAsync(string root, X509Certificate2? certificate = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (certificate is not null)
            {
                listen.UseHttps(certificate);
            }
        }));
        var app = builder.Build();
        var server = new LookasideServer(app, root);
        app.Run(context => server.ServeAsync(context));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        server.BaseUrl = address.TrimEnd('/') + "/repo/pkgs";
        return server;
    }

    /// <summary>Stores <paramref name="content"/> where the lookaside serves it for <paramref name="urlPath"/> (relative to repo/pkgs).</summary>
    public void Put(string urlPath, byte[] content)
    {
        var path = Path.Combine(Root, urlPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }

    private async Task ServeAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        Requests.Enqueue(path);
        if (path.StartsWith("/slow/", StringComparison.Ordinal))
        {
            context.Response.ContentLength = 1 << 20;
            await context.Response.Body.WriteAsync(new byte[1024]);
            await context.Response.Body.FlushAsync();
            await Task.Delay(Timeout.Infinite, _stopping.Token).ContinueWith(_ => { }, TaskScheduler.Default);
            context.Abort();
            return;
        }
        const string prefix = "/repo/pkgs/";
        var file = path.StartsWith(prefix, StringComparison.Ordinal)
            ? Path.GetFullPath(Path.Combine(Root, path[prefix.Length..]))
            : null;
        if (file is null || !file.StartsWith(Root + "/", StringComparison.Ordinal) || !File.Exists(file))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }
        context.Response.ContentType = "application/octet-stream";
        await context.Response.SendFileAsync(file);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}

public sealed class LookasideDownloaderTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _tmp = new();
    private LookasideServer _server = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_tmp.Combine("served"));
        _server = await LookasideServer.StartAsync(_tmp.Combine("served"));
        _http = LookasideDownloader.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
    }

    public void Dispose() => _tmp.Dispose();

    private string Destination
    {
        get
        {
            var dir = _tmp.Combine("checkout");
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    private static byte[] Content(int size, int seed)
    {
        var bytes = new byte[size];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static string Hash(string type, byte[] content) => Convert.ToHexStringLower(type switch
    {
        "MD5" => MD5.HashData(content),
        "SHA1" => SHA1.HashData(content),
        "SHA256" => SHA256.HashData(content),
        "SHA384" => SHA384.HashData(content),
        _ => SHA512.HashData(content),
    });

    [Theory]
    [InlineData("SHA512")]
    [InlineData("SHA256")]
    [InlineData("SHA384")]
    [InlineData("SHA1")]
    [InlineData("MD5")]
    public async Task Downloads_from_the_dist_git_path_and_verifies(string type)
    {
        var content = Content(3 * 1024 * 1024 + 17, 1);
        var hash = Hash(type, content);
        var urlPath = $"foo/foo-1.0.tar.gz/{type.ToLowerInvariant()}/{hash}/foo-1.0.tar.gz";
        _server.Put(urlPath, content);
        File.WriteAllText(Path.Combine(Destination, "sources"), $"{type} (foo-1.0.tar.gz) = {hash}\n");

        var downloader = new LookasideDownloader(_http, _server.BaseUrl + "/");
        var paths = await downloader.DownloadSourcesAsync("foo", Path.Combine(Destination, "sources"), Destination,
            CancellationToken.None);

        Assert.Equal([Path.Combine(Destination, "foo-1.0.tar.gz")], paths);
        Assert.Equal(content, File.ReadAllBytes(paths[0]));
        Assert.Equal(["/repo/pkgs/" + urlPath], _server.Requests);
        Assert.Equal(["foo-1.0.tar.gz", "sources"], Directory.GetFiles(Destination).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Old_md5_lines_use_the_path_without_hash_type()
    {
        var content = Content(1000, 2);
        var md5 = Hash("MD5", content);
        _server.Put($"bar/bar 1.0+x.tar.gz/{md5}/bar 1.0+x.tar.gz", content);
        var entry = Assert.Single(SourcesFile.Parse($"{md5}  bar 1.0+x.tar.gz\n"));
        var downloader = new LookasideDownloader(_http, _server.BaseUrl);
        Assert.Equal(new Uri($"{_server.BaseUrl}/bar/bar%201.0%2Bx.tar.gz/{md5}/bar%201.0%2Bx.tar.gz"),
            downloader.GetDownloadUri("bar", entry));

        var path = await downloader.DownloadAsync("bar", entry, Destination, CancellationToken.None);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal([$"/repo/pkgs/bar/bar 1.0+x.tar.gz/{md5}/bar 1.0+x.tar.gz"], _server.Requests);
    }

    [Fact]
    public async Task Several_files()
    {
        var a = Content(10, 3);
        var b = Content(20, 4);
        _server.Put($"pkg/a.tar.gz/sha512/{Hash("SHA512", a)}/a.tar.gz", a);
        _server.Put($"pkg/b.patch/{Hash("MD5", b)}/b.patch", b);
        var sources = Path.Combine(Destination, "sources");
        File.WriteAllText(sources, $"SHA512 (a.tar.gz) = {Hash("SHA512", a)}\n{Hash("MD5", b)}  b.patch\n");
        var paths = await new LookasideDownloader(_http, _server.BaseUrl)
            .DownloadSourcesAsync("pkg", sources, Destination, CancellationToken.None);
        Assert.Equal(2, paths.Count);
        Assert.Equal(a, File.ReadAllBytes(paths[0]));
        Assert.Equal(b, File.ReadAllBytes(paths[1]));
    }

    [Fact]
    public async Task No_sources_file_means_nothing_to_download()
    {
        var paths = await new LookasideDownloader(_http, _server.BaseUrl)
            .DownloadSourcesAsync("pkg", Path.Combine(Destination, "sources"), Destination, CancellationToken.None);
        Assert.Empty(paths);
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task Hash_mismatch_names_the_file_and_both_hashes_and_leaves_nothing()
    {
        var expected = Content(5000, 5);
        var served = Content(5000, 6);
        var expectedHash = Hash("SHA512", expected);
        _server.Put($"foo/foo.tar.gz/sha512/{expectedHash}/foo.tar.gz", served);
        // A stale copy committed to the repository goes too: it does not match either.
        File.WriteAllBytes(Path.Combine(Destination, "foo.tar.gz"), Content(10, 7));
        var entry = new SourcesEntry("foo.tar.gz", "SHA512", expectedHash, false);

        var e = await Assert.ThrowsAsync<ScmException>(() =>
            new LookasideDownloader(_http, _server.BaseUrl).DownloadAsync("foo", entry, Destination, CancellationToken.None));
        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.StartsWith($"SHA512 mismatch for foo.tar.gz: expected {expectedHash}, got {Hash("SHA512", served)} (downloaded from http://",
            e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Destination));
    }

    [Fact]
    public async Task Missing_file_is_a_clear_error()
    {
        var entry = new SourcesEntry("nope.tar.gz", "SHA256", new string('0', 64), false);
        var e = await Assert.ThrowsAsync<ScmException>(() =>
            new LookasideDownloader(_http, _server.BaseUrl).DownloadAsync("foo", entry, Destination, CancellationToken.None));
        Assert.Equal($"Failed to download nope.tar.gz from {_server.BaseUrl}/foo/nope.tar.gz/sha256/{new string('0', 64)}/nope.tar.gz: HTTP 404 Not Found",
            e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(Destination));
    }

    [Fact]
    public async Task Unreachable_lookaside_is_a_clear_error()
    {
        var entry = new SourcesEntry("x", "MD5", new string('0', 32), true);
        // A port nothing listens on: take one from the OS and close it.
        using var probe = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var e = await Assert.ThrowsAsync<ScmException>(() =>
            new LookasideDownloader(_http, $"http://127.0.0.1:{port}/repo/pkgs").DownloadAsync("foo", entry, Destination, CancellationToken.None));
        Assert.StartsWith($"Failed to download x from http://127.0.0.1:{port}/repo/pkgs/foo/x/", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_already_in_place_with_the_right_hash_is_kept()
    {
        var content = Content(100, 8);
        File.WriteAllBytes(Path.Combine(Destination, "foo.tar.gz"), content);
        var entry = new SourcesEntry("foo.tar.gz", "SHA256", Hash("SHA256", content), false);
        var path = await new LookasideDownloader(_http, _server.BaseUrl).DownloadAsync("foo", entry, Destination, CancellationToken.None);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Empty(_server.Requests);
    }

    [Fact]
    public async Task A_wrong_file_or_a_symlink_in_place_is_replaced()
    {
        var content = Content(100, 9);
        var hash = Hash("SHA256", content);
        _server.Put($"foo/foo.tar.gz/sha256/{hash}/foo.tar.gz", content);
        var entry = new SourcesEntry("foo.tar.gz", "SHA256", hash, false);
        var downloader = new LookasideDownloader(_http, _server.BaseUrl);

        File.WriteAllText(Path.Combine(Destination, "foo.tar.gz"), "stale");
        var path = await downloader.DownloadAsync("foo", entry, Destination, CancellationToken.None);
        Assert.Equal(content, File.ReadAllBytes(path));

        // A symlink from the repository is replaced, its target left alone.
        var target = _tmp.Combine("precious");
        File.WriteAllBytes(target, content);
        File.Delete(path);
        File.CreateSymbolicLink(path, target);
        await downloader.DownloadAsync("foo", entry, Destination, CancellationToken.None);
        Assert.Null(new FileInfo(path).LinkTarget);
        Assert.Equal(content, File.ReadAllBytes(path));
        Assert.Equal(2, _server.Requests.Count);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".hidden")]
    [InlineData("a b")]
    public async Task Bad_package_names_are_refused(string name)
    {
        var entry = new SourcesEntry("x", "MD5", new string('0', 32), true);
        var downloader = new LookasideDownloader(_http, _server.BaseUrl);
        var e = await Record.ExceptionAsync(() => downloader.DownloadAsync(name, entry, Destination, CancellationToken.None));
        Assert.True(e is ScmException or ArgumentException, e?.ToString() ?? "no exception");
        Assert.Empty(_server.Requests);
        Assert.Empty(Directory.GetFileSystemEntries(Destination));
    }

    [Theory]
    [InlineData("ftp://example.com/pkgs")]
    [InlineData("/repo/pkgs")]
    [InlineData("not a url")]
    public void Base_url_must_be_http(string baseUrl) =>
        Assert.Throws<ArgumentException>(() => new LookasideDownloader(_http, baseUrl));

    [Fact]
    public async Task Cancel_stops_the_download_and_removes_the_partial_file()
    {
        var entry = new SourcesEntry("big.tar.gz", "MD5", new string('0', 32), true);
        var downloader = new LookasideDownloader(_http, _server.BaseUrl.Replace("/repo/pkgs", "/slow", StringComparison.Ordinal));
        using var cts = new CancellationTokenSource();
        var task = downloader.DownloadAsync("foo", entry, Destination, cts.Token);
        var partial = Path.Combine(Destination, ".big.tar.gz.part");
        await Wait.UntilAsync(() => File.Exists(partial) || task.IsCompleted, TimeSpan.FromSeconds(30), "the download to start");
        Assert.False(task.IsCompleted, task.Exception?.ToString());
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(Directory.GetFileSystemEntries(Destination));
    }
}

public sealed class LookasideHttpsTests : IDisposable
{
    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 CreateServerCertificate(X509Certificate2 ca)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.1")], false));
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddHours(12), [1, 2, 3, 4]);
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null);
    }

    [Fact]
    public async Task Https_with_the_given_ca_file()
    {
        using var ca = CreateCa("Lookaside Test CA");
        using var otherCa = CreateCa("Some Other CA");
        using var serverCertificate = CreateServerCertificate(ca);
        var caFile = _tmp.Combine("ca.pem");
        var otherCaFile = _tmp.Combine("other-ca.pem");
        File.WriteAllText(caFile, ca.ExportCertificatePem());
        File.WriteAllText(otherCaFile, otherCa.ExportCertificatePem());
        Directory.CreateDirectory(_tmp.Combine("served"));
        Directory.CreateDirectory(_tmp.Combine("out"));
        await using var server = await LookasideServer.StartAsync(_tmp.Combine("served"), serverCertificate);
        Assert.StartsWith("https://127.0.0.1:", server.BaseUrl, StringComparison.Ordinal);

        var content = new byte[4096];
        new Random(10).NextBytes(content);
        var hash = Convert.ToHexStringLower(SHA512.HashData(content));
        server.Put($"foo/foo.tar.gz/sha512/{hash}/foo.tar.gz", content);
        var entry = new SourcesEntry("foo.tar.gz", "SHA512", hash, false);

        using (var trusted = LookasideDownloader.CreateHttpClient(caFile))
        {
            var path = await new LookasideDownloader(trusted, server.BaseUrl)
                .DownloadAsync("foo", entry, _tmp.Combine("out"), CancellationToken.None);
            Assert.Equal(content, File.ReadAllBytes(path));
            File.Delete(path);
        }

        using (var untrusted = LookasideDownloader.CreateHttpClient(otherCaFile))
        {
            var e = await Assert.ThrowsAsync<ScmException>(() => new LookasideDownloader(untrusted, server.BaseUrl)
                .DownloadAsync("foo", entry, _tmp.Combine("out"), CancellationToken.None));
            Assert.StartsWith("Failed to download foo.tar.gz from https://", e.Message, StringComparison.Ordinal);
        }

        // Without a CA file the system trust applies, which does not know the test CA.
        using (var system = LookasideDownloader.CreateHttpClient())
        {
            await Assert.ThrowsAsync<ScmException>(() => new LookasideDownloader(system, server.BaseUrl)
                .DownloadAsync("foo", entry, _tmp.Combine("out"), CancellationToken.None));
        }
        Assert.Empty(Directory.GetFileSystemEntries(_tmp.Combine("out")));
        // Only the trusted client got as far as asking for the file.
        Assert.Single(server.Requests);
    }

    [Fact]
    public void Ca_file_without_certificates_is_refused()
    {
        var empty = _tmp.Combine("empty.pem");
        File.WriteAllText(empty, "nothing here\n");
        Assert.Throws<ArgumentException>(() => LookasideDownloader.CreateHttpClient(empty));
    }
}
