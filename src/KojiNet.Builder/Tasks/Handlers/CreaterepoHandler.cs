using System.Diagnostics;
using System.Globalization;
using KojiNet.Builder.Repos;
using KojiNet.Repodata;

namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>createrepo(repo_id, arch, oldrepo)</c> (spec/kojira.md §8.1): writes the arch's repodata and
/// uploads it; returns <c>[uploadpath, files]</c>. With <c>repodata_writer = kojinet</c> (our
/// default) the repodata comes from the metadata the hub stored at import
/// (<see cref="StoredRepodata"/>; no package file is read), reusing this builder's per tag and arch
/// cache of rendered XML; with <c>createrepo_c</c> it runs <c>createrepo_c</c> over the arch's
/// <c>pkglist</c>, reusing the old repo's repodata with <c>--update</c>. Either way hrefs are the
/// pkglist's, relative to the arch directory through <c>toplink</c>. When the tag has external repos
/// (as of the repo's create event) they are then merged in with mergerepo_c
/// (<see cref="ExternalRepoMerge"/>); <c>EMPTY_REPO</c> marks a repo with neither a pkglist nor
/// external repos.
/// </summary>
public sealed class CreaterepoHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["createrepo"];

    /// <inheritdoc/>
    public override double Weight => 1.5;

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var repoId = Values.Int(task.Arg(0, "repo_id"));
        var arch = Values.Str(task.Arg(1, "arch")) ?? throw new BuildErrorException("createrepo: no arch given");
        var oldRepo = task.Arg(2, "oldrepo") as IReadOnlyDictionary<string, object?>;
        var repo = Values.Dict(await task.CallAsync("repoInfo", [repoId], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }).ConfigureAwait(false));
        if (Values.IntOrNull(repo.Get("state")) != 0)
        {
            throw new BuildErrorException($"Repo {repoId} is not in INIT state");
        }
        var repos = Path.Combine(task.Options.TopDir, "repos");
        var repoDir = Path.Combine(repos, Values.Str(repo.Get("tag_name"))!, repoId.ToString(CultureInfo.InvariantCulture));
        var archDir = Path.Combine(repoDir, arch);
        if (!Directory.Exists(archDir))
        {
            if (!Directory.Exists(repos))
            {
                throw new RefuseTaskException($"{repos} is not a directory on this host");
            }
            throw new BuildErrorException($"Repo arch directory missing: {archDir}");
        }
        var pkglist = Path.Combine(archDir, "pkglist");
        var hasPkglist = File.Exists(pkglist) && new FileInfo(pkglist).Length > 0;
        var comps = Path.Combine(repoDir, "groups", "comps.xml");
        var output = Path.Combine(task.WorkDir, "repo");
        Directory.CreateDirectory(output);
        var log = Path.Combine(task.WorkDir, "createrepo.log");
        if (task.Options.RepodataWriter == "kojinet")
        {
            await WriteFromStoredMetadataAsync(task, repoId, arch, repo, output, File.Exists(comps) ? comps : null, log).ConfigureAwait(false);
        }
        else
        {
            await RunCreaterepoAsync(task, arch, oldRepo, repos, archDir, pkglist, hasPkglist, comps, output, log).ConfigureAwait(false);
        }
        var repodata = Path.Combine(output, "repodata");
        var external = await ExternalRepoMerge.ListForRepoAsync((method, args, kwargs, ct) => task.Session.CallAsync(method, args, kwargs, ct),
            repo, task.Cancellation).ConfigureAwait(false);
        if (external.Count > 0)
        {
            await MergeExternalReposAsync(task, repoId, arch, archDir, comps, external).ConfigureAwait(false);
        }
        else if (!hasPkglist)
        {
            await File.WriteAllTextAsync(Path.Combine(repodata, "EMPTY_REPO"), "This repo is empty because its tag has no content for this arch\n", task.Cancellation).ConfigureAwait(false);
        }
        var files = new List<object?>();
        foreach (var file in Directory.EnumerateFiles(repodata).Order(StringComparer.Ordinal))
        {
            await task.UploadAsync(file).ConfigureAwait(false);
            files.Add(Path.GetFileName(file));
        }
        return new List<object?> { task.UploadPath, files };
    }

    /// <summary>
    /// Merges the tag's external repos into <c>&lt;workdir&gt;/repo</c> (spec/kojira.md §8.2): the
    /// Koji repo moves to <c>repo_&lt;id&gt;_premerge</c> and mergerepo_c writes the merged repo in
    /// its place; <c>mergerepos.log</c> is uploaded whatever the outcome.
    /// </summary>
    private static async Task MergeExternalReposAsync(TaskContext task, int repoId, string arch, string archDir, string comps,
        IReadOnlyList<ExternalRepoSource> external)
    {
        var request = new ExternalRepoMergeRequest
        {
            WorkDir = task.WorkDir,
            RepoId = repoId,
            Arch = arch,
            BlocklistPath = Path.Combine(archDir, "blocklist"),
            CompsPath = comps,
            ExternalRepos = external,
        };
        var log = Path.Combine(task.WorkDir, ExternalRepoMerge.LogFileName);
        try
        {
            await new ExternalRepoMerge(logger: task.Logger).MergeAsync(request, task.Cancellation).ConfigureAwait(false);
        }
        finally
        {
            if (File.Exists(log))
            {
                await task.UploadAsync(log).ConfigureAwait(false);
            }
        }
    }

    private static async Task WriteFromStoredMetadataAsync(TaskContext task, int repoId, string arch, IReadOnlyDictionary<string, object?> repo,
        string output, string? comps, string log)
    {
        var tagId = Values.Int(repo.Get("tag_id"));
        var cacheFile = StoredRepodata.CacheFile(task.Options.EffectiveRepodataCacheDir, tagId, arch, repo.Get("custom_opts") as IReadOnlyDictionary<string, object?>);
        var writer = new StreamWriter(log, append: true);
        await using (writer.ConfigureAwait(false))
        {
            try
            {
                await StoredRepodata.WriteAsync((method, args, ct) => task.Session.CallAsync(method, args, null, ct),
                    repoId, arch, output, comps, cacheFile, writer, task.Cancellation).ConfigureAwait(false);
            }
            catch (Exception e) when (e is RepodataException or XmlRpc.XmlRpcFaultException)
            {
                await writer.WriteLineAsync(e.Message).ConfigureAwait(false);
                await writer.DisposeAsync().ConfigureAwait(false);
                await task.UploadAsync(log).ConfigureAwait(false);
                throw new BuildErrorException($"repodata for repo {repoId} ({arch}) from stored metadata failed: {e.Message}");
            }
        }
        await task.UploadAsync(log).ConfigureAwait(false);
    }

    private static async Task RunCreaterepoAsync(TaskContext task, string arch, IReadOnlyDictionary<string, object?>? oldRepo, string repos,
        string archDir, string pkglist, bool hasPkglist, string comps, string output, string log)
    {
        var args = new List<string> { "--error-exit-val", "-vd", "-o", output };
        if (hasPkglist)
        {
            args.AddRange(["-i", pkglist]);
        }
        if (File.Exists(comps))
        {
            args.AddRange(["-g", comps]);
        }
        if (hasPkglist && oldRepo is not null && task.Options.CreaterepoUpdate)
        {
            var oldData = Path.Combine(repos, Values.Str(oldRepo.Get("tag_name"))!, Values.Str(oldRepo.Get("id"))!, arch, "repodata");
            if (Directory.Exists(oldData))
            {
                CopyDirectory(oldData, Path.Combine(output, "repodata"));
                File.Delete(Path.Combine(output, "repodata", "pkgorigins.gz"));
                args.Add("--update");
                if (task.Options.CreaterepoSkipStat)
                {
                    args.Add("--skip-stat");
                }
            }
        }
        args.Add(hasPkglist ? archDir : output);
        var exit = await RunAsync(task.Options.UseCreaterepoC ? "createrepo_c" : "createrepo", args, log, task.Cancellation).ConfigureAwait(false);
        var logs = await task.UploadAsync(log).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new BuildErrorException(string.Create(CultureInfo.InvariantCulture, $"createrepo_c failed with exit code {exit}; see {logs}"));
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }

    private static async Task<int> RunAsync(string program, IReadOnlyList<string> args, string logPath, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var process = Process.Start(psi) ?? throw new BuildErrorException($"cannot start {program}");
        var log = new StreamWriter(logPath, append: true);
        await using (log.ConfigureAwait(false))
        {
            await log.WriteLineAsync($"$ {program} {string.Join(' ', args)}").ConfigureAwait(false);
            var stdout = process.StandardOutput.ReadToEndAsync(ct);
            var stderr = process.StandardError.ReadToEndAsync(ct);
            try
            {
                await process.WaitForExitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }
            await log.WriteAsync(await stdout.ConfigureAwait(false)).ConfigureAwait(false);
            await log.WriteAsync(await stderr.ConfigureAwait(false)).ConfigureAwait(false);
        }
        return process.ExitCode;
    }
}
