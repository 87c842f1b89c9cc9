using System.Globalization;
using KojiNet.Hub.Scheduling;

namespace KojiNet.Hub.Tests.Scheduling;

/// <summary>
/// The scheduler's choices (spec/api-host.md §3.3) as a table: hosts, free and active tasks,
/// refusals → the assignments. Notation:
/// host <c>id:arches:channels:capacity:maxjobs:ready</c> (arches and channels comma-separated, ready y/n);
/// free task <c>id:channel:arch:weight</c> (listed in priority order);
/// active task <c>id:host:weight[:w]</c> (<c>w</c> = waiting);
/// refusal <c>task:host</c>; result <c>task&gt;host</c>.
/// </summary>
public sealed class SchedulePlannerTests
{
    public static TheoryData<string, string, string, string, string, string> Cases => new()
    {
        // name, hosts, free, active, refusals, expected
        { "arch bins: each task to a host with its arch", "1:x86_64:1:2:15:y 2:aarch64:1:2:15:y", "10:1:aarch64:1 11:1:x86_64:1", "", "", "10>2 11>1" },
        { "noarch fits every host; ties go to the lower id", "1:x86_64:1:2:15:y 2:aarch64:1:2:15:y", "10:1:noarch:1", "", "", "10>1" },
        { "arches are compared literally (i686 is not i386)", "1:i386:1:2:15:y", "10:1:i686:1", "", "", "" },
        { "no host in the task's channel", "1:x86_64:1:2:15:y", "10:2:x86_64:1", "", "", "" },
        { "channels route tasks", "1:x86_64:1:2:15:y 2:x86_64:2:2:15:y", "10:2:x86_64:1 11:1:x86_64:1", "", "", "10>2 11>1" },
        { "hosts that are not ready get nothing", "1:x86_64:1:2:15:n 2:x86_64:1:2:15:y", "10:1:x86_64:1", "", "", "10>2" },
        { "a full host takes nothing more", "1:x86_64:1:2:15:y", "10:1:x86_64:1", "20:1:1 21:1:1", "", "" },
        { "waiting tasks do not count as load", "1:x86_64:1:2:15:y", "10:1:x86_64:1", "20:1:1:w 21:1:1:w", "", "10>1" },
        { "waiting tasks count towards maxjobs", "1:x86_64:1:2:2:y", "10:1:x86_64:1", "20:1:1:w 21:1:1:w", "", "" },
        { "maxjobs limits the number of tasks", "1:x86_64:1:10:2:y", "10:1:x86_64:0.1 11:1:x86_64:0.1 12:1:x86_64:0.1", "", "", "10>1 11>1" },
        { "overcommit: a heavy task fits any spare capacity above weight-5", "1:x86_64:1:2:15:y 2:x86_64:1:2:15:y", "10:1:x86_64:6", "20:2:0.5", "", "10>1" },
        { "overcommit: not when the spare capacity is below weight-5", "1:x86_64:1:2:15:y", "10:1:x86_64:7", "20:1:0.5", "", "" },
        { "load fills up within one pass", "1:x86_64:1:2:15:y", "10:1:x86_64:1 11:1:x86_64:1 12:1:x86_64:1", "", "", "10>1 11>1" },
        { "equal hosts share the work", "1:x86_64:1:4:15:y 2:x86_64:1:4:15:y", "10:1:x86_64:1 11:1:x86_64:1 12:1:x86_64:1 13:1:x86_64:1", "", "", "10>1 11>2 12>1 13>2" },
        { "the less loaded host wins", "1:x86_64:1:4:15:y 2:x86_64:1:4:15:y", "10:1:x86_64:1", "20:1:1.5", "", "10>2" },
        { "a refusal excludes the host", "1:x86_64:1:2:15:y 2:x86_64:1:2:15:y", "10:1:x86_64:1", "", "10:1", "10>2" },
        { "refused everywhere: stays free", "1:x86_64:1:2:15:y", "10:1:x86_64:1", "", "10:1", "" },
        { "demand: the host only some tasks can use is kept for them", "1:x86_64,aarch64:1:4:15:y 2:x86_64:1:4:15:y", "11:1:x86_64:1 10:1:aarch64:1", "", "", "11>2 10>1" },
        { "priority order: the first task gets the scarce host", "1:x86_64:1:2:1:y", "10:1:x86_64:1 11:1:x86_64:1", "", "", "10>1" },
        { "a host in several channels serves each", "1:x86_64:1,2:4:15:y", "10:1:x86_64:1 11:2:noarch:1", "", "", "10>1 11>1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void PlansAssignments(string name, string hosts, string free, string active, string refusals, string expected)
    {
        _ = name;
        var plan = SchedulePlanner.Plan(
            Split(free).Select(ParseFree).ToList(),
            Split(active).Select(ParseActive).ToList(),
            Split(hosts).Select(ParseHost).ToList(),
            Split(refusals).Select(r => r.Split(':')).GroupBy(p => Int(p[0])).ToDictionary(g => g.Key, g => g.Select(p => Int(p[1])).ToHashSet()),
            capacityOvercommit: 5);
        Assert.Equal(expected, string.Join(" ", plan.Select(a => $"{a.TaskId}>{a.HostId}")));
    }

    [Fact]
    public void HostBinsAreChannelArchPairsWithNoarch()
    {
        var host = new SchedulerHost { Id = 1, Arches = "x86_64 i686", Channels = [1, 3] };
        Assert.Equal(["1:x86_64", "1:i686", "1:noarch", "3:x86_64", "3:i686", "3:noarch"], host.Bins());
    }

    [Theory]
    [InlineData("{\"maxjobs\": 3, \"methods\": []}", 3)]
    [InlineData("{\"methods\": []}", null)]
    [InlineData("{\"maxjobs\": \"many\"}", null)]
    [InlineData("not json", null)]
    [InlineData(null, null)]
    public void MaxJobsComesFromHostData(string? json, int? expected) => Assert.Equal(expected, SchedulerPass.MaxJobsOf(json));

    private static string[] Split(string s) => s.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);

    private static double Num(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    private static SchedulerHost ParseHost(string spec)
    {
        var p = spec.Split(':');
        return new SchedulerHost
        {
            Id = Int(p[0]),
            Name = "h" + p[0],
            Arches = p[1].Replace(',', ' '),
            Channels = p[2].Split(',').Select(Int).ToList(),
            Capacity = Num(p[3]),
            MaxJobs = Int(p[4]),
            Ready = p[5] == "y",
        };
    }

    private static SchedulerTask ParseFree(string spec)
    {
        var p = spec.Split(':');
        return new SchedulerTask { Id = Int(p[0]), State = 0, ChannelId = Int(p[1]), Arch = p[2], Weight = Num(p[3]), Priority = 20 };
    }

    private static SchedulerTask ParseActive(string spec)
    {
        var p = spec.Split(':');
        return new SchedulerTask { Id = Int(p[0]), State = 1, HostId = Int(p[1]), Weight = Num(p[2]), Waiting = p.Length > 3 && p[3] == "w", ChannelId = 1, Arch = "noarch" };
    }
}
