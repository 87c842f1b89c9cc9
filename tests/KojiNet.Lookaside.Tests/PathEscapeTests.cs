namespace KojiNet.Lookaside.Tests;

/// <summary>Names and file names that try to leave the storage root, through uploads, checks and downloads.</summary>
public sealed class PathEscapeTests
{
    private const string Escape = LookasideServer.EscapeName;

    [Theory]
    [InlineData("../" + Escape)]
    [InlineData("../../" + Escape)]
    [InlineData("pkg/../../" + Escape)]
    [InlineData("..")]
    [InlineData(".tmp")]
    [InlineData("a/b/c")]
    [InlineData("-rf")]
    [InlineData("pkg\\..\\x")]
    [InlineData("pkg;rm")]
    public async Task Module_names_that_are_not_names_are_refused(string name)
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("f.txt", "f");

        var upload = Curl.Run("--form-string", $"name={name}", "-F", $"sha512sum={Hashes.Of(path)}", "-F", $"file=@{path}", server.UploadUrl);
        var check = Curl.Run("--form-string", $"name={name}", "-F", $"sha512sum={Hashes.Of(path)}", "-F", "filename=f.txt", server.UploadUrl);

        Assert.Equal(400, upload.Status);
        Assert.StartsWith("Invalid module name", upload.Body, StringComparison.Ordinal);
        Assert.Equal(400, check.Status);
        Assert.Empty(server.StoredFiles());
        server.AssertNothingOutsideRoot();
    }

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a\\b")]
    [InlineData("tab\there")]
    public async Task File_names_that_are_not_names_are_refused(string fileName)
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("f.txt", "f");

        var upload = Curl.Run("-F", "name=pkg", "-F", $"sha512sum={Hashes.Of(path)}", "-F", $"file=@{path};filename=\"{fileName}\"", server.UploadUrl);
        var check = Curl.Run("-F", "name=pkg", "-F", $"sha512sum={Hashes.Of(path)}", "--form-string", $"filename={fileName}", server.UploadUrl);

        Assert.Equal(400, upload.Status);
        Assert.StartsWith("Invalid file name", upload.Body, StringComparison.Ordinal);
        Assert.Equal(400, check.Status);
        Assert.Empty(server.StoredFiles());
        server.AssertNothingOutsideRoot();
    }

    [Fact]
    public async Task Directories_in_an_uploaded_file_name_are_dropped_as_dist_git_does()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("f.txt", "payload");
        var sha512 = Hashes.Of(path);

        var answer = Curl.Run("-F", "name=pkg", "-F", $"sha512sum={sha512}", "-F", $"file=@{path};filename=\"../../{Escape}\"", server.UploadUrl);

        Assert.Equal(new HttpAnswer(200, $"File {Escape} size 7 SHA512 {sha512} stored OK\n"), answer);
        Assert.Equal([$"pkg/{Escape}/sha512/{sha512}/{Escape}"], server.StoredFiles());
        server.AssertNothingOutsideRoot();
    }

    [Fact]
    public async Task Download_paths_cannot_leave_the_root()
    {
        await using var server = await LookasideServer.StartAsync();
        // Files next to the root, and in its temporary directory, laid out so that an accepted
        // escape would find them.
        const string content = "secret";
        var md5 = Hashes.Of(server.WriteFile("secret", content), "md5");
        var sha512 = Hashes.Of(Path.Combine(server.Work, "secret"));
        string[] planted =
        [
            Path.Combine(server.Work, "secret", md5, "secret"),
            Path.Combine(server.Work, "secret", "sha512", sha512, "secret"),
            Path.Combine(server.Root, ".tmp", "secret", md5, "secret"),
        ];
        File.Delete(Path.Combine(server.Work, "secret"));
        foreach (var file in planted)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, content);
        }

        string[] paths =
        [
            $"/repo/pkgs/../work/secret/{md5}/secret",
            $"/repo/pkgs/%2e%2e/work/secret/{md5}/secret",
            $"/repo/pkgs/%2E%2E/work/secret/sha512/{sha512}/secret",
            $"/repo/pkgs/..%2Fwork/secret/{md5}/secret",
            $"/repo/pkgs/.tmp/secret/{md5}/secret",
            "/repo/pkgs/../../../../etc/passwd",
            "/repo/pkgs/x/..%2F..%2F..%2Fetc%2Fpasswd/0123456789abcdef0123456789abcdef/..%2F..%2F..%2Fetc%2Fpasswd",
        ];
        foreach (var p in paths)
        {
            var answer = Curl.Run("--path-as-is", server.Url + p);
            Assert.True(answer.Status is 404 or 400, $"{p}: {answer.Status}");
            Assert.DoesNotContain("secret", answer.Body, StringComparison.Ordinal);
            Assert.DoesNotContain("root:", answer.Body, StringComparison.Ordinal);
        }
        Directory.Delete(Path.Combine(server.Root, ".tmp", "secret"), recursive: true);
    }

    [Fact]
    public async Task The_resolver_itself_refuses_dot_segments_that_the_server_would_normalise_away()
    {
        await using var server = await LookasideServer.StartAsync();
        var md5 = Hashes.Of(server.WriteFile("secret", "secret"), "md5");
        var planted = Path.Combine(server.Work, "secret", md5, "secret");
        File.Delete(Path.Combine(server.Work, "secret"));
        Directory.CreateDirectory(Path.GetDirectoryName(planted)!);
        File.WriteAllText(planted, "secret");
        var inside = Path.Combine(server.Root, "pkg", "secret", md5, "secret");
        Directory.CreateDirectory(Path.GetDirectoryName(inside)!);
        File.WriteAllText(inside, "inside");
        var store = new LookasideStore(server.Root);

        Assert.Null(LookasideEndpoints.Resolve(store, $"../work/secret/{md5}/secret"));
        Assert.Null(LookasideEndpoints.Resolve(store, $"pkg/../../work/secret/{md5}/secret"));
        Assert.Null(LookasideEndpoints.Resolve(store, $"./secret/{md5}/secret"));
        Assert.Equal(inside, LookasideEndpoints.Resolve(store, $"pkg/secret/{md5}/secret")?.FullName);
    }
}
