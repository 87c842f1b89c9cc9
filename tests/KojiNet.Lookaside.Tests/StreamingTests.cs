using Xunit.Abstractions;

namespace KojiNet.Lookaside.Tests;

/// <summary>Tests that measure the process's allocations run alone.</summary>
[CollectionDefinition(nameof(SerialCollection), DisableParallelization = true)]
public sealed class SerialCollection;

/// <summary>Big files go through the server as streams: the process never holds one in memory.</summary>
[Collection(nameof(SerialCollection))]
public sealed class StreamingTests(ITestOutputHelper output)
{
    private const long BigSize = 96L * 1024 * 1024;

    /// <summary>Far below the file size: buffers and framework overhead only.</summary>
    private const long AllocationBudget = 24L * 1024 * 1024;

    [Fact]
    public async Task A_big_file_is_streamed_in_and_out()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = Path.Combine(server.Work, "big.tar");
        WriteRandomFile(path, BigSize);
        var sha512 = Hashes.ByCoreutils(path);

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var answer = await Task.Run(() => Curl.Upload(server.UploadUrl, "big", path, hash: sha512));
        var uploadAllocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(new HttpAnswer(200, $"File big.tar size {BigSize} SHA512 {sha512} stored OK\n"), answer);
        output.WriteLine($"upload of {BigSize} bytes allocated {uploadAllocated} bytes");
        Assert.True(uploadAllocated < AllocationBudget, $"the upload allocated {uploadAllocated} bytes");
        Assert.Equal(sha512, Hashes.ByCoreutils(server.StoredPath("big", "big.tar", "sha512", sha512)));

        var copy = Path.Combine(server.Work, "big.out");
        before = GC.GetTotalAllocatedBytes(precise: true);
        var download = await Task.Run(() => Curl.Run("-o", copy, server.DownloadUrl("big", "big.tar", "sha512", sha512)));
        var downloadAllocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(200, download.Status);
        output.WriteLine($"download of {BigSize} bytes allocated {downloadAllocated} bytes");
        Assert.True(downloadAllocated < AllocationBudget, $"the download allocated {downloadAllocated} bytes");
        Assert.Equal(sha512, Hashes.ByCoreutils(copy));
    }

    [Fact]
    public async Task A_big_file_with_a_wrong_hash_leaves_nothing_behind()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = Path.Combine(server.Work, "big.tar");
        WriteRandomFile(path, 32L * 1024 * 1024);
        var wrong = new string('0', 128);

        var answer = await Task.Run(() => Curl.Upload(server.UploadUrl, "big", path, hash: wrong));

        Assert.Equal(400, answer.Status);
        Assert.StartsWith("SHA512 check failed.", answer.Body, StringComparison.Ordinal);
        Assert.Empty(server.StoredFiles());
    }

    private static void WriteRandomFile(string path, long size)
    {
        var random = new Random(42);
        var buffer = new byte[1024 * 1024];
        using var stream = File.Create(path);
        for (long written = 0; written < size; written += buffer.Length)
        {
            random.NextBytes(buffer);
            stream.Write(buffer, 0, (int)Math.Min(buffer.Length, size - written));
        }
    }
}
