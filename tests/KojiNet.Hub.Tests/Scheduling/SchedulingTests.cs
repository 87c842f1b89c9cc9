using System.Globalization;
using System.Text.Json;
using KojiNet.Hub.Data;
using KojiNet.Hub.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;
using static KojiNet.Hub.Tests.Tasks.TaskTestSupport;

namespace KojiNet.Hub.Tests.Scheduling;

/// <summary>
/// The scheduler in a running hub: its choices with real hosts (channels, arches, capacity,
/// maxjobs from host data, refusals, automatic arch refusals, manual assignment) and its
/// event-driven delivery: a builder's long-poll wakes as soon as a task is created.
/// </summary>
public abstract class SchedulingTests<THub>(THub hub, ITestOutputHelper output) : IClassFixture<THub> where THub : HubFixture
{
    protected THub Fixture => hub;

    protected ITestOutputHelper Output => output;

    [Fact]
    public void TasksGoToReadyHostsOfTheirChannelAndArchWithinCapacity()
    {
        var r = Run(hub, """
            bs = setup_channel("sc", {"sc-x86": ["x86_64"], "sc-arm": ["aarch64"], "sc-off": ["x86_64"]})
            x86, arm, off = bs["sc-x86"], bs["sc-arm"], bs["sc-off"]
            s.call("disableHost", "sc-off")
            off.check_in()
            s.call("editHost", "sc-x86", capacity=10.0)
            x86.check_in(maxjobs=2)
            arm.check_in()
            mk = lambda arch, **kw: s.call("makeTask", "sleep", [1], channel="sc", arch=arch, **kw)
            t_arm = mk("aarch64")
            t_x1 = mk("x86_64"); t_x2 = mk("x86_64"); t_x3 = mk("x86_64")
            t_i686 = mk("i686")
            wait_for(lambda: info(t_arm)["state"] == 4 and info(t_x2)["state"] == 4)
            s.call("scheduler.doRun", True)
            out = {"ids": {"x86": x86.id, "arm": arm.id, "off": off.id}}
            out["tasks"] = {name: [info(t)["state"], info(t)["host_id"]] for name, t in
                            (("arm", t_arm), ("x1", t_x1), ("x2", t_x2), ("x3", t_x3), ("i686", t_i686))}
            # maxjobs 2 reached on x86 (from its host data); a finished task makes room at once
            x86.take(t_x1); x86.close(t_x1)
            wait_for(lambda: info(t_x3)["state"] == 4)
            out["x3_after"] = info(t_x3)["host_id"]
            # the other channel's host does not take this channel's tasks
            s.call("addChannel", "sc-2")
            t_other = s.call("makeTask", "sleep", [1], channel="sc-2", arch="noarch")
            s.call("scheduler.doRun", True)
            out["other_channel"] = info(t_other)["state"]
            # a disabled channel's tasks are not scheduled
            s.call("addHostToChannel", "sc-arm", "sc-2")
            s.call("disableChannel", "sc-2")
            s.call("scheduler.doRun", True)
            out["disabled_channel"] = info(t_other)["state"]
            s.call("enableChannel", "sc-2")
            s.call("scheduler.doRun", True)
            out["enabled_channel"] = [info(t_other)["state"], info(t_other)["host_id"]]
            # manual assignment, with and without override
            t_m = mk("i686")
            out["assign"] = s.call("assignTask", t_m, "sc-arm")
            out["assign_again"] = s.call("assignTask", t_m, "sc-x86")
            out["assign_force"] = s.call("assignTask", t_m, "sc-x86", force=True)
            out["assigned_m"] = info(t_m)["host_id"]
            out["override"] = s.call("assignTask", t_m, "sc-arm", True, True)
            out["runs_m"] = anon.call("scheduler.getTaskRuns", [["task_id", t_m], ["active", True]])
            out["log_m"] = [m["msg"] for m in anon.call("scheduler.getLogMessages", [["task_id", t_m]], None, {"order": "id"})]
            out["free_m"] = s.call("freeTask", t_m)
            out["freed_m"] = [info(t_m)["state"], info(t_m)["host_id"]]
            emit(out)
            """, "sc-x86", "sc-arm", "sc-off");
        var ids = r.GetProperty("ids");
        int Id(string n) => ids.GetProperty(n).GetInt32();
        var tasks = r.GetProperty("tasks");
        Assert.Equal($"[4,{Id("arm")}]", tasks.GetProperty("arm").GetRawText());
        Assert.Equal($"[4,{Id("x86")}]", tasks.GetProperty("x1").GetRawText());
        Assert.Equal($"[4,{Id("x86")}]", tasks.GetProperty("x2").GetRawText());
        Assert.Equal("[0,null]", tasks.GetProperty("x3").GetRawText());
        Assert.Equal("[0,null]", tasks.GetProperty("i686").GetRawText());
        Assert.Equal(Id("x86"), r.GetProperty("x3_after").GetInt32());
        Assert.Equal(0, r.GetProperty("other_channel").GetInt32());
        Assert.Equal(0, r.GetProperty("disabled_channel").GetInt32());
        Assert.Equal($"[4,{Id("arm")}]", r.GetProperty("enabled_channel").GetRawText());
        Assert.True(r.GetProperty("assign").GetBoolean());
        Assert.False(r.GetProperty("assign_again").GetBoolean());
        Assert.True(r.GetProperty("assign_force").GetBoolean());
        Assert.Equal(Id("x86"), r.GetProperty("assigned_m").GetInt32());
        Assert.True(r.GetProperty("override").GetBoolean());
        Assert.Equal(0, r.GetProperty("runs_m").GetArrayLength());
        Assert.Equal(["Assigning task", "Assignment failed", "Assigning task", "Assigning task (override)"],
            r.GetProperty("log_m").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("[0,null]", r.GetProperty("freed_m").GetRawText());
    }

    [Fact]
    public void RefusedTasksGoElsewhere()
    {
        var r = Run(hub, """
            bs = setup_channel("rf", {"rf-b1": ["x86_64"], "rf-b2": ["x86_64"]})
            b1, b2 = bs["rf-b1"], bs["rf-b2"]
            b1.check_in()
            tid = a.call("build", "x", "t", None, channel="rf")
            wait_for(lambda: info(tid)["state"] == 4)
            out = {"b1": b1.id, "b2": b2.id, "first": info(tid)["host_id"]}
            out["refuse"] = b1.call("host.refuseTask", tid, msg="busy")
            s.call("scheduler.doRun", True)
            out["after_refuse"] = [info(tid)["state"], info(tid)["host_id"]]
            out["refusals"] = anon.call("scheduler.getTaskRefusals", [["task_id", tid]], "*")
            b2.check_in()
            wait_for(lambda: info(tid)["host_id"] == b2.id)
            b2.take(tid)
            out["hard"] = b2.call("host.refuseTask", tid, False, "no handler for method")
            s.call("scheduler.doRun", True)
            out["after_hard"] = [info(tid)["state"], info(tid)["host_id"]]
            out["refusals2"] = sorted([r["host_id"], r["soft"], r["by_host"], r["msg"]] for r in anon.call("scheduler.getTaskRefusals", [["task_id", tid]]))
            # a refusal of a task that is not (any more) the host's changes nothing
            s.call("addChannel", "rf-none")
            t2 = a.call("build", "y", "t", None, channel="rf-none")
            out["unrelated"] = b1.call("host.refuseTask", t2)
            out["unrelated_refusals"] = anon.call("scheduler.getTaskRefusals", [["task_id", t2]])
            emit(out)
            """, "rf-b1", "rf-b2");
        var b1 = r.GetProperty("b1").GetInt32();
        var b2 = r.GetProperty("b2").GetInt32();
        Assert.Equal(b1, r.GetProperty("first").GetInt32());
        Assert.Equal("[0,null]", r.GetProperty("after_refuse").GetRawText());
        var refusal = Assert.Single(r.GetProperty("refusals").EnumerateArray());
        Assert.Equal(b1, refusal.GetProperty("host_id").GetInt32());
        Assert.True(refusal.GetProperty("soft").GetBoolean());
        Assert.True(refusal.GetProperty("by_host").GetBoolean());
        Assert.Equal("busy", refusal.GetProperty("msg").GetString());
        Assert.Equal("rf-b1", refusal.GetProperty("host_name").GetString());
        Assert.Equal("build", refusal.GetProperty("method").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("hard").ValueKind);
        Assert.Equal("[0,null]", r.GetProperty("after_hard").GetRawText());
        Assert.Equal($"[[{b1},true,true,\"busy\"],[{b2},false,true,\"no handler for method\"]]", r.GetProperty("refusals2").GetRawText());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("unrelated").ValueKind);
        Assert.Equal("[]", r.GetProperty("unrelated_refusals").GetRawText());
    }

