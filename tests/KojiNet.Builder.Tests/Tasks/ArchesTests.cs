using KojiNet.Builder.Tasks;

namespace KojiNet.Builder.Tests.Tasks;

public class ArchesTests
{
    [Theory]
    [InlineData("i686", "i386")]
    [InlineData("i386", "i386")]
    [InlineData("athlon", "i386")]
    [InlineData("x86_64", "x86_64")]
    [InlineData("ia32e", "x86_64")]
    [InlineData("ppc64le", "ppc64le")]
    [InlineData("ppc64p7", "ppc64")]
    [InlineData("armv7hl", "armhfp")]
    [InlineData("armv5tel", "arm")]
    [InlineData("aarch64", "aarch64")]
    [InlineData("s390x", "s390x")]
    [InlineData("noarch", "noarch")]
    public void CanonicalArches(string arch, string canon) => Assert.Equal(canon, Arches.Canon(arch));

    public static TheoryData<string, string, string, string, string, string?, string> ArchLists => new()
    {
        // tag arches, extra arches, BuildArch, ExclusiveArch, ExcludeArch, override -> result
        { "x86_64 aarch64", "", "", "", "", null, "x86_64 aarch64" },
        { "x86_64 aarch64", "", "noarch", "", "", null, "noarch" },
        { "x86_64 aarch64", "", "", "x86_64", "", null, "x86_64" },
        { "x86_64 aarch64", "", "", "", "aarch64", null, "x86_64" },
        { "x86_64 aarch64", "", "", "noarch x86_64", "", null, "x86_64 noarch" },
        { "x86_64", "i686", "", "", "", null, "x86_64" },
        { "x86_64 i686", "", "", "", "", null, "x86_64 i686" },
        { "x86_64 aarch64", "", "", "", "", "aarch64", "aarch64" },
        { "x86_64 aarch64", "", "", "", "", "ppc64le", "" },
        { "x86_64", "", "", "s390x", "", null, "" },
    };

    [Theory]
    [MemberData(nameof(ArchLists))]
    public void BuildArchList(string tag, string extra, string buildArchs, string exclusive, string exclude, string? archOverride, string expected)
    {
        List<string> Split(string s) => Arches.Split(s);
        if (expected.Length == 0)
        {
            var error = Assert.Throws<BuildErrorException>(() => Arches.BuildArchList(Split(tag), Split(extra), Split(buildArchs), Split(exclusive), Split(exclude), archOverride is null ? null : Split(archOverride)));
            Assert.Equal("No matching arches were found", error.Message);
            return;
        }
        Assert.Equal(Split(expected), Arches.BuildArchList(Split(tag), Split(extra), Split(buildArchs), Split(exclusive), Split(exclude), archOverride is null ? null : Split(archOverride)));
    }

    [Fact]
    public void NoArchesForTagIsAnError() =>
        Assert.Equal("No arches for tag", Assert.Throws<BuildErrorException>(() => Arches.BuildArchList([], [], [], [], [], null)).Message);

    [Fact]
    public void TaskArchForNoarchWithoutLimitsIsNoarch() =>
        Assert.Equal("noarch", Arches.ChooseTaskArch("noarch", [], ["x86_64", "aarch64"], [], [], []));

    [Fact]
    public void TaskArchForNoarchHonoursNoarchArches() =>
        Assert.Equal("aarch64", Arches.ChooseTaskArch("noarch", [], ["x86_64", "aarch64"], ["aarch64"], [], []));

    [Fact]
    public void TaskArchIsCanonicalUnlessLiteral()
    {
        Assert.Equal("i386", Arches.ChooseTaskArch("i686", [], ["i686"], [], [], []));
        Assert.Equal("i686", Arches.ChooseTaskArch("i686", ["i?86"], ["i686"], [], [], []));
    }

    [Fact]
    public void FindArchPicksACommonArchForNoarch()
    {
        Assert.Equal("x86_64", Arches.FindArch("noarch", ["x86_64"], ["x86_64", "aarch64"]));
        Assert.Equal("aarch64", Arches.FindArch("noarch", ["x86_64", "aarch64"], ["x86_64", "aarch64"], "aarch64"));
        Assert.Equal("ppc64le", Arches.FindArch("ppc64le", ["x86_64"], ["x86_64"]));
        Assert.Throws<BuildErrorException>(() => Arches.FindArch("noarch", ["s390x"], ["x86_64"]));
    }

    [Theory]
    [InlineData("i686", "i?86", true)]
    [InlineData("i6866", "i?86", false)]
    [InlineData("ppc64le", "ppc64*", true)]
    [InlineData("x86_64", "x86_[56]4", true)]
    [InlineData("x86.64", "x86_64", false)]
    public void Globs(string value, string pattern, bool match) => Assert.Equal(match, Arches.Glob(value, pattern));
}
