using System.Globalization;
using KojiNet.Repodata;
using KojiNet.Repos;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using static KojiNet.IntegrationTests.GitPackages;

namespace KojiNet.IntegrationTests;

/// <summary>
/// Buildroot repos through the real pipeline (issue 5): <c>repo.request</c> → the hub's queue →
/// the builder's <c>newRepo</c>/<c>createrepo</c> tasks → READY, checked on disk
/// (<c>repos/&lt;tag&gt;/&lt;id&gt;/&lt;arch&gt;</c>) with the real dnf: which builds a repo holds
/// (events, inheritance, blocks, latest by tagging), comps groups, installing from it, builds whose
/// BuildRequires come from an earlier build, and external repos polled by the repo service.
/// </summary>
public abstract class RepoPipelineTests<TSystem>(TSystem system) : IClassFixture<TSystem>, IDisposable where TSystem : BuildSystemFixture
{
    private readonly IsolatedDnf _dnf = new();

    private string Work { get; } = Directory.CreateTempSubdirectory("kojinet-it-repo-").FullName;

    private static Dictionary<string, object?> Kw(params (string Key, object? Value)[] items) =>
        items.ToDictionary(i => i.Key, i => i.Value, StringComparer.Ordinal);

    private static IReadOnlyDictionary<string, object?> Dict(object? value) => (IReadOnlyDictionary<string, object?>)value!;

