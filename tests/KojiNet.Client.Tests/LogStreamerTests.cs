using System.Text;
using KojiNet.Client.Tests.Support;
using KojiNet.Hub.Tests;
using static KojiNet.Client.Tests.Support.ClientTestKit;

namespace KojiNet.Client.Tests;

/// <summary>Incremental upload of growing logs (builder.md §17).</summary>
public sealed class LogStreamerTests(SqliteHub hub) : IClassFixture<SqliteHub>
{
    private static readonly LogStreamerOptions Fast = new()
    {
        Interval = TimeSpan.FromMilliseconds(20),
        ChunkSize = 1000,
        Retries = 2,
        RetryDelay = TimeSpan.FromMilliseconds(10),
    };

    private string NewLocalDir() => Directory.CreateDirectory(Path.Combine(hub.Dir, UniqueName("logs"))).FullName;

    private string Remote(string dir, string name) => Path.Combine(hub.Hub.Storage.WorkDir, dir, name);

    private Task RemoteMatchesAsync(string dir, string name, string local, string what) =>
        WaitUntilAsync(() => TryRead(Remote(dir, name)) is { } remote && remote.AsSpan().SequenceEqual(File.ReadAllBytes(local)), what);

    [Fact]
    public async Task AGrowingLogIsFollowedAndAShrunkOneIsSentAgain()
    {
        await using var s = await AdminAsync(hub);
        var local = Path.Combine(NewLocalDir(), "build.log");
        var dir = "cli-build/" + UniqueName("stream");
        await using var streamer = new LogStreamer(s, dir, Fast);
        streamer.Add(local);
        streamer.Start();

        var text = new StringBuilder();
        for (var i = 0; i < 5; i++)
        {
            var line = $"line {i}: " + new string((char)('a' + i), 700 * i) + "\n";
            text.Append(line);
            await File.AppendAllTextAsync(local, line);
            await RemoteMatchesAsync(dir, "build.log", local, $"the hub has {text.Length} bytes of build.log");
        }
        // The hub has written the last piece slightly before the streamer hears back.
        await WaitUntilAsync(() => streamer.UploadedBytes["build.log"] == text.Length, "the streamer counts every byte as sent");

        // Replaced by something shorter: sent again from the start, the remote tail cut off.
        await File.WriteAllTextAsync(local, "restarted\n");
        await RemoteMatchesAsync(dir, "build.log", local, "the hub has the restarted build.log");

        // Whatever is written just before stopping arrives with the final pass.
        await File.AppendAllTextAsync(local, "last words\n");
        await streamer.StopAsync();
        Assert.Equal("restarted\nlast words\n", await File.ReadAllTextAsync(Remote(dir, "build.log")));
    }

    [Fact]
    public async Task LogsThatAppearLaterArePickedUpUnderTheirRemoteNames()
    {
        await using var s = await AdminAsync(hub);
        var localDir = NewLocalDir();
        var dir = "cli-build/" + UniqueName("late");
        await using var streamer = new LogStreamer(s, dir, Fast);
        streamer.Add(Path.Combine(localDir, "root.log"));
        streamer.Add(Path.Combine(localDir, "nested", "state.log"), "state-x86_64.log");
        Assert.Throws<ArgumentException>(() => streamer.Add(Path.Combine(localDir, "other.log"), "root.log"));
        Assert.Throws<ArgumentException>(() => streamer.Add(Path.Combine(localDir, ".hidden")));
        streamer.Start();
        Assert.Throws<InvalidOperationException>(streamer.Start);

        await File.WriteAllTextAsync(Path.Combine(localDir, "root.log"), "installing\n");
        Directory.CreateDirectory(Path.Combine(localDir, "nested"));
        await File.WriteAllTextAsync(Path.Combine(localDir, "nested", "state.log"), "Start: build\n");

        await RemoteMatchesAsync(dir, "root.log", Path.Combine(localDir, "root.log"), "root.log arrived");
        await RemoteMatchesAsync(dir, "state-x86_64.log", Path.Combine(localDir, "nested", "state.log"), "state.log arrived as state-x86_64.log");
        await streamer.StopAsync();
    }

    [Fact]
    public async Task NewBytesGoInPiecesOfAtMostTheChunkSize()
    {
        await using var s = await AdminAsync(hub);
        var local = Path.Combine(NewLocalDir(), "mock_output.log");
        var data = new byte[200 * 1024];
        Random.Shared.NextBytes(data);
        await File.WriteAllBytesAsync(local, data);
        var dir = "cli-build/" + UniqueName("pieces");
        await using var streamer = new LogStreamer(s, dir);
        streamer.Add(local);

        var before = s.NextCallNum;
        await streamer.FlushAsync();
        Assert.Equal(before + 4, s.NextCallNum); // 64 + 64 + 64 + 8 KiB
        Assert.Equal(data, await File.ReadAllBytesAsync(Remote(dir, "mock_output.log")));

        await streamer.FlushAsync();
        Assert.Equal(before + 4, s.NextCallNum); // nothing new, nothing sent
    }

    [Fact]
    public async Task APieceTheHubRefusesIsRetriedThenReported()
    {
        await using var owner = await AdminAsync(hub);
        var dir = "cli-build/" + UniqueName("taken");
        await owner.UploadChunkAsync(dir, "placeholder.log", "x"u8.ToArray(), 0);

        var logger = new CapturingLogger();
        await using var intruder = await FreshUserAsync(hub, UniqueName("streamer"));
        var local = Path.Combine(NewLocalDir(), "build.log");
        await File.WriteAllTextAsync(local, "data\n");
        await using var streamer = new LogStreamer(intruder, dir, Fast, logger);
        streamer.Add(local);

        var e = await Assert.ThrowsAsync<KojiFaultException>(() => streamer.FlushAsync());
        Assert.Equal("Invalid upload directory, not owner", e.FaultString);
        Assert.Equal(Fast.Retries, logger.Count(10));
        Assert.Equal(0, streamer.UploadedBytes["build.log"]);
    }

    [Fact]
    public async Task TheFinalPassCanBeCancelled()
    {
        await using var s = await AdminAsync(hub);
        var local = Path.Combine(NewLocalDir(), "build.log");
        await File.WriteAllTextAsync(local, "data\n");
        await using var streamer = new LogStreamer(s, "cli-build/" + UniqueName("cancel"), Fast);
        streamer.Add(local);
        streamer.Start();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => streamer.StopAsync(cancelled.Token));
    }
}
