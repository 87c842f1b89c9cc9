using System.Globalization;

namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>chainbuild(srcs, target, opts=None)</c> (§10.1): builds levels of sources one after the
/// other; before each level after the first, waits for a repo of the build tag containing the
/// builds of the previous levels. NVR entries are not built, only waited for.
/// </summary>
public sealed class ChainBuildHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["chainbuild"];

    /// <inheritdoc/>
    public override double Weight => 0.1;

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var levels = Values.List(task.Arg(0, "srcs")).Select(Values.List).ToList();
        var target = task.Arg(1, "target");
        var opts = Values.Dict(task.Arg(2, "opts"));
        if (Values.Truthy(opts.Get("scratch")))
        {
            throw new BuildErrorException("--scratch is not allowed with chain builds");
        }
        var targetInfo = Values.Dict(await task.CallAsync("getBuildTarget", [target], new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true }).ConfigureAwait(false));
        var buildTagName = Values.Str(targetInfo.Get("build_tag_name"));
        var builtNvrs = new List<string>();
        for (var level = 0; level < levels.Count; level++)
        {
            var sources = levels[level].Select(s => Values.Str(s)!).ToList();
            var nvrsHere = sources.Where(s => !Scm.ScmUrl.IsScmUrl(s)).ToList();
            var waitNvrs = builtNvrs.Concat(nvrsHere).ToList();
            if (waitNvrs.Count > 0)
            {
                var wait = await task.SubtaskAsync("waitrepo", [buildTagName, null, waitNvrs], label: string.Create(CultureInfo.InvariantCulture, $"wait {level}")).ConfigureAwait(false);
                await task.WaitAsync([wait], all: true, failAny: true).ConfigureAwait(false);
            }
            var builds = new List<int>();
            var index = 0;
            foreach (var src in sources.Where(Scm.ScmUrl.IsScmUrl))
            {
                builds.Add(await task.SubtaskAsync("build", [src, target, opts], label: string.Create(CultureInfo.InvariantCulture, $"build {level},{index++}")).ConfigureAwait(false));
            }
            if (builds.Count == 0)
            {
                continue;
            }
            await task.WaitAsync(builds, all: true, failAny: true).ConfigureAwait(false);
            foreach (var child in builds)
            {
                var made = Values.List(await task.CallAsync("listBuilds", [], new Dictionary<string, object?>(StringComparer.Ordinal) { ["taskID"] = child }).ConfigureAwait(false));
                builtNvrs.AddRange(made.Select(b => Values.Str(Values.Dict(b).Get("nvr"))!));
            }
        }
        return null;
    }
}
