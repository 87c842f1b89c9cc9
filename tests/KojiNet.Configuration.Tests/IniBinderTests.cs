namespace KojiNet.Configuration.Tests;

public class IniBinderTests
{
    public sealed class SampleOptions
    {
        public string? DBName { get; set; }
        public int MaxRequestLength { get; set; } = 4194304;
        public bool LoginCreatesUser { get; set; } = true;
        public double Capacity { get; set; } = 2.0;

        [IniOption("allowed_scms", Aliases = ["allowedscms"])]
        public string AllowedScms { get; set; } = "";
    }

    [Fact]
    public void BindsKnownOptionsCaseInsensitively()
    {
        var ini = IniFile.Parse("[hub]\ndbname = koji\nMAXREQUESTLENGTH = 100\nLoginCreatesUser = Off\nCapacity = 3.5\nallowed_scms = a b\n");
        var o = IniBinder.Bind<SampleOptions>(ini["hub"], "hub.conf");
        Assert.Equal("koji", o.DBName);
        Assert.Equal(100, o.MaxRequestLength);
        Assert.False(o.LoginCreatesUser);
        Assert.Equal(3.5, o.Capacity);
        Assert.Equal("a b", o.AllowedScms);
    }

    [Fact]
    public void MissingSectionKeepsDefaults()
    {
        var o = IniBinder.Bind<SampleOptions>(null, "hub.conf");
        Assert.Equal(4194304, o.MaxRequestLength);
        Assert.True(o.LoginCreatesUser);
    }

    [Fact]
    public void UnknownOptionIsNamed()
    {
        var ini = IniFile.Parse("[hub]\nDBName = koji\nDBNmae = typo\n");
        var e = Assert.Throws<IniFormatException>(() => IniBinder.Bind<SampleOptions>(ini["hub"], "hub.conf"));
        Assert.Equal("hub.conf [hub]: unknown option 'dbnmae'", e.Message);
    }

    [Theory]
    [InlineData("MaxRequestLength = lots", "option 'MaxRequestLength' must be an integer, got 'lots'")]
    [InlineData("MaxRequestLength = 99999999999", "option 'MaxRequestLength' must be an integer")]
    [InlineData("LoginCreatesUser = perhaps", "option 'LoginCreatesUser' must be a boolean")]
    [InlineData("Capacity = nan", "option 'Capacity' must be a number")]
    public void BadValuesAreNamed(string line, string message)
    {
        var ini = IniFile.Parse("[hub]\n" + line + "\n");
        var e = Assert.Throws<IniFormatException>(() => IniBinder.Bind<SampleOptions>(ini["hub"], "hub.conf"));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IgnoredOptionsAreSkipped()
    {
        var ini = IniFile.Parse("[hub]\nDBName = koji\nPluginOption = 1\n");
        var o = IniBinder.Bind<SampleOptions>(ini["hub"], "hub.conf", ignore: ["PluginOption"]);
        Assert.Equal("koji", o.DBName);
    }
}
