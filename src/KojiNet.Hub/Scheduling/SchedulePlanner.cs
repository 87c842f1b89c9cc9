namespace KojiNet.Hub.Scheduling;

/// <summary>An enabled host as the scheduler sees it.</summary>
internal sealed class SchedulerHost
{
    public int Id { get; init; }

    public string Name { get; init; } = "";

    /// <summary>The last check-in (<c>host.update_time</c>), epoch seconds.</summary>
    public double? UpdateTs { get; init; }

    /// <summary>The load the host reported (only compared, never used).</summary>
    public double TaskLoad { get; init; }

    public bool Ready { get; set; }

    public double Capacity { get; init; }

    /// <summary>The host's arches (space-separated, as configured).</summary>
    public string Arches { get; init; } = "";

    /// <summary>The enabled channels the host is in.</summary>
    public IReadOnlyList<int> Channels { get; init; } = [];

    /// <summary><c>maxjobs</c> from the host's data, else the hub's <c>MaxJobs</c>.</summary>
    public int MaxJobs { get; init; }

    /// <summary>The bins of the host: <c>channel:arch</c> for each channel × (arches + noarch).</summary>
    public IEnumerable<string> Bins()
    {
        var arches = Arches.Split(' ', StringSplitOptions.RemoveEmptyEntries).Append("noarch").Distinct(StringComparer.Ordinal).ToList();
        foreach (var channel in Channels)
        {
            foreach (var arch in arches)
            {
                yield return Bin(channel, arch);
            }
        }
    }

    public static string Bin(int channelId, string arch) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{channelId}:{arch}");
}

/// <summary>A FREE, ASSIGNED or OPEN task as the scheduler sees it.</summary>
internal sealed class SchedulerTask
{
    public int Id { get; init; }

    public int State { get; init; }

    public bool Waiting { get; init; }

    public double Weight { get; init; }

    public int ChannelId { get; init; }

    public int? HostId { get; init; }

    public string Arch { get; init; } = "";

    public string Method { get; init; } = "";

    public int Priority { get; init; }

    public double CreateTs { get; init; }

    public string Bin => SchedulerHost.Bin(ChannelId, Arch);
}

/// <summary>
/// The assignment algorithm of upstream's 1.34+ scheduler (spec/api-host.md §3.3 steps 2–6),
/// free of any I/O so its choices can be tested directly: bins, candidates (ready, under
/// <c>maxjobs</c>, enough capacity with the overcommit allowance, no refusal), demand, rank, and
/// the assignment of the free tasks in priority order to the lowest-ranked candidate that still
/// fits.
/// </summary>
internal static class SchedulePlanner
{
    private sealed class HostState(SchedulerHost host)
    {
        public SchedulerHost Host { get; } = host;

        public double Load { get; set; }

        public int NTasks { get; set; }

        public double Demand { get; set; }

        public double Rank => Load + NTasks + Demand;
    }

    /// <summary>
    /// Plans the assignments of <paramref name="free"/> (already in priority order: priority,
    /// then creation time). <paramref name="active"/> are the ASSIGNED and OPEN tasks (their load
    /// counts against their hosts; waiting tasks count as tasks but not as load).
    /// <paramref name="refusals"/> maps a task to the hosts that refused it. Returns (task, host)
    /// pairs in assignment order.
    /// </summary>
    public static List<(int TaskId, int HostId)> Plan(
        IReadOnlyList<SchedulerTask> free,
        IReadOnlyList<SchedulerTask> active,
        IReadOnlyList<SchedulerHost> hosts,
        IReadOnlyDictionary<int, HashSet<int>> refusals,
        int capacityOvercommit)
    {
        var states = new Dictionary<int, HostState>();
        var byBin = new Dictionary<string, List<HostState>>(StringComparer.Ordinal);
        foreach (var host in hosts.OrderBy(h => h.Id))
        {
            var state = new HostState(host);
            states[host.Id] = state;
            foreach (var bin in host.Bins().Distinct(StringComparer.Ordinal))
            {
                if (!byBin.TryGetValue(bin, out var list))
                {
                    byBin[bin] = list = [];
                }
                list.Add(state);
            }
        }
        foreach (var task in active)
        {
            if (task.HostId is { } hid && states.TryGetValue(hid, out var state))
            {
                if (!task.Waiting)
                {
                    state.Load += task.Weight;
                }
                state.NTasks++;
            }
        }

        bool Fits(HostState h, SchedulerTask t) =>
            h.NTasks < h.Host.MaxJobs && h.Host.Capacity - h.Load > Math.Max(0, t.Weight - capacityOvercommit);

        var candidates = new List<(SchedulerTask Task, List<HostState> Hosts)>();
        foreach (var task in free)
        {
            var refused = refusals.GetValueOrDefault(task.Id);
            var list = byBin.GetValueOrDefault(task.Bin)?
                .Where(h => h.Host.Ready && Fits(h, task) && refused?.Contains(h.Host.Id) != true)
                .ToList() ?? [];
            foreach (var h in list)
            {
                h.Demand += task.Weight / list.Count;
            }
            candidates.Add((task, list));
        }
        var total = states.Values.Sum(h => h.Demand);
        if (total > 0)
        {
            foreach (var h in states.Values)
            {
                h.Demand /= total;
            }
        }

        var result = new List<(int, int)>();
        foreach (var (task, list) in candidates)
        {
            // A stable sort: among equal ranks the lower host id wins.
            var chosen = list.OrderBy(h => h.Rank).FirstOrDefault(h => Fits(h, task));
            if (chosen is null)
            {
                continue;
            }
            result.Add((task.Id, chosen.Host.Id));
            chosen.Load += task.Weight;
            chosen.NTasks++;
        }
        return result;
    }
}
