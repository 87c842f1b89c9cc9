using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KojiNet.Lookaside.Tests;

/// <summary>
/// A real lookaside (<see cref="LookasideHost"/>) on a free loopback port, with its storage in a
/// fresh directory. <see cref="Dir"/> holds the storage root and nothing else the server writes,
/// so a test can check that nothing appeared outside the root.
/// </summary>
public sealed class LookasideServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private LookasideServer(string dir, LookasideOptions options, WebApplication app, string url)
    {
        Dir = dir;
        Options = options;
        _app = app;
        Url = url;
    }

    /// <summary>The test's directory: the storage root <see cref="Root"/> and the test's own files under <see cref="Work"/>.</summary>
    public string Dir { get; }

    public string Root => Path.Combine(Dir, "lookaside");

    public string Work => Path.Combine(Dir, "work");

    public LookasideOptions Options { get; }

    /// <summary>The base URL, e.g. <c>http://127.0.0.1:41234</c> (<c>https://localhost:...</c> over TLS).</summary>
    public string Url { get; }

    public string UploadUrl => Url + "/repo/pkgs/upload.cgi";

    public string DownloadUrl(string name, string fileName, string hashType, string hash) =>
        $"{Url}/repo/pkgs/{name}/{Uri.EscapeDataString(fileName)}/{hashType}/{hash}/{Uri.EscapeDataString(fileName)}";

    public string StoredPath(string name, string fileName, string hashType, string hash) =>
        Path.Combine(Root, name, fileName, hashType, hash, fileName);

    public static async Task<LookasideServer> StartAsync(Action<LookasideOptions>? configure = null, TestCertificates? tls = null)
    {
        var dir = Directory.CreateTempSubdirectory("kojinet-lookaside-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "work"));
        var options = new LookasideOptions
        {
            LookasideDir = Path.Combine(dir, "lookaside"),
            ListenUrls = tls is null ? "http://127.0.0.1:0" : "https://127.0.0.1:0",
            TlsCertificate = tls?.ServerPem,
            TlsClientCa = tls?.CaPem,
        };
        configure?.Invoke(options);
        var app = LookasideHost.Build(options);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = address.TrimEnd('/');
        if (tls is not null)
        {
            url = url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal);
        }
        return new LookasideServer(dir, options, app, url);
    }

    /// <summary>Writes a file under <see cref="Work"/> and returns its path.</summary>
    public string WriteFile(string name, string content) => WriteFile(name, System.Text.Encoding.UTF8.GetBytes(content));

    public string WriteFile(string name, byte[] content)
    {
        var path = Path.Combine(Work, name);
        File.WriteAllBytes(path, content);
        return path;
    }

    /// <summary>Every file under the storage root, relative to it, except the temporary directory (which must be empty).</summary>
    public IReadOnlyList<string> StoredFiles()
    {
        var temp = Path.Combine(Root, ".tmp");
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
        return Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Root, f))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The name path-escape attempts aim at, next to the test directory or one level up.</summary>
    public const string EscapeName = "kojinet-escaped";

    /// <summary>Asserts the server wrote nothing outside its root: the test directory holds only the root and the work directory.</summary>
    public void AssertNothingOutsideRoot()
    {
        Assert.Equal(["lookaside", "work"], Directory.EnumerateFileSystemEntries(Dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var parent = Path.GetDirectoryName(Dir)!;
        Assert.False(Path.Exists(Path.Combine(parent, EscapeName)));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
