using KojiNet.Hub.Api;
using KojiNet.Hub.Api.Buildroots;
using KojiNet.Hub.Auth;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Tests.HostBuilds;

/// <summary>
/// The file side of imports on its own: applied moves leave relative symlinks, and are undone
/// when the call's transaction is not committed (a commit that fails after the files moved).
/// </summary>
public sealed class FileMovesTests(SqliteHub hub) : IClassFixture<SqliteHub>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-filemoves-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private CallContext NewCall() => new(hub.Hub, new RequestInfo { RemoteAddress = "127.0.0.1" }, write: false, CancellationToken.None);

    private (string Source, string Destination, string Sig, string Kept) Plan(FileMoves moves)
    {
        var work = Directory.CreateDirectory(Path.Combine(_dir, "work", "tasks", "1", "1")).FullName;
        var source = Path.Combine(work, "a.rpm");
        File.WriteAllText(source, "rpm");
        var kept = Directory.CreateDirectory(Path.Combine(_dir, "packages", "kept")).FullName;
        File.WriteAllText(Path.Combine(kept, "old.sig"), "old");
        var destination = Path.Combine(_dir, "packages", "n", "v", "r", "noarch", "a.rpm");
        var sig = Path.Combine(_dir, "packages", "n", "v", "r", "data", "sigcache", "noarch", "a.rpm.sig");
        moves.MoveAndLink(source, destination, "exists: {0}");
        moves.Write(sig, [1, 2, 3]);
        moves.Write(Path.Combine(kept, "old.sig"), [4]);
        return (source, destination, sig, Path.Combine(kept, "old.sig"));
    }

    [Fact]
    public async Task UncommittedCallPutsEverythingBack()
    {
        var moves = new FileMoves();
        var (source, destination, sig, kept) = Plan(moves);
        moves.Check();
        var ctx = NewCall();
        moves.Apply(ctx);
        Assert.Equal("rpm", File.ReadAllText(destination));
        Assert.Equal(Path.Combine("..", "..", "..", "..", "packages", "n", "v", "r", "noarch", "a.rpm"), new FileInfo(source).LinkTarget);
        Assert.Equal("rpm", File.ReadAllText(source));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(sig));

        await ctx.DisposeAsync();

        Assert.Null(new FileInfo(source).LinkTarget);
        Assert.Equal("rpm", File.ReadAllText(source));
        Assert.False(Directory.Exists(Path.Combine(_dir, "packages", "n")));
        Assert.Equal("old", File.ReadAllText(kept));
        Assert.True(Directory.Exists(Path.Combine(_dir, "packages")));
    }

    [Fact]
    public async Task CommittedCallKeepsTheFiles()
    {
        var moves = new FileMoves();
        var (source, destination, sig, kept) = Plan(moves);
        moves.Check();
        var ctx = NewCall();
        moves.Apply(ctx);
        await ctx.CommitAsync();
        await ctx.DisposeAsync();
        Assert.NotNull(new FileInfo(source).LinkTarget);
        Assert.Equal("rpm", File.ReadAllText(destination));
        Assert.Equal([1, 2, 3], File.ReadAllBytes(sig));
        Assert.Equal([4], File.ReadAllBytes(kept));
    }

    [Fact]
    public void CheckRefusesExistingDestinationsSymlinkSourcesAndClashes()
    {
        var existing = new FileMoves();
        var (_, destination, _, _) = Plan(existing);
        Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
        File.WriteAllText(destination, "there");
        var e = Assert.Throws<XmlRpcFaultException>(existing.Check);
        Assert.Equal($"exists: {destination}", e.FaultString);

        var link = Path.Combine(_dir, "work", "link.rpm");
        File.CreateSymbolicLink(link, destination);
        var fromLink = new FileMoves();
        fromLink.MoveAndLink(link, Path.Combine(_dir, "elsewhere.rpm"), "exists: {0}");
        Assert.StartsWith("Error importing file", Assert.Throws<XmlRpcFaultException>(fromLink.Check).FaultString, StringComparison.Ordinal);

        var clash = new FileMoves();
        var one = Path.Combine(_dir, "one.log");
        var two = Path.Combine(_dir, "two.log");
        File.WriteAllText(one, "1");
        File.WriteAllText(two, "2");
        clash.MoveAndLink(one, Path.Combine(_dir, "logs", "build.log"), "exists: {0}");
        clash.MoveAndLink(two, Path.Combine(_dir, "logs", "build.log"), "exists: {0}");
        Assert.Throws<XmlRpcFaultException>(clash.Check);
    }
}
