namespace KojiNet.Lookaside.Tests;

/// <summary>HTTPS, and uploads that need a client certificate from the site CA, as Fedora's lookaside does.</summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Uploads_need_a_client_certificate_when_required_and_downloads_do_not()
    {
        var certs = TestCertificates.Create();
        var alice = certs.Issue("alice");
        var stranger = TestCertificates.Create("Some Other CA").Issue("mallory");
        await using var server = await LookasideServer.StartAsync(o => o.RequireClientCertificate = true, certs);
        var path = server.WriteFile("tls.tar.gz", "over tls");
        var sha512 = Hashes.Of(path);
        string[] ca = ["--cacert", certs.CaPem];

        Assert.Equal(new HttpAnswer(403, "You must connect with a valid certificate to upload.\n"),
            Curl.Upload(server.UploadUrl, "tls", path, extra: ca));
        Assert.Equal(new HttpAnswer(403, "You must connect with a valid certificate to upload.\n"),
            Curl.Check(server.UploadUrl, "tls", "tls.tar.gz", sha512, extra: ca));
        Assert.Empty(server.StoredFiles());
        // A certificate from another CA does not get through the TLS handshake.
        Assert.Equal(0, Curl.Upload(server.UploadUrl, "tls", path, extra: [.. ca, "--cert", stranger]).Status);
        Assert.Empty(server.StoredFiles());

        var stored = Curl.Upload(server.UploadUrl, "tls", path, extra: [.. ca, "--cert", alice]);

        Assert.Equal(new HttpAnswer(200, $"File tls.tar.gz size 8 SHA512 {sha512} stored OK\n"), stored);
        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "tls", "tls.tar.gz", sha512, extra: [.. ca, "--cert", alice]));
        Assert.Equal(new HttpAnswer(200, "over tls"), Curl.Run([.. ca, server.DownloadUrl("tls", "tls.tar.gz", "sha512", sha512)]));

        var python = PythonClient.Run($$"""
            url = {{PythonClient.Py(server.UploadUrl)}}
            ca, alice = {{PythonClient.Py(certs.CaPem)}}, {{PythonClient.Py(alice)}}
            without = post_multipart(url, [('name', 'tls'), ('sha512sum', {{PythonClient.Py(Hashes.Of(server.WriteFile("py", "py")))}})],
                                     file=(2, 'py.txt', b'py'), ctx=context(ca))
            with_cert = post_multipart(url, [('name', 'tls'), ('sha512sum', {{PythonClient.Py(Hashes.Of(server.WriteFile("py", "py")))}})],
                                       file=(2, 'py.txt', b'py'), ctx=context(ca, alice))
            emit([without, with_cert, get({{PythonClient.Py(server.DownloadUrl("tls", "tls.tar.gz", "sha512", sha512))}}, ctx=context(ca))])
            """);
        Assert.Equal(403, python[0].GetProperty("status").GetInt32());
        Assert.Equal(200, python[1].GetProperty("status").GetInt32());
        Assert.EndsWith(" stored OK\n", python[1].GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(200, python[2].GetProperty("status").GetInt32());
        Assert.Equal(sha512, python[2].GetProperty("sha512").GetString());
        Assert.Equal(2, server.StoredFiles().Count);
    }

    [Fact]
    public async Task Without_the_requirement_anonymous_uploads_over_tls_are_accepted()
    {
        var certs = TestCertificates.Create();
        await using var server = await LookasideServer.StartAsync(tls: certs);
        var path = server.WriteFile("anon.txt", "anon");

        var answer = Curl.Upload(server.UploadUrl, "anon", path, extra: ["--cacert", certs.CaPem]);

        Assert.Equal(200, answer.Status);
        Assert.Single(server.StoredFiles());
    }

    [Fact]
    public async Task The_server_key_may_be_in_its_own_file()
    {
        var certs = TestCertificates.Create();
        var pem = File.ReadAllText(certs.ServerPem);
        var keyStart = pem.IndexOf("-----BEGIN PRIVATE KEY-----", StringComparison.Ordinal);
        var certFile = Path.Combine(certs.Dir, "server.crt");
        var keyFile = Path.Combine(certs.Dir, "server.key");
        File.WriteAllText(certFile, pem[..keyStart]);
        File.WriteAllText(keyFile, pem[keyStart..]);
        await using var server = await LookasideServer.StartAsync(o =>
        {
            o.TlsCertificate = certFile;
            o.TlsKey = keyFile;
        }, certs);
        var path = server.WriteFile("k.txt", "k");

        Assert.Equal(200, Curl.Upload(server.UploadUrl, "k", path, extra: ["--cacert", certs.CaPem]).Status);
    }
}
