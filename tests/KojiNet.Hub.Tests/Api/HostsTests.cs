using System.Text.Json;
using Dapper;

namespace KojiNet.Hub.Tests.Api;

/// <summary>Hosts and channels (api-core.md §8, auth.md §6).</summary>
public abstract class HostsTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private JsonElement Run(string body) => hub.Python(UsersTests<THub>.Prelude + "\n" + body);

    private async Task<int> LastEventAsync()
    {
        await using var conn = await hub.Hub.Database.OpenAsync();
        return await conn.ExecuteScalarAsync<int>("SELECT max(id) FROM events");
    }

    private static void AssertFault(JsonElement e, int code, string? message = null)
    {
        Assert.True(e.ValueKind == JsonValueKind.Object && e.TryGetProperty("faultCode", out _), e.GetRawText());
        Assert.Equal(code, e.GetProperty("faultCode").GetInt32());
        if (message is not null)
        {
            Assert.Equal(message, e.GetProperty("faultString").GetString());
        }
    }

    private static string[] Names(JsonElement arr) => arr.EnumerateArray().Select(x => x.GetProperty("name").GetString()!).ToArray();

    [Fact]
    public void AddHostCreatesHostUserConfigAndDefaultChannel()
    {
        var r = Run("""
            out = {}
            out["anon"] = F(lambda: anon.call("addHost", "ah-anon", ["x86_64"]))
            out["alice"] = F(lambda: a.call("addHost", "ah-alice", ["x86_64"]))
            hid = s.call("addHost", "ah-one", ["x86_64", "aarch64"])
            out["hid"] = hid
            out["host"] = s.call("getHost", hid)
            out["byname"] = anon.call("getHost", "ah-one")
            out["bydict"] = s.call("getHost", {"name": "ah-one"})
            out["user"] = s.call("getUser", "ah-one")
            out["channels"] = s.call("listChannels", hid)
            out["channels_byname"] = s.call("listChannels", "ah-one")
            out["list"] = [h for h in anon.call("listHosts") if h["name"] == "ah-one"]
            out["dup"] = F(lambda: s.call("addHost", "ah-one", ["x86_64"]))
            out["strarches"] = s.call("getHost", s.call("addHost", "ah-str", "i686"))["arches"]
            out["badarch"] = F(lambda: s.call("addHost", "ah-bad", ["x86 64!"]))
            out["badname"] = F(lambda: s.call("addHost", "x'; DROP TABLE host; --", ["x86_64"]))
            # A NORMAL user of that name (e.g. auto-created at login) needs force.
            s.call("createUser", "ah-normal")
            out["normal"] = F(lambda: s.call("addHost", "ah-normal", ["x86_64"]))
            out["forced"] = s.call("addHost", "ah-normal", ["x86_64"], force=True)
            out["forced_user"] = s.call("getUser", "ah-normal")["usertype"]
            out["princ"] = s.call("getUser", s.call("getHost", s.call("addHost", "ah-princ", ["noarch"], "host/ah-princ@EX"))["user_id"])
            out["missing"] = s.call("getHost", "no-such-host")
            out["strict"] = F(lambda: s.call("getHost", "no-such-host", True))
            out["badtype"] = F(lambda: s.call("getHost", 1.5))
            emit(out)
            """);
        AssertFault(r.GetProperty("anon"), 1004, "host permission required");
        AssertFault(r.GetProperty("alice"), 1004);
        var host = r.GetProperty("host");
        // The exact field set and order of upstream's listHosts (wire/08) and getHost.
        string[] fields = ["arches", "capacity", "comment", "description", "enabled", "id", "name", "ready", "task_load", "update_ts", "user_id"];
        Assert.Equal(fields, host.EnumerateObject().Select(p => p.Name));
        Assert.Equal("x86_64 aarch64", host.GetProperty("arches").GetString());
        Assert.Equal(2.0, host.GetProperty("capacity").GetDouble());
        Assert.True(host.GetProperty("enabled").GetBoolean());
        Assert.False(host.GetProperty("ready").GetBoolean());
        Assert.Equal(0.0, host.GetProperty("task_load").GetDouble());
        Assert.Equal(JsonValueKind.Null, host.GetProperty("update_ts").ValueKind);
        Assert.Equal(JsonValueKind.Null, host.GetProperty("comment").ValueKind);
        Assert.Equal(host.GetRawText(), r.GetProperty("byname").GetRawText());
        Assert.Equal(host.GetRawText(), r.GetProperty("bydict").GetRawText());
        var user = r.GetProperty("user");
        Assert.Equal(1, user.GetProperty("usertype").GetInt32());
        Assert.Equal(host.GetProperty("user_id").GetInt32(), user.GetProperty("id").GetInt32());
        Assert.Equal(["default"], Names(r.GetProperty("channels")));
        Assert.Equal(["comment", "description", "enabled", "id", "name"], r.GetProperty("channels")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(["default"], Names(r.GetProperty("channels_byname")));
        Assert.Equal(fields, r.GetProperty("list")[0].EnumerateObject().Select(p => p.Name));
        AssertFault(r.GetProperty("dup"), 1000, "host already exists: ah-one");
        Assert.Equal("i 6 8 6", r.GetProperty("strarches").GetString());
        AssertFault(r.GetProperty("badarch"), 1000);
        AssertFault(r.GetProperty("badname"), 1000, "Name x'; DROP TABLE host; -- does not match RegexNameInternal value");
        AssertFault(r.GetProperty("normal"), 1000, "user ah-normal already exists and it is not a host");
        Assert.Equal(1, r.GetProperty("forced_user").GetInt32());
        Assert.Equal("[\"host/ah-princ@EX\"]", r.GetProperty("princ").GetProperty("krb_principals").GetRawText());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing").ValueKind);
        AssertFault(r.GetProperty("strict"), 1000, "Invalid hostInfo: no-such-host");
        AssertFault(r.GetProperty("badtype"), 1000, "Invalid type for hostInfo: <class 'float'>");
    }

    [Fact]
    public async Task EditHostEnableDisableAndHistory()
    {
        var first = Run("""
            hid = s.call("addHost", "eh-one", ["x86_64"])
            emit({"hid": hid})
            """);
        var hid = first.GetProperty("hid").GetInt32();
        var before = await LastEventAsync();
        var r = Run($$"""
            hid = {{hid}}
            out = {}
            out["anon"] = F(lambda: anon.call("editHost", hid, capacity=5.0))
            out["alice"] = F(lambda: a.call("editHost", hid, capacity=5.0))
            out["nochange"] = s.call("editHost", hid, capacity=2.0, arches="x86_64")
            out["change"] = s.call("editHost", hid, capacity=8, description="x'; DROP TABLE host; --", comment="c", arches="x86_64 ppc64le")
            out["after"] = s.call("getHost", hid)
            out["old"] = s.call("getHost", hid, event={{before}})
            out["missing"] = F(lambda: s.call("editHost", "no-such-host", capacity=3.0))
            out["alice_disable"] = F(lambda: a.call("disableHost", "eh-one"))
            out["disable"] = s.call("disableHost", "eh-one")
            out["disabled"] = s.call("getHost", hid)
            out["list_enabled"] = [h["name"] for h in s.call("listHosts", enabled=True)]
            out["list_disabled"] = [h["name"] for h in s.call("listHosts", enabled=False)]
            out["enable"] = s.call("enableHost", "eh-one")
            out["enabled"] = s.call("getHost", hid)["enabled"]
            out["enable_missing"] = F(lambda: s.call("enableHost", "no-such-host"))
            out["ppc"] = [h["name"] for h in s.call("listHosts", ["ppc64le"])]
            out["ppc64"] = [h["name"] for h in s.call("listHosts", ["ppc64"])]
            out["noarches"] = F(lambda: s.call("listHosts", []))
            out["byuser"] = [h["name"] for h in s.call("listHosts", userID="eh-one")]
            out["notready"] = "eh-one" in [h["name"] for h in s.call("listHosts", ready=False)]
            out["ready"] = "eh-one" in [h["name"] for h in s.call("listHosts", ready=True)]
            out["count"] = s.call("listHosts", queryOpts={"countOnly": True})
            out["ordered"] = [h["name"] for h in s.call("listHosts", queryOpts={"order": "-name"})]
            emit(out)
            """);
        AssertFault(r.GetProperty("anon"), 1004, "host permission required");
        AssertFault(r.GetProperty("alice"), 1004);
        Assert.False(r.GetProperty("nochange").GetBoolean());
        Assert.True(r.GetProperty("change").GetBoolean());
        var after = r.GetProperty("after");
        Assert.Equal(8.0, after.GetProperty("capacity").GetDouble());
        Assert.Equal("x'; DROP TABLE host; --", after.GetProperty("description").GetString());
        Assert.Equal("c", after.GetProperty("comment").GetString());
        Assert.Equal("x86_64 ppc64le", after.GetProperty("arches").GetString());
        var old = r.GetProperty("old");
        Assert.Equal(2.0, old.GetProperty("capacity").GetDouble());
        Assert.Equal("x86_64", old.GetProperty("arches").GetString());
        Assert.Equal(JsonValueKind.Null, old.GetProperty("description").ValueKind);
        AssertFault(r.GetProperty("missing"), 1000, "Invalid hostInfo: no-such-host");
        AssertFault(r.GetProperty("alice_disable"), 1004);
        Assert.False(r.GetProperty("disabled").GetProperty("enabled").GetBoolean());
        Assert.Equal(8.0, r.GetProperty("disabled").GetProperty("capacity").GetDouble());
        Assert.DoesNotContain("eh-one", r.GetProperty("list_enabled").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains("eh-one", r.GetProperty("list_disabled").EnumerateArray().Select(x => x.GetString()));
        Assert.True(r.GetProperty("enabled").GetBoolean());
        AssertFault(r.GetProperty("enable_missing"), 1000, "host does not exist: no-such-host");
        Assert.Equal("[\"eh-one\"]", r.GetProperty("ppc").GetRawText());
        Assert.Equal("[]", r.GetProperty("ppc64").GetRawText());
        AssertFault(r.GetProperty("noarches"), 1000, "arches option cannot be empty");
        Assert.Equal("[\"eh-one\"]", r.GetProperty("byuser").GetRawText());
        Assert.True(r.GetProperty("notready").GetBoolean());
        Assert.False(r.GetProperty("ready").GetBoolean());
        Assert.True(r.GetProperty("count").GetInt32() >= 1);
        var ordered = r.GetProperty("ordered").EnumerateArray().Select(x => x.GetString()!).ToList();
        Assert.Equal(ordered.OrderDescending(StringComparer.Ordinal), ordered);
    }

    [Fact]
    public async Task ChannelsAndMembership()
    {
        var first = Run("""
            hid = s.call("addHost", "ch-host", ["x86_64"])
            s.call("addHostToChannel", "ch-host", "createrepo")
            emit({"hid": hid})
            """);
        var hid = first.GetProperty("hid").GetInt32();
        var before = await LastEventAsync();
        var r = Run($$"""
            hid = {{hid}}
            out = {}
            out["seeded"] = [c["name"] for c in anon.call("listChannels")]
            out["anon_add"] = F(lambda: anon.call("addChannel", "ch-new"))
            out["alice_add"] = F(lambda: a.call("addChannel", "ch-new"))
            cid = s.call("addChannel", "ch-new", "x'; DROP TABLE channels; --")
            out["cid"] = cid
            out["dup"] = F(lambda: s.call("addChannel", "ch-new"))
            out["bad"] = F(lambda: s.call("addChannel", "bad name"))
            out["get"] = anon.call("getChannel", cid)
            out["getname"] = s.call("getChannel", "ch-new")
            out["getdict"] = s.call("getChannel", {"name": "ch-new"})
            out["missing"] = s.call("getChannel", "no-such-channel")
            out["strict"] = F(lambda: s.call("getChannel", "no-such-channel", True))
            out["badtype"] = F(lambda: s.call("getChannel", 1.5))
            out["alice_edit"] = F(lambda: a.call("editChannel", "ch-new", comment="x"))
            out["edit"] = s.call("editChannel", "ch-new", name="ch-renamed", comment="note")
            out["edited"] = s.call("getChannel", cid)
            out["edit_dup"] = F(lambda: s.call("editChannel", cid, name="default"))
            out["rename"] = s.call("renameChannel", "ch-renamed", "ch-new2")
            out["alice_rename"] = F(lambda: a.call("renameChannel", "ch-new2", "ch-x"))
            out["renamed"] = s.call("getChannel", cid)["name"]
            out["alice_disable"] = F(lambda: a.call("disableChannel", "ch-new2"))
            out["disable"] = s.call("disableChannel", "ch-new2", "maintenance")
            out["disabled"] = s.call("getChannel", cid)
            out["list_disabled"] = [c["name"] for c in s.call("listChannels", enabled=False)]
            out["tochannel_disabled"] = F(lambda: s.call("addHostToChannel", "ch-host", "ch-new2"))
            out["tochannel_forced"] = s.call("addHostToChannel", "ch-host", "ch-new2", force=True)
            out["enable"] = s.call("enableChannel", "ch-new2")
            out["enabled"] = s.call("getChannel", cid)
            out["enable_missing"] = F(lambda: s.call("enableChannel", "no-such-channel"))
            out["already"] = F(lambda: s.call("addHostToChannel", "ch-host", "ch-new2"))
            out["alice_tochannel"] = F(lambda: a.call("addHostToChannel", "ch-host", "maven"))
            out["nochannel"] = F(lambda: s.call("addHostToChannel", "ch-host", "no-such-channel"))
            out["nohost"] = F(lambda: s.call("addHostToChannel", "no-such-host", "maven"))
            out["create"] = s.call("addHostToChannel", "ch-host", "ch-created", create=True)
            out["host_channels"] = [c["name"] for c in s.call("listChannels", hid)]
            out["in_channel"] = [h["name"] for h in s.call("listHosts", channelID="ch-new2")]
            out["in_channel_missing"] = F(lambda: s.call("listHosts", channelID="no-such-channel"))
            out["alice_remove"] = F(lambda: a.call("removeHostFromChannel", "ch-host", "ch-new2"))
            out["remove"] = s.call("removeHostFromChannel", "ch-host", "ch-new2")
            out["remove_again"] = F(lambda: s.call("removeHostFromChannel", "ch-host", "ch-new2"))
            out["host_channels_after"] = [c["name"] for c in s.call("listChannels", hid)]
            out["host_channels_old"] = [c["name"] for c in s.call("listChannels", hid, {{before}})]
            out["event_nohost"] = F(lambda: s.call("listChannels", event={{before}}))
            emit(out)
            """);
        Assert.Equal(["default", "createrepo", "maven", "livecd", "appliance", "vm", "image", "livemedia"],
            r.GetProperty("seeded").EnumerateArray().Select(x => x.GetString()!).Take(8));
        AssertFault(r.GetProperty("anon_add"), 1004, "admin permission required");
        AssertFault(r.GetProperty("alice_add"), 1004);
        var cid = r.GetProperty("cid").GetInt32();
        AssertFault(r.GetProperty("dup"), 1000, $"channel ch-new already exists (id={cid})");
        AssertFault(r.GetProperty("bad"), 1000, "Name bad name does not match RegexNameInternal value");
        var get = r.GetProperty("get");
        Assert.Equal(["comment", "description", "enabled", "id", "name"], get.EnumerateObject().Select(p => p.Name));
        Assert.Equal("x'; DROP TABLE channels; --", get.GetProperty("description").GetString());
        Assert.True(get.GetProperty("enabled").GetBoolean());
        Assert.Equal(get.GetRawText(), r.GetProperty("getname").GetRawText());
        Assert.Equal(get.GetRawText(), r.GetProperty("getdict").GetRawText());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing").ValueKind);
        AssertFault(r.GetProperty("strict"), 1000, "query returned no rows");
        AssertFault(r.GetProperty("badtype"), 1019, "Invalid name or id value: 1.5");
        AssertFault(r.GetProperty("alice_edit"), 1004);
        Assert.True(r.GetProperty("edit").GetBoolean());
        Assert.Equal("ch-renamed", r.GetProperty("edited").GetProperty("name").GetString());
        Assert.Equal("note", r.GetProperty("edited").GetProperty("comment").GetString());
        AssertFault(r.GetProperty("edit_dup"), 1000);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("rename").ValueKind);
        AssertFault(r.GetProperty("alice_rename"), 1004);
        Assert.Equal("ch-new2", r.GetProperty("renamed").GetString());
        AssertFault(r.GetProperty("alice_disable"), 1004);
        Assert.False(r.GetProperty("disabled").GetProperty("enabled").GetBoolean());
        Assert.Equal("maintenance", r.GetProperty("disabled").GetProperty("comment").GetString());
        Assert.Contains("ch-new2", r.GetProperty("list_disabled").EnumerateArray().Select(x => x.GetString()));
        AssertFault(r.GetProperty("tochannel_disabled"), 1000, "channel ch-new2 is disabled");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("tochannel_forced").ValueKind);
        Assert.True(r.GetProperty("enabled").GetProperty("enabled").GetBoolean());
        AssertFault(r.GetProperty("enable_missing"), 1000, "No such channel: no-such-channel");
        AssertFault(r.GetProperty("already"), 1000, "host ch-host is already subscribed to the ch-new2 channel");
        AssertFault(r.GetProperty("alice_tochannel"), 1004);
        AssertFault(r.GetProperty("nochannel"), 1000, "channel does not exist: no-such-channel");
        AssertFault(r.GetProperty("nohost"), 1000, "host does not exist: no-such-host");
        Assert.Equal(["default", "createrepo", "ch-new2", "ch-created"], r.GetProperty("host_channels").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal("[\"ch-host\"]", r.GetProperty("in_channel").GetRawText());
        AssertFault(r.GetProperty("in_channel_missing"), 1000, "query returned no rows");
        AssertFault(r.GetProperty("alice_remove"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("remove").ValueKind);
        AssertFault(r.GetProperty("remove_again"), 1000, "host ch-host is not subscribed to the ch-new2 channel");
        Assert.Equal(["default", "createrepo", "ch-created"], r.GetProperty("host_channels_after").EnumerateArray().Select(x => x.GetString()!));
        Assert.Equal(["default", "createrepo"], r.GetProperty("host_channels_old").EnumerateArray().Select(x => x.GetString()!));
        AssertFault(r.GetProperty("event_nohost"), 1000, "list_channels with event and not host is not allowed.");
    }
}

public sealed class SqliteHostsTests(SqliteHub hub) : HostsTests<SqliteHub>(hub);

public sealed class PostgresHostsTests(PostgresHub hub) : HostsTests<PostgresHub>(hub);
