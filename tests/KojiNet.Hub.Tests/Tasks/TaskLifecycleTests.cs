using System.Text.Json;
using static KojiNet.Hub.Tests.Tasks.TaskTestSupport;

namespace KojiNet.Hub.Tests.Tasks;

/// <summary>
/// The task lifecycle driven by a fake builder over Python's xmlrpc (spec/api-host.md §2, §4):
/// build → assigned → open → subtasks → wait/alert → close/fail → results, and the reads of
/// the client API on the way.
/// </summary>
public abstract class TaskLifecycleTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    [Fact]
    public void BuildTaskTreeRunsToItsResults()
    {
        var r = Run(hub, """
            b = setup_channel("lc", {"lc-b1": ["x86_64"]})["lc-b1"]
            out = {"host_id": b.id, "alice": a.call("getLoggedInUser")["id"]}
            out["hostinfo"] = b.call("host.getHost")
            out["enabled"] = b.call("host.isEnabled")
            b.check_in(maxjobs=4)
            out["hostdata"] = anon.call("scheduler.getHostData", b.id)
            src = "git+https://example.com/pkg.git#abc"
            tid = a.call("build", src, "lc-target", {"scratch": True}, channel="lc")
            out["tid"] = tid
            out["woke"] = b.call("host.waitTasks", 20)
            out["tasks"] = b.call("host.getTasks")
            out["info_req"] = anon.call("getTaskInfo", tid, request=True)
            out["opened"] = b.take(tid, weight=0.2)
            out["weight"] = info(tid)["weight"]
            sub = b.subsession()
            c1 = sub.call("host.subtask", "buildArch", ["cli-build/x.src.rpm", 7, "x86_64", True, {"repo_id": 3}], tid, label="x86_64", arch="x86_64")
            c1again = sub.call("host.subtask", "buildArch", [], tid, label="x86_64")
            c2 = sub.call("host.subtask2", tid, {"label": "srpm"}, "buildSRPMFromSCM", src, "lc-build", opts={"repo_id": 3})
            out["c"] = [c1, c1again, c2]
            out["children"] = anon.call("getTaskChildren", tid, request=True)
            sub.call("host.taskSetWait", tid, None)
            out["wait0"] = sub.call("host.taskWait", tid)
            wait_for(lambda: sorted(t["id"] for t in b.call("host.getTasks")) == sorted([c1, c2]))
            b.take(c1); b.take(c2)
            b.close(c1, {"rpms": ["x.rpm"], "brootid": 5})
            out["hosttasks"] = b.call("host.getHostTasks")
            out["wait1"] = sub.call("host.taskWait", tid)
            out["hosttasks2"] = b.call("host.getHostTasks")
            b.fail(c2, 1005, "BuildError: rpmbuild failed")
            out["results_fault"] = F(lambda: sub.call("host.taskWaitResults", tid, [c1, c2]))
            out["results"] = sub.call("host.taskWaitResults", tid, [c1, c2], canfail=[c2])
            out["results_all"] = sub.call("host.taskWaitResults", tid, None, canfail=[c2])
            out["waiting_after"] = info(tid)["waiting"]
            sub.call("host.closeTask", tid, xmlrpc.client.dumps((None,), methodresponse=True, allow_none=True))
            out["result_parent"] = anon.call("getTaskResult", tid)
            out["result_c1"] = anon.call("getTaskResult", c1)
            out["result_c2"] = F(lambda: anon.call("getTaskResult", c2))
            out["result_c2_noraise"] = anon.call("getTaskResult", c2, False)
            out["result_missing"] = F(lambda: anon.call("getTaskResult", 999999))
            out["final"] = [info(t)["state"] for t in (tid, c1, c2)]
            out["final_info"] = info(tid)
            out["finished"] = anon.call("taskFinished", tid)
            out["infos"] = [t and t["id"] for t in anon.call("getTaskInfo", [c2, 999999, tid])]
            out["info_strict"] = F(lambda: anon.call("getTaskInfo", 999999, strict=True))
            out["descendents"] = anon.call("getTaskDescendents", tid)
            out["list"] = anon.call("listTasks", {"parent": tid}, {"order": "-id"})
            out["list_decode"] = anon.call("listTasks", {"parent": tid, "decode": True}, {"order": "id"})
            out["count"] = anon.call("listTasks", {"parent": tid}, {"countOnly": True})
            out["request"] = anon.call("getTaskRequest", c2)
            out["hosttasks_end"] = b.call("host.getHostTasks")
            out["runs"] = anon.call("scheduler.getTaskRuns", [["task_id", "IN", [tid, c1, c2]]], ["task_id", "host_id", "active", "method"])
            out["log"] = [m["msg"] for m in anon.call("scheduler.getLogMessages", [["task_id", tid]])]
            emit(out)
            """, "lc-b1");
        var hostId = r.GetProperty("host_id").GetInt32();
        var alice = r.GetProperty("alice").GetInt32();
        var tid = r.GetProperty("tid").GetInt32();
        Assert.Equal(["arches", "capacity", "comment", "description", "enabled", "id", "name", "ready", "task_load", "update_ts", "user_id"],
            r.GetProperty("hostinfo").EnumerateObject().Select(p => p.Name));
        Assert.True(r.GetProperty("enabled").GetBoolean());
        var data = r.GetProperty("hostdata")[0];
        Assert.Equal(hostId, data.GetProperty("host_id").GetInt32());
        Assert.Equal(4, data.GetProperty("data").GetProperty("maxjobs").GetInt32());
        Assert.True(r.GetProperty("woke").GetBoolean());

        var assigned = Assert.Single(r.GetProperty("tasks").EnumerateArray());
        Assert.Equal(["arch", "channel_id", "create_ts", "host_id", "id", "method", "priority", "state"], assigned.EnumerateObject().Select(p => p.Name));
        Assert.Equal(tid, assigned.GetProperty("id").GetInt32());
        Assert.Equal(4, assigned.GetProperty("state").GetInt32());
        Assert.Equal("build", assigned.GetProperty("method").GetString());
        Assert.Equal("noarch", assigned.GetProperty("arch").GetString());
        Assert.Equal(20, assigned.GetProperty("priority").GetInt32());
        Assert.Equal(hostId, assigned.GetProperty("host_id").GetInt32());

        var infoReq = r.GetProperty("info_req");
        Assert.Equal("""["git+https://example.com/pkg.git#abc","lc-target",{"scratch":true}]""", infoReq.GetProperty("request").GetRawText());
        Assert.Equal(alice, infoReq.GetProperty("owner").GetInt32());
        var opened = r.GetProperty("opened");
        Assert.Equal(1, opened.GetProperty("state").GetInt32());
        Assert.Equal(hostId, opened.GetProperty("host_id").GetInt32());
        Assert.StartsWith("<?xml", opened.GetProperty("request").GetString());
        Assert.Contains("<methodName>build</methodName>", opened.GetProperty("request").GetString());
        Assert.NotEqual(JsonValueKind.Null, opened.GetProperty("start_ts").ValueKind);
        Assert.Equal(0.2, r.GetProperty("weight").GetDouble());

        var c = Ints(r.GetProperty("c"));
        Assert.Equal(c[0], c[1]);
        Assert.NotEqual(c[0], c[2]);
        var children = r.GetProperty("children").EnumerateArray().ToDictionary(x => x.GetProperty("id").GetInt32());
        Assert.Equal(2, children.Count);
        Assert.Equal("x86_64", children[c[0]].GetProperty("arch").GetString());
        Assert.Equal("x86_64", children[c[0]].GetProperty("label").GetString());
        Assert.Equal(19, children[c[0]].GetProperty("priority").GetInt32());
        Assert.Equal(alice, children[c[0]].GetProperty("owner").GetInt32());
        Assert.Equal(tid, children[c[0]].GetProperty("parent").GetInt32());
        Assert.Equal(infoReq.GetProperty("channel_id").GetInt32(), children[c[2]].GetProperty("channel_id").GetInt32());
        Assert.Equal("noarch", children[c[2]].GetProperty("arch").GetString());
        Assert.Equal("""["git+https://example.com/pkg.git#abc","lc-build",{"opts":{"repo_id":3},"__starstar":true}]""",
            children[c[2]].GetProperty("request").GetRawText());

        Assert.Equal($"[[],[{c[0]},{c[2]}]]", r.GetProperty("wait0").GetRawText());
        var parentEntry = r.GetProperty("hosttasks").EnumerateArray().Single(t => t.GetProperty("id").GetInt32() == tid);
        Assert.True(parentEntry.GetProperty("alert").GetBoolean());
        Assert.True(parentEntry.GetProperty("waiting").GetBoolean());
        Assert.Equal($"[[{c[0]}],[{c[2]}]]", r.GetProperty("wait1").GetRawText());
        Assert.False(r.GetProperty("hosttasks2").EnumerateArray().Single(t => t.GetProperty("id").GetInt32() == tid).TryGetProperty("alert", out _));

        AssertFault(r.GetProperty("results_fault"), 1005, "BuildError: rpmbuild failed");
        var results = r.GetProperty("results");
        Assert.Equal(c[0], results[0][0].GetInt32());
        Assert.Equal("""{"rpms":["x.rpm"],"brootid":5}""", results[0][1].GetRawText());
        Assert.Equal(c[2], results[1][0].GetInt32());
        AssertFault(results[1][1], 1005, "BuildError: rpmbuild failed");
        Assert.Equal(results.GetRawText(), r.GetProperty("results_all").GetRawText());
        Assert.False(r.GetProperty("waiting_after").GetBoolean());

        Assert.Equal(JsonValueKind.Null, r.GetProperty("result_parent").ValueKind);
        Assert.Equal("""{"rpms":["x.rpm"],"brootid":5}""", r.GetProperty("result_c1").GetRawText());
        AssertFault(r.GetProperty("result_c2"), 1005, "BuildError: rpmbuild failed");
        AssertFault(r.GetProperty("result_c2_noraise"), 1005, "BuildError: rpmbuild failed");
        AssertFault(r.GetProperty("result_missing"), 1000, "No such task");
        Assert.Equal([2, 2, 5], Ints(r.GetProperty("final")));
        var final = r.GetProperty("final_info");
        Assert.Equal(["arch", "awaited", "channel_id", "completion_time", "completion_ts", "create_time", "create_ts", "host_id", "id", "label",
            "method", "owner", "parent", "priority", "start_time", "start_ts", "state", "waiting", "weight"], final.EnumerateObject().Select(p => p.Name));
        Assert.EndsWith("+00:00", final.GetProperty("completion_time").GetString());
        Assert.True(final.GetProperty("completion_ts").GetDouble() >= final.GetProperty("start_ts").GetDouble());
        Assert.True(r.GetProperty("finished").GetBoolean());
        Assert.Equal($"[{c[2]},null,{tid}]", r.GetProperty("infos").GetRawText());
        AssertFault(r.GetProperty("info_strict"), 1000, "query returned no rows");

        var desc = r.GetProperty("descendents");
        Assert.Equal([tid.ToString(), c[0].ToString(), c[2].ToString()], desc.EnumerateObject().Select(p => p.Name));
        Assert.Equal(2, desc.GetProperty(tid.ToString()).GetArrayLength());
        Assert.Equal(0, desc.GetProperty(c[0].ToString()).GetArrayLength());

        var list = r.GetProperty("list");
        Assert.Equal([c[2], c[0]], list.EnumerateArray().Select(t => t.GetProperty("id").GetInt32()));
        Assert.Equal("alice", list[0].GetProperty("owner_name").GetString());
        Assert.Equal(0, list[0].GetProperty("owner_type").GetInt32());
        Assert.StartsWith("<?xml", list[0].GetProperty("request").GetString());
        Assert.StartsWith("<?xml", list[0].GetProperty("result").GetString());
        var decoded = r.GetProperty("list_decode");
        Assert.Equal("""[{"rpms":["x.rpm"],"brootid":5}]""", decoded[0].GetProperty("result").GetRawText());
        AssertFault(decoded[1].GetProperty("result"), 1005);
        Assert.Equal(JsonValueKind.Array, decoded[1].GetProperty("request").ValueKind);
        Assert.Equal(2, r.GetProperty("count").GetInt32());
        Assert.Equal(children[c[2]].GetProperty("request").GetRawText(), r.GetProperty("request").GetRawText());
        Assert.Equal(0, r.GetProperty("hosttasks_end").GetArrayLength());

        var runs = r.GetProperty("runs").EnumerateArray().ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, run => Assert.Equal(hostId, run.GetProperty("host_id").GetInt32()));
        Assert.All(runs, run => Assert.False(run.GetProperty("active").GetBoolean()));
        Assert.Equal(["active", "host_id", "method", "task_id"], runs[0].EnumerateObject().Select(p => p.Name));
        Assert.Contains("Assigning task", r.GetProperty("log").EnumerateArray().Select(m => m.GetString()));
    }

    [Fact]
    public void HostCallsCheckTheCallerTheSessionAndTheTask()
    {
        var r = Run(hub, """
            bs = setup_channel("pc", {"pc-b1": ["x86_64"], "pc-b2": ["x86_64"]})
            b1, b2 = bs["pc-b1"], bs["pc-b2"]
            s.call("addHost", "pc-b3", ["x86_64"])
            plain = Session(hub, ca, pems["pc-b3"]); plain.ssl_login()
            out = {"b1": b1.id, "b2": b2.id, "alice": a.call("getLoggedInUser")["id"]}
            out["alice_host"] = F(lambda: a.call("host.getID"))
            out["anon_host"] = F(lambda: anon.call("host.getID"))
            out["not_exclusive"] = F(lambda: plain.call("host.getTasks"))
            out["not_exclusive_update"] = F(lambda: plain.call("host.updateHost", 0.0, True))
            out["bad_data"] = F(lambda: b1.call("host.updateHost", 0.0, True, data=[1, 2]))
            out["bad_load"] = F(lambda: b1.call("host.updateHost", "lots", True))
            out["set_data_json"] = b1.call("host.setHostData", '{"maxjobs": 3}')
            out["data_json"] = anon.call("scheduler.getHostData", b1.id)
            out["old_signature"] = b1.call("host.updateHost", 0.0, True)
            # a lost response: the builder resends with the same call number
            b1.session.callnum -= 1
            out["replay_update"] = b1.call("host.updateHost", 0.0, True)
            tid = a.call("build", "git+https://example.com/p.git#1", "t", None, channel="pc")
            wait_for(lambda: info(tid)["state"] == 4)
            out["assigned_to"] = info(tid)["host_id"]
            resp = xmlrpc.client.dumps((None,), methodresponse=True, allow_none=True)
            out["close_assigned"] = F(lambda: b1.call("host.closeTask", tid, resp))
            out["b2_open"] = b2.call("host.openTask", tid)
            out["b1_open"] = b1.call("host.openTask", tid)["state"]
            out["b1_open_again"] = b1.call("host.openTask", tid)
            out["b2_close"] = F(lambda: b2.call("host.closeTask", tid, resp))
            out["b2_fail"] = F(lambda: b2.call("host.failTask", tid, resp))
            out["b2_weight"] = F(lambda: b2.call("host.setTaskWeight", tid, 2.0))
            out["b2_subtask"] = F(lambda: b2.call("host.subtask", "buildArch", [], tid))
            out["b2_wait"] = F(lambda: b2.call("host.taskWait", tid))
            out["b2_setwait"] = F(lambda: b2.call("host.taskSetWait", tid, None))
            out["b2_results"] = F(lambda: b2.call("host.taskWaitResults", tid, None))
            out["b2_free"] = b2.call("host.freeTasks", [tid])
            out["b2_refuse"] = b2.call("host.refuseTask", tid)
            out["state_after_b2"] = [info(tid)["state"], info(tid)["host_id"]]
            out["owner_opt"] = F(lambda: b1.call("host.subtask", "buildArch", [], tid, owner=1))
            out["bad_response"] = F(lambda: b1.call("host.closeTask", tid, "not xml"))
            out["bad_weight"] = F(lambda: b1.call("host.setTaskWeight", tid, -1))
            b1.call("host.setTaskWeight", tid, 1.5)
            b1.session.callnum -= 1
            out["replay_weight"] = F(lambda: b1.call("host.setTaskWeight", tid, 1.5))
            b1.call("host.taskSetWait", tid, [])
            b1.session.callnum -= 1
            out["replay_setwait"] = b1.call("host.taskSetWait", tid, [])
            b1.call("host.taskWaitResults", tid, [])
            b1.close(tid, "done")
            out["closed_subtask"] = F(lambda: b1.call("host.subtask", "buildArch", [], tid))
            out["closed_free"] = F(lambda: s.call("freeTask", tid))
            # client-side checks of task creation
            out["anon_build"] = F(lambda: anon.call("build", "x", "t"))
            out["src_type"] = F(lambda: a.call("build", 5, "t"))
            out["high_prio"] = F(lambda: a.call("build", "x", "t", None, -5, channel="pc"))
            out["low_prio"] = info(a.call("build", "x", "t", None, 5, channel="pc"))["priority"]
            out["admin_prio"] = info(s.call("build", "x", "t", None, -5, channel="pc"))["priority"]
            out["no_channel"] = F(lambda: a.call("build", "x", "t", channel="no-such-channel"))
            s.call("addChannel", "pc-off"); s.call("disableChannel", "pc-off")
            out["off_channel"] = F(lambda: a.call("build", "x", "t", channel="pc-off"))
            out["default_channel"] = info(a.call("build", "x", "t"))["channel_id"]
            out["default_id"] = s.call("getChannel", "default")["id"]
            out["alice_maketask"] = F(lambda: a.call("makeTask", "sleep", [5]))
            out["owner_maketask"] = F(lambda: s.call("makeTask", "sleep", [5], owner=out["alice"]))
            mt = s.call("makeTask", "sleep", [5], channel="pc", arch="x86_64", priority=7)
            out["maketask"] = anon.call("getTaskInfo", mt, request=True)
            out["bad_arch"] = F(lambda: s.call("makeTask", "sleep", [5], arch="x86 64"))
            out["alice_dorun"] = F(lambda: a.call("scheduler.doRun"))
            out["admin_dorun"] = s.call("scheduler.doRun", True)
            out["alice_free"] = F(lambda: a.call("freeTask", mt))
            out["alice_assign"] = F(lambda: a.call("assignTask", mt, "pc-b1"))
            out["alice_prio"] = F(lambda: a.call("setTaskPriority", mt, 1))
            emit(out)
            """, "pc-b1", "pc-b2", "pc-b3");
        var b1 = r.GetProperty("b1").GetInt32();
        var b2 = r.GetProperty("b2").GetInt32();
        AssertFault(r.GetProperty("alice_host"), 1002, $"User {r.GetProperty("alice").GetInt32()} is not a host");
        AssertFault(r.GetProperty("anon_host"), 1002, "Not logged-in");
        AssertFault(r.GetProperty("not_exclusive"), 1002, "This method requires an exclusive session");
        AssertFault(r.GetProperty("not_exclusive_update"), 1002, "This method requires an exclusive session");
        AssertFault(r.GetProperty("bad_data"), 1019, "Host data should be a dictionary");
        AssertFault(r.GetProperty("bad_load"), 1019);
        Assert.Equal(3, r.GetProperty("data_json")[0].GetProperty("data").GetProperty("maxjobs").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("old_signature").ValueKind);
        Assert.Equal(b1, r.GetProperty("assigned_to").GetInt32());
        AssertFault(r.GetProperty("close_assigned"), 1004);
        Assert.StartsWith($"host {b1} does not own task ", r.GetProperty("close_assigned").GetProperty("faultString").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("b2_open").ValueKind);
        Assert.Equal(1, r.GetProperty("b1_open").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("b1_open_again").ValueKind);
        foreach (var key in (string[])["b2_close", "b2_fail", "b2_weight", "b2_subtask", "b2_wait", "b2_setwait", "b2_results"])
        {
            AssertFault(r.GetProperty(key), 1004);
            Assert.StartsWith($"host {b2} does not own task ", r.GetProperty(key).GetProperty("faultString").GetString());
        }
        Assert.Equal($"[1,{b1}]", r.GetProperty("state_after_b2").GetRawText());
        AssertFault(r.GetProperty("owner_opt"), 1004, "The owner option is not allowed here");
        AssertFault(r.GetProperty("bad_response"), 1000);
        AssertFault(r.GetProperty("bad_weight"), 1019);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("replay_update").ValueKind);
        AssertFault(r.GetProperty("replay_weight"), 1009);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("replay_setwait").ValueKind);
        AssertFault(r.GetProperty("closed_subtask"), 1004);
        AssertFault(r.GetProperty("closed_free"), 1000);
        Assert.EndsWith("state is CLOSED", r.GetProperty("closed_free").GetProperty("faultString").GetString());

        AssertFault(r.GetProperty("anon_build"), 1004);
        AssertFault(r.GetProperty("src_type"), 1019);
        AssertFault(r.GetProperty("high_prio"), 1004, "only admins may create high-priority tasks");
        Assert.Equal(25, r.GetProperty("low_prio").GetInt32());
        Assert.Equal(15, r.GetProperty("admin_prio").GetInt32());
        AssertFault(r.GetProperty("no_channel"), 1000, "No such channel: no-such-channel");
        AssertFault(r.GetProperty("off_channel"), 1000, "Requested channel pc-off is disabled");
        Assert.Equal(r.GetProperty("default_id").GetInt32(), r.GetProperty("default_channel").GetInt32());
        AssertFault(r.GetProperty("alice_maketask"), 1004, "admin permission required (logged in as alice)");
        AssertFault(r.GetProperty("owner_maketask"), 1004, "The owner option is not allowed here");
        var mt = r.GetProperty("maketask");
        Assert.Equal("sleep", mt.GetProperty("method").GetString());
        Assert.Equal("x86_64", mt.GetProperty("arch").GetString());
        Assert.Equal(7, mt.GetProperty("priority").GetInt32());
        Assert.Equal("[5]", mt.GetProperty("request").GetRawText());
        AssertFault(r.GetProperty("bad_arch"), 1000, "Invalid arch: x86 64");
        AssertFault(r.GetProperty("alice_dorun"), 1004);
        Assert.True(r.GetProperty("admin_dorun").GetBoolean());
        AssertFault(r.GetProperty("alice_free"), 1004);
        AssertFault(r.GetProperty("alice_assign"), 1004);
        AssertFault(r.GetProperty("alice_prio"), 1004);
    }

    [Fact]
    public void CancelCoversTheTreeAndFollowsUpstreamPermissions()
    {
        var r = Run(hub, """
            b = setup_channel("cx", {"cx-b1": ["x86_64"]})["cx-b1"]
            bob = Session(hub, ca, pems["bob"]); bob.ssl_login()
            b.check_in(maxjobs=10)
            s.call("editHost", "cx-b1", capacity=10.0)
            tid = a.call("build", "git+https://example.com/p.git#1", "t", None, channel="cx")
            wait_for(lambda: info(tid)["state"] == 4)
            b.take(tid)
            sub = b.subsession()
            c1 = sub.call("host.subtask", "buildArch", [], tid, label="a1", arch="x86_64")
            c2 = sub.call("host.subtask", "buildArch", [], tid, label="a2", arch="x86_64")
            wait_for(lambda: info(c1)["state"] == 4 and info(c2)["state"] == 4)
            b.take(c1); b.take(c2)
            gc = sub.call("host.subtask", "waitrepo", ["tag"], c1, label="w")
            b.close(c2, 1)
            out = {"ids": [tid, c1, c2, gc]}
            out["bob"] = F(lambda: bob.call("cancelTask", tid))
            out["anon"] = F(lambda: anon.call("cancelTask", tid))
            out["missing"] = F(lambda: a.call("cancelTask", 999999))
            out["bob_children"] = F(lambda: bob.call("cancelTaskChildren", tid))
            out["host_children"] = b.call("cancelTaskChildren", c1)
            out["after_children"] = [info(t)["state"] for t in (tid, c1, c2, gc)]
            out["full_strict"] = F(lambda: s.call("cancelTaskFull", c1))
            out["alice_full"] = F(lambda: a.call("cancelTaskFull", tid))
            # a waiting builder hears of the cancel
            waiter = {}
            t = threading.Thread(target=lambda: waiter.update(r=b.call("host.waitTasks", 20, [tid, c1])))
            t.start()
            out["cancel"] = a.call("cancelTask", tid)
            t.join()
            out["woke"] = waiter["r"]
            out["after_cancel"] = [info(t)["state"] for t in (tid, c1, c2, gc)]
            out["completion"] = info(tid)["completion_ts"] is not None
            out["cancel_again"] = a.call("cancelTask", tid)
            out["hosttasks"] = b.call("host.getHostTasks")
            out["result_canceled"] = F(lambda: anon.call("getTaskResult", tid))
            out["result_closed"] = anon.call("getTaskResult", c2)
            out["resubmit_bob"] = F(lambda: bob.call("resubmitTask", tid))
            out["resubmit_child"] = F(lambda: a.call("resubmitTask", c1))
            new = a.call("resubmitTask", tid)
            out["resubmitted"] = anon.call("getTaskInfo", new, request=True)
            out["original"] = anon.call("getTaskInfo", tid, request=True)
            out["resubmit_open"] = F(lambda: a.call("resubmitTask", new))
            wait_for(lambda: info(new)["state"] == 4)
            b.take(new)
            n1 = sub.call("host.subtask", "buildArch", [], new, label="x", arch="x86_64")
            out["full_nonstrict"] = s.call("cancelTaskFull", n1, False)
            out["after_full"] = [info(t)["state"] for t in (new, n1)]
            emit(out)
            """, ["cx-b1"], ["bob"]);
        var ids = Ints(r.GetProperty("ids"));
        AssertFault(r.GetProperty("bob"), 1004, "admin permission required (logged in as bob)");
        AssertFault(r.GetProperty("anon"), 1004, "admin permission required");
        AssertFault(r.GetProperty("missing"), 1000, "No such task: 999999");
        AssertFault(r.GetProperty("bob_children"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("host_children").ValueKind);
        Assert.Equal([1, 1, 2, 3], Ints(r.GetProperty("after_children")));
        AssertFault(r.GetProperty("full_strict"), 1000, $"Task {ids[1]} is not top-level (parent={ids[0]})");
        AssertFault(r.GetProperty("alice_full"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("cancel").ValueKind);
        Assert.True(r.GetProperty("woke").GetBoolean());
        Assert.Equal([3, 3, 2, 3], Ints(r.GetProperty("after_cancel")));
        Assert.True(r.GetProperty("completion").GetBoolean());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("cancel_again").ValueKind);
        Assert.Equal(0, r.GetProperty("hosttasks").GetArrayLength());
        AssertFault(r.GetProperty("result_canceled"), 1000, $"Task {ids[0]} is canceled");
        Assert.Equal(1, r.GetProperty("result_closed").GetInt32());
        AssertFault(r.GetProperty("resubmit_bob"), 1000, "only the task owner or an admin may resubmit a task");
        AssertFault(r.GetProperty("resubmit_child"), 1000, "only top-level tasks may be resubmitted");
        var resubmitted = r.GetProperty("resubmitted");
        var original = r.GetProperty("original");
        Assert.Equal(original.GetProperty("request").GetRawText(), resubmitted.GetProperty("request").GetRawText());
        Assert.Equal(original.GetProperty("channel_id").GetInt32(), resubmitted.GetProperty("channel_id").GetInt32());
        Assert.Equal(original.GetProperty("owner").GetInt32(), resubmitted.GetProperty("owner").GetInt32());
        Assert.Equal("build", resubmitted.GetProperty("method").GetString());
        AssertFault(r.GetProperty("resubmit_open"), 1000, "only canceled or failed tasks may be resubmitted");
        Assert.Equal([3, 3], Ints(r.GetProperty("after_full")));
    }

    [Fact]
    public void TaskOutputIsListedAndDownloaded()
    {
        var created = Run(hub, """
            s.call("addChannel", "out-ch")
            emit(a.call("build", "x", "t", None, channel="out-ch"))
            """);
        var tid = created.GetInt32();
        var dir = Path.Combine(hub.KojiDir, "work", "tasks", (tid % 10000).ToString(), tid.ToString());
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        File.WriteAllText(Path.Combine(dir, "build.log"), "0123456789");
        File.WriteAllText(Path.Combine(dir, "sub", "x.rpm"), "rpm");
        File.WriteAllText(Path.Combine(hub.KojiDir, "work", "secret.txt"), "secret");
        var r = Run(hub, $$"""
            import base64
            tid = {{tid}}
            out = {}
            out["list"] = anon.call("listTaskOutput", tid)
            out["stat"] = anon.call("listTaskOutput", tid, stat=True)
            out["volumes"] = anon.call("listTaskOutput", tid, all_volumes=True)
            out["volstat"] = anon.call("listTaskOutput", tid, True, True)
            out["none"] = anon.call("listTaskOutput", 999999)
            out["strict"] = F(lambda: anon.call("listTaskOutput", 999999, strict=True))
            dl = lambda *args: base64.b64decode(anon.call("downloadTaskOutput", tid, *args)).decode()
            out["all"] = dl("build.log")
            out["part"] = dl("build.log", 2, 3)
            out["tail"] = dl("build.log", -4)
            out["offset_str"] = dl("build.log", "8")
            out["sub"] = dl("sub/x.rpm")
            out["volume"] = dl("build.log", 0, -1, "DEFAULT")
            out["dotdot"] = F(lambda: anon.call("downloadTaskOutput", tid, "../../../secret.txt"))
            out["missing"] = F(lambda: anon.call("downloadTaskOutput", tid, "nope.log"))
            out["absolute"] = F(lambda: anon.call("downloadTaskOutput", tid, "/etc/passwd"))
            emit(out)
            """);
        Assert.Equal("""["build.log","sub/x.rpm"]""", r.GetProperty("list").GetRawText());
        var stat = r.GetProperty("stat");
        Assert.Equal("10", stat.GetProperty("build.log").GetProperty("st_size").GetString());
        Assert.Equal(["st_atime", "st_ctime", "st_mtime", "st_size"], stat.GetProperty("build.log").EnumerateObject().Select(p => p.Name));
        Assert.Equal("""{"build.log":["DEFAULT"],"sub/x.rpm":["DEFAULT"]}""", r.GetProperty("volumes").GetRawText());
        Assert.Equal("3", r.GetProperty("volstat").GetProperty("sub/x.rpm").GetProperty("DEFAULT").GetProperty("st_size").GetString());
        Assert.Equal("[]", r.GetProperty("none").GetRawText());
        AssertFault(r.GetProperty("strict"), 1000, "Task doesn't exist");
        Assert.Equal("0123456789", r.GetProperty("all").GetString());
        Assert.Equal("234", r.GetProperty("part").GetString());
        Assert.Equal("6789", r.GetProperty("tail").GetString());
        Assert.Equal("89", r.GetProperty("offset_str").GetString());
        Assert.Equal("rpm", r.GetProperty("sub").GetString());
        Assert.Equal("0123456789", r.GetProperty("volume").GetString());
        AssertFault(r.GetProperty("dotdot"), 1000, "Invalid file name: ../../../secret.txt");
        AssertFault(r.GetProperty("missing"), 1000, $"no file \"nope.log\" output by task {tid}");
        AssertFault(r.GetProperty("absolute"), 1000, $"no file \"/etc/passwd\" output by task {tid}");
    }

    [Fact]
    public void TagRequestsBecomeTagBuildTasksAfterTheHubSideChecks()
    {
        var r = Run(hub, """
            s.call("createTag", "tg-dest")
            s.call("createTag", "tg-other")
            s.call("createTag", "tg-locked", locked=True)
            bid = s.call("createEmptyBuild", "tgpkg", "1.0", "1", None)
            out = {"build": bid, "dest": s.call("getTag", "tg-dest")["id"], "other": s.call("getTag", "tg-other")["id"]}
            out["anon"] = F(lambda: anon.call("tagBuild", "tg-dest", bid))
            out["nolist"] = F(lambda: a.call("tagBuild", "tg-dest", bid))
            s.call("packageListAdd", "tg-dest", "tgpkg", "alice")
            s.call("packageListAdd", "tg-other", "tgpkg", "alice")
            tid = a.call("tagBuild", "tg-dest", bid)
            out["task"] = anon.call("getTaskInfo", tid, request=True)
            mid = a.call("moveBuild", "tg-other", "tg-dest", "tgpkg-1.0-1")
            out["move"] = anon.call("getTaskInfo", mid, request=True)
            out["locked"] = F(lambda: a.call("tagBuild", "tg-locked", bid))
            out["locked_admin"] = F(lambda: s.call("tagBuild", "tg-locked", bid))
            out["locked_force"] = F(lambda: s.call("tagBuild", "tg-locked", bid, True))
            out["locked_force_alice"] = F(lambda: a.call("tagBuild", "tg-locked", bid, True))
            out["nosuchbuild"] = F(lambda: a.call("tagBuild", "tg-dest", "nope-1-1"))
            out["untag_missing"] = F(lambda: a.call("untagBuild", "tg-dest", bid))
            out["untag_nonstrict"] = a.call("untagBuild", "tg-dest", bid, False)
            s.call("tagBuildBypass", "tg-dest", bid)
            out["tagged"] = [b["nvr"] for b in anon.call("listTagged", "tg-dest")]
            out["untag_anon"] = F(lambda: anon.call("untagBuild", "tg-dest", bid))
            out["untag"] = a.call("untagBuild", "tg-dest", bid)
            out["tagged_after"] = anon.call("listTagged", "tg-dest")
            emit(out)
            """);
        var bid = r.GetProperty("build").GetInt32();
        var dest = r.GetProperty("dest").GetInt32();
        var other = r.GetProperty("other").GetInt32();
        AssertFault(r.GetProperty("anon"), 1004);
        AssertFault(r.GetProperty("nolist"), 1003, "Package tgpkg not in list for tg-dest");
        var task = r.GetProperty("task");
        Assert.Equal("tagBuild", task.GetProperty("method").GetString());
        Assert.Equal(10, task.GetProperty("priority").GetInt32());
        Assert.Equal($"[{dest},{bid},false,null]", task.GetProperty("request").GetRawText());
        Assert.Equal($"[{dest},{bid},false,{other}]", r.GetProperty("move").GetProperty("request").GetRawText());
        AssertFault(r.GetProperty("locked"), 1004, "tag is locked");
        AssertFault(r.GetProperty("locked_admin"), 1004, "tag is locked");
        var forced = r.GetProperty("locked_force");
        Assert.Equal(JsonValueKind.Number, forced.ValueKind); // admin + force: the package is added and the task created
        AssertFault(r.GetProperty("locked_force_alice"), 1004, "tag is locked");
        AssertFault(r.GetProperty("nosuchbuild"), 1000);
        AssertFault(r.GetProperty("untag_missing"), 1003, "build tgpkg-1.0-1 not in tag tg-dest");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("untag_nonstrict").ValueKind);
        Assert.Equal("""["tgpkg-1.0-1"]""", r.GetProperty("tagged").GetRawText());
        AssertFault(r.GetProperty("untag_anon"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("untag").ValueKind);
        Assert.Equal("[]", r.GetProperty("tagged_after").GetRawText());
    }
}

public sealed class SqliteTaskLifecycleTests(SqliteHub hub) : TaskLifecycleTests<SqliteHub>(hub);

public sealed class PostgresTaskLifecycleTests(PostgresHub hub) : TaskLifecycleTests<PostgresHub>(hub);
