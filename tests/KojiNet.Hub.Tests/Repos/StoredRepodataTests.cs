using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using KojiNet.Builder.Repos;
using KojiNet.Client;
using KojiNet.Hub.Tests.Api;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Tests.Repos;

/// <summary>
/// Repodata from the hub's stored metadata (Koji.NET's host.repoRpmIndex / host.repoRpmMetadata
/// and the builder's <see cref="StoredRepodata"/>): made for a real repo tree from imported RPMs
/// without reading them, it answers dnf's repoquery exactly as createrepo_c's repodata over the
/// same pkglist does, dnf installs from it, regeneration after one more build fetches and renders
/// only the new packages, and a corrupted stored row fails the run naming the RPM while the
/// previous repo stays untouched.
/// </summary>
public abstract class StoredRepodataTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private const string Arch = "x86_64";

    private static string Py(string s) => JsonSerializer.Serialize(s);

    private JsonElement Run(string body) => hub.Python(UsersTests<THub>.Prelude + "\n" + body);

    private async Task<int> CreaterepoTaskAsync(string hostName, int repoId)
    {
        await using var conn = await hub.Hub.Database.OpenAsync();
        var hostId = await conn.ExecuteScalarAsync<int>("SELECT id FROM host WHERE name = @hostName", new { hostName });
        var owner = await conn.ExecuteScalarAsync<int>("SELECT id FROM users WHERE name = 'kojiadmin'");
        var channel = await conn.ExecuteScalarAsync<int>("SELECT id FROM channels WHERE name = 'createrepo'");
        var request = string.Create(CultureInfo.InvariantCulture, $"""
            <?xml version='1.0'?>
            <methodCall>
            <methodName>createrepo</methodName>
            <params>
            <param><value><int>{repoId}</int></value></param>
            <param><value><string>{Arch}</string></value></param>
            <param><value><nil/></value></param>
            </params>
            </methodCall>
            """);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        return await conn.ExecuteScalarAsync<int>("""
            INSERT INTO task (state, create_time, start_time, channel_id, host_id, owner, method, request, arch, priority, weight)
            VALUES (1, @now, @now, @channel, @hostId, @owner, 'createrepo', @request, 'noarch', 15, 1.0)
            RETURNING id
            """, new { now, channel, hostId, owner, request });
    }

    private static async Task<int> RepoInitAsync(KojiSession host, string tag, int newRepoTask)
    {
        var result = (IReadOnlyList<object?>)(await host.CallAsync("host.repoInit", [tag],
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["task_id"] = newRepoTask }, default))!;
        return Convert.ToInt32(result[0], CultureInfo.InvariantCulture);
    }

    private static Func<string, IReadOnlyList<object?>, CancellationToken, Task<object?>> Caller(KojiSession session) =>
        (method, args, ct) => session.CallAsync(method, args, null, ct);

    private const string RichSpec = """
        Name: srd-rich
        Version: 1.0
        Release: 1
        Epoch: 2
        Summary: a package with dependencies and a changelog
        License: MIT
        URL: https://example.org/srd-rich
        Requires: ri-a >= 1.0
        Requires(pre): ri-a-doc
        Provides: srd-capability = 2.5
        Provides: /usr/bin/srd-tool
        Obsoletes: srd-old < 1.0
        Conflicts: srd-enemy
        Recommends: ri-b

        %description
        Exercises what repodata lists: requires (one install-time), provides, obsoletes,
        conflicts, weak dependencies, files, directories and the changelog.

        %install
        mkdir -p %{buildroot}/usr/share/srd-rich/sub %{buildroot}/usr/bin
        echo one > %{buildroot}/usr/share/srd-rich/one
        echo two > %{buildroot}/usr/share/srd-rich/sub/two
        echo tool > %{buildroot}/usr/bin/srd-tool

        %files
        %dir /usr/share/srd-rich
        /usr/share/srd-rich/one
        /usr/share/srd-rich/sub
        /usr/bin/srd-tool

        %changelog
        * Tue Mar 05 2024 Jane Doe <jane@example.org> - 2:1.0-1
        - the second entry
          with a second line
        * Mon Jan 01 2024 John Roe <john@example.org> - 1.0-0
        - the first entry
        """;

    private static readonly Lazy<string[]> RichRpms = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("kojinet-srd-rpms-").FullName;
        var spec = Path.Combine(dir, "srd-rich.spec");
        File.WriteAllText(spec, RichSpec);
        ExternalTool.RunChecked("rpmbuild", ["--define", $"_topdir {dir}", "-ba", "--target", "x86_64", spec]);
        return [Path.Combine(dir, "SRPMS", "srd-rich-1.0-1.src.rpm"), Path.Combine(dir, "RPMS", "x86_64", "srd-rich-1.0-1.x86_64.rpm")];
    });

    /// <summary>The files of an arch directory and its repodata (not through <c>toplink</c>), with their SHA-256.</summary>
    private static Dictionary<string, string> Hashes(string archDir) =>
        Directory.EnumerateFiles(archDir).Concat(Directory.EnumerateFiles(Path.Combine(archDir, "repodata")))
            .ToDictionary(f => Path.GetRelativePath(archDir, f), f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))), StringComparer.Ordinal);

    [Fact]
    public async Task RepodataFromStoredMetadataMatchesCreaterepoIsIncrementalAndRefusesBadRows()
    {
        var hostName = "srd-host";
        var hostPem = RepoHosts.Certificate(hub, hostName);
        Run($$"""
            import_rpms(s, {{RepoRpms.PythonList}}, "stored-repodata-tests")
            import_rpms(s, [{{Py(RichRpms.Value[0])}}, {{Py(RichRpms.Value[1])}}], "stored-repodata-tests")
            s.call("createTag", "srd-tag", arches="x86_64")
            for p in ["ri-a", "ri-b", "ri-late", "srd-rich"]:
                s.call("packageListAdd", "srd-tag", p, owner="kojiadmin")
            s.call("tagBuildBypass", "srd-tag", "ri-a-1.0-1")
            s.call("tagBuildBypass", "srd-tag", "srd-rich-1.0-1")
            s.call("groupListAdd", "srd-tag", "build")
            s.call("groupPackageListAdd", "srd-tag", "build", "ri-a")
            s.call("addHost", {{Py(hostName)}}, ["x86_64"])
            emit(None)
            """);
        var newRepo = await RepoHosts.OpenTaskAsync(hub, hostName);
        await using var session = new KojiSession(new KojiClientOptions { Server = hub.Url, CertFile = hostPem, ServerCaFile = hub.CaFile, MaxRetries = 0 });
        await session.SslLoginAsync();
        await session.ExclusiveSessionAsync(force: true);
        var call = Caller(session);
        var cacheFile = Path.Combine(hub.Dir, "builder-cache", "srd.cache");

        // 1. The first repo: everything fetched and rendered.
        var repo1 = await RepoInitAsync(session, "srd-tag", newRepo);
        var dir1 = Path.Combine(RepoHosts.RepoDir(hub, "srd-tag", repo1), Arch);
        var comps = Path.Combine(RepoHosts.RepoDir(hub, "srd-tag", repo1), "groups", "comps.xml");
        var denied = await Assert.ThrowsAnyAsync<XmlRpcFaultException>(() => StoredRepodata.WriteAsync(call, repo1, Arch, dir1, comps, cacheFile, null, default));
        Assert.Equal((int)KojiFaultCode.ActionNotAllowed, denied.FaultCode);
        Assert.Contains("no open createrepo task", denied.FaultString, StringComparison.Ordinal);
        await CreaterepoTaskAsync(hostName, repo1);
        var first = await StoredRepodata.WriteAsync(call, repo1, Arch, dir1, comps, cacheFile, null, default);
        Assert.Equal(3, first.Listed); // ri-a x86_64, its noarch -doc, srd-rich
        Assert.Equal(3, first.Fetched);
        Assert.Equal(1, first.MetadataCalls);
        Assert.Equal(3, first.Repodata.RenderedPackages);
        Assert.Equal(0, first.Repodata.ReusedPackages);

        // The same as createrepo_c over the pkglist, for dnf.
        using var dnf = new IsolatedDnf();
        string RepoQuery(string repoDir, string what) => dnf.Run(repoDir, "repoquery", what);
        var reference = Directory.CreateTempSubdirectory("kojinet-srd-ref-").FullName;
        ExternalTool.RunChecked("createrepo_c", ["-q", "-i", Path.Combine(dir1, "pkglist"), "-g", comps, "-o", reference, dir1]);
        foreach (var what in new[] { "--provides", "--requires", "--recommends", "--obsoletes", "--conflicts", "--list", "--changelogs", "--info" })
        {
            var ours = RepoQuery(dir1, what);
            Assert.False(string.IsNullOrWhiteSpace(ours), $"repoquery {what} printed nothing");
            Assert.Equal(RepoQuery(reference, what), ours);
        }
        Assert.Equal(
            ["ri-a-0:1.0-1.x86_64", "ri-a-doc-0:1.0-1.noarch", "srd-rich-2:1.0-1.x86_64"],
            RepoQuery(dir1, "--queryformat=%{name}-%{epoch}:%{version}-%{release}.%{arch}\n").Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.Equal(RepoQuery(reference, "--queryformat=%{name}-%{epoch}:%{version}-%{release}.%{arch} %{location}\n"),
            RepoQuery(dir1, "--queryformat=%{name}-%{epoch}:%{version}-%{release}.%{arch} %{location}\n"));

        // dnf installs from it: the hrefs lead through toplink to the package files.
        dnf.Run(dir1, "install", "srd-rich");
        Assert.Equal("x86_64", File.ReadAllText(Path.Combine(dnf.InstallRoot, "usr/share/ri-a/arch")).Trim()); // a dependency
        Assert.Equal("doc", File.ReadAllText(Path.Combine(dnf.InstallRoot, "usr/share/ri-a/doc")).Trim()); // the Requires(pre)
        Assert.Equal("tool", File.ReadAllText(Path.Combine(dnf.InstallRoot, "usr/bin/srd-tool")).Trim());

        // 2. One more build: only its packages are fetched and rendered.
        Run("""s.call("tagBuildBypass", "srd-tag", "ri-b-1.0-1"); emit(None)""");
        var repo2 = await RepoInitAsync(session, "srd-tag", newRepo);
        var dir2 = Path.Combine(RepoHosts.RepoDir(hub, "srd-tag", repo2), Arch);
        await CreaterepoTaskAsync(hostName, repo2);
        var second = await StoredRepodata.WriteAsync(call, repo2, Arch, dir2, null, cacheFile, null, default);
        Assert.Equal(5, second.Listed);
        Assert.Equal(2, second.Fetched); // ri-b and ri-b-doc
        Assert.Equal(1, second.MetadataCalls);
        Assert.True(second.Repodata.CacheLoaded);
        Assert.Equal(2, second.Repodata.RenderedPackages);
        Assert.Equal(3, second.Repodata.ReusedPackages);
        var reference2 = Directory.CreateTempSubdirectory("kojinet-srd-ref-").FullName;
        ExternalTool.RunChecked("createrepo_c", ["-q", "-i", Path.Combine(dir2, "pkglist"), "-o", reference2, dir2]);
        Assert.Equal(RepoQuery(reference2, "--requires"), RepoQuery(dir2, "--requires"));
        Assert.Equal(RepoQuery(reference2, "--list"), RepoQuery(dir2, "--list"));

        // 3. A corrupted stored row fails the run, naming the rpm; the previous repo is untouched.
        Run("""s.call("tagBuildBypass", "srd-tag", "ri-late-1.0-1"); emit(None)""");
        var late = Run("""emit(s.call("getRPM", "ri-late-1.0-1.x86_64")["id"])""").GetInt32();
        var repo3 = await RepoInitAsync(session, "srd-tag", newRepo);
        var dir3 = Path.Combine(RepoHosts.RepoDir(hub, "srd-tag", repo3), Arch);
        await CreaterepoTaskAsync(hostName, repo3);
        var before = Hashes(dir2);
        var cacheBefore = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(cacheFile)));
        await using (var conn = await hub.Hub.Database.OpenAsync())
        {
            await conn.ExecuteAsync("UPDATE rpm_header_data SET file_sha256 = 'not-a-digest' WHERE rpm_id = @late", new { late });
        }
        var bad = await Assert.ThrowsAnyAsync<XmlRpcFaultException>(() => StoredRepodata.WriteAsync(call, repo3, Arch, dir3, null, cacheFile, null, default));
        Assert.Contains($"ri-late-1.0-1.x86_64 (id {late})", bad.FaultString, StringComparison.Ordinal);
        Assert.Contains("sha256", bad.FaultString, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir3, "repodata")));

        // A header that is another rpm's is caught when the metadata is made.
        var other = Run("""emit(s.call("getRPM", "ri-a-1.0-1.x86_64")["id"])""").GetInt32();
        await using (var conn = await hub.Hub.Database.OpenAsync())
        {
            await conn.ExecuteAsync("""
                UPDATE rpm_header_data SET file_sha256 = (SELECT file_sha256 FROM rpm_header_data WHERE rpm_id = @other),
                    header = (SELECT header FROM rpm_header_data WHERE rpm_id = @other),
                    header_end = header_start + (SELECT header_end - header_start FROM rpm_header_data WHERE rpm_id = @other)
                WHERE rpm_id = @late
                """, new { late, other });
        }
        bad = await Assert.ThrowsAnyAsync<XmlRpcFaultException>(() => StoredRepodata.WriteAsync(call, repo3, Arch, dir3, null, cacheFile, null, default));
        Assert.Contains($"ri-late-1.0-1.x86_64 (id {late})", bad.FaultString, StringComparison.Ordinal);
        Assert.Contains("stored header is of ri-a-1.0-1.x86_64", bad.FaultString, StringComparison.Ordinal);

        // No header data at all.
        await using (var conn = await hub.Hub.Database.OpenAsync())
        {
            await conn.ExecuteAsync("DELETE FROM rpm_header_data WHERE rpm_id = @late", new { late });
        }
        bad = await Assert.ThrowsAnyAsync<XmlRpcFaultException>(() => StoredRepodata.WriteAsync(call, repo3, Arch, dir3, null, cacheFile, null, default));
        Assert.Contains($"ri-late-1.0-1.x86_64 (id {late})", bad.FaultString, StringComparison.Ordinal);
        Assert.Contains("no header data stored", bad.FaultString, StringComparison.Ordinal);

        Assert.False(Directory.Exists(Path.Combine(dir3, "repodata")));
        Assert.Equal(before, Hashes(dir2));
        Assert.Equal(cacheBefore, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(cacheFile))));
        Directory.Delete(reference, recursive: true);
        Directory.Delete(reference2, recursive: true);
    }
}

public sealed class SqliteStoredRepodataTests(SqliteRepoHub hub) : StoredRepodataTests<SqliteRepoHub>(hub);

public sealed class PostgresStoredRepodataTests(PostgresRepoHub hub) : StoredRepodataTests<PostgresRepoHub>(hub);
