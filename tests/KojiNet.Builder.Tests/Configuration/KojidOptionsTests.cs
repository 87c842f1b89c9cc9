using KojiNet.Builder.Configuration;
using KojiNet.Configuration;

namespace KojiNet.Builder.Tests.Configuration;

public class KojidOptionsTests
{
    private static KojidOptions Parse(string text) => KojidOptions.Parse(IniFile.Parse(text, "kojid.conf"), "kojid.conf");

    [Fact]
    public void UpstreamSampleOptionsLoadWithTheirTypes()
    {
        var options = Parse("""
            [kojid]
            sleeptime=5
            maxjobs=3
            minspace=100
            topdir=/mnt/koji
            workdir=/tmp/koji
            mockdir=/var/lib/mock
            mockuser=kojibuilder
            vendor=Fedora Project
            packager=Fedora Project
            distribution=Fedora Project
            server=https://koji.example.com/kojihub
            topurl=https://koji.example.com/kojifiles https://mirror.example.com/kojifiles
            allowed_scms=src.example.com:/rpms/*:no:fedpkg,sources !evil.example.com:*
            use_createrepo_c=False
            cert = /etc/kojid/client.crt
            serverca = /etc/kojid/serverca.crt
            RLIMIT_NOFILE = 4096
            """);
        Assert.Equal(5, options.SleepTime);
        Assert.Equal(3, options.MaxJobs);
        Assert.Equal("/tmp/koji", options.WorkDir);
        Assert.Equal("Fedora Project", options.Buildroot.Vendor);
        Assert.False(options.UseCreaterepoC);
        Assert.Equal("https://koji.example.com/kojifiles", options.FirstTopUrl);
        Assert.Equal("rpmbuild", options.BuildrootBackend);
        Assert.Equal(86400, options.Buildroot.RpmbuildTimeout);
        Assert.True(options.OfflineRetry);
    }

    [Theory]
    [InlineData("[kojid]\nserver=x\ntopurl=y\nkeepalive=True\n", "unknown option 'keepalive'")]
    [InlineData("[kojid]\nserver=x\ntopurl=y\nmaxjobs=lots\n", "maxjobs")]
    [InlineData("[kojid]\ntopurl=y\n", "'server' is required")]
    [InlineData("[kojid]\nserver=x\n", "'topurl' is required")]
    [InlineData("[kojid]\nserver=x\ntopurl=y\n[other]\na=b\n", "unexpected section [other]")]
    [InlineData("[kojid]\nserver=x\ntopurl=y\nbuildroot_backend=chroot\n", "buildroot_backend")]
    [InlineData("[kojid]\nserver=x\ntopurl=y\nmaxjobs=0\n", "maxjobs")]
    public void BadConfigurationNamesTheProblem(string text, string expected)
    {
        var error = Assert.Throws<IniFormatException>(() => Parse(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFileIsAClearError()
    {
        var error = Assert.Throws<IniFormatException>(() => KojidOptions.Load("/nonexistent/kojid.conf"));
        Assert.Contains("/nonexistent/kojid.conf", error.Message, StringComparison.Ordinal);
    }
}
