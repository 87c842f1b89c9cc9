namespace KojiNet.Builder.Tasks.Handlers;

/// <summary>
/// <c>newRepo(tag, event=None, src=None, debuginfo=None, separate_src=None, opts=None)</c>
/// (spec/kojira.md §8): the hub lays out the repo (<c>host.repoInit</c>), one <c>createrepo</c>
/// subtask per arch writes its repodata, and <c>host.repoDone</c> makes it READY.
/// Returns <c>[repo_id, event_id]</c>.
/// </summary>
public sealed class NewRepoHandler : TaskHandler
{
    /// <inheritdoc/>
    public override IReadOnlyList<string> Methods => ["newRepo"];

    /// <inheritdoc/>
    public override double Weight => 0.1;

    /// <inheritdoc/>
    public override async Task<object?> RunAsync(TaskContext task)
    {
        var tagArg = task.Arg(0, "tag");
        var eventArg = task.Arg(1, "event");
        var opts = task.Arg(5, "opts") is IReadOnlyDictionary<string, object?> given ? new Dictionary<string, object?>(given, StringComparer.Ordinal) : null;
        var legacy = new[] { ("src", task.Arg(2, "src")), ("debuginfo", task.Arg(3, "debuginfo")), ("separate_src", task.Arg(4, "separate_src")) };
        if (legacy.Any(l => l.Item2 is not null))
        {
            if (opts is not null)
            {
                throw new BuildErrorException("newRepo: opts cannot be combined with src, debuginfo or separate_src");
            }
            opts = legacy.Where(l => l.Item2 is not null).ToDictionary(l => l.Item1, l => (object?)Values.Truthy(l.Item2), StringComparer.Ordinal);
        }
        var tag = Values.Dict(await task.CallAsync("getTag", [tagArg is IReadOnlyDictionary<string, object?> t ? t.Get("id") : tagArg],
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["strict"] = true, ["event"] = eventArg }).ConfigureAwait(false));
        if (!Directory.Exists(Path.Combine(task.Options.TopDir, "repos")))
        {
            throw new RefuseTaskException($"{Path.Combine(task.Options.TopDir, "repos")} is not a directory on this host");
        }
        var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal) { ["task_id"] = task.Id, ["event"] = eventArg, ["opts"] = opts };
        var init = Values.List(await task.CallAsync("host.repoInit", [tag.Get("id")], kwargs).ConfigureAwait(false));
        var repoId = Values.Int(init[0]);
        var eventId = init[1];
        var repoDir = Path.Combine(task.Options.TopDir, "repos", Values.Str(tag.Get("name"))!, repoId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var arches = Directory.EnumerateDirectories(repoDir)
            .Where(d => Path.GetFileName(d) != "groups" && File.Exists(Path.Combine(d, "pkglist")))
            .Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToList();

        object? oldRepo = null;
        if (task.Options.CreaterepoUpdate)
        {
            oldRepo = await task.CallAsync("getRepo", tag.Get("id")).ConfigureAwait(false);
        }
        var subtasks = new Dictionary<int, string>();
        foreach (var arch in arches)
        {
            subtasks[await task.SubtaskAsync("createrepo", [repoId, arch, oldRepo], label: arch, arch: "noarch").ConfigureAwait(false)] = arch;
        }
        var data = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (subtasks.Count > 0)
        {
            var results = await task.WaitAsync(subtasks.Keys.ToList(), all: true, failAny: true).ConfigureAwait(false);
            foreach (var (id, result) in results)
            {
                data[subtasks[id]] = result;
            }
        }
        await task.CallAsync("host.repoDone", repoId, data).ConfigureAwait(false);
        return new List<object?> { repoId, eventId };
    }
}
