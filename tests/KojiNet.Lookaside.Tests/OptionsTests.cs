using KojiNet.Configuration;

namespace KojiNet.Lookaside.Tests;

/// <summary>lookaside.conf's [lookaside] section, and settings the host refuses to start with.</summary>
public sealed class OptionsTests
{
    [Fact]
    public void Every_option_is_read_from_the_lookaside_section()
    {
        var options = LookasideOptions.FromIni(IniFile.Parse("""
            [lookaside]
            lookaside_dir = /srv/cache/lookaside
            listen_urls = https://0.0.0.0:443 http://127.0.0.1:8080
            tls_certificate = /etc/pki/lookaside/server.pem
            tls_key = /etc/pki/lookaside/server.key
            tls_client_ca = /etc/pki/lookaside/ca.pem
            require_client_cert = yes
            max_upload_size = 1048576
            nomd5 = no
            default_namespace = rpms
            gitroot_dir = /srv/git

            [other]
            ignored = yes
            """, "lookaside.conf"), "lookaside.conf");

        Assert.Equal("/srv/cache/lookaside", options.LookasideDir);
        Assert.Equal("/srv/cache/lookaside", options.StorageRoot);
        Assert.Equal("https://0.0.0.0:443 http://127.0.0.1:8080", options.ListenUrls);
        Assert.Equal("/etc/pki/lookaside/server.pem", options.TlsCertificate);
        Assert.Equal("/etc/pki/lookaside/server.key", options.TlsKey);
        Assert.Equal("/etc/pki/lookaside/ca.pem", options.TlsClientCa);
        Assert.True(options.RequireClientCertificate);
        Assert.Equal(1048576, options.MaxUploadSize);
        Assert.False(options.NoMd5);
        Assert.Equal("rpms", options.DefaultNamespace);
        Assert.Equal("/srv/git", options.GitRootDir);
    }

    [Fact]
    public void Defaults_are_dist_git_like()
    {
        var options = LookasideOptions.FromIni(IniFile.Parse("[lookaside]\nlookaside_dir = /x\n"), "lookaside.conf");

        Assert.True(options.NoMd5);
        Assert.False(options.RequireClientCertificate);
        Assert.Equal(10L * 1024 * 1024 * 1024, options.MaxUploadSize);
        Assert.Null(options.DefaultNamespace);
    }

    [Theory]
    [InlineData("[lookaside]\nstorage_dir = /x\n", "lookaside.conf [lookaside]: unknown option 'storage_dir'")]
    [InlineData("[lookaside]\nmax_upload_size = 10G\n", "lookaside.conf [lookaside]: option 'max_upload_size' must be an integer, got '10G'")]
    [InlineData("[lookaside]\nmax_upload_size = -1\n", "lookaside.conf [lookaside]: option 'max_upload_size' must be 0 (no limit) or a size in bytes, got '-1'")]
    [InlineData("[lookaside]\nrequire_client_cert = maybe\n", "lookaside.conf [lookaside]: option 'require_client_cert' must be a boolean (yes/no, true/false, on/off, 1/0), got 'maybe'")]
    [InlineData("[lookaside]\ndefault_namespace = ../up\n", "lookaside.conf [lookaside]: option 'default_namespace' is not a valid name: '../up'")]
    [InlineData("[hub]\nKojiDir = /x\n", "lookaside.conf: no [lookaside] section")]
    public void Bad_files_are_errors_naming_the_problem(string text, string message)
    {
        var e = Assert.Throws<IniFormatException>(() => LookasideOptions.FromIni(IniFile.Parse(text, "lookaside.conf"), "lookaside.conf"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void Load_reads_a_file()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, "[lookaside]\nlookaside_dir = /srv/l\nmax_upload_size = 0\n");
            var options = LookasideOptions.Load(file);
            Assert.Equal("/srv/l", options.LookasideDir);
            Assert.Equal(0, options.MaxUploadSize);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("https://127.0.0.1:0", false, null, "https listen URLs need a server certificate (tls_certificate)")]
    [InlineData("http://127.0.0.1:0", true, null, "require_client_cert needs an https listen URL and the CA of the client certificates (tls_client_ca)")]
    [InlineData("ftp://127.0.0.1:21", false, null, "not an http(s) listen URL: ftp://127.0.0.1:21")]
    [InlineData("http://example.org:80", false, null, "listen URL http://example.org:80: the host must be an IP address, localhost or *")]
    [InlineData("http://127.0.0.1:0", false, "", "the lookaside needs a storage directory (lookaside_dir)")]
    public void The_host_refuses_settings_that_cannot_work(string listen, bool requireCert, string? dir, string message)
    {
        var options = new LookasideOptions { LookasideDir = dir ?? "/tmp/unused", ListenUrls = listen, RequireClientCertificate = requireCert };
        var e = Assert.Throws<InvalidOperationException>(() => LookasideHost.Build(options));
        Assert.Equal(message, e.Message);
    }
}
