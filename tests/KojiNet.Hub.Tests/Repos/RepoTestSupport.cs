using System.Globalization;
using System.Text;
using System.Text.Json;
using Dapper;
using KojiNet.Hub.Api.Repos;
using KojiNet.Hub.Certificates;
using KojiNet.TestSupport;

namespace KojiNet.Hub.Tests.Repos;

/// <summary>
/// Real RPMs for repo content tests, built once per test run with rpmbuild: for each
/// (name, version) an SRPM, a main package for x86_64 (and i686 when asked), a noarch
/// <c>-doc</c> subpackage and a <c>-debuginfo</c> subpackage.
/// </summary>
public static class RepoRpms
{
    private static readonly Lazy<(string Dir, IReadOnlyList<string> Files)> Built = new(Build);

    /// <summary>The packages: (name, version, with an i686 build too).</summary>
    private static readonly (string Name, string Version, bool I686)[] Set =
    [
        ("ri-a", "1.0", true), ("ri-a", "2.0", true), ("ri-a", "3.0", true),
        ("ri-b", "1.0", false), ("ri-blocked", "1.0", false), ("ri-late", "1.0", false)
    ];

    /// <summary>Every rpm file built (sources first, so an import creates the build before its binaries).</summary>
    public static IReadOnlyList<string> Files => Built.Value.Files;

    private const string Spec = """
        %global debug_package %{nil}
        Name: %{pkgname}
        Version: %{ver}
        Release: 1
        Summary: repo test package
        License: MIT

        %description
        repo test package

        %package doc
        Summary: documentation
        BuildArch: noarch
        %description doc
        documentation

        %package debuginfo
        Summary: debug information
        %description debuginfo
        debug information

        %install
        mkdir -p %{buildroot}/usr/share/%{name}
        echo %{_arch} > %{buildroot}/usr/share/%{name}/arch
        echo doc > %{buildroot}/usr/share/%{name}/doc
        echo debug > %{buildroot}/usr/share/%{name}/debug

        %files
        /usr/share/%{name}/arch
        %files doc
        /usr/share/%{name}/doc
        %files debuginfo
        /usr/share/%{name}/debug
        """;

