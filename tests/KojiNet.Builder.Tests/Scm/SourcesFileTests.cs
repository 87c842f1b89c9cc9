using KojiNet.Builder.Scm;

namespace KojiNet.Builder.Tests.Scm;

public class SourcesFileTests
{
    private const string Md5 = "d41d8cd98f00b204e9800998ecf8427e";
    private const string Sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private static readonly string Sha512 = new('a', 128);

    [Fact]
    public void Parses_both_forms()
    {
        var text = $"SHA512 (foo-1.0.tar.gz) = {Sha512}\n\n{Md5}  old style.tar.bz2\r\nsha256 (patch.bin) = {Sha256.ToUpperInvariant()}\n   \n"
            + $"SHA1 (a) = {new string('1', 40)}\nSHA384 (b) = {new string('3', 96)}\nMD5 (c) = {Md5}\n";
        var entries = SourcesFile.Parse(text);
        Assert.Equal(
        [
            new SourcesEntry("foo-1.0.tar.gz", "SHA512", Sha512, false),
            new SourcesEntry("old style.tar.bz2", "MD5", Md5, true),
            new SourcesEntry("patch.bin", "SHA256", Sha256, false),
            new SourcesEntry("a", "SHA1", new string('1', 40), false),
            new SourcesEntry("b", "SHA384", new string('3', 96), false),
            new SourcesEntry("c", "MD5", Md5, false),
        ], entries);
        Assert.Empty(SourcesFile.Parse(""));
        Assert.Empty(SourcesFile.Parse("\n\n"));
    }

    [Theory]
    [InlineData("SHA512 (foo) =", "malformed")]
    [InlineData("just-one-word", "malformed")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e foo", "malformed")]
    [InlineData("SHA224 (foo) = d14a028c2a3a2bc9476102bb288234c415a2b01f828ea62ac5b3e42f", "unsupported hash type SHA224")]
    [InlineData("BLAKE2B (foo) = abcd", "unsupported hash type BLAKE2B")]
    [InlineData("SHA256 (foo) = abcd", "is not a SHA256 hash")]
    [InlineData("SHA256 (foo) = zzb0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "is not a SHA256 hash")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427  foo", "is not a MD5 hash")]
    [InlineData("SHA256 (../../etc/passwd) = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "refusing file name")]
    [InlineData("SHA256 (a/b) = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "refusing file name")]
    [InlineData("SHA256 (.hidden) = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "refusing file name")]
    [InlineData("SHA256 (..) = e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "refusing file name")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e  ../x", "refusing file name")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e  dir/x", "refusing file name")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e  .x", "refusing file name")]
    [InlineData("d41d8cd98f00b204e9800998ecf8427e  a\u0001b", "refusing file name")]
    [InlineData("MD5 (x) = d41d8cd98f00b204e9800998ecf8427e\nd41d8cd98f00b204e9800998ecf8427e  x", "x is listed twice")]
    public void Rejects_bad_lines(string text, string message)
    {
        var e = Assert.Throws<ScmException>(() => SourcesFile.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        Assert.Contains("sources file line", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(e.Message, c => c < ' ');
    }
}
