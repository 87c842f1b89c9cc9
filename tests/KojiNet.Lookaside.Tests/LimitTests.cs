namespace KojiNet.Lookaside.Tests;

/// <summary>max_upload_size: enforced while the file streams in, and up front from Content-Length.</summary>
public sealed class LimitTests
{
    private const long Limit = 1024 * 1024;

    [Theory]
    [InlineData(Limit + 512 * 1024)]  // Content-Length within the form allowance: cut while streaming
    [InlineData(Limit * 5)]           // Content-Length beyond the limit: refused before reading
    public async Task Files_over_the_limit_are_refused_and_nothing_is_stored(long size)
    {
        await using var server = await LookasideServer.StartAsync(o => o.MaxUploadSize = Limit);
        var path = server.WriteFile("large.bin", new byte[size]);

        var answer = Curl.Upload(server.UploadUrl, "large", path);

        Assert.Equal(new HttpAnswer(413, "File is too large: the limit is 1048576 bytes.\n"), answer);
        Assert.Empty(server.StoredFiles());
    }

    [Fact]
    public async Task A_file_of_exactly_the_limit_is_accepted()
    {
        await using var server = await LookasideServer.StartAsync(o => o.MaxUploadSize = Limit);
        var path = server.WriteFile("exact.bin", new byte[Limit]);

        var answer = Curl.Upload(server.UploadUrl, "exact", path);

        Assert.Equal(200, answer.Status);
        Assert.Single(server.StoredFiles());
    }

    [Fact]
    public async Task Form_fields_have_a_size_limit_of_their_own()
    {
        await using var server = await LookasideServer.StartAsync();
        var longName = Path.Combine(server.Work, "name.txt");
        File.WriteAllText(longName, new string('a', 100_000));

        var answer = Curl.Run("-F", $"name=<{longName}", "-F", "sha512sum=00", "-F", "filename=a", server.UploadUrl);

        Assert.Equal(new HttpAnswer(400, "Field \"name\" is too long.\n"), answer);
    }
}
