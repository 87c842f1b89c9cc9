using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace KojiNet.Hub.Certificates;

/// <summary>What a certificate is for; decides its key usages and where its files go.</summary>
public enum CertificateKind
{
    /// <summary>A TLS server (hub, web, lookaside): serverAuth, with DNS and IP subject alternative names.</summary>
    Server,

    /// <summary>A person logging in with <c>sslLogin</c>: clientAuth; CN is the Koji user name.</summary>
    User,

    /// <summary>A builder host: clientAuth; CN is the host name (a HOST user of that name).</summary>
    Host,
}

/// <summary>
/// The site's certificate authority: one CA certificate and key, and the certificates it issues
/// as PEM files a koji client config can use directly (<c>cert =</c> holds certificate and key
/// together, <c>serverca =</c> the CA certificate).
/// Layout under the CA directory: <c>ca.crt</c>, <c>ca.key</c>, and
/// <c>servers/NAME.pem</c>, <c>users/NAME.pem</c>, <c>hosts/NAME.pem</c> (each also with a
/// <c>.crt</c> holding only the certificate).
/// </summary>
public sealed class CertificateAuthority
{
    private readonly X509Certificate2 _caCertificate;

    private CertificateAuthority(string directory, X509Certificate2 caCertificate)
    {
        Directory = directory;
        _caCertificate = caCertificate;
    }

    /// <summary>The CA directory.</summary>
    public string Directory { get; }

    /// <summary>Path of the CA certificate (PEM): what clients use as <c>serverca</c>.</summary>
    public string CaCertificatePath => Path.Combine(Directory, "ca.crt");

    /// <summary>Path of the CA private key (PEM, mode 0600).</summary>
    public string CaKeyPath => Path.Combine(Directory, "ca.key");

    /// <summary>The CA certificate, without its key.</summary>
    public X509Certificate2 CaCertificate => X509CertificateLoader.LoadCertificate(_caCertificate.RawData);

    /// <summary>Opens the CA in <paramref name="directory"/>, creating it when it does not exist yet.</summary>
    public static CertificateAuthority OpenOrCreate(string directory, string commonName = "Koji.NET CA")
    {
        var dir = Path.GetFullPath(directory);
        var crt = Path.Combine(dir, "ca.crt");
        var key = Path.Combine(dir, "ca.key");
        if (File.Exists(crt) && File.Exists(key))
        {
            return new CertificateAuthority(dir, X509Certificate2.CreateFromPemFile(crt, key));
        }
        if (File.Exists(crt) || File.Exists(key))
        {
            throw new InvalidOperationException($"{dir}: found only one of ca.crt and ca.key; refusing to overwrite a partial CA");
        }
        System.IO.Directory.CreateDirectory(dir);
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(commonName)}, O=Koji.NET"), rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 1, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var ca = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(20));
        WritePrivate(key, rsa.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(crt, ca.ExportCertificatePem() + "\n");
        return new CertificateAuthority(dir, X509Certificate2.CreateFromPemFile(crt, key));
    }

    /// <summary>The PEM file (certificate + key) for a name, or null when not issued yet.</summary>
    public string? Find(CertificateKind kind, string name)
    {
        var path = PemPath(kind, name);
        return File.Exists(path) ? path : null;
    }

    /// <summary>
    /// Issues a certificate and writes <c>NAME.pem</c> (certificate then key) and <c>NAME.crt</c>.
    /// Issuing again for the same name replaces the files with a new key.
    /// </summary>
    /// <param name="kind">What the certificate is for.</param>
    /// <param name="name">The CN: user name, host name, or the server's main DNS name.</param>
    /// <param name="alternativeNames">Extra DNS names or IP addresses for a server certificate.</param>
    /// <returns>The path of the <c>.pem</c> file.</returns>
    public string Issue(CertificateKind kind, string name, IEnumerable<string>? alternativeNames = null)
    {
        if (string.IsNullOrWhiteSpace(name) || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.'))
        {
            throw new ArgumentException($"invalid certificate name '{name}'", nameof(name));
        }
        using var rsa = RSA.Create(2048);
        var subject = new X500DistinguishedName($"CN={Escape(name)}, OU={kind.ToString().ToLowerInvariant()}s, O=Koji.NET");
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        var usage = new OidCollection { kind == CertificateKind.Server ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2") };
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usage, false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(_caCertificate, true, false));
        if (kind == CertificateKind.Server)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (var alt in new[] { name }.Concat(alternativeNames ?? []).Distinct(StringComparer.Ordinal))
            {
                if (IPAddress.TryParse(alt, out var ip))
                {
                    san.AddIpAddress(ip);
                }
                else
                {
                    san.AddDnsName(alt);
                }
            }
            request.CertificateExtensions.Add(san.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        var now = DateTimeOffset.UtcNow;
        using var cert = request.Create(_caCertificate, now.AddMinutes(-5), now.AddYears(5), serial);
        var dir = Path.Combine(Directory, KindFolder(kind));
        System.IO.Directory.CreateDirectory(dir);
        var pem = PemPath(kind, name);
        var certPem = cert.ExportCertificatePem() + "\n";
        WritePrivate(pem, certPem + rsa.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(Path.ChangeExtension(pem, ".crt"), certPem);
        return pem;
    }

    /// <summary>Issues the certificate unless its PEM file already exists; returns the path.</summary>
    public string Ensure(CertificateKind kind, string name, IEnumerable<string>? alternativeNames = null) =>
        Find(kind, name) ?? Issue(kind, name, alternativeNames);

    private string PemPath(CertificateKind kind, string name) => Path.Combine(Directory, KindFolder(kind), name + ".pem");

    private static string KindFolder(CertificateKind kind) => kind switch
    {
        CertificateKind.Server => "servers",
        CertificateKind.User => "users",
        CertificateKind.Host => "hosts",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // RFC 4514 escaping for the characters that are special in a DN string.
    private static string Escape(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var c in value)
        {
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' or '=')
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.ToString();
    }

    private static void WritePrivate(string path, string content)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.Create,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        };
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
        {
            writer.Write(content);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