    [Fact]
    public void NoarchBuildTasksAreRefusedByHostsWithoutTheTagsArches()
    {
        var r = Run(hub, """
            bs = setup_channel("aa", {"aa-x86": ["x86_64"], "aa-arm": ["aarch64"], "aa-i686": ["i686"]})
            s.call("createTag", "aa-build", arches="x86_64 i386")
            tid = s.call("makeTask", "buildSRPMFromSCM", ["git+https://example.com/p.git#1", "aa-build", {}], channel="aa")
            out = {"ids": {n: b.id for n, b in bs.items()}}
            out["refusals"] = sorted([r["host_id"], r["soft"], r["by_host"], r["msg"]] for r in anon.call("scheduler.getTaskRefusals", [["task_id", tid]]))
            bs["aa-arm"].check_in()
            s.call("scheduler.doRun", True)
            out["arm_only"] = info(tid)["state"]
            bs["aa-i686"].check_in()
            wait_for(lambda: info(tid)["state"] == 4)
            out["host"] = info(tid)["host_id"]
            a2 = s.call("makeTask", "buildArch", ["p.src.rpm", "aa-build", "x86_64", False, {}], channel="aa", arch="x86_64")
            out["arch_task_refusals"] = anon.call("scheduler.getTaskRefusals", [["task_id", a2]])
            n2 = s.call("makeTask", "buildSRPMFromSCM", ["url", "no-such-tag", {}], channel="aa")
            out["unknown_tag_refusals"] = anon.call("scheduler.getTaskRefusals", [["task_id", n2]])
            emit(out)
            """, "aa-x86", "aa-arm", "aa-i686");
        var ids = r.GetProperty("ids");
        var arm = ids.GetProperty("aa-arm").GetInt32();
        Assert.Equal($"[[{arm},false,false,\"automatic arch refusal\"]]", r.GetProperty("refusals").GetRawText());
        Assert.Equal(0, r.GetProperty("arm_only").GetInt32());
        Assert.Equal(ids.GetProperty("aa-i686").GetInt32(), r.GetProperty("host").GetInt32());
        Assert.Equal("[]", r.GetProperty("arch_task_refusals").GetRawText());
        Assert.Equal("[]", r.GetProperty("unknown_tag_refusals").GetRawText());
    }

