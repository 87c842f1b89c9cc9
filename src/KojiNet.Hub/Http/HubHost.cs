using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using KojiNet.Hub.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace KojiNet.Hub.Http;

/// <summary>
/// Builds the hub's web application: Kestrel on the configured URLs (HTTPS with client
/// certificates checked against the site CA when a certificate is configured), the
/// <c>/kojihub</c> endpoints and the read-only <c>/kojifiles</c> tree.
/// </summary>
public static class HubHost
{
    /// <summary>Creates (and, when asked, migrates) everything and returns the app, not yet started.</summary>
    public static async Task<WebApplication> BuildAsync(HubServices hub, string[]? urls = null)
    {
        if (hub.Config.Database.DBMigrateOnStart)
        {
            await SchemaMigrator.MigrateAsync(hub.Database).ConfigureAwait(false);
        }
        // hub.conf is the configuration; appsettings files are not watched for changes (a watcher
        // on the working directory wakes the hub for every file written there).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(hub);
        // Event-driven scheduling: background passes, and on PostgreSQL the other hubs' notifications.
        builder.Services.AddHostedService(sp => new Scheduling.SchedulerService(hub, sp.GetRequiredService<ILogger<Scheduling.SchedulerService>>()));
        if (hub.Database.Engine == DatabaseEngine.PostgreSql)
        {
            builder.Services.AddHostedService(sp => new Scheduling.PostgresTaskListener(hub, sp.GetRequiredService<ILogger<Scheduling.PostgresTaskListener>>()));
        }
        var server = hub.Config.Server;
        X509Certificate2? caCert = server.TLSClientCA is { } ca ? X509CertificateLoader.LoadCertificateFromFile(ca) : null;
        X509Certificate2? serverCert = server.TLSCertificate is { } pem ? LoadPem(pem) : null;
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = Math.Max(hub.Config.Limits.MaxRequestLength, 64L * 1024 * 1024) + 1;
            kestrel.AddServerHeader = false;
            foreach (var url in urls ?? server.ListenURLs.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                var uri = new Uri(url);
                var address = uri.Host is "localhost" ? IPAddress.Loopback
                    : uri.Host is "*" or "+" or "0.0.0.0" ? IPAddress.Any
                    : IPAddress.Parse(uri.Host.Trim('[', ']'));
                kestrel.Listen(address, uri.Port, listen =>
                {
                    if (uri.Scheme != Uri.UriSchemeHttps)
                    {
                        return;
                    }
                    if (serverCert is null)
                    {
                        throw new InvalidOperationException($"{url}: HTTPS needs TLSCertificate in hub.conf");
                    }
                    listen.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = serverCert,
                        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        // Clients present their certificate when they have one; sslLogin requires it.
                        ClientCertificateMode = caCert is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.AllowCertificate,
                        ClientCertificateValidation = (cert, _, _) => caCert is not null && ChainsTo(cert, caCert),
                    });
                });
            }
        });
        var app = builder.Build();
        // Long-polling builders get their answer at once when the hub stops.
        app.Lifetime.ApplicationStopping.Register(hub.TaskSignals.Stop);
        var endpoint = new XmlRpcEndpoint(hub);
        app.Map("/kojihub", endpoint.HandleAsync);
        app.Map("/kojihub/ssllogin", endpoint.HandleAsync);
        // Uploads land in work/; it must exist before the first one.
        Directory.CreateDirectory(hub.Storage.WorkDir);
        if (server.ServeKojiFiles)
        {
            app.UseKojiFiles(hub.Storage.TopDir);
        }
        return app;
    }

    /// <summary>Whether a client certificate chains to the site CA.</summary>
    public static bool ChainsTo(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(cert);
    }

    private static X509Certificate2 LoadPem(string path)
    {
        using var pem = X509Certificate2.CreateFromPemFile(path);
        // Kestrel on Linux needs the key in an exportable, persisted form.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
