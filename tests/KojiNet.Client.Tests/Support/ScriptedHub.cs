using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using KojiNet.Hub.Certificates;
using KojiNet.Hub.Tests;
using KojiNet.XmlRpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KojiNet.Client.Tests.Support;

/// <summary>One request as the scripted hub saw it.</summary>
internal sealed record SeenRequest(string Path, string Query, string? ContentType, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    public XmlRpcMethodCall Call => XmlRpcReader.ReadMethodCall(Body);
}

/// <summary>
/// An HTTPS server (certificate from the fixture's CA) that records every request and answers
/// with scripted HTTP statuses, for the failure modes a real hub cannot be made to produce
/// (5xx, 4xx) and to see exactly what goes over the wire.
/// </summary>
internal sealed class ScriptedHub : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedHub(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Statuses to answer with, in order, before answering normally.</summary>
    public ConcurrentQueue<int> Failures { get; } = new();

    public ConcurrentQueue<SeenRequest> Requests { get; } = new();

    /// <summary>Whether the login answer tells the client to use headers.</summary>
    public bool HeaderAuth { get; set; } = true;

    public static async Task<ScriptedHub> StartAsync(HubFixture hub)
    {
        var pem = hub.Ca.Issue(CertificateKind.Server, "localhost-scripted", ["localhost", "127.0.0.1"]);
        using var loaded = X509Certificate2.CreateFromPemFile(pem);
        var cert = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.UseHttps(cert)));
        var app = builder.Build();
        var scripted = new ScriptedHub(app);
        app.Run(scripted.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        scripted.Url = address.Replace("127.0.0.1", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/kojihub";
        return scripted;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body);
        var seen = new SeenRequest(http.Request.Path, http.Request.QueryString.Value ?? "", http.Request.ContentType,
            http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body.ToArray());
        Requests.Enqueue(seen);
        http.Response.Headers["Koji-Version"] = "1.35.3";
        if (Failures.TryDequeue(out var status))
        {
            http.Response.StatusCode = status;
            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync("scripted failure");
            return;
        }
        object? result;
        if (seen.ContentType == "application/octet-stream")
        {
            result = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["size"] = seen.Body.Length,
                ["fileverify"] = "adler32",
                ["offset"] = long.Parse(http.Request.Query["offset"]!, System.Globalization.CultureInfo.InvariantCulture),
                ["hexdigest"] = Adler32.Hex(seen.Body),
            };
        }
        else
        {
            result = seen.Call.MethodName switch
            {
                "sslLogin" or "login" => new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["session-id"] = 7,
                    ["session-key"] = "1-scriptedkey",
                    ["header-auth"] = HeaderAuth,
                },
                _ => "ok",
            };
        }
        http.Response.ContentType = "text/xml";
        await http.Response.Body.WriteAsync(XmlRpcWriter.ResponseToBytes(result));
    }
}
