using KojiNet.Builder.Scm;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tests.Scm;

public sealed class ScmSpecFileTests : IDisposable
{
    private readonly TempDirectory _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private string Make(string name, params string[] files)
    {
        var dir = _tmp.Combine(name);
        Directory.CreateDirectory(dir);
        foreach (var file in files)
        {
            var path = Path.Combine(dir, file);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "Name: x\n");
        }
        return dir;
    }

    [Fact]
    public void Single_spec_at_the_top()
    {
        var dir = Make("foo", "whatever.spec", "foo.spec.orig", ".hidden.spec", "SPECS/other.spec", "README");
        Assert.Equal(Path.Combine(dir, "whatever.spec"), ScmSpecFile.Find(dir));
    }

    [Fact]
    public void Several_specs_pick_the_one_named_after_the_directory()
    {
        var dir = Make("foo", "a.spec", "foo.spec", "z.spec");
        Assert.Equal(Path.Combine(dir, "foo.spec"), ScmSpecFile.Find(dir));
        Assert.Equal(Path.Combine(dir, "foo.spec"), ScmSpecFile.Find(dir + "/"));
    }

    [Fact]
    public void Several_specs_without_a_match_fail()
    {
        var dir = Make("foo", "b.spec", "a.spec");
        var e = Assert.Throws<ScmException>(() => ScmSpecFile.Find(dir));
        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.Equal("Multiple spec files found: a.spec, b.spec", e.Message);
    }

    [Fact]
    public void Rpm_source_layout()
    {
        var dir = Make("foo", "SPECS/foo.spec", "SPECS/bar.spec", "SOURCES/foo-1.tar.gz");
        Assert.Equal(Path.Combine(dir, "SPECS", "foo.spec"), ScmSpecFile.Find(dir));
        Assert.Equal(Path.Combine(dir, "SOURCES"), ScmSpecFile.GetSourcesDirectory(dir));
        Assert.Equal(dir, ScmSpecFile.GetSourcesDirectory(dir, supportRpmSourceLayout: false));
        Assert.Equal("No spec file found",
            Assert.Throws<ScmException>(() => ScmSpecFile.Find(dir, supportRpmSourceLayout: false)).Message);

        var single = Make("bar", "SPECS/anything.spec");
        Assert.Equal(Path.Combine(single, "SPECS", "anything.spec"), ScmSpecFile.Find(single));
        Assert.Equal(single, ScmSpecFile.GetSourcesDirectory(single));
    }

    [Fact]
    public void No_spec_fails()
    {
        var dir = Make("foo", "README", "foo.spec.in", "sub/foo.spec");
        Directory.CreateDirectory(Path.Combine(dir, "dir.spec"));
        Assert.Equal("No spec file found", Assert.Throws<ScmException>(() => ScmSpecFile.Find(dir)).Message);
        Assert.Throws<ScmException>(() => ScmSpecFile.Find(_tmp.Combine("missing")));
    }

    [Fact]
    public void Spec_that_is_a_symlink_is_refused()
    {
        var dir = Make("foo");
        File.CreateSymbolicLink(Path.Combine(dir, "foo.spec"), "/etc/hostname");
        var e = Assert.Throws<ScmException>(() => ScmSpecFile.Find(dir));
        Assert.Equal("Spec file foo.spec is a symbolic link", e.Message);
    }

    [Theory]
    [InlineData("Packager: Someone <x@y>\nName: foo\n", "Packager is not allowed to be set in spec file")]
    [InlineData("Distribution: Mine\n", "Distribution is not allowed to be set in spec file")]
    [InlineData("Vendor: Me\n", "Vendor is not allowed to be set in spec file")]
    [InlineData("%define packager me\n", "packager is not allowed to be defined in spec file")]
    [InlineData("%define\tdistribution x\n", "distribution is not allowed to be defined in spec file")]
    [InlineData("%define  vendor  x\n", "vendor is not allowed to be defined in spec file")]
    public void Sanity_check_refuses_overrides_at_the_start(string text, string message)
    {
        var e = Assert.Throws<ScmException>(() => ScmSpecFile.CheckSanityText(text));
        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.Equal(message, e.Message);

        var path = _tmp.Combine("x.spec");
        File.WriteAllText(path, text);
        Assert.Equal(message, Assert.Throws<ScmException>(() => ScmSpecFile.CheckSanity(path)).Message);
    }

    // Upstream anchors the match at the start of the file only; later lines pass, as do
    // lower-case tags and other macros.
    [Theory]
    [InlineData("Name: foo\nPackager: Someone\n")]
    [InlineData("Name: foo\nVendor: Me\n%define vendor x\n")]
    [InlineData("packager: lower case\n")]
    [InlineData(" Vendor: indented\n")]
    [InlineData("%define packagers x\n")]
    [InlineData("%global vendor x\n")]
    [InlineData("Vendor : spaced\n")]
    [InlineData("")]
    public void Sanity_check_accepts(string text) => ScmSpecFile.CheckSanityText(text);
}
