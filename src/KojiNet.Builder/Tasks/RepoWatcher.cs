using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tasks;

/// <summary>
/// Finds or waits for a buildroot repo of a tag (spec/builder.md §10.2 step 5 and §10.6): first
/// until the given NVRs are tagged, then a <c>repo.request</c> and <c>repo.checkRequest</c> polls
/// until the hub reports a repo that is new enough.
/// </summary>
public sealed class RepoWatcher(TaskContext task, IReadOnlyDictionary<string, object?> tag, object? minEvent = null,
    IReadOnlyList<string>? nvrs = null, IReadOnlyDictionary<string, object?>? opts = null)
{
    /// <summary>
    /// The first pause between two questions to the hub: a repo is often ready within a second
    /// of the request, so the watcher asks again soon and backs off (×1.5) up to <see cref="Pause"/>.
    /// </summary>
    public static TimeSpan FirstPause { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest pause between two questions to the hub (kojid waits 60 s; the calls are cheap).</summary>
    public static TimeSpan Pause { get; set; } = TimeSpan.FromSeconds(2);

    private TimeSpan _pause = FirstPause;

    /// <summary>How long to wait at most (kojid: 120 minutes).</summary>
    public static TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(120);

    private object? _minEvent = minEvent;

    private int TagId => Values.Int(tag.Get("id"));

    private string TagName => Values.Str(tag.Get("name")) ?? "";

    /// <summary>A repo the hub has ready now (after the NVRs are tagged, if any), or null without waiting for a new one.</summary>
    public async Task<IReadOnlyDictionary<string, object?>?> TryGetAsync()
    {
        if (nvrs is { Count: > 0 })
        {
            return null;
        }
        var reply = Values.Dict(await RequestAsync().ConfigureAwait(false));
        return reply.Get("repo") is IReadOnlyDictionary<string, object?> repo && await IsValidAsync(repo).ConfigureAwait(false) ? repo : null;
    }

    /// <summary>Waits for the NVRs, requests a repo and waits until it is ready.</summary>
    public async Task<IReadOnlyDictionary<string, object?>> WaitAsync()
    {
        var deadline = DateTime.UtcNow + Timeout;
        if (nvrs is { Count: > 0 })
        {
            await WaitForBuildsAsync(deadline).ConfigureAwait(false);
            _minEvent = await task.CallAsync("tagLastChangeEvent", TagId).ConfigureAwait(false);
        }
        var reply = Values.Dict(await RequestAsync().ConfigureAwait(false));
        while (true)
        {
            if (reply.Get("repo") is IReadOnlyDictionary<string, object?> repo && await IsValidAsync(repo).ConfigureAwait(false))
            {
                return repo;
            }
            var request = Values.Dict(reply.Get("request"));
            if (request.Count > 0 && !Values.Truthy(request.Get("active")) && reply.Get("repo") is null)
            {
                throw new BuildErrorException($"Repo request {Values.Str(request.Get("id"))} for {TagName} is no longer active");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new BuildErrorException($"Timed out waiting for a repo of {TagName}");
            }
            await NextPauseAsync().ConfigureAwait(false);
            reply = request.Count > 0
                ? Values.Dict(await task.CallAsync("repo.checkRequest", request.Get("id")).ConfigureAwait(false))
                : Values.Dict(await RequestAsync().ConfigureAwait(false));
        }
    }

    private async Task NextPauseAsync()
    {
        var pause = _pause < Pause ? _pause : Pause;
        _pause = TimeSpan.FromTicks((long)(pause.Ticks * 1.5));
        await Task.Delay(pause, task.Cancellation).ConfigureAwait(false);
    }

    private Task<object?> RequestAsync()
    {
        var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal) { ["min_event"] = _minEvent };
        if (opts is not null)
        {
            kwargs["opts"] = opts;
        }
        return task.CallAsync("repo.request", [TagId], kwargs);
    }

    private async Task<bool> IsValidAsync(IReadOnlyDictionary<string, object?> repo)
    {
        if (Values.IntOrNull(repo.Get("tag_id")) != TagId)
        {
            return false;
        }
        if (_minEvent is int or long && Values.Int(repo.Get("create_event")) < Values.Int(_minEvent))
        {
            return false;
        }
        return nvrs is not { Count: > 0 } || await BuildsTaggedAsync(Values.Int(repo.Get("create_event"))).ConfigureAwait(false);
    }

    private async Task WaitForBuildsAsync(DateTime deadline)
    {
        while (!await BuildsTaggedAsync(null).ConfigureAwait(false))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new BuildErrorException($"Timed out waiting for {string.Join(", ", nvrs!)} to be tagged into {TagName}");
            }
            await NextPauseAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> BuildsTaggedAsync(int? atEvent)
    {
        foreach (var nvr in nvrs!)
        {
            var parsed = Rpm.Versions.Nvr.Parse(nvr);
            var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal) { ["inherit"] = true, ["package"] = parsed.Name, ["event"] = atEvent };
            var tagged = Values.List(await task.CallAsync("listTagged", [TagId], kwargs).ConfigureAwait(false)).Select(Values.Dict);
            if (!tagged.Any(b => Values.Str(b.Get("version")) == parsed.Version && Values.Str(b.Get("release")) == parsed.Release))
            {
                return false;
            }
        }
        return true;
    }
}