    private static (string, IReadOnlyList<string>) Build()
    {
        var dir = Directory.CreateTempSubdirectory("kojinet-repo-rpms-").FullName;
        var spec = Path.Combine(dir, "repo-test.spec");
        File.WriteAllText(spec, Spec);
        foreach (var (name, version, i686) in Set)
        {
            string[] common = ["--define", $"_topdir {dir}", "--define", $"pkgname {name}", "--define", $"ver {version}"];
            ExternalTool.RunChecked("rpmbuild", [.. common, "-ba", "--target", "x86_64", spec]);
            if (i686)
            {
                // Only the arch package is taken from this run: the noarch one exists already.
                var tmp = Path.Combine(dir, "i686-" + name + "-" + version);
                ExternalTool.RunChecked("rpmbuild", ["--define", $"_topdir {dir}", "--define", $"_rpmdir {tmp}", "--define", $"pkgname {name}", "--define", $"ver {version}",
                    "-bb", "--target", "i686", spec]);
                foreach (var f in Directory.GetFiles(Path.Combine(tmp, "i686")))
                {
                    File.Move(f, Path.Combine(dir, Path.GetFileName(f)));
                }
                Directory.Delete(tmp, recursive: true);
            }
        }
        var files = Directory.GetFiles(dir, "*.rpm", SearchOption.AllDirectories)
            .OrderBy(f => f.EndsWith(".src.rpm", StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        return (dir, files);
    }

    /// <summary>A Python list literal of the rpm paths.</summary>
    public static string PythonList => "[" + string.Join(", ", Files.Select(f => JsonSerializer.Serialize(f))) + "]";
}

/// <summary>Builder hosts for host.* calls: a host user with a certificate from the fixture's CA, and tasks it holds.</summary>
public static class RepoHosts
{
    /// <summary>Issues a host certificate for <paramref name="name"/> (the host itself is made with addHost in Python).</summary>
    public static string Certificate(HubFixture hub, string name) => hub.Ca.Issue(CertificateKind.Host, name);

    /// <summary>
    /// Inserts a task held OPEN by the host <paramref name="hostName"/> (the one helper that makes
    /// task rows with SQL, until the task calls exist): a <c>newRepo</c> task in the
    /// <c>createrepo</c> channel, owned by kojiadmin; returns its id.
    /// </summary>
    public static async Task<int> OpenTaskAsync(HubFixture hub, string hostName, string method = "newRepo")
    {
        await using var conn = await hub.Hub.Database.OpenAsync();
        var hostId = await conn.ExecuteScalarAsync<int>("SELECT id FROM host WHERE name = @hostName", new { hostName });
        var owner = await conn.ExecuteScalarAsync<int>("SELECT id FROM users WHERE name = 'kojiadmin'");
        var channel = await conn.ExecuteScalarAsync<int>("SELECT id FROM channels WHERE name = 'createrepo'");
        var request = "<?xml version='1.0'?>\n<methodCall>\n<methodName>" + method + "</methodName>\n<params>\n</params>\n</methodCall>\n";
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        return await conn.ExecuteScalarAsync<int>("""
            INSERT INTO task (state, create_time, start_time, channel_id, host_id, owner, method, request, arch, priority, weight)
            VALUES (1, @now, @now, @channel, @hostId, @owner, @method, @request, 'noarch', 15, 1.0)
            RETURNING id
            """, new { now, channel, hostId, owner, method, request });
    }

    /// <summary>Sets a task's state and result document with SQL (a builder closing or failing it).</summary>
    public static async Task FinishTaskAsync(HubFixture hub, int taskId, int state, string? result)
    {
        await using var conn = await hub.Hub.Database.OpenAsync();
        await conn.ExecuteAsync("UPDATE task SET state = @state, result = @result, completion_time = @now WHERE id = @taskId",
            new { state, result, now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0, taskId });
    }

    /// <summary>Waits until the hub's immediate queue checks are done (they run after the request's call returns).</summary>
    public static async Task WaitForQueueChecksAsync(HubFixture hub)
    {
        var kicks = RepoTasks.KicksOf(hub.Hub);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (kicks.Pending > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "immediate repo queue checks did not finish");
            await Task.Delay(20);
        }
        Assert.Null(kicks.LastError);
    }

    /// <summary>The directory of a repo in the fixture's storage tree.</summary>
    public static string RepoDir(HubFixture hub, string tag, int repoId) =>
        Path.Combine(hub.KojiDir, "repos", tag, repoId.ToString(CultureInfo.InvariantCulture));

    /// <summary>A file's text, with a clear failure when it is missing.</summary>
    public static string Read(string path)
    {
        Assert.True(File.Exists(path), $"missing {path}");
        return File.ReadAllText(path, Encoding.UTF8);
    }
}

/// <summary>A hub with repo options the tests rely on: small task limits, option globs for tags.</summary>
public abstract class RepoHubFixture(KojiNet.Hub.Data.DatabaseEngine engine) : HubFixture(engine)
{
    protected override string ExtraConfig => """
        MaxRepoTasks = 3
        MaxRepoTasksMaven = 1
        RepoRetries = 1
        DebuginfoTags = dbg-*
        SourceTags = srcall-* other-*
        SeparateSourceTags = sepsrc-*
        """;
}

public sealed class SqliteRepoHub() : RepoHubFixture(KojiNet.Hub.Data.DatabaseEngine.Sqlite);

public sealed class PostgresRepoHub() : RepoHubFixture(KojiNet.Hub.Data.DatabaseEngine.PostgreSql);

/// <summary>A hub whose clock tests move, for the lag rules of default <c>min_event</c>s.</summary>
public abstract class LaggedRepoHubFixture(KojiNet.Hub.Data.DatabaseEngine engine) : HubFixture(engine)
{
    public Auth.ManualClock ManualClock { get; } = new();

    protected override TimeProvider? Clock => ManualClock;
}

public sealed class SqliteLaggedRepoHub() : LaggedRepoHubFixture(KojiNet.Hub.Data.DatabaseEngine.Sqlite);

public sealed class PostgresLaggedRepoHub() : LaggedRepoHubFixture(KojiNet.Hub.Data.DatabaseEngine.PostgreSql);
