namespace KojiNet.Lookaside.Tests;

/// <summary>GET/HEAD under /repo/pkgs, in the layout rpkg's download_path builds.</summary>
public sealed class DownloadTests
{
    [Fact]
    public async Task Download_follows_the_rpkg_layout()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("pkg-2.0.tar.bz2", "downloadable");
        var sha512 = Hashes.Of(path);
        Assert.Equal(200, Curl.Upload(server.UploadUrl, "rpms/pkg", path, extra: ["-F", "mtime=1500000000"]).Status);

        var url = $"{server.Url}/repo/pkgs/rpms/pkg/pkg-2.0.tar.bz2/sha512/{sha512}/pkg-2.0.tar.bz2";
        var output = Path.Combine(server.Work, "out");
        var answer = Curl.Run("-o", output, "-R", url);

        Assert.Equal(200, answer.Status);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(output));
        // curl -R applies Last-Modified, as rpkg does with OPT_FILETIME: the uploaded mtime survives.
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1500000000), File.GetLastWriteTimeUtc(output));
        var python = PythonClient.Run($"emit(get({PythonClient.Py(url)}))");
        Assert.Equal(200, python.GetProperty("status").GetInt32());
        Assert.Equal(sha512, python.GetProperty("sha512").GetString());
        Assert.Equal("Fri, 14 Jul 2017 02:40:00 GMT", python.GetProperty("last_modified").GetString());
    }

    [Fact]
    public async Task Range_requests_are_served()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("r.txt", "0123456789");
        var sha512 = Hashes.Of(path);
        Assert.Equal(200, Curl.Upload(server.UploadUrl, "r", path).Status);

        Assert.Equal(new HttpAnswer(206, "2345"), Curl.Run("-r", "2-5", server.DownloadUrl("r", "r.txt", "sha512", sha512)));
    }

    [Fact]
    public async Task Files_of_a_copied_dist_git_cache_in_the_old_md5_layout_are_served()
    {
        await using var server = await LookasideServer.StartAsync();
        var md5 = Hashes.Of(server.WriteFile("legacy", "legacy bytes"), "md5");
        var legacyDir = Path.Combine(server.Root, "legacy", "legacy-1.tgz", md5);
        Directory.CreateDirectory(legacyDir);
        File.WriteAllText(Path.Combine(legacyDir, "legacy-1.tgz"), "legacy bytes");

        Assert.Equal(new HttpAnswer(200, "legacy bytes"), Curl.Run($"{server.Url}/repo/pkgs/legacy/legacy-1.tgz/{md5}/legacy-1.tgz"));
        Assert.Equal(new HttpAnswer(200, "legacy bytes"), Curl.Run(server.DownloadUrl("legacy", "legacy-1.tgz", "md5", md5)));
        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "legacy", "legacy-1.tgz", md5, "md5"));
    }

    [Fact]
    public async Task Missing_files_are_404()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("here.txt", "here");
        var sha512 = Hashes.Of(path);
        Assert.Equal(200, Curl.Upload(server.UploadUrl, "here", path).Status);
        var otherHash = Hashes.Of(server.WriteFile("x", "x"));

        string[] missing =
        [
            server.DownloadUrl("here", "here.txt", "sha512", otherHash),
            server.DownloadUrl("here", "gone.txt", "sha512", sha512),
            server.DownloadUrl("nothere", "here.txt", "sha512", sha512),
            server.DownloadUrl("here", "here.txt", "sha256", sha512),
            $"{server.Url}/repo/pkgs/here/here.txt/sha512/{sha512}/other.txt",
            $"{server.Url}/repo/pkgs/here/here.txt/{sha512}/here.txt",
            $"{server.Url}/repo/pkgs/here/here.txt",
            $"{server.Url}/repo/pkgs/",
            $"{server.Url}/repo/pkgs/upload.cgi",
        ];
        foreach (var url in missing)
        {
            Assert.Equal(new HttpAnswer(404, "Not Found\n"), Curl.Run(url));
            Assert.Equal(404, Curl.Run("-I", url).Status);
        }
        var python = PythonClient.Run($"emit(get({PythonClient.Py(missing[0])}))");
        Assert.Equal(404, python.GetProperty("status").GetInt32());
        Assert.Equal(200, Curl.Run(server.DownloadUrl("here", "here.txt", "sha512", sha512)).Status);
    }
}
