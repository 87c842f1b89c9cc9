using KojiNet.Configuration;
using KojiNet.Hub.Configuration;

namespace KojiNet.Hub.Tests.Configuration;

public sealed class HubConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-hubconf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void ReadsAnUpstreamStyleHubConf()
    {
        var path = Write("hub.conf", """
            [hub]
            DBName = koji
            DBUser = koji
            DBhost = db.example.org
            DBPort = 5433
            KojiDir = /mnt/koji
            DNUsernameComponent = CN
            ProxyDNs = CN=kojiweb,OU=servers,O=Koji.NET | CN=proxy,O=Example
            LoginCreatesUser = Off
            MaxRequestLength = 8388608
            KojiWebURL = https://koji.example.org/koji
            RLIMIT_NOFILE = 4096
            MaxRepoTasks = 4

            [policy]
            tag = all :: allow
            """);
        var config = HubConfiguration.Load(path);
        Assert.Equal("koji", config.Database.DBName);
        Assert.Equal("db.example.org", config.Database.DBHost);
        Assert.Equal(5433, config.Database.DBPort);
        Assert.False(config.Auth.LoginCreatesUser);
        Assert.Equal(8388608, config.Limits.MaxRequestLength);
        Assert.Equal(4, config.Repos.MaxRepoTasks);
        Assert.Equal("all :: allow", config.Policy!["tag"]);
        // Untouched options keep upstream's defaults.
        Assert.Equal(1440, config.Auth.SessionRenewalTimeout);
        Assert.Equal(15, config.Scheduler.MaxJobs);
    }

    [Fact]
    public void MainFileOverridesTheConfDirectory()
    {
        Write("hub.conf.d/10-db.conf", "[hub]\nDBFile = /var/lib/kojinet/koji.db\nMaxJobs = 3\n");
        var path = Write("hub.conf", "[hub]\nMaxJobs = 7\n");
        var config = HubConfiguration.Load(path, Path.Combine(_dir, "hub.conf.d"));
        Assert.Equal("/var/lib/kojinet/koji.db", config.Database.DBFile);
        Assert.Equal(7, config.Scheduler.MaxJobs);
    }

    [Theory]
    [InlineData("[hub]\nDBName = koji\nDBNmae = oops\n", "unknown option 'dbnmae'")]
    [InlineData("[hub]\nDBName = koji\nMaxJobs = many\n", "option 'MaxJobs' must be an integer, got 'many'")]
    [InlineData("[hub]\nKojiDir = /mnt/koji\n", "no database configured")]
    [InlineData("[hub]\nDBName = koji\nDBFile = /tmp/k.db\n", "both set")]
    [InlineData("[hub]\nDBName = koji\nKojiDir = relative/path\n", "'KojiDir' must be an absolute path")]
    [InlineData("[hub]\nDBName = koji\n[hubb]\nx = 1\n", "unknown section [hubb]")]
    [InlineData("[hub]\nDBName = koji\nMaxRequestLength = 0\n", "'MaxRequestLength' must be positive")]
    public void BadConfigurationStopsWithAMessageNamingTheProblem(string text, string message)
    {
        var path = Write("hub.conf", text);
        var e = Assert.Throws<IniFormatException>(() => HubConfiguration.Load(path));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("hub.conf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingMainFileIsAnError()
    {
        var e = Assert.Throws<IniFormatException>(() => HubConfiguration.Load(Path.Combine(_dir, "nope.conf")));
        Assert.Contains("not found", e.Message, StringComparison.Ordinal);
    }
}
