using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using KojiNet.Hub.Certificates;
using KojiNet.TestSupport;

namespace KojiNet.Tests;

public sealed class CertificateAuthorityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-ca-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string OpenSsl(params string[] args) => ExternalTool.RunChecked("openssl", args);

    [Theory]
    [InlineData(CertificateKind.Server, "hub.example.org", "sslserver")]
    [InlineData(CertificateKind.User, "kojiadmin", "sslclient")]
    [InlineData(CertificateKind.Host, "builder-01.example.org", "sslclient")]
    public void IssuedCertificatesVerifyAgainstTheCaForTheirPurpose(CertificateKind kind, string name, string purpose)
    {
        var ca = CertificateAuthority.OpenOrCreate(_dir);
        var pem = ca.Issue(kind, name, kind == CertificateKind.Server ? ["127.0.0.1", "localhost"] : null);
        Assert.Contains(": OK", OpenSsl("verify", "-CAfile", ca.CaCertificatePath, "-purpose", purpose, pem), StringComparison.Ordinal);
        // The PEM file is what koji's "cert =" option takes: certificate and key in one file.
        var text = File.ReadAllText(pem);
        Assert.Contains("BEGIN CERTIFICATE", text, StringComparison.Ordinal);
        Assert.Contains("BEGIN PRIVATE KEY", text, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(pem));
        var subject = OpenSsl("x509", "-in", pem, "-noout", "-subject", "-nameopt", "RFC2253");
        Assert.StartsWith($"subject=CN={name},", subject, StringComparison.Ordinal);
    }

    [Fact]
    public void ClientCertificateIsRefusedForServerUse()
    {
        var ca = CertificateAuthority.OpenOrCreate(_dir);
        var pem = ca.Issue(CertificateKind.User, "alice");
        var r = ExternalTool.Run("openssl", ["verify", "-CAfile", ca.CaCertificatePath, "-purpose", "sslserver", pem]);
        Assert.NotEqual(0, r.ExitCode);
    }

    [Fact]
    public void OpeningTwiceReusesTheSameCa()
    {
        var first = CertificateAuthority.OpenOrCreate(_dir).CaCertificate.Thumbprint;
        var second = CertificateAuthority.OpenOrCreate(_dir).CaCertificate.Thumbprint;
        Assert.Equal(first, second);
    }

    [Fact]
    public void PartialCaIsNotOverwritten()
    {
        CertificateAuthority.OpenOrCreate(_dir);
        File.Delete(Path.Combine(_dir, "ca.key"));
        Assert.Throws<InvalidOperationException>(() => CertificateAuthority.OpenOrCreate(_dir));
        Assert.True(File.Exists(Path.Combine(_dir, "ca.crt")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    public void BadNamesAreRefused(string name)
    {
        var ca = CertificateAuthority.OpenOrCreate(_dir);
        Assert.Throws<ArgumentException>(() => ca.Issue(CertificateKind.User, name));
    }

    /// <summary>
    /// Mutual TLS as the hub will do it: our server requires a client certificate chained to the CA;
    /// Python's ssl module (what the koji client's requests library uses) connects with the user PEM
    /// and trusts only the CA file.
    /// </summary>
    [Fact]
    public async Task PythonClientAndDotNetServerCompleteMutualTls()
    {
        var ca = CertificateAuthority.OpenOrCreate(_dir);
        var serverPem = ca.Issue(CertificateKind.Server, "localhost", ["127.0.0.1"]);
        var userPem = ca.Issue(CertificateKind.User, "kojiadmin");
        using var serverCert = X509Certificate2.CreateFromPemFile(serverPem);
        using var caCert = ca.CaCertificate;
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        string? clientSubject = null;
        var serverTask = Task.Run(async () =>
        {
            using var client = await listener.AcceptTcpClientAsync();
            await using var ssl = new SslStream(client.GetStream());
            await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
            {
                ServerCertificate = serverCert,
                ClientCertificateRequired = true,
                RemoteCertificateValidationCallback = (_, cert, _, _) =>
                {
                    if (cert is null)
                    {
                        return false;
                    }
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.Add(caCert);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    using var c2 = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                    return chain.Build(c2);
                },
            });
            clientSubject = ssl.RemoteCertificate?.Subject;
            await ssl.WriteAsync("ok\n"u8.ToArray());
            await ssl.FlushAsync();
        });

        var script = $$"""
            import socket, ssl
            ctx = ssl.create_default_context(cafile={{Py(ca.CaCertificatePath)}})
            ctx.load_cert_chain({{Py(userPem)}})
            with socket.create_connection(("127.0.0.1", {{port}})) as s:
                with ctx.wrap_socket(s, server_hostname="localhost") as t:
                    print(t.recv(16).decode().strip())
            """;
        var output = await Task.Run(() => ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", script]));
        await serverTask.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("ok", output.Trim());
        Assert.Contains("CN=kojiadmin", clientSubject, StringComparison.Ordinal);
    }

    private static string Py(string s) => "'" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "'";
}
