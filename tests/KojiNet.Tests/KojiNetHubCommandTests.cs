using KojiNet.TestSupport;

namespace KojiNet.Tests;

/// <summary><c>kojinet hub</c> and <c>kojinet db migrate</c> on hub.conf files, good and bad.</summary>
public sealed class KojiNetHubCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-hubcmd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ExternalTool.Result Kojinet(params string[] args) =>
        ExternalTool.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "kojinet.dll"), .. args], timeout: TimeSpan.FromMinutes(2));

    [Theory]
    [InlineData("[hub]\nDBFile = /tmp/x.db\nDBNmae = koji\n", "unknown option 'dbnmae'")]
    [InlineData("[hub]\nDBFile = /tmp/x.db\nMaxRequestLength = big\n", "option 'MaxRequestLength' must be an integer")]
    [InlineData("[hub\nDBFile = /tmp/x.db\n", "section header without ']'")]
    public void BadConfigurationStopsStartUpWithAReadableMessage(string text, string message)
    {
        var conf = Path.Combine(_dir, "hub.conf");
        File.WriteAllText(conf, text);
        foreach (var command in new[] { new[] { "hub", "--config", conf }, ["db", "migrate", "--config", conf] })
        {
            var r = Kojinet(command);
            Assert.Equal(2, r.ExitCode);
            Assert.Contains(message, r.StdErr, StringComparison.Ordinal);
            Assert.Contains("hub.conf", r.StdErr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void DbMigrateCreatesThenReportsUpToDate()
    {
        var conf = Path.Combine(_dir, "hub.conf");
        File.WriteAllText(conf, $"[hub]\nDBFile = {Path.Combine(_dir, "koji.db")}\nKojiDir = {_dir}\n");
        var first = Kojinet("db", "migrate", "--config", conf, "--config-dir", Path.Combine(_dir, "none"));
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("applied migrations 1", first.StdOut, StringComparison.Ordinal);
        var second = Kojinet("db", "migrate", "--config", conf, "--config-dir", Path.Combine(_dir, "none"));
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("up to date", second.StdOut, StringComparison.Ordinal);
    }
}
