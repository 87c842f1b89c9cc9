using System.Globalization;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;
using static KojiNet.IntegrationTests.GitPackages;

namespace KojiNet.IntegrationTests;

/// <summary>
/// Builds end to end through the XML-RPC API (issue 4's checks): git sources with the tarball
/// from the lookaside, the build task tree, import, tagging, layout, and the failure paths.
/// </summary>
public abstract class BuildTests<TSystem>(TSystem system) : IClassFixture<TSystem> where TSystem : BuildSystemFixture
{
    private string GitRoot { get; } = Path.Combine(system.Dir, "git");

    private static Dictionary<string, object?> Kw(params (string Key, object? Value)[] items) =>
        items.ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);

    private async Task<int> StartBuildAsync(string source, bool scratch = false, string target = "kojinet")
    {
        var opts = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (scratch)
        {
            opts["scratch"] = true;
        }
        return Int(await system.CallAsync("build", [source, target, opts], Kw()));
    }

    private async Task AddPackageAsync(string name) =>
        await system.CallAsync("packageListAdd", ["kojinet", name], Kw(("owner", "kojiadmin")));

    private string Source(string name, string spec, bool corrupt = false) =>
        Create(GitRoot, name, spec, system.System.LookasideUploadUrl, system.System.CaFile, corrupt);

    private async Task<List<IReadOnlyDictionary<string, object?>>> ChildrenAsync(int taskId) =>
        ((IReadOnlyList<object?>)(await system.CallAsync("getTaskChildren", taskId))!).Cast<IReadOnlyDictionary<string, object?>>().ToList();

    private string Diagnostics(int taskId) => $"task {taskId}\n{string.Join('\n', system.Log.TakeLast(80))}";

    /// <summary>Assert.True that shows its message (the path or the task and log tail).</summary>
    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException(message);
        }
    }

    private static string RpmQuery(string file, string format) => ExternalTool.RunChecked("rpm", ["-qp", "--nosignature", "--qf", format, file]);

    [Fact]
    public async Task NoarchPackageFromGitIsBuiltImportedAndTagged()
    {
        var name = "hello-noarch";
        await AddPackageAsync(name);
        var taskId = await StartBuildAsync(Source(name, NoarchSpec(name)));
        var info = await system.WaitForTaskAsync(taskId);
        Check(Int(info["state"]) == 2, Diagnostics(taskId));

        // The task tree closed: SRPM from SCM, one buildArch, tagBuild.
        var children = await ChildrenAsync(taskId);
        var methods = children.Select(c => (string)c["method"]!).Order(StringComparer.Ordinal).ToList();
        Assert.Contains("buildSRPMFromSCM", methods);
        Assert.Contains("buildArch", methods);
        Assert.Contains("tagBuild", methods);
        Assert.All(children, c => Assert.Equal(2, Int(c["state"])));

        var build = (IReadOnlyDictionary<string, object?>)(await system.CallAsync("getBuild", $"{name}-1.0-1"))!;
        Assert.Equal(1, Int(build["state"]));
        Assert.Equal(taskId, Int(build["task_id"]));
        Assert.StartsWith("git+file://", (string)build["source"]!, StringComparison.Ordinal);
        Assert.Matches("#[0-9a-f]{40}$", (string)build["source"]!);

        // Files where spec/layout.md puts them, headers as rpm reads them.
        var buildDir = Path.Combine(system.KojiDir, "packages", name, "1.0", "1");
        var rpm = Path.Combine(buildDir, "noarch", $"{name}-1.0-1.noarch.rpm");
        var srpm = Path.Combine(buildDir, "src", $"{name}-1.0-1.src.rpm");
        Check(File.Exists(rpm), rpm);
        Check(File.Exists(srpm), srpm);
        Check(File.Exists(Path.Combine(buildDir, "data", "logs", "noarch", "build.log")),
            string.Join('\n', Directory.EnumerateFileSystemEntries(buildDir, "*", SearchOption.AllDirectories)));
        Assert.Equal("Koji.NET Koji.NET Koji.NET local", RpmQuery(rpm, "%{VENDOR} %{PACKAGER} %{DISTRIBUTION}"));
        var rpms = ((IReadOnlyList<object?>)(await system.CallAsync("listRPMs", [], Kw(("buildID", build["id"]))))!).Cast<IReadOnlyDictionary<string, object?>>().ToList();
        Assert.Equal(["noarch", "src"], rpms.Select(r => (string)r["arch"]!).Order(StringComparer.Ordinal));
        var noarch = rpms.Single(r => (string)r["arch"]! == "noarch");
        Assert.Equal(RpmQuery(rpm, "%{SIGMD5}"), (string)noarch["payloadhash"]!);
        Assert.Equal(RpmQuery(rpm, "%{BUILDTIME}"), Convert.ToString(noarch["buildtime"], CultureInfo.InvariantCulture));
        Assert.NotNull(noarch["buildroot_id"]);

        // Tagged into the destination tag.
        var tagged = ((IReadOnlyList<object?>)(await system.CallAsync("listTagged", "kojinet"))!).Cast<IReadOnlyDictionary<string, object?>>();
        Assert.Contains(tagged, b => (string)b["nvr"]! == $"{name}-1.0-1");

        // Task output lives in work/tasks/<id % 10000>/<id>/.
        var archTask = children.Single(c => (string)c["method"]! == "buildArch");
        var output = (IReadOnlyList<object?>)(await system.CallAsync("listTaskOutput", archTask["id"]))!;
        Assert.Contains("build.log", output);
    }

    [Fact]
    public async Task CompiledPackageIsBuiltForTheHostArch()
    {
        var name = "hello-c";
        await AddPackageAsync(name);
        var taskId = await StartBuildAsync(Source(name, CSpec(name)));
        var info = await system.WaitForTaskAsync(taskId);
        Check(Int(info["state"]) == 2, Diagnostics(taskId));
        var arch = system.HostArch;
        var rpm = Path.Combine(system.KojiDir, "packages", name, "1.0", "1", arch, $"{name}-1.0-1.{arch}.rpm");
        Check(File.Exists(rpm), rpm);
        Assert.Equal(arch, RpmQuery(rpm, "%{ARCH}"));
        Assert.Contains("/usr/bin/hello-c", ExternalTool.RunChecked("rpm", ["-qpl", "--nosignature", rpm]), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingSpecFailsTheTaskAndTheBuildWithLogs()
    {
        var name = "hello-broken";
        await AddPackageAsync(name);
        var taskId = await StartBuildAsync(Source(name, FailingSpec(name)));
        var info = await system.WaitForTaskAsync(taskId);
        Assert.Equal(5, Int(info["state"]));
        var fault = await Assert.ThrowsAnyAsync<XmlRpcFaultException>(() => system.CallAsync("getTaskResult", taskId));
        Assert.False(string.IsNullOrEmpty(fault.FaultString));
        var build = (IReadOnlyDictionary<string, object?>)(await system.CallAsync("getBuild", $"{name}-1.0-1"))!;
        Assert.Equal(3, Int(build["state"]));
        Assert.Empty((IReadOnlyList<object?>)(await system.CallAsync("listRPMs", [], Kw(("buildID", build["id"]))))!);
        var archTask = (await ChildrenAsync(taskId)).Single(c => (string)c["method"]! == "buildArch");
        Assert.Equal(5, Int(archTask["state"]));
        var log = Path.Combine(system.KojiDir, "work", "tasks", (Int(archTask["id"]) % 10000).ToString(CultureInfo.InvariantCulture),
            Convert.ToString(archTask["id"], CultureInfo.InvariantCulture)!, "build.log");
        Assert.Contains("deliberate failure", await File.ReadAllTextAsync(log), StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(system.KojiDir, "packages", name)));
    }

    [Fact]
    public async Task LookasideHashMismatchFailsTheSrpmTask()
    {
        var name = "hello-badhash";
        await AddPackageAsync(name);
        var taskId = await StartBuildAsync(Source(name, NoarchSpec(name), corrupt: true));
        var info = await system.WaitForTaskAsync(taskId);
        Assert.Equal(5, Int(info["state"]));
        var srpmTask = (await ChildrenAsync(taskId)).Single(c => (string)c["method"]! == "buildSRPMFromSCM");
        Assert.Equal(5, Int(srpmTask["state"]));
        var fault = await Assert.ThrowsAnyAsync<XmlRpcFaultException>(() => system.CallAsync("getTaskResult", srpmTask["id"]));
        Assert.Contains($"{name}-1.0.tar.gz", fault.FaultString, StringComparison.Ordinal);
        Assert.Null(await system.CallAsync("getBuild", $"{name}-1.0-1"));
    }

    [Fact]
    public async Task ScmUrlOutsideAllowedScmsIsRefused()
    {
        var name = "hello-denied";
        await AddPackageAsync(name);
        var source = Create(Path.Combine(system.Dir, "elsewhere"), name, NoarchSpec(name), null, system.System.CaFile);
        var taskId = await StartBuildAsync(source);
        var info = await system.WaitForTaskAsync(taskId);
        Assert.Equal(5, Int(info["state"]));
        var srpmTask = (await ChildrenAsync(taskId)).Single(c => (string)c["method"]! == "buildSRPMFromSCM");
        var fault = await Assert.ThrowsAnyAsync<XmlRpcFaultException>(() => system.CallAsync("getTaskResult", srpmTask["id"]));
        Assert.Contains("not in the list of allowed SCMs", fault.FaultString, StringComparison.Ordinal);

        // The CVE-2017-1002153 shape: an allowed prefix walked out of with '..'.
        var sneaky = source.Replace("/elsewhere/", "/git/../elsewhere/", StringComparison.Ordinal);
        var second = await system.WaitForTaskAsync(await StartBuildAsync(sneaky));
        Assert.Equal(5, Int(second["state"]));
    }

    [Fact]
    public async Task ScratchBuildGoesToScratchAndMakesNoBuild()
    {
        var name = "hello-scratch";
        var taskId = await StartBuildAsync(Source(name, NoarchSpec(name)), scratch: true);
        var info = await system.WaitForTaskAsync(taskId);
        Check(Int(info["state"]) == 2, Diagnostics(taskId));
        var dir = Path.Combine(system.KojiDir, "scratch", "kojiadmin", $"task_{taskId}");
        Check(File.Exists(Path.Combine(dir, $"{name}-1.0-1.noarch.rpm")), dir);
        Check(File.Exists(Path.Combine(dir, $"{name}-1.0-1.src.rpm")), dir);
        Check(File.Exists(Path.Combine(dir, "logs", "noarch", "build.log")), string.Join('\n', Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories)));
        Assert.Null(await system.CallAsync("getBuild", $"{name}-1.0-1"));
        Assert.DoesNotContain("tagBuild", (await ChildrenAsync(taskId)).Select(c => (string)c["method"]!));
    }

    [Fact]
    public async Task CancelDuringTheBuildKillsItAndRemovesTheBuildroot()
    {
        var name = "hello-slow";
        await AddPackageAsync(name);
        var taskId = await StartBuildAsync(Source(name, SlowSpec(name)));
        var deadline = DateTime.UtcNow.AddMinutes(3);
        IReadOnlyDictionary<string, object?>? archTask = null;
        while (archTask is null)
        {
            archTask = (await ChildrenAsync(taskId)).FirstOrDefault(c => (string)c["method"]! == "buildArch" && Int(c["state"]) == 1);
            Check(DateTime.UtcNow < deadline, Diagnostics(taskId));
            await Task.Delay(200);
        }
        // Wait until rpmbuild runs the sleep inside the sandbox.
        while (!ExternalTool.Run("pgrep", ["-f", "sleep 600"]).StdOut.Any(char.IsDigit))
        {
            Check(DateTime.UtcNow < deadline, Diagnostics(taskId));
            await Task.Delay(200);
        }
        await system.CallAsync("cancelTask", taskId);
        var info = await system.WaitForTaskAsync(taskId);
        Assert.Equal(3, Int(info["state"]));
        var gone = DateTime.UtcNow.AddSeconds(30);
        while (ExternalTool.Run("pgrep", ["-f", "sleep 600"]).StdOut.Any(char.IsDigit) || Directory.EnumerateDirectories(Path.Combine(system.Dir, "data", "builder", "buildroots")).Any())
        {
            Check(DateTime.UtcNow < gone, "the build process or its buildroot survived the cancel");
            await Task.Delay(200);
        }
        var build = (IReadOnlyDictionary<string, object?>?)await system.CallAsync("getBuild", $"{name}-1.0-1");
        Check(build is null || Int(build["state"]) is 3 or 4, "the build of a canceled task must be FAILED or CANCELED");
    }

    [Fact]
    public async Task UploadedSrpmIsRebuiltAndImported()
    {
        var name = "hello-srpm";
        await AddPackageAsync(name);
        // Make the SRPM locally from the same git layout, then upload it as `koji build` does.
        var source = Source(name, NoarchSpec(name));
        var checkout = Path.Combine(system.Dir, "srpm-" + name);
        var repo = source["git+file://".Length..source.IndexOf('#', StringComparison.Ordinal)];
        ExternalTool.RunChecked("git", ["clone", "-q", repo, checkout]);
        var tarball = Path.Combine(checkout, $"{name}-1.0.tar.gz");
        ExternalTool.RunChecked("curl", ["-sS", "--fail", "--cacert", system.System.CaFile, "-o", tarball,
            $"{system.System.LookasideUrl}/{name}/{name}-1.0.tar.gz/sha512/{File.ReadAllText(Path.Combine(checkout, "sources")).Split(" = ")[1].Trim()}/{name}-1.0.tar.gz"]);
        ExternalTool.RunChecked("rpmbuild", ["-bs", "--nodeps", "--define", $"_topdir {checkout}/top", "--define", $"_sourcedir {checkout}", Path.Combine(checkout, $"{name}.spec")]);
        var srpm = Directory.EnumerateFiles(Path.Combine(checkout, "top", "SRPMS"), "*.src.rpm").Single();
        var uploadDir = $"cli-build/{DateTime.UtcNow.Ticks}.test";
        await system.Admin.UploadFileAsync(srpm, uploadDir);
        var taskId = await StartBuildAsync($"{uploadDir}/{Path.GetFileName(srpm)}");
        var info = await system.WaitForTaskAsync(taskId);
        Check(Int(info["state"]) == 2, Diagnostics(taskId));
        Assert.Contains("rebuildSRPM", (await ChildrenAsync(taskId)).Select(c => (string)c["method"]!));
        var rpm = Path.Combine(system.KojiDir, "packages", name, "1.0", "1", "noarch", $"{name}-1.0-1.noarch.rpm");
        Check(File.Exists(rpm), rpm);
        // The rebuilt SRPM carries this site's packager, not the one of the uploaded file.
        Assert.Equal("Koji.NET", RpmQuery(Path.Combine(system.KojiDir, "packages", name, "1.0", "1", "src", $"{name}-1.0-1.src.rpm"), "%{PACKAGER}"));
    }

    [Fact]
    public async Task ChainBuildWaitsForTheRepoWithTheFirstLevel()
    {
        var first = "hello-chain-a";
        var second = "hello-chain-b";
        await AddPackageAsync(first);
        await AddPackageAsync(second);
        var levels = new List<object?> { new List<object?> { Source(first, NoarchSpec(first)) }, new List<object?> { Source(second, NoarchSpec(second)) } };
        var taskId = Int(await system.CallAsync("chainBuild", [levels, "kojinet"], Kw()));
        var info = await system.WaitForTaskAsync(taskId);
        Check(Int(info["state"]) == 2, Diagnostics(taskId));
        var children = await ChildrenAsync(taskId);
        Assert.Contains(children, c => (string)c["method"]! == "waitrepo");
        Assert.Equal(2, children.Count(c => (string)c["method"]! == "build"));
        // The second level started only after a repo with the first build was ready.
        var waitrepo = children.Single(c => (string)c["method"]! == "waitrepo");
        var repo = (IReadOnlyDictionary<string, object?>)(await system.CallAsync("getTaskResult", waitrepo["id"]))!;
        var repoDir = Path.Combine(system.KojiDir, "repos", "kojinet-build", Convert.ToString(repo["id"], CultureInfo.InvariantCulture)!);
        var pkglist = await File.ReadAllTextAsync(Path.Combine(repoDir, system.HostArch, "pkglist"));
        Assert.Contains($"{first}-1.0-1.noarch.rpm", pkglist, StringComparison.Ordinal);
        Assert.NotNull(await system.CallAsync("getBuild", $"{second}-1.0-1"));
    }
}

public sealed class SqliteBuildTests(SqliteBuildSystem system) : BuildTests<SqliteBuildSystem>(system);

public sealed class PostgresBuildTests(PostgresBuildSystem system) : BuildTests<PostgresBuildSystem>(system);