    [Fact]
    public void LongPollWakesWhenABuildIsCreated()
    {
        var r = Run(hub, """
            b = setup_channel("lat", {"lat-b1": ["x86_64"]})["lat-b1"]
            b.check_in()
            sub = b.subsession()
            out = {"timeout": b.call("host.waitTasks", 0.2), "woke": [], "wake": [], "open": []}
            for i in range(50):
                box = {}
                def wait():
                    box["r"] = b.call("host.waitTasks", 30)
                    box["t"] = time.perf_counter()
                th = threading.Thread(target=wait)
                th.start()
                # Let the long-poll reach the hub first, so what is measured is its wake-up
                # (the result is the same either way: an assigned task answers at once).
                time.sleep(0.1)
                t0 = time.perf_counter()
                tid = a.call("build", "git+https://example.com/p.git#%d" % i, "t", None, channel="lat")
                th.join()
                out["woke"].append(box["r"])
                out["wake"].append(box["t"] - t0)
                tasks = sub.call("host.getTasks")
                sub.call("host.openTask", tasks[0]["id"])
                out["open"].append(time.perf_counter() - t0)
                b.close(tid)
            emit(out)
            """, "lat-b1");
        Assert.False(r.GetProperty("timeout").GetBoolean());
        Assert.All(r.GetProperty("woke").EnumerateArray(), w => Assert.True(w.GetBoolean()));
        Report("long-poll wake after build", r.GetProperty("wake"));
        Report("build to task OPEN", r.GetProperty("open"));
    }

    private void Report(string what, JsonElement seconds)
    {
        var ms = seconds.EnumerateArray().Select(x => x.GetDouble() * 1000).Order().ToList();
        double P(double q) => ms[(int)Math.Min(ms.Count - 1, Math.Floor(q * ms.Count))];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{hub.Engine} {what}: n={ms.Count} min={ms[0]:F1} p50={P(0.5):F1} p90={P(0.9):F1} max={ms[^1]:F1} ms"));
    }
}

public sealed class SqliteSchedulingTests(SqliteHub hub, ITestOutputHelper output) : SchedulingTests<SqliteHub>(hub, output);

