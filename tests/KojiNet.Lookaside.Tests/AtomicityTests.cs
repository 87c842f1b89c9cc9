namespace KojiNet.Lookaside.Tests;

/// <summary>An upload in progress lives in the temporary directory; only a complete, verified file appears under its name.</summary>
public sealed class AtomicityTests
{
    [Fact]
    public async Task A_file_appears_under_its_name_only_when_complete()
    {
        await using var server = await LookasideServer.StartAsync();
        var content = new byte[3 * 1024 * 1024];
        new Random(3).NextBytes(content);
        var path = server.WriteFile("slow.bin", content);
        var sha512 = Hashes.Of(path);
        var destination = server.StoredPath("slow", "slow.bin", "sha512", sha512);
        var temp = Path.Combine(server.Root, ".tmp");

        var upload = Task.Run(() => Curl.Upload(server.UploadUrl, "slow", path, extra: ["--limit-rate", "1M"]));
        await WaitUntilAsync(() => Directory.EnumerateFiles(temp).Any(f => new FileInfo(f).Length > 0) || upload.IsCompleted);

        Assert.False(upload.IsCompleted, "the upload finished before it could be observed in progress");
        Assert.False(File.Exists(destination));
        var answer = await upload;
        Assert.Equal(200, answer.Status);
        Assert.Equal(content, File.ReadAllBytes(destination));
        Assert.Empty(Directory.EnumerateFiles(temp));
    }

    [Fact]
    public async Task An_upload_the_client_abandons_leaves_nothing_behind()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("abandoned.bin", new byte[4 * 1024 * 1024]);
        var temp = Path.Combine(server.Root, ".tmp");

        var answer = Curl.Upload(server.UploadUrl, "abandoned", path, extra: ["--limit-rate", "512K", "--max-time", "2"]);

        Assert.Equal(0, answer.Status);
        await WaitUntilAsync(() => !Directory.EnumerateFileSystemEntries(temp).Any());
        Assert.Empty(server.StoredFiles());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not reached within 30 s");
            await Task.Delay(20);
        }
    }
}
