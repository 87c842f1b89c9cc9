using KojiNet.Builder.Scm;

namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>buildSRPMFromSCM(url, build_tag, opts=None)</c> (spec/builder.md §14.3): checks the SCM URL
/// against <c>allowed_scms</c> (and the <c>build_from_scm</c> policy when configured), checks the
/// sources out, fetches the <c>sources</c> files from the lookaside with their hashes verified,
/// and builds the SRPM in a <c>srpm-build</c> buildroot.
/// </summary>
public sealed class BuildSrpmFromScmHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["buildSRPMFromSCM"];

    /// <inheritdoc/>
    public override Task<bool> CheckHostAsync(TaskContext task) => SrpmTaskHelpers.TagArchesMatchHostAsync(task, task.Arg(1, "build_tag"));

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var url = Values.Str(task.Arg(0, "url")) ?? throw new BuildErrorException("buildSRPMFromSCM: no url given");
        var opts = Values.Dict(task.Arg(2, "opts"));
        var scm = ScmUrl.Parse(url, task.Options.AllowPasswordInScmUrl);
        var channel = await ChannelNameAsync(task).ConfigureAwait(false);
        var access = await ScmPolicy.AssertAllowedAsync(scm,
            new ScmAccessOptions(task.Options.AllowedScms, task.Options.AllowedScmsUseConfig, task.Options.AllowedScmsUsePolicy),
            new ScmPolicyContext(task.Owner, channel, Values.Truthy(opts.Get("scratch"))),
            async (name, data, ct) => Values.Str(await task.Session.CallAsync("host.evalPolicy", [name, data], null, ct).ConfigureAwait(false)),
            task.Cancellation).ConfigureAwait(false);
        var (config, repoId) = await SrpmTaskHelpers.RepoAndConfigAsync(task, task.Arg(1, "build_tag"), opts).ConfigureAwait(false);
        var arch = Arches.FindArch("noarch", task.Host.Arches, Arches.Split(Values.Str(config.Get("arches"))));
        var credentials = task.Options.ScmCredentialsDir is { } dir && Directory.Exists(dir) ? new[] { (dir, "/credentials") } : [];
        await using var lease = await BuildrootLease.CreateAsync(task, Values.Str(config.Get("name"))!, repoId, arch, "srpm-build",
            Values.Dict(config.Get("extra")), network: true, bindMounts: credentials).ConfigureAwait(false);

        var checkoutLog = Path.Combine(task.WorkDir, GitCheckout.LogFileName);
        lease.WatchLog(checkoutLog);
        var scmRoot = Path.Combine(lease.Root.ScratchDir, "scmroot");
        Directory.CreateDirectory(scmRoot);
        var checkout = await new GitCheckout().CheckoutAsync(scm, scmRoot, access.UseCommon, checkoutLog, task.Cancellation).ConfigureAwait(false);
        var sourceDir = checkout.SourceDirectory;
        var sourcesDir = ScmSpecFile.GetSourcesDirectory(sourceDir, task.Options.SupportRpmSourceLayout);
        if (access.SourceCommand is { Count: > 0 } command)
        {
            if (task.Options.LookasideUrl is { } lookaside)
            {
                // The built-in lookaside step replaces `make sources`/`fedpkg sources`: same files, hashes verified here.
                var downloader = new LookasideDownloader(task.Host.Http, lookaside);
                await downloader.DownloadSourcesAsync(scm.CheckoutDirectoryName, Path.Combine(sourceDir, "sources"), sourcesDir, task.Cancellation).ConfigureAwait(false);
            }
            else
            {
                await lease.Root.RunCommandAsync(command, lease.Root.ToBuildrootPath(sourceDir), task.Cancellation).ConfigureAwait(false);
            }
        }
        var spec = ScmSpecFile.Find(sourceDir, task.Options.SupportRpmSourceLayout);
        ScmSpecFile.CheckSanity(spec);
        var srpm = await lease.Root.BuildSrpmAsync(spec, sourcesDir, task.Cancellation).ConfigureAwait(false);
        SrpmTaskHelpers.CheckSrpmName(srpm);
        var uploaded = await task.UploadAsync(srpm).ConfigureAwait(false);
        await lease.FlushLogsAsync().ConfigureAwait(false);
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["srpm"] = uploaded,
            ["logs"] = lease.UploadedLogs.Cast<object?>().ToList(),
            ["brootid"] = lease.Id,
            ["source"] = new Dictionary<string, object?>(StringComparer.Ordinal) { ["source"] = checkout.Source, ["url"] = url },
        };
    }

    private static async Task<string?> ChannelNameAsync(TaskContext task)
    {
        if (task.Info.Get("channel_id") is not { } channelId)
        {
            return null;
        }
        var channel = await task.CallAsync("getChannel", channelId).ConfigureAwait(false);
        return channel is IReadOnlyDictionary<string, object?> c ? Values.Str(c.Get("name")) : null;
    }
}
