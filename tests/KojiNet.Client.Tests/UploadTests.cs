using KojiNet.Client.Tests.Support;
using KojiNet.Hub.Tests;
using KojiNet.XmlRpc;
using static KojiNet.Client.Tests.Support.ClientTestKit;

namespace KojiNet.Client.Tests;

/// <summary>Fast (raw) and legacy uploads into the hub's work directory (protocol.md §9, builder.md §17).</summary>
public sealed class UploadTests(SqliteHub hub) : IClassFixture<SqliteHub>
{
    private string WorkFile(string dir, string name) => Path.Combine(hub.Hub.Storage.WorkDir, dir, name);

    private string LocalFile(byte[] data, string? name = null)
    {
        var path = Path.Combine(hub.Dir, name ?? UniqueName("local") + ".bin");
        File.WriteAllBytes(path, data);
        return path;
    }

    private static byte[] RandomBytes(int length)
    {
        var data = new byte[length];
        Random.Shared.NextBytes(data);
        return data;
    }

    [Theory]
    [InlineData(2_621_440 + 12_345, 3)]
    [InlineData(2 * 1024 * 1024, 2)]
    [InlineData(1, 1)]
    [InlineData(0, 1)]
    public async Task FastUploadSendsOneRequestPerBlockThenChecksTheFile(int length, int chunks)
    {
        await using var s = await AdminAsync(hub);
        var data = RandomBytes(length);
        var local = LocalFile(data);
        var dir = "cli-build/" + UniqueName("fast");
        var before = s.NextCallNum;

        Assert.Equal(length, await s.UploadFileAsync(local, dir, "pkg-1.0-1.src.rpm"));

        Assert.Equal(data, await File.ReadAllBytesAsync(WorkFile(dir, "pkg-1.0-1.src.rpm")));
        Assert.Equal(before + chunks + 1, s.NextCallNum);
        var check = Struct(await s.CallAsync("checkUpload", [dir, "pkg-1.0-1.src.rpm"]));
        Assert.Equal(length, Convert.ToInt64(check["size"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(2_621_440 + 12_345, 3)]
    [InlineData(1024 * 1024, 1)]
    [InlineData(0, 0)]
    public async Task LegacyUploadSendsBase64BlocksThenAClosingCall(int length, int chunks)
    {
        var options = Options(hub, hub.AdminPem);
        options.UseFastUpload = false;
        await using var s = new KojiSession(options);
        await s.SslLoginAsync();
        var data = RandomBytes(length);
        var local = LocalFile(data);
        var dir = "cli-build/" + UniqueName("legacy");
        var before = s.NextCallNum;

        Assert.Equal(length, await s.UploadFileAsync(local, dir));

        Assert.Equal(data, await File.ReadAllBytesAsync(WorkFile(dir, Path.GetFileName(local))));
        Assert.Equal(before + chunks + 1, s.NextCallNum);
    }

    [Fact]
    public async Task TheBlockSizeIsConfigurable()
    {
        var options = Options(hub, hub.AdminPem);
        options.UploadBlockSize = 1000;
        await using var s = new KojiSession(options);
        await s.SslLoginAsync();
        var data = RandomBytes(10_500);
        var dir = "cli-build/" + UniqueName("blocks");
        var before = s.NextCallNum;
        await s.UploadFileAsync(LocalFile(data), dir, "x.log");
        Assert.Equal(before + 11 + 1, s.NextCallNum);
        Assert.Equal(data, await File.ReadAllBytesAsync(WorkFile(dir, "x.log")));
    }

    [Fact]
    public async Task OverwriteReplacesAnUploadAndWithoutItTheHubRefuses()
    {
        await using var s = await AdminAsync(hub);
        var dir = "cli-build/" + UniqueName("over");
        await s.UploadFileAsync(LocalFile(RandomBytes(5000)), dir, "f.bin");
        var shorter = RandomBytes(100);
        await s.UploadFileAsync(LocalFile(shorter), dir, "f.bin");
        Assert.Equal(shorter, await File.ReadAllBytesAsync(WorkFile(dir, "f.bin")));

        var e = await Assert.ThrowsAsync<KojiFaultException>(() => s.UploadFileAsync(LocalFile(RandomBytes(10)), dir, "f.bin", overwrite: false));
        Assert.Equal("upload path exists", e.FaultString);
        Assert.Equal(shorter, await File.ReadAllBytesAsync(WorkFile(dir, "f.bin")));
    }

    [Fact]
    public async Task ChunksLandAtTheirOffsetAndOverwriteCutsTheFileThere()
    {
        await using var s = await AdminAsync(hub);
        var dir = "cli-build/" + UniqueName("chunks");
        var file = WorkFile(dir, "build.log");

        Assert.Equal(0, await s.UploadChunkAsync(dir, "build.log", "hello"u8.ToArray(), 0));
        Assert.Equal(5, await s.UploadChunkAsync(dir, "build.log", " world"u8.ToArray(), 5));
        Assert.Equal("hello world", await File.ReadAllTextAsync(file));

        Assert.Equal(0, await s.UploadChunkAsync(dir, "build.log", "HE"u8.ToArray(), 0, overwrite: true));
        Assert.Equal("HE", await File.ReadAllTextAsync(file));

        Assert.Equal(2, await s.UploadChunkAsync(dir, "build.log", "!!"u8.ToArray(), -1, overwrite: false));
        Assert.Equal("HE!!", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task LegacyChunksLandAtTheirOffset()
    {
        var options = Options(hub, hub.AdminPem);
        options.UseFastUpload = false;
        await using var s = new KojiSession(options);
        await s.SslLoginAsync();
        var dir = "cli-build/" + UniqueName("legacychunks");
        await s.UploadChunkAsync(dir, "root.log", "abc"u8.ToArray(), 0);
        await s.UploadChunkAsync(dir, "root.log", "def"u8.ToArray(), 3);
        Assert.Equal("abcdef", await File.ReadAllTextAsync(WorkFile(dir, "root.log")));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.UploadChunkAsync(dir, "root.log", "x"u8.ToArray(), -1));
    }

    [Fact]
    public async Task TheHubsUploadRulesComeBackAsFaults()
    {
        var data = LocalFile(RandomBytes(10));
        await using (var anon = new KojiSession(Options(hub)))
        {
            // Without session headers the hub reads the upload's query string as legacy session arguments.
            var e = await Assert.ThrowsAsync<KojiAuthException>(() => anon.UploadFileAsync(data, "cli-build/" + UniqueName("anon")));
            Assert.Equal("'session-id' not specified in session args", e.FaultString);
        }

        var dir = "cli-build/" + UniqueName("owned");
        await using var admin = await AdminAsync(hub);
        await admin.UploadFileAsync(data, dir);
        await using var other = await FreshUserAsync(hub, UniqueName("intruder"));
        var notOwner = await Assert.ThrowsAsync<KojiFaultException>(() => other.UploadFileAsync(data, dir, "mine.bin"));
        Assert.Equal("Invalid upload directory, not owner", notOwner.FaultString);
        Assert.Equal(KojiFaultCode.GenericError, notOwner.FaultCode);
    }

    [Fact]
    public async Task BadLocalOrRemoteNamesAreRefusedBeforeSending()
    {
        await using var s = await AdminAsync(hub);
        var before = s.NextCallNum;
        await Assert.ThrowsAsync<ArgumentException>(() => s.UploadFileAsync(LocalFile([1]), "cli-build/x", "../evil"));
        await Assert.ThrowsAsync<ArgumentException>(() => s.UploadFileAsync(LocalFile([1]), "cli-build/x", ".hidden"));
        await Assert.ThrowsAsync<ArgumentException>(() => s.UploadChunkAsync("cli-build/x", "a/b", new byte[1], 0));
        await Assert.ThrowsAsync<FileNotFoundException>(() => s.UploadFileAsync(Path.Combine(hub.Dir, "missing.bin"), "cli-build/x"));
        Assert.Equal(before, s.NextCallNum);
    }

    [Theory]
    [InlineData("", "00000001")]
    [InlineData("a", "00620062")]
    [InlineData("Wikipedia", "11e60398")]
    public void Adler32MatchesKnownValues(string text, string expected) =>
        Assert.Equal(expected, Adler32.Hex(System.Text.Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Adler32OfLongRunsMatchesTheTextbookDefinition()
    {
        var data = new byte[100_000];
        Array.Fill(data, (byte)0xff);
        uint a = 1, b = 0;
        foreach (var d in data)
        {
            a = (a + d) % 65521;
            b = (b + a) % 65521;
        }
        var incremental = new Adler32();
        incremental.Append(data.AsSpan(0, 7777));
        incremental.Append(data.AsSpan(7777));
        Assert.Equal((b << 16) | a, incremental.Value);
    }
}
