using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;

namespace KojiNet.Lookaside;

/// <summary>
/// Builds the standalone lookaside server: Kestrel on the configured URLs (HTTPS with the
/// configured certificate; client certificates requested and checked against
/// <see cref="LookasideOptions.TlsClientCa"/> when one is set) serving <see cref="LookasideEndpoints"/>.
/// </summary>
public static class LookasideHost
{
    /// <summary>Creates the application, not yet started.</summary>
    /// <param name="options">The settings; <see cref="LookasideOptions.LookasideDir"/> must be set.</param>
    /// <param name="urls">Listen URLs overriding <see cref="LookasideOptions.ListenUrls"/>.</param>
    /// <exception cref="InvalidOperationException">The settings cannot work (https without a certificate, client certificates required without a CA...).</exception>
    public static WebApplication Build(LookasideOptions options, IReadOnlyList<string>? urls = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var listen = urls ?? options.ListenUrls.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (listen.Count == 0)
        {
            throw new InvalidOperationException("the lookaside needs at least one listen URL (listen_urls)");
        }
        var endpoints = listen.Select(ParseUrl).ToList();
        var https = endpoints.Any(e => e.Uri.Scheme == Uri.UriSchemeHttps);
        if (https && options.TlsCertificate is not { Length: > 0 })
        {
            throw new InvalidOperationException("https listen URLs need a server certificate (tls_certificate)");
        }
        if (options.RequireClientCertificate && (!https || options.TlsClientCa is not { Length: > 0 }))
        {
            throw new InvalidOperationException("require_client_cert needs an https listen URL and the CA of the client certificates (tls_client_ca)");
        }
        _ = options.StorageRoot;

        var serverCert = https ? LoadServerCertificate(options.TlsCertificate!, options.TlsKey) : null;
        var clientCa = options.TlsClientCa is { Length: > 0 } ca ? X509CertificateLoader.LoadCertificateFromFile(ca) : null;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("KojiNet.Lookaside", LogLevel.Information);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            foreach (var (uri, address) in endpoints)
            {
                kestrel.Listen(address, uri.Port, endpoint =>
                {
                    if (uri.Scheme != Uri.UriSchemeHttps)
                    {
                        return;
                    }
                    endpoint.UseHttps(new HttpsConnectionAdapterOptions
                    {
                        ServerCertificate = serverCert,
                        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                        // Asked for on every connection, needed only by upload.cgi when require_client_cert is set.
                        ClientCertificateMode = clientCa is null ? ClientCertificateMode.NoCertificate : ClientCertificateMode.AllowCertificate,
                        ClientCertificateValidation = (cert, _, _) => clientCa is not null && ChainsTo(cert, clientCa),
                    });
                });
            }
        });
        var app = builder.Build();
        LookasideEndpoints.Map(app, options);
        return app;
    }

    private static (Uri Uri, IPAddress Address) ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException($"not an http(s) listen URL: {url}");
        }
        var host = uri.Host.Trim('[', ']');
        var address = host is "localhost" ? IPAddress.Loopback
            : host is "*" or "+" or "0.0.0.0" ? IPAddress.Any
            : IPAddress.TryParse(host, out var ip) ? ip
            : throw new InvalidOperationException($"listen URL {url}: the host must be an IP address, localhost or *");
        return (uri, address);
    }

    /// <summary>Whether a client certificate chains to the CA and is meant for client authentication.</summary>
    internal static bool ChainsTo(X509Certificate2 cert, X509Certificate2 ca)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(cert);
    }

    private static X509Certificate2 LoadServerCertificate(string certificate, string? key)
    {
        using var pem = key is { Length: > 0 } ? X509Certificate2.CreateFromPemFile(certificate, key) : X509Certificate2.CreateFromPemFile(certificate);
        // Kestrel on Linux needs the key in an exportable, persisted form.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