    private string Tail => string.Join('\n', system.Log.TakeLast(60));

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new Xunit.Sdk.XunitException(message);
        }
    }

    public void Dispose()
    {
        _dnf.Dispose();
        try
        {
            Directory.Delete(Work, recursive: true);
        }
        catch (IOException)
        {
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>A build tag for the host arch inheriting a new parent tag that lists <paramref name="packages"/>.</summary>
    private async Task<(string Parent, string Child)> TagsAsync(string prefix, params string[] packages)
    {
        var parent = prefix + "-parent";
        var child = prefix + "-build";
        await system.CallAsync("createTag", [parent], Kw(("arches", system.HostArch)));
        await system.CallAsync("createTag", [child], Kw(("parent", parent), ("arches", system.HostArch)));
        foreach (var p in packages)
        {
            await system.CallAsync("packageListAdd", [parent, p], Kw(("owner", "kojiadmin")));
        }
        return (parent, child);
    }

    /// <summary>Builds the SRPM and noarch RPM of a tiny package locally (no sources), as <c>koji import</c> input.</summary>
    private (string Srpm, string Rpm) LocalRpms(string name, string version = "1.0", string release = "1")
    {
        var dir = Path.Combine(Work, $"{name}-{version}-{release}");
        Directory.CreateDirectory(dir);
        var spec = Path.Combine(dir, name + ".spec");
        File.WriteAllText(spec, $"""
            Name: {name}
            Version: {version}
            Release: {release}
            Summary: Imported test package
            License: MIT
            BuildArch: noarch

            %description
            Imported by the repo pipeline tests.

            %install
            mkdir -p %{"{"}buildroot{"}"}/usr/share/{name}
            echo {version}-{release} > %{"{"}buildroot{"}"}/usr/share/{name}/version

            %files
            /usr/share/{name}/version
            """);
        ExternalTool.RunChecked("rpmbuild", ["-ba", "--quiet", "--define", $"_topdir {dir}/top", spec]);
        return (Path.Combine(dir, "top", "SRPMS", $"{name}-{version}-{release}.src.rpm"),
            Path.Combine(dir, "top", "RPMS", "noarch", $"{name}-{version}-{release}.noarch.rpm"));
    }

    /// <summary><c>koji import</c> of a tiny package, then <c>tagBuildBypass</c> into <paramref name="tag"/>; returns the tagging event.</summary>
    private async Task<int> ImportAndTagAsync(string tag, string name, string version = "1.0", string release = "1")
    {
        var (srpm, rpm) = LocalRpms(name, version, release);
        var dir = string.Create(CultureInfo.InvariantCulture, $"it-import/{name}-{version}-{release}-{DateTime.UtcNow.Ticks}");
        foreach (var file in new[] { srpm, rpm })
        {
            await system.Admin.UploadFileAsync(file, dir);
            await system.CallAsync("importRPM", dir, Path.GetFileName(file));
        }
        await system.CallAsync("tagBuildBypass", tag, $"{name}-{version}-{release}");
        return LastEvent(await system.CallAsync("getLastEvent"));
    }

    private static int LastEvent(object? value) => Int(Dict(value)["id"]);

    /// <summary>
    /// <c>repo.request(tag, min_event=...)</c> and, unless a READY repo already satisfies it, polls
    /// <c>repo.checkRequest</c> (what <c>koji wait-repo</c> does) until the request has its repo.
    /// </summary>
    private async Task<IReadOnlyDictionary<string, object?>> RepoAsync(string tag, object? minEvent = null)
    {
        var result = Dict(await system.CallAsync("repo.request", [tag], Kw(("min_event", minEvent ?? "last"))));
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (result["repo"] is null)
        {
            var request = Dict(result["request"]);
            Check(Truthy(request["active"]), $"request {request["id"]} ended without a repo: {Describe(result)}\n{Tail}");
            Check(DateTime.UtcNow < deadline, $"no repo for {tag} in time: {Describe(result)}\n{Tail}");
            await Task.Delay(100);
            result = Dict(await system.CallAsync("repo.checkRequest", request["id"]));
        }
        var repo = Dict(result["repo"]);
        Assert.Equal(1, Int(repo["state"]));
        return repo;
    }

    private static bool Truthy(object? value) => XmlRpcMethodCall.IsTruthy(value);

    private static string Describe(IReadOnlyDictionary<string, object?> value) =>
        string.Join(", ", value.Select(kv => $"{kv.Key}={(kv.Value is IReadOnlyDictionary<string, object?> d ? "{" + Describe(d) + "}" : kv.Value)}"));

    private string RepoDir(string tag, IReadOnlyDictionary<string, object?> repo) =>
        Path.Combine(system.KojiDir, "repos", tag, Convert.ToString(repo["id"], CultureInfo.InvariantCulture)!, system.HostArch);

    [Fact]
    public async Task BuildTaggedAfterTheRepoEventIsOnlyInTheNextRepo()
    {
        var (parent, child) = await TagsAsync("it-events", "it-ev-early", "it-ev-late");
        await ImportAndTagAsync(parent, "it-ev-early");
        var first = await RepoAsync(child);

        var tagged = await ImportAndTagAsync(parent, "it-ev-late");
        Assert.True(Int(first["create_event"]) < tagged);
        // The first repo no longer satisfies "last": a new one is made, after the tagging.
        var second = await RepoAsync(child);
        Assert.NotEqual(Int(first["id"]), Int(second["id"]));
        Assert.True(Int(second["create_event"]) >= tagged);

        var before = _dnf.Packages(RepoDir(child, first));
        var after = _dnf.Packages(RepoDir(child, second));
        Assert.Equal(["it-ev-early-1.0-1.noarch"], before);
        Assert.Equal(["it-ev-early-1.0-1.noarch", "it-ev-late-1.0-1.noarch"], after);
        // What Koji's own pkglist says agrees with what dnf reads from the repodata.
        Assert.DoesNotContain("it-ev-late", await File.ReadAllTextAsync(Path.Combine(RepoDir(child, first), "pkglist")), StringComparison.Ordinal);

        // An explicit older event is still satisfied by the first repo... unless a newer one exists: newest wins.
        var again = Dict(await system.CallAsync("repo.request", [child], Kw(("min_event", first["create_event"]))));
        Assert.Equal(Int(second["id"]), Int(Dict(again["repo"])["id"]));
    }

    [Fact]
    public async Task BlockedIsAbsentInheritedIsPresentAndTheLastTaggedBuildWins()
    {
        var (parent, child) = await TagsAsync("it-content", "it-inherited", "it-blocked", "it-ver", "it-override");
        await ImportAndTagAsync(parent, "it-inherited");
        await ImportAndTagAsync(parent, "it-blocked");
        await system.CallAsync("packageListBlock", child, "it-blocked");
        // 2.0 first, then 1.0: the most recently tagged build is the latest, whatever its version.
        await ImportAndTagAsync(parent, "it-ver", "2.0", "1");
        await ImportAndTagAsync(parent, "it-ver", "1.0", "1");
        // A build tagged into the child itself hides the parent's (inheritance is depth first), even an older one tagged earlier.
        await ImportAndTagAsync(child, "it-override", "0.5", "1");
        await ImportAndTagAsync(parent, "it-override", "1.0", "1");

        var repo = await RepoAsync(child);
        Assert.Equal(["it-inherited-1.0-1.noarch", "it-override-0.5-1.noarch", "it-ver-1.0-1.noarch"], _dnf.Packages(RepoDir(child, repo)));

        // The parent's own repo has the package blocked only in the child, and its own latest of it-override.
        var parentRepo = await RepoAsync(parent);
        Assert.Equal(["it-blocked-1.0-1.noarch", "it-inherited-1.0-1.noarch", "it-override-1.0-1.noarch", "it-ver-1.0-1.noarch"],
            _dnf.Packages(RepoDir(parent, parentRepo)));
    }

    [Fact]
    public async Task TheBuildTagsGroupsAreInTheRepoAndDnfInstallsFromIt()
    {
        var (parent, child) = await TagsAsync("it-comps", "it-tool", "it-helper");
        await ImportAndTagAsync(parent, "it-tool");
        await ImportAndTagAsync(parent, "it-helper");
        await system.CallAsync("groupListAdd", child, "it-tools");
        await system.CallAsync("groupPackageListAdd", child, "it-tools", "it-tool");
        await system.CallAsync("groupPackageListAdd", child, "it-tools", "it-helper");
        await system.CallAsync("groupListAdd", child, "build");
        await system.CallAsync("groupPackageListAdd", child, "build", "it-tool");

        var repo = await RepoAsync(child);
        var dir = RepoDir(child, repo);
        var groups = _dnf.Run(dir, "group", "list", "--hidden", "-v");
        Assert.Contains("(it-tools)", groups, StringComparison.Ordinal);
        Assert.Contains("(build)", groups, StringComparison.Ordinal);
        var info = _dnf.Run(dir, "group", "info", "it-tools");
        Assert.Contains("it-tool", info, StringComparison.Ordinal);
        Assert.Contains("it-helper", info, StringComparison.Ordinal);

        // Install a group's packages into an empty root from the pipeline's repo.
        _dnf.Run(dir, "install", "@it-tools");
        Assert.Equal("1.0-1", File.ReadAllText(Path.Combine(_dnf.InstallRoot, "usr/share/it-tool/version")).Trim());
        Assert.Equal("1.0-1", File.ReadAllText(Path.Combine(_dnf.InstallRoot, "usr/share/it-helper/version")).Trim());
    }

    [Fact]
    public async Task BuildRequiresFromAnEarlierBuildWaitForTheRepoThatHasIt()
    {
        var git = Path.Combine(system.Dir, "git");
        var lib = "kojinet-it-lib";
        var app = "kojinet-it-app";
        await system.CallAsync("packageListAdd", ["kojinet", lib], Kw(("owner", "kojiadmin")));
        await system.CallAsync("packageListAdd", ["kojinet", app], Kw(("owner", "kojiadmin")));
        var appSource = Create(git, app, AppSpec(app, lib), system.System.LookasideUploadUrl, system.System.CaFile);
        var libSource = Create(git, lib, LibSpec(lib), system.System.LookasideUploadUrl, system.System.CaFile);

        // The build tag's repo as it is before the library exists.
        var without = await RepoAsync(LocalSystemTags.Build);

        var libTask = Int(await system.CallAsync("build", [libSource, LocalSystemTags.Target, new Dictionary<string, object?>(StringComparer.Ordinal)], Kw()));
        var libInfo = await system.WaitForTaskAsync(libTask);
        Check(Int(libInfo["state"]) == 2, $"task {libTask}\n{Tail}");

        // Against the old repo the requirement cannot be met: a clear dependency failure.
        var scratch = Int(await system.CallAsync("build", [appSource, LocalSystemTags.Target,
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["scratch"] = true, ["repo_id"] = without["id"] }], Kw()));
        var failed = await system.WaitForTaskAsync(scratch);
        Assert.Equal(5, Int(failed["state"]));
        var archTask = ((IReadOnlyList<object?>)(await system.CallAsync("getTaskChildren", scratch))!).Select(Dict)
            .Single(c => (string)c["method"]! == "buildArch");
        var fault = await Assert.ThrowsAnyAsync<XmlRpcFaultException>(() => system.CallAsync("getTaskResult", archTask["id"]));
        Assert.Contains($"{lib}-devel", fault.FaultString, StringComparison.Ordinal);
        Assert.Contains("could not install the build requirements", fault.FaultString, StringComparison.Ordinal);

        // `koji build --wait-build`: the build waits for a repo with the library, then its
        // BuildRequires are installed from it (the spec's %build checks the header is there).
        var appTask = Int(await system.CallAsync("build", [appSource, LocalSystemTags.Target,
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["wait_builds"] = new List<object?> { $"{lib}-1.0-1" } }], Kw()));
        var appInfo = await system.WaitForTaskAsync(appTask);
        Check(Int(appInfo["state"]) == 2, $"task {appTask}\n{Tail}");
        var appArch = ((IReadOnlyList<object?>)(await system.CallAsync("getTaskChildren", appTask))!).Select(Dict)
            .Single(c => (string)c["method"]! == "buildArch");
        var archArgs = (IReadOnlyList<object?>)(await system.CallAsync("getTaskRequest", appArch["id"]))!;
        Assert.NotEqual(Int(without["id"]), Int(Dict(archArgs[^1])["repo_id"]));
        var rootLog = Path.Combine(system.KojiDir, "work", "tasks", (Int(appArch["id"]) % 10000).ToString(CultureInfo.InvariantCulture),
            Convert.ToString(appArch["id"], CultureInfo.InvariantCulture)!, "root.log");
        Check(File.Exists(rootLog), rootLog);
        Assert.Contains($"{lib}-devel-1.0-1", await File.ReadAllTextAsync(rootLog), StringComparison.Ordinal);
    }

    private static string LibSpec(string name) => $$"""
        Name: {{name}}
        Version: 1.0
        Release: 1
        Summary: A library with a devel subpackage
        License: MIT
        BuildArch: noarch
        Source0: {{name}}-1.0.tar.gz

        %description
        The library side of the BuildRequires test.

        %package devel
        Summary: Its header

        %description devel
        The header the app needs to build.

        %prep
        %setup -q

        %build

        %install
        mkdir -p %{buildroot}/usr/share/{{name}} %{buildroot}/usr/include
        cp hello.txt %{buildroot}/usr/share/{{name}}/
        echo '#define KOJINET_IT_LIB 1' > %{buildroot}/usr/include/{{name}}.h

        %files
        /usr/share/{{name}}/hello.txt

        %files devel
        /usr/include/{{name}}.h

        %changelog
        * {{ChangelogDate}} Tester <tester@example.com> - 1.0-1
        - First build.
        """;

    private static string AppSpec(string name, string lib) => NoarchSpec(name)
        .Replace("Source0:", $"BuildRequires: {lib}-devel\nSource0:", StringComparison.Ordinal)
        .Replace("%build\n", $"%build\ngrep -q KOJINET_IT_LIB /usr/include/{lib}.h\n", StringComparison.Ordinal);

    [Fact]
    public async Task AChangedExternalRepoMakesTheTagsRepoOutdated()
    {
        var tag = "it-external-build";
        await system.CallAsync("createTag", [tag], Kw(("arches", system.HostArch)));
        var root = Path.Combine(Work, "external");
        var archDir = Path.Combine(root, system.HostArch);
        Directory.CreateDirectory(archDir);
        File.Copy(LocalRpms("it-ext-one").Rpm, Path.Combine(archDir, "it-ext-one-1.0-1.noarch.rpm"));
        ExternalTool.RunChecked("createrepo_c", ["-q", "--revision", "1700000000", "--set-timestamp-to-revision", archDir]);
        var name = "it-ext-" + (system.Postgres ? "pg" : "sqlite");
        await system.CallAsync("createExternalRepo", name, $"file://{root}/$arch/");
        await system.CallAsync("addExternalRepoToTag", tag, name, 5);

        // The repo service reads repomd.xml (with $arch expanded to the tag's arch) and records its newest timestamp.
        await WaitForMaxTsAsync(name, 1700000000);
        var first = await RepoAsync(tag);
        // The tag has no packages of its own: the repo is the external repo's content, not an EMPTY_REPO.
        Assert.Equal(["it-ext-one-1.0-1.noarch"], _dnf.Packages(RepoDir(tag, first)));
        Assert.False(File.Exists(Path.Combine(RepoDir(tag, first), "repodata", "EMPTY_REPO")));

        // The external repo changes: a new package, newer metadata.
        File.Copy(LocalRpms("it-ext-two").Rpm, Path.Combine(archDir, "it-ext-two-1.0-1.noarch.rpm"));
        ExternalTool.RunChecked("createrepo_c", ["-q", "--revision", "1700000100", "--set-timestamp-to-revision", archDir]);
        await WaitForMaxTsAsync(name, 1700000100);

        // That is a change of the tag: its current repo gets an end event, and a request for the
        // tag's latest state makes a new repo, merged from the changed external repo.
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (Dict(await system.CallAsync("repoInfo", first["id"]))["end_event"] is null)
        {
            Check(DateTime.UtcNow < deadline, $"repo {first["id"]} kept no end_event\n{Tail}");
            await Task.Delay(100);
        }
        var endEvent = Int(Dict(await system.CallAsync("repoInfo", first["id"]))["end_event"]);
        Assert.True(endEvent > Int(first["create_event"]));
        var second = await RepoAsync(tag);
        Assert.NotEqual(Int(first["id"]), Int(second["id"]));
        Assert.True(Int(second["create_event"]) >= endEvent);
        Assert.Equal(["it-ext-one-1.0-1.noarch", "it-ext-two-1.0-1.noarch"], _dnf.Packages(RepoDir(tag, second)));

        // The service records a timestamp only when it is newer: two versions over all its passes, not one per pass.
        var history = Dict(await system.CallAsync("queryHistory", [new List<object?> { "external_repo_data" }], Kw(("external_repo", name))));
        Assert.Equal(2, ((IReadOnlyList<object?>)history["external_repo_data"]!).Count);
    }

    [Fact]
    public async Task ExternalReposAreMergedIntoTheTagsRepoAndKojiPackagesWin()
    {
        var (parent, child) = await TagsAsync("it-merge", "it-merge-own", "it-merge-shared", "it-merge-blocked");
        await ImportAndTagAsync(parent, "it-merge-own");
        await ImportAndTagAsync(parent, "it-merge-shared");
        await system.CallAsync("packageListBlock", child, "it-merge-blocked");

        // An external repo (file://, $arch) with its own package, a newer build of a package the
        // tag has (same source rpm name) and a package blocked in the tag.
        var root = Path.Combine(Work, "merge-external");
        var externalDir = Path.Combine(root, system.HostArch);
        Directory.CreateDirectory(externalDir);
        foreach (var (name, version) in new[] { ("it-merge-ext", "1.0"), ("it-merge-shared", "2.0"), ("it-merge-blocked", "1.0") })
        {
            File.Copy(LocalRpms(name, version).Rpm, Path.Combine(externalDir, $"{name}-{version}-1.noarch.rpm"));
        }
        ExternalTool.RunChecked("createrepo_c", ["-q", externalDir]);
        var external = "it-merge-ext-" + (system.Postgres ? "pg" : "sqlite");
        await system.CallAsync("createExternalRepo", external, $"file://{root}/$arch/");
        await system.CallAsync("addExternalRepoToTag", child, external, 5);

        var repo = await RepoAsync(child);
        var dir = RepoDir(child, repo);
        // koji mode: the tag's own packages, the external one; the external it-merge-shared-2.0 is
        // dropped because the Koji repo has that source package, it-merge-blocked because it is blocked.
        Assert.Equal(["it-merge-ext-1.0-1.noarch", "it-merge-own-1.0-1.noarch", "it-merge-shared-1.0-1.noarch"], _dnf.Packages(dir));
        // Koji packages resolve through the arch dir's toplink (no base), the external one to the
        // external repo (xml:base); dnf's --location shows only the former resolved (it ignores xml:base).
        var primary = KojiNet.Repodata.Repomd.Load(dir).Find("primary")!;
        using (var stream = RepodataReader.OpenRecord(dir, primary))
        {
            var located = RepodataReader.ReadPrimary(stream).ToDictionary(p => p.Name, p => (Base: p.LocationBase?.TrimEnd('/'), p.LocationHref), StringComparer.Ordinal);
            Assert.Equal((null, "toplink/packages/it-merge-own/1.0/1/noarch/it-merge-own-1.0-1.noarch.rpm"), located["it-merge-own"]);
            Assert.Equal((null, "toplink/packages/it-merge-shared/1.0/1/noarch/it-merge-shared-1.0-1.noarch.rpm"), located["it-merge-shared"]);
            Assert.Equal(("file://" + externalDir, "it-merge-ext-1.0-1.noarch.rpm"), located["it-merge-ext"]);
        }
        var locations = _dnf.Run(dir, "repoquery", "--location");
        Assert.Contains($"file://{dir}/toplink/packages/it-merge-own/1.0/1/noarch/it-merge-own-1.0-1.noarch.rpm", locations, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir, "toplink/packages/it-merge-own/1.0/1/noarch/it-merge-own-1.0-1.noarch.rpm")));
        Assert.False(File.Exists(Path.Combine(dir, "it-merge-ext-1.0-1.noarch.rpm")), "the external package is only in the external repo");

        // dnf installs from both: the Koji build of it-merge-shared, not the external 2.0.
        _dnf.Run(dir, "install", "it-merge-own", "it-merge-shared", "it-merge-ext");
        Assert.Equal("1.0-1", File.ReadAllText(Path.Combine(_dnf.InstallRoot, "usr/share/it-merge-own/version")).Trim());
        Assert.Equal("1.0-1", File.ReadAllText(Path.Combine(_dnf.InstallRoot, "usr/share/it-merge-shared/version")).Trim());
        Assert.Equal("1.0-1", File.ReadAllText(Path.Combine(_dnf.InstallRoot, "usr/share/it-merge-ext/version")).Trim());

        // The merged repodata carries mergerepo_c's pkgorigins and is not marked empty; the
        // createrepo task uploaded mergerepos.log next to createrepo.log.
        var repodata = Directory.GetFiles(Path.Combine(dir, "repodata")).Select(f => Path.GetFileName(f)!).ToArray();
        Assert.Contains(repodata, f => f.EndsWith("pkgorigins.gz", StringComparison.Ordinal));
        Assert.DoesNotContain("EMPTY_REPO", repodata);
        var createrepo = ((IEnumerable<object?>)(await system.CallAsync("getTaskChildren", repo["task_id"]))!).Select(Dict)
            .Single(t => (string?)t["method"] == "createrepo" && (string?)t["label"] == system.HostArch);
        var output = ((IEnumerable<object?>)(await system.CallAsync("listTaskOutput", createrepo["id"]))!).Select(o => o as string).ToArray();
        Assert.Contains("mergerepos.log", output);
        Assert.Contains("createrepo.log", output);
    }

    [Fact]
    public async Task ATagWithMixedMergeModesFailsItsRepoWithAClearMessage()
    {
        var tag = "it-merge-mixed";
        await system.CallAsync("createTag", [tag], Kw(("arches", system.HostArch)));
        var root = Path.Combine(Work, "merge-mixed");
        Directory.CreateDirectory(Path.Combine(root, system.HostArch));
        ExternalTool.RunChecked("createrepo_c", ["-q", Path.Combine(root, system.HostArch)]);
        var suffix = system.Postgres ? "pg" : "sqlite";
        await system.CallAsync("createExternalRepo", "it-mixed-a-" + suffix, $"file://{root}/$arch/");
        await system.CallAsync("createExternalRepo", "it-mixed-b-" + suffix, $"file://{root}/$arch/");
        await system.CallAsync("addExternalRepoToTag", tag, "it-mixed-a-" + suffix, 5);
        await system.CallAsync("addExternalRepoToTag", [tag, "it-mixed-b-" + suffix, 10], Kw(("merge_mode", "bare")));

        // The request's newRepo task fails with its createrepo subtask; the fault names the modes.
        var result = Dict(await system.CallAsync("repo.request", [tag], Kw(("min_event", "last"))));
        var requestId = Dict(result["request"])["id"];
        var deadline = DateTime.UtcNow.AddMinutes(4);
        object? newRepo;
        while ((newRepo = Dict(Dict(await system.CallAsync("repo.checkRequest", requestId))["request"])["task_id"]) is null
            || Int(Dict(await system.CallAsync("getTaskInfo", newRepo))["state"]) is not (2 or 5))
        {
            Check(DateTime.UtcNow < deadline, $"the newRepo task for {tag} did not finish\n{Tail}");
            await Task.Delay(200);
        }
        Assert.Equal(5, Int(Dict(await system.CallAsync("getTaskInfo", newRepo))["state"]));
        var createrepo = ((IEnumerable<object?>)(await system.CallAsync("getTaskChildren", newRepo))!).Select(Dict)
            .Single(t => (string?)t["method"] == "createrepo");
        Assert.Equal(5, Int(createrepo["state"]));
        var fault = Dict(await system.CallAsync("getTaskResult", [createrepo["id"]], Kw(("raise_fault", false))));
        Assert.Contains("Found multiple merge modes for external repos", (string?)fault["faultString"], StringComparison.Ordinal);

        // The repo the failed task initialised is marked PROBLEM by the repo service (its INIT check).
        var clauses = new List<object?> { new List<object?> { "task_id", "=", newRepo } };
        while (true)
        {
            var repos = ((IEnumerable<object?>)(await system.CallAsync("repo.query", clauses))!).Select(Dict).ToList();
            var repo = Assert.Single(repos);
            if (Int(repo["state"]) == 4)
            {
                break;
            }
            Check(DateTime.UtcNow < deadline, $"repo {repo["id"]} of the failed task stayed in state {repo["state"]}\n{Tail}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task ExternalRepoOverHttpIsCheckedForEveryArchOfItsTags()
    {
        // A plain HTTP server with one repomd.xml per arch, the aarch64 one newer.
        var timestamps = new Dictionary<string, long>(StringComparer.Ordinal) { [system.HostArch] = 1700000300, ["aarch64"] = 1700000400 };
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/repo/{arch}/repodata/repomd.xml", (string arch) =>
            timestamps.TryGetValue(arch, out var ts) ? Results.Content(Repomd(ts), "text/xml") : Results.NotFound());
        await app.StartAsync();
        var url = app.Urls.First() + "/repo/$arch/";

        var tag = "it-external-http";
        var arches = system.HostArch == "aarch64" ? "aarch64" : $"{system.HostArch} aarch64";
        await system.CallAsync("createTag", [tag], Kw(("arches", arches)));
        var name = "it-ext-http-" + (system.Postgres ? "pg" : "sqlite");
        await system.CallAsync("createExternalRepo", name, url);
        await system.CallAsync("addExternalRepoToTag", tag, name, 5);
        await WaitForMaxTsAsync(name, 1700000400);
        await app.StopAsync();
    }

    [Fact]
    public void RepomdTimestampIsTheNewestOfTheRepoNamespace()
    {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
              <revision>1</revision>
              <data type="primary"><timestamp>1700000010</timestamp><size>1</size></data><data type="filelists"><timestamp>1700000020</timestamp></data>
              <data type="other"><timestamp>1700000005</timestamp><rpm:timestamp>1900000000</rpm:timestamp></data>
            </repomd>
            """;
        Assert.Equal(1700000020, ExternalRepoChecker.MaxTimestamp(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml))));
        Assert.Null(ExternalRepoChecker.MaxTimestamp(new MemoryStream("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"/>"u8.ToArray())));
        Assert.Throws<FormatException>(() => ExternalRepoChecker.MaxTimestamp(
            new MemoryStream("<repomd xmlns=\"http://linux.duke.edu/metadata/repo\"><timestamp>soon</timestamp></repomd>"u8.ToArray())));
    }

    private static string Repomd(long timestamp) => string.Create(CultureInfo.InvariantCulture, $"""
        <?xml version="1.0" encoding="UTF-8"?>
        <repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>{timestamp}</revision><data type="primary"><timestamp>{timestamp}</timestamp></data></repomd>
        """);

    private async Task WaitForMaxTsAsync(string externalRepo, long expected)
    {
        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (true)
        {
            var data = await system.CallAsync("repo.getExternalRepoData", externalRepo) as IReadOnlyDictionary<string, object?>;
            if (data?.GetValueOrDefault("max_ts") is { } ts && Convert.ToInt64(ts, CultureInfo.InvariantCulture) == expected)
            {
                return;
            }
            Check(DateTime.UtcNow < deadline, $"max_ts of {externalRepo} is {(data is null ? "unset" : Describe(data))}, expected {expected}\n{Tail}");
            await Task.Delay(100);
        }
    }
}

/// <summary>The example tags of <c>kojinet up</c>.</summary>
internal static class LocalSystemTags
{
    public const string Build = KojiNet.Up.LocalSystem.ExampleBuildTag;
    public const string Target = KojiNet.Up.LocalSystem.ExampleTarget;
}

public sealed class SqliteRepoPipelineTests(SqliteBuildSystem system) : RepoPipelineTests<SqliteBuildSystem>(system);

public sealed class PostgresRepoPipelineTests(PostgresBuildSystem system) : RepoPipelineTests<PostgresBuildSystem>(system);
