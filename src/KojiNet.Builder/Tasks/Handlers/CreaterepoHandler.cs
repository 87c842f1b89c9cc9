using System.Diagnostics;
using System.Globalization;

namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>createrepo(repo_id, arch, oldrepo)</c> (spec/kojira.md §8.1): runs <c>createrepo_c</c> over
/// the arch's <c>pkglist</c> (relative to <c>toplink</c>, so hrefs are Koji's), reusing the old
/// repo's repodata with <c>--update</c>, and uploads the result. Returns <c>[uploadpath, files]</c>.
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
        var log = Path.Combine(task.WorkDir, "createrepo.log");
        var exit = await RunAsync(task.Options.UseCreaterepoC ? "createrepo_c" : "createrepo", args, log, task.Cancellation).ConfigureAwait(false);
        var logs = await task.UploadAsync(log).ConfigureAwait(false);
        if (exit != 0)
        {
            throw new BuildErrorException(string.Create(CultureInfo.InvariantCulture, $"createrepo_c failed with exit code {exit}; see {logs}"));
        }
        var repodata = Path.Combine(output, "repodata");
        if (!hasPkglist)
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