public sealed class PostgresSchedulingTests(PostgresHub hub, ITestOutputHelper output) : SchedulingTests<PostgresHub>(hub, output)
{
    [Fact]
    public async Task TaskChangesAreNotifiedInTheTransaction()
    {
        await using var listener = new NpgsqlConnection(Fixture.Hub.Config.Database.DBConnectionString);
        await listener.OpenAsync();
        var payloads = new List<string>();
        listener.Notification += (_, e) =>
        {
            lock (payloads)
            {
                payloads.Add(e.Payload);
            }
        };
        await using (var cmd = new NpgsqlCommand("LISTEN kojinet_tasks", listener))
        {
            await cmd.ExecuteNonQueryAsync();
        }
        var fault = Run(Fixture, """
            s.call("addChannel", "nt-ch")
            emit(F(lambda: a.call("build", 5, "t", None, channel="nt-ch")))
            """);
        AssertFault(fault, 1019);
        Run(Fixture, """a.call("build", "x", "t", None, channel="nt-ch")""");
        var expected = "s:" + Fixture.Hub.TaskSignals.InstanceId;
        bool Seen()
        {
            lock (payloads)
            {
                return payloads.Contains(expected);
            }
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!Seen())
        {
            await listener.WaitAsync(timeout.Token);
        }
        Assert.True(Seen());
    }

    [Fact]
    public async Task BuilderOnAnotherHubWakesThroughListenNotify()
    {
        // A second hub over the same database (hubs are stateless): the builder long-polls there.
        var second = HubServices.Create(Fixture.Hub.Config);
        var app = await HubHost.BuildAsync(second, ["https://127.0.0.1:0"]);
        await app.StartAsync();
        try
        {
            var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
                .Replace("127.0.0.1", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/kojihub";
            var r = Run(Fixture, $$"""
                s.call("addChannel", "mh")
                s.call("addHost", "mh-b1", ["x86_64"])
                s.call("addHostToChannel", "mh-b1", "mh")
                s.call("removeHostFromChannel", "mh-b1", "default")
                b = Builder("{{url}}", ca, pems["mh-b1"])
                b.check_in()
                out = {"woke": [], "wake": []}
                for i in range(10):
                    box = {}
                    def wait():
                        box["r"] = b.call("host.waitTasks", 30)
                        box["t"] = time.perf_counter()
                    th = threading.Thread(target=wait)
                    th.start()
                    time.sleep(0.1)
                    t0 = time.perf_counter()
                    tid = a.call("build", "x%d" % i, "t", None, channel="mh")
                    th.join()
                    out["woke"].append(box["r"])
                    out["wake"].append(box["t"] - t0)
                    b.take(tid); b.close(tid)
                emit(out)
                """, "mh-b1");
            Assert.All(r.GetProperty("woke").EnumerateArray(), w => Assert.True(w.GetBoolean()));
            var ms = r.GetProperty("wake").EnumerateArray().Select(x => x.GetDouble() * 1000).Order().ToList();
            Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"PostgreSql cross-hub long-poll wake: n={ms.Count} min={ms[0]:F1} p50={ms[ms.Count / 2]:F1} max={ms[^1]:F1} ms"));
        }
        finally
        {
            await app.StopAsync();
            await app.DisposeAsync();
            await second.DisposeAsync();
        }
    }
}

/// <summary>A hub whose clock the tests move, with a scheduler pass every second.</summary>
public abstract class SchedulerClockHub(DatabaseEngine engine) : HubFixture(engine)
{
    public Auth.ManualClock ManualClock { get; } = new();

    protected override TimeProvider? Clock => ManualClock;

    protected override string ExtraConfig => "SchedulerPassInterval = 1";
}

public sealed class SqliteSchedulerClockHub() : SchedulerClockHub(DatabaseEngine.Sqlite);

public sealed class PostgresSchedulerClockHub() : SchedulerClockHub(DatabaseEngine.PostgreSql);

