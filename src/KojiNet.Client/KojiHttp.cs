using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace KojiNet.Client;

/// <summary>
/// The HTTP side of a session: one <see cref="HttpClient"/> over a <see cref="SocketsHttpHandler"/>
/// with the client certificate and the hub CA, shared by a session and its subsessions and
/// disposed when the last of them is.
/// </summary>
internal sealed class KojiHttp
{
    private int _references = 1;

    private KojiHttp(HttpClient client) => Client = client;

    public HttpClient Client { get; }

    public static MediaTypeHeaderValue XmlContentType { get; } = new("text/xml");

    public static MediaTypeHeaderValue OctetStreamContentType { get; } = new("application/octet-stream");

    public static KojiHttp Create(KojiClientOptions options)
    {
        var ssl = new SslClientAuthenticationOptions();
        if (options.CertFile is { } certFile)
        {
            ssl.ClientCertificateContext = LoadClientCertificate(certFile);
        }
        if (options.NoSslVerify)
        {
            ssl.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }
        else if (options.ServerCaFile is { } caFile)
        {
            var roots = LoadRoots(caFile);
            ssl.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => ChainsToRoots(certificate, chain, errors, roots);
        }
        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
            // Keep-alive: one pooled connection per hub is reused call after call.
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            PooledConnectionLifetime = TimeSpan.FromMinutes(30),
            ConnectTimeout = TimeSpan.FromSeconds(60),
        };
        // Each attempt gets its own deadline (KojiClientOptions.Timeout), so the client has none.
        return new KojiHttp(new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan });
    }

    public KojiHttp AddReference()
    {
        if (Interlocked.Increment(ref _references) <= 1)
        {
            throw new ObjectDisposedException(nameof(KojiSession));
        }
        return this;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            Client.Dispose();
        }
    }

    /// <summary>
    /// Whether a failure is about certificates (ours, the hub's, or the host name), which a
    /// retry cannot cure. A TLS handshake cut short by the network is a transport failure.
    /// </summary>
    public static bool IsCertificateError(Exception e)
    {
        for (var x = e; x is not null; x = x.InnerException)
        {
            if (x is AuthenticationException auth)
            {
                return auth.InnerException is not (IOException or SocketException);
            }
        }
        return false;
    }

    private static SslStreamCertificateContext LoadClientCertificate(string file)
    {
        X509Certificate2 leaf;
        var others = new X509Certificate2Collection();
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(file);
            // A key read from PEM is ephemeral; a PKCS#12 round trip gives one TLS can use everywhere.
            leaf = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            var all = new X509Certificate2Collection();
            all.ImportFromPemFile(file);
            foreach (var c in all)
            {
                if (!c.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
                {
                    others.Add(c);
                }
            }
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"CertFile '{file}' is not a PEM file with a certificate and its private key: {e.Message}", nameof(KojiClientOptions.CertFile), e);
        }
        return SslStreamCertificateContext.Create(leaf, others, offline: true);
    }

    private static X509Certificate2Collection LoadRoots(string file)
    {
        var roots = new X509Certificate2Collection();
        try
        {
            roots.ImportFromPemFile(file);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"ServerCaFile '{file}' is not a PEM certificate bundle: {e.Message}", nameof(KojiClientOptions.ServerCaFile), e);
        }
        if (roots.Count == 0)
        {
            throw new ArgumentException($"ServerCaFile '{file}' holds no certificate", nameof(KojiClientOptions.ServerCaFile));
        }
        return roots;
    }

    private static bool ChainsToRoots(X509Certificate? certificate, X509Chain? presented, SslPolicyErrors errors, X509Certificate2Collection roots)
    {
        // The host name must match and a certificate must be there; only the chain is judged anew.
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
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
        var cert = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(cert);
    }
}
