using System.Diagnostics;
using System.Globalization;
using KojiNet.Hub.Certificates;
using KojiNet.TestSupport;
using static KojiNet.IntegrationTests.GitPackages;

namespace KojiNet.IntegrationTests;

/// <summary>
/// A builder killed with SIGKILL in the middle of a build: its tasks are not left OPEN; after
/// the hub's HostTimeout they are freed and another builder finishes the build.
/// </summary>
public abstract class KilledBuilderTests<TSystem>(TSystem system) : IClassFixture<TSystem> where TSystem : BuildSystemFixture
{
    private const string Channel = "kill-test";

    [Fact]
    public async Task TasksOfAKilledBuilderRunAgainElsewhere()
    {
        var name = "hello-killed";
        var marker = Path.Combine("/var/lib/kojinet-it", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(marker);
        try
        {
            await system.CallAsync("packageListAdd", ["kojinet", name], new Dictionary<string, object?>(StringComparer.Ordinal) { ["owner"] = "kojiadmin" });
            // The build sleeps while the marker directory exists (visible read-only in the sandbox).
            var spec = NoarchSpec(name).Replace("%build\n", $"%build\necho waiting-for-the-kill\nwhile [ -d {marker} ]; do sleep 1; done\n", StringComparison.Ordinal);
            var source = Create(Path.Combine(system.Dir, "git"), name, spec, system.System.LookasideUploadUrl, system.System.CaFile);

            // A second builder, alone in its own channel, as a separate process.
            await system.CallAsync("addChannel", Channel);
            await system.CallAsync("addHost", "builder-two", new List<object?> { system.HostArch });
            await system.CallAsync("addHostToChannel", "builder-two", Channel);
            var ca = CertificateAuthority.OpenOrCreate(Path.Combine(system.Dir, "data", "ca"));
            var pem = ca.Issue(CertificateKind.Host, "builder-two");
            var conf = Path.Combine(system.Dir, "kojid-two.conf");
            var text = string.Join('\n', (await File.ReadAllTextAsync(system.System.KojidConfig)).Split('\n')
                .Where(l => !l.StartsWith("cert =", StringComparison.Ordinal) && !l.StartsWith("workdir", StringComparison.Ordinal) && !l.StartsWith("mockdir", StringComparison.Ordinal)));
            text += $"\ncert = {pem}\nworkdir = {Path.Combine(system.Dir, "two", "work")}\nmockdir = {Path.Combine(system.Dir, "two", "buildroots")}\n";
            await File.WriteAllTextAsync(conf, text);
            using var two = StartBuilder(conf);
            try
            {
                var taskId = GitPackages.Int(await system.CallAsync("build", [source, "kojinet", new Dictionary<string, object?>(StringComparer.Ordinal), null, Channel],
                    new Dictionary<string, object?>(StringComparer.Ordinal)));
                var deadline = DateTime.UtcNow.AddMinutes(3);
                // The build's log reaches the hub while it runs: wait for the line before the loop.
                while (!BuildLogSays(taskId, "waiting-for-the-kill"))
                {
                    Assert.True(DateTime.UtcNow < deadline && !two.HasExited, "the second builder never started the build");
                    await Task.Delay(200);
                }
                // SIGKILL the builder process; its sandboxes die with it.
                ExternalTool.RunChecked("kill", ["-KILL", two.Id.ToString(CultureInfo.InvariantCulture)]);
                await two.WaitForExitAsync();

                // Its OPEN tasks are freed after HostTimeout; this system's own builder joins the channel and finishes the build.
                await system.CallAsync("addHostToChannel", system.System.HostName, Channel);
                Directory.Delete(marker);
                var info = await system.WaitForTaskAsync(taskId, TimeSpan.FromMinutes(4));
                Assert.Equal(2, GitPackages.Int(info["state"]));
                var build = (IReadOnlyDictionary<string, object?>)(await system.CallAsync("getBuild", $"{name}-1.0-1"))!;
                Assert.Equal(1, GitPackages.Int(build["state"]));
                var hosts = ((IReadOnlyList<object?>)(await system.CallAsync("getTaskChildren", taskId))!)
                    .Cast<IReadOnlyDictionary<string, object?>>().Select(c => c["host_id"]).ToList();
                var mine = GitPackages.Int(((IReadOnlyDictionary<string, object?>)(await system.CallAsync("getHost", system.System.HostName))!)["id"]);
                Assert.Contains(hosts, h => h is not null && GitPackages.Int(h) == mine);
            }
            finally
            {
                if (!two.HasExited)
                {
                    two.Kill(entireProcessTree: true);
                }
            }
        }
        finally
        {
            if (Directory.Exists(marker))
            {
                Directory.Delete(marker);
            }
        }
    }

    private bool BuildLogSays(int buildTaskId, string text)
    {
        var tasks = Path.Combine(system.KojiDir, "work", "tasks");
        return Directory.Exists(tasks) && Directory.EnumerateFiles(tasks, "build.log", SearchOption.AllDirectories)
            .Where(f => int.Parse(Path.GetFileName(Path.GetDirectoryName(f))!, CultureInfo.InvariantCulture) > buildTaskId)
            .Any(f => File.ReadAllText(f).Contains(text, StringComparison.Ordinal));
    }

    private static Process StartBuilder(string conf)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "kojinet.dll"), "builder", "--config", conf, "--verbose" })
        {
            psi.ArgumentList.Add(a);
        }
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }
}

public sealed class SqliteKilledBuilderTests(SqliteBuildSystem system) : KilledBuilderTests<SqliteBuildSystem>(system);

public sealed class PostgresKilledBuilderTests(PostgresBuildSystem system) : KilledBuilderTests<PostgresBuildSystem>(system);