/// <summary>
/// The scheduler's timeouts with a moved clock (spec/api-host.md §3.3): an OPEN task of a host
/// that stops checking in is freed after HostTimeout and runs elsewhere; an ASSIGNED task its
/// host saw and did not open is freed after AssignTimeout with a soft refusal.
/// </summary>
public abstract class SchedulerTimeoutTests<THub>(THub hub) : IClassFixture<THub> where THub : SchedulerClockHub
{
    [Fact]
    public void OpenTaskOfASilentHostRunsElsewhere()
    {
        var before = Run(hub, """
            bs = setup_channel("ht", {"ht-a": ["x86_64"], "ht-b": ["x86_64"]})
            bs["ht-a"].check_in()
            tid = a.call("build", "x", "t", None, channel="ht")
            wait_for(lambda: info(tid)["state"] == 4)
            bs["ht-a"].take(tid)
            emit({"tid": tid, "a": builder_state(bs["ht-a"]), "b": builder_state(bs["ht-b"])})
            """, "ht-a", "ht-b");
        // Fifteen minutes pass; only ht-b checks in afterwards.
        hub.ManualClock.Advance(TimeSpan.FromSeconds(901));
        var r = Run(hub, $$"""
            state = json.loads('{{before.GetRawText()}}')
            tid = state["tid"]
            ha = resume_builder(hub, ca, pems["ht-a"], state["a"])
            hb = resume_builder(hub, ca, pems["ht-b"], state["b"])
            hb.check_in()
            wait_for(lambda: info(tid)["host_id"] == hb.id and info(tid)["state"] == 4)
            out = {"a": ha.id, "b": hb.id}
            out["a_notices"] = ha.call("host.waitTasks", 5, [tid])
            out["a_close"] = F(lambda: ha.close(tid))
            out["a_ready"] = anon.call("getHost", "ht-a")["ready"]
            out["log"] = [[m["msg"], m["host_id"]] for m in anon.call("scheduler.getLogMessages", [["task_id", tid]])]
            out["host_log"] = [m["msg"] for m in anon.call("scheduler.getLogMessages", [["host_id", ha.id], ["task_id", None]])]
            hb.take(tid); hb.close(tid, "ok")
            out["result"] = anon.call("getTaskResult", tid)
            emit(out)
            """, "ht-a", "ht-b");
        var a = r.GetProperty("a").GetInt32();
        var b = r.GetProperty("b").GetInt32();
        Assert.True(r.GetProperty("a_notices").GetBoolean());
        AssertFault(r.GetProperty("a_close"), 1004);
        Assert.False(r.GetProperty("a_ready").GetBoolean());
        var log = r.GetProperty("log").EnumerateArray().Select(m => (m[0].GetString(), m[1].GetInt32())).ToList();
        Assert.Equal([("Assigning task", a), ("Freeing task from unresponsive host", a), ("Assigning task", b)], log);
        Assert.Contains("Marking host not ready: ht-a", r.GetProperty("host_log").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("ok", r.GetProperty("result").GetString());
    }

    [Fact]
    public void AssignedTaskNotOpenedInTimeIsRefusedAndReassigned()
    {
        var before = Run(hub, """
            bs = setup_channel("at", {"at-a": ["x86_64"], "at-b": ["x86_64"]})
            bs["at-a"].check_in()
            tid = a.call("build", "x", "t", None, channel="at")
            wait_for(lambda: info(tid)["state"] == 4)
            # it checks in again after the assignment: it has seen the task
            bs["at-a"].check_in()
            emit({"tid": tid, "a": builder_state(bs["at-a"]), "b": builder_state(bs["at-b"])})
            """, "at-a", "at-b");
        hub.ManualClock.Advance(TimeSpan.FromSeconds(301));
        var r = Run(hub, $$"""
            state = json.loads('{{before.GetRawText()}}')
            tid = state["tid"]
            ha = resume_builder(hub, ca, pems["at-a"], state["a"])
            hb = resume_builder(hub, ca, pems["at-b"], state["b"])
            hb.check_in()
            ha.check_in()
            wait_for(lambda: info(tid)["host_id"] == hb.id)
            out = {"a": ha.id, "b": hb.id}
            out["refusals"] = [[r["host_id"], r["soft"], r["by_host"], r["msg"]] for r in anon.call("scheduler.getTaskRefusals", [["task_id", tid]])]
            out["log"] = [m["msg"] for m in anon.call("scheduler.getLogMessages", [["task_id", tid]])]
            emit(out)
            """, "at-a", "at-b");
        var a = r.GetProperty("a").GetInt32();
        Assert.Equal($"[[{a},true,false,\"assignment timeout\"]]", r.GetProperty("refusals").GetRawText());
        Assert.Equal(["Assigning task", "Assignment timeout", "Host refused task: assignment timeout", "Assigning task"],
            r.GetProperty("log").EnumerateArray().Select(m => m.GetString()));
    }
}

public sealed class SqliteSchedulerTimeoutTests(SqliteSchedulerClockHub hub) : SchedulerTimeoutTests<SqliteSchedulerClockHub>(hub);

public sealed class PostgresSchedulerTimeoutTests(PostgresSchedulerClockHub hub) : SchedulerTimeoutTests<PostgresSchedulerClockHub>(hub);
