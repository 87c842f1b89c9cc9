namespace KojiNet.Lookaside.Tests;

/// <summary>upload.cgi driven by curl (what rpkg's pycurl sends) and by Python's urllib.</summary>
public sealed class UploadTests
{
    [Fact]
    public async Task Curl_upload_stores_the_file_in_the_dist_git_layout()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("hello-1.0.tar.gz", "hello, lookaside\n");
        var sha512 = Hashes.ByCoreutils(path);

        var answer = Curl.Upload(server.UploadUrl, "hello", path, extra: ["-F", "mtime=1234567890"]);

        Assert.Equal(200, answer.Status);
        Assert.Equal($"File hello-1.0.tar.gz size 17 SHA512 {sha512} stored OK\n", answer.Body);
        Assert.Equal([$"hello/hello-1.0.tar.gz/sha512/{sha512}/hello-1.0.tar.gz"], server.StoredFiles());
        var stored = server.StoredPath("hello", "hello-1.0.tar.gz", "sha512", sha512);
        Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(stored));
        Assert.Equal(DateTime.UnixEpoch.AddSeconds(1234567890), File.GetLastWriteTimeUtc(stored));
        var mode = File.GetUnixFileMode(stored);
        Assert.True(mode.HasFlag(UnixFileMode.OtherRead), $"stored file not world-readable: {mode}");
        Assert.False(mode.HasFlag(UnixFileMode.UserExecute), $"stored file executable: {mode}");
        server.AssertNothingOutsideRoot();
    }

    [Fact]
    public async Task Python_multipart_upload_with_fields_after_the_file_is_accepted_and_downloadable()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("data.bin", "python was here");
        var sha256 = Hashes.ByCoreutils(path, "sha256");

        // The file part first: the checksum type is only known after the file has been received.
        var result = PythonClient.Run($$"""
            r = post_multipart({{PythonClient.Py(server.UploadUrl)}}, [('name', 'rpms/pyclient'), ('sha256sum', {{PythonClient.Py(sha256)}})],
                               file=(0, 'data.bin', b'python was here'))
            d = get({{PythonClient.Py(server.DownloadUrl("rpms/pyclient", "data.bin", "sha256", sha256))}})
            h = get({{PythonClient.Py(server.DownloadUrl("rpms/pyclient", "data.bin", "sha256", sha256))}}, method='HEAD')
            emit({'upload': r, 'get': d, 'head': h})
            """);

        Assert.Equal(200, result.GetProperty("upload").GetProperty("status").GetInt32());
        Assert.Equal($"File data.bin size 15 SHA256 {sha256} stored OK\n", result.GetProperty("upload").GetProperty("body").GetString());
        var get = result.GetProperty("get");
        Assert.Equal(200, get.GetProperty("status").GetInt32());
        Assert.Equal(Hashes.Of(path), get.GetProperty("sha512").GetString());
        Assert.NotNull(get.GetProperty("last_modified").GetString());
        var head = result.GetProperty("head");
        Assert.Equal(200, head.GetProperty("status").GetInt32());
        Assert.Equal(0, head.GetProperty("length").GetInt32());
        Assert.Equal("15", head.GetProperty("content_length").GetString());
    }

    [Fact]
    public async Task Check_answers_Available_or_Missing()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("src.tar.gz", "source");
        var sha512 = Hashes.Of(path);
        Assert.Equal(200, Curl.Upload(server.UploadUrl, "pkg", path).Status);
        var otherHash = Hashes.Of(server.WriteFile("other", "other"));

        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "pkg", "src.tar.gz", sha512));
        Assert.Equal(new HttpAnswer(200, "Missing\n"), Curl.Check(server.UploadUrl, "pkg", "src.tar.gz", otherHash));
        Assert.Equal(new HttpAnswer(200, "Missing\n"), Curl.Check(server.UploadUrl, "pkg", "other.tar.gz", sha512));
        Assert.Equal(new HttpAnswer(200, "Missing\n"), Curl.Check(server.UploadUrl, "otherpkg", "src.tar.gz", sha512));
        Assert.Equal(new HttpAnswer(200, "Missing\n"), Curl.Check(server.UploadUrl, "pkg", "src.tar.gz", "abc"));
        // The same hash under another type is another file.
        Assert.Equal(new HttpAnswer(200, "Missing\n"), Curl.Check(server.UploadUrl, "pkg", "src.tar.gz", Hashes.Of(path, "sha256"), "sha256"));
        // dist-git keeps only the base name of the checked file name.
        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "pkg", "some/dir/src.tar.gz", sha512));

        // A url-encoded form (Python) works as well as multipart.
        var result = PythonClient.Run($$"""
            url = {{PythonClient.Py(server.UploadUrl)}}
            emit([post_urlencoded(url, {'name': 'pkg', 'sha512sum': {{PythonClient.Py(sha512)}}, 'filename': 'src.tar.gz'}),
                  post_urlencoded(url, {'name': 'pkg', 'sha512sum': {{PythonClient.Py(otherHash)}}, 'filename': 'src.tar.gz'})])
            """);
        Assert.Equal("Available\n", result[0].GetProperty("body").GetString());
        Assert.Equal("Missing\n", result[1].GetProperty("body").GetString());
        Assert.All(result.EnumerateArray(), r => Assert.Equal(200, r.GetProperty("status").GetInt32()));
    }

    [Fact]
    public async Task Reupload_of_the_same_file_is_idempotent()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("same.tar.xz", "same bytes");
        var sha512 = Hashes.Of(path);
        Assert.Equal(200, Curl.Upload(server.UploadUrl, "same", path, extra: ["-F", "mtime=1000"]).Status);
        var stored = server.StoredPath("same", "same.tar.xz", "sha512", sha512);
        var before = new FileInfo(stored).LastWriteTimeUtc;

        var again = Curl.Upload(server.UploadUrl, "same", path, extra: ["-F", "mtime=2000"]);

        Assert.Equal(200, again.Status);
        Assert.Equal($"File same.tar.xz already exists\nFile: same/same.tar.xz/sha512/{sha512}/same.tar.xz Size: 10\n", again.Body);
        Assert.Equal(before, new FileInfo(stored).LastWriteTimeUtc);
        Assert.Single(server.StoredFiles());
        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "same", "same.tar.xz", sha512));
    }

    [Fact]
    public async Task Concurrent_uploads_of_one_file_store_it_once()
    {
        await using var server = await LookasideServer.StartAsync();
        var content = new byte[3 * 1024 * 1024];
        new Random(7).NextBytes(content);
        var path = server.WriteFile("race.bin", content);

        var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Curl.Upload(server.UploadUrl, "race", path))));

        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.Contains(answers, a => a.Body.EndsWith(" stored OK\n", StringComparison.Ordinal));
        Assert.Single(server.StoredFiles());
        Assert.Equal(content, File.ReadAllBytes(server.StoredPath("race", "race.bin", "sha512", Hashes.Of(path))));
    }

    [Fact]
    public async Task Wrong_hash_is_refused_and_nothing_is_stored()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("real.tar.gz", "the real content");
        var actual = Hashes.Of(path);
        var claimed = Hashes.Of(server.WriteFile("decoy", "something else"));

        var answer = Curl.Upload(server.UploadUrl, "pkg", path, hash: claimed);

        Assert.Equal(400, answer.Status);
        Assert.Equal($"SHA512 check failed. Received {actual} instead of {claimed}.\n", answer.Body);
        Assert.Equal(new HttpAnswer(400, $"SHA512 check failed. Received {actual} instead of abc.\n"),
            Curl.Upload(server.UploadUrl, "pkg", path, hash: "abc"));
        Assert.Equal(new HttpAnswer(400, $"SHA512 check failed. Received {actual} instead of {actual.ToUpperInvariant()}.\n"),
            Curl.Upload(server.UploadUrl, "pkg", path, hash: actual.ToUpperInvariant()));
        Assert.Empty(server.StoredFiles());
        Assert.Equal(new HttpAnswer(200, "Missing\n"), Curl.Check(server.UploadUrl, "pkg", "real.tar.gz", claimed));

        // Python's own multipart body, same refusal.
        var result = PythonClient.Run($$"""
            emit(post_multipart({{PythonClient.Py(server.UploadUrl)}}, [('name', 'pkg'), ('sha512sum', {{PythonClient.Py(claimed)}})],
                                file=(2, 'real.tar.gz', b'the real content')))
            """);
        Assert.Equal(400, result.GetProperty("status").GetInt32());
        Assert.Equal($"SHA512 check failed. Received {actual} instead of {claimed}.\n", result.GetProperty("body").GetString());
        Assert.Empty(server.StoredFiles());
    }

    [Fact]
    public async Task Md5_uploads_are_refused_by_default_like_dist_git()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("old.tar.gz", "old style");

        var answer = Curl.Upload(server.UploadUrl, "oldpkg", path, "md5");

        Assert.Equal(new HttpAnswer(406, "Uploads with md5 are no longer allowed.\n"), answer);
        Assert.Empty(server.StoredFiles());
    }

    [Fact]
    public async Task Md5_uploads_when_allowed_are_served_in_both_layouts()
    {
        await using var server = await LookasideServer.StartAsync(o => o.NoMd5 = false);
        var path = server.WriteFile("old.tar.gz", "old style");
        var md5 = Hashes.ByCoreutils(path, "md5");

        var answer = Curl.Upload(server.UploadUrl, "oldpkg", path, "md5");

        Assert.Equal(new HttpAnswer(200, $"File old.tar.gz size 9 MD5 {md5} stored OK\n"), answer);
        Assert.Equal([$"oldpkg/old.tar.gz/md5/{md5}/old.tar.gz"], server.StoredFiles());
        var newLayout = Curl.Run(server.DownloadUrl("oldpkg", "old.tar.gz", "md5", md5));
        var oldLayout = Curl.Run($"{server.Url}/repo/pkgs/oldpkg/old.tar.gz/{md5}/old.tar.gz");
        Assert.Equal(new HttpAnswer(200, "old style"), newLayout);
        Assert.Equal(new HttpAnswer(200, "old style"), oldLayout);
        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "oldpkg", "old.tar.gz", md5, "md5"));
    }

    [Fact]
    public async Task A_form_with_several_checksums_uses_the_strongest()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("both.txt", "both");
        var sha512 = Hashes.Of(path);

        var answer = Curl.Upload(server.UploadUrl, "both", path, "md5", "0123456789abcdef0123456789abcdef", "-F", $"sha512sum={sha512}");

        Assert.Equal(200, answer.Status);
        Assert.Equal([$"both/both.txt/sha512/{sha512}/both.txt"], server.StoredFiles());
    }

    [Theory]
    [InlineData(new[] { "-F", "sha512sum=00", "-F", "filename=a" }, 400, "Required field \"name\" is not present.")]
    [InlineData(new[] { "-F", "name=pkg", "-F", "filename=a" }, 400, "Required checksum is not present")]
    [InlineData(new[] { "-F", "name=pkg", "-F", "crc32sum=deadbeef", "-F", "filename=a" }, 400, "Required checksum is not present")]
    [InlineData(new[] { "-F", "name=pkg", "-F", "sha512sum=00" }, 400, "Required field \"file\" is not present.")]
    [InlineData(new[] { "-F", "name=pkg", "-F", "sha512sum=00", "-F", "file=not-a-file" }, 400, "No file given for upload. Aborting.")]
    [InlineData(new[] { "-F", "name=pkg", "-F", "name=other", "-F", "sha512sum=00", "-F", "filename=a" }, 400, "Multiple values given for \"name\". Aborting.")]
    [InlineData(new[] { "-F", "name=pkg", "-F", "sha512sum=00", "-F", "sha512sum=11", "-F", "filename=a" }, 400, "Multiple values given for \"sha512sum\". Aborting.")]
    public async Task Incomplete_forms_are_refused_with_dist_git_messages(string[] form, int status, string message)
    {
        await using var server = await LookasideServer.StartAsync();

        var answer = Curl.Run([.. form, server.UploadUrl]);

        Assert.Equal(new HttpAnswer(status, message + "\n"), answer);
        Assert.Empty(server.StoredFiles());
    }

    [Fact]
    public async Task Two_files_in_one_upload_are_refused()
    {
        await using var server = await LookasideServer.StartAsync();
        var a = server.WriteFile("a.txt", "a");
        var b = server.WriteFile("b.txt", "b");

        var answer = Curl.Run("-F", "name=pkg", "-F", $"sha512sum={Hashes.Of(a)}", "-F", $"file=@{a}", "-F", $"file=@{b}", server.UploadUrl);

        Assert.Equal(new HttpAnswer(400, "Multiple values given for \"file\". Aborting.\n"), answer);
        Assert.Empty(server.StoredFiles());
    }

    [Fact]
    public async Task Invalid_mtime_is_refused_before_anything_is_stored()
    {
        await using var server = await LookasideServer.StartAsync();
        var path = server.WriteFile("t.txt", "t");

        var answer = Curl.Upload(server.UploadUrl, "pkg", path, extra: ["-F", "mtime=abc"]);

        Assert.Equal(new HttpAnswer(400, "Invalid value sent for mtime \"abc\". Aborting.\n"), answer);
        Assert.Empty(server.StoredFiles());
    }

    [Fact]
    public async Task Default_namespace_is_prepended_to_plain_names()
    {
        await using var server = await LookasideServer.StartAsync(o => o.DefaultNamespace = "rpms");
        var path = server.WriteFile("ns.tar.gz", "namespaced");
        var sha512 = Hashes.Of(path);

        Assert.Equal(200, Curl.Upload(server.UploadUrl, "nspkg", path).Status);

        Assert.Equal([$"rpms/nspkg/ns.tar.gz/sha512/{sha512}/ns.tar.gz"], server.StoredFiles());
        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "rpms/nspkg", "ns.tar.gz", sha512));
        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "nspkg", "ns.tar.gz", sha512));
        Assert.Equal(new HttpAnswer(200, "namespaced"), Curl.Run(server.DownloadUrl("rpms/nspkg", "ns.tar.gz", "sha512", sha512)));
    }

    [Fact]
    public async Task With_gitroot_dir_only_modules_with_a_repository_are_accepted()
    {
        var gitRoot = Directory.CreateTempSubdirectory("kojinet-lookaside-git-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(gitRoot, "rpms", "known.git"));
            await using var server = await LookasideServer.StartAsync(o =>
            {
                o.GitRootDir = gitRoot;
                o.DefaultNamespace = "rpms";
            });
            var path = server.WriteFile("k.tar.gz", "k");

            Assert.Equal(new HttpAnswer(404, "Module \"rpms/unknown\" does not exist!\n"), Curl.Upload(server.UploadUrl, "unknown", path));
            Assert.Equal(new HttpAnswer(404, "Module \"rpms/unknown\" does not exist!\n"), Curl.Check(server.UploadUrl, "unknown", "k.tar.gz", Hashes.Of(path)));
            Assert.Equal(200, Curl.Upload(server.UploadUrl, "known", path).Status);
            Assert.Single(server.StoredFiles());
        }
        finally
        {
            Directory.Delete(gitRoot, recursive: true);
        }
    }

    [Fact]
    public async Task Unusual_but_valid_file_names_round_trip()
    {
        await using var server = await LookasideServer.StartAsync();
        const string name = "gtk+ 3.0 (ünïcode) #1.tar.gz";
        var path = server.WriteFile("plain", "odd name");
        var sha512 = Hashes.Of(path);

        var renamed = Curl.Run("-F", "name=libstdc++", "-F", $"sha512sum={sha512}", "-F", $"file=@{path};filename=\"{name}\"", server.UploadUrl);

        Assert.Equal(new HttpAnswer(200, $"File {name} size 8 SHA512 {sha512} stored OK\n"), renamed);
        Assert.Equal([$"libstdc++/{name}/sha512/{sha512}/{name}"], server.StoredFiles());
        Assert.Equal(new HttpAnswer(200, "odd name"), Curl.Run(server.DownloadUrl("libstdc++", name, "sha512", sha512)));
        Assert.Equal(new HttpAnswer(200, "Available\n"), Curl.Check(server.UploadUrl, "libstdc++", name, sha512));
    }

    [Fact]
    public async Task Non_form_posts_are_refused()
    {
        await using var server = await LookasideServer.StartAsync();

        Assert.Equal(new HttpAnswer(400, "Required field \"name\" is not present.\n"),
            Curl.Run("-H", "Content-Type: application/json", "--data", "{\"name\": \"x\"}", server.UploadUrl));
        Assert.Equal(400, Curl.Run("-H", "Content-Type: multipart/form-data", "--data", "x", server.UploadUrl).Status);
        Assert.Equal(400, Curl.Run("-H", "Content-Type: multipart/form-data; boundary=zz", "--data", "--zz\r\nbroken", server.UploadUrl).Status);
        Assert.Empty(server.StoredFiles());
    }
}
