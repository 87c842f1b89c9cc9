using System.Text.Json;
using KojiNet.Hub.Certificates;

namespace KojiNet.Hub.Tests.Tasks;

/// <summary>Shared pieces of the task and scheduler tests: Python prelude, host certificates, fault checks.</summary>
internal static class TaskTestSupport
{
    /// <summary>
    /// Python: sessions <c>s</c> (admin), <c>a</c> (alice), <c>anon</c>; <c>F(fn)</c> returns a fault
    /// as a dict; <c>setup_channel(channel, {host: arches})</c> creates a channel and builder hosts
    /// that are only in it (tests sharing a hub stay out of each other's way) and returns
    /// <c>{host: Builder}</c>, logged in and exclusive.
    /// </summary>
    public const string Prelude = """
        import time, threading
        s = Session(hub, ca, admin_pem); s.ssl_login()
        a = Session(hub, ca, alice_pem); a.ssl_login()
        anon = Session(hub, ca)
        def F(fn):
            try:
                return fn()
            except xmlrpc.client.Fault as e:
                return fault_dict(e)
        def setup_channel(channel, hosts):
            s.call("addChannel", channel)
            builders = {}
            for name, arches in hosts.items():
                s.call("addHost", name, arches)
                s.call("addHostToChannel", name, channel)
                s.call("removeHostFromChannel", name, "default")
                builders[name] = Builder(hub, ca, pems[name])
            return builders
        def info(task_id):
            return anon.call("getTaskInfo", task_id)
        """;

    /// <summary>Runs <paramref name="body"/> after the prelude, with host certificates for <paramref name="hosts"/> in <c>pems</c>.</summary>
    public static JsonElement Run(HubFixture hub, string body, params string[] hosts) => Run(hub, body, hosts, []);

    /// <summary>As above, plus user certificates for <paramref name="users"/> (also in <c>pems</c>).</summary>
    public static JsonElement Run(HubFixture hub, string body, string[] hosts, string[] users)
    {
        var pems = string.Join(", ", hosts.Select(h => (h, CertificateKind.Host)).Concat(users.Select(u => (u, CertificateKind.User)))
            .Select(x => $"{JsonSerializer.Serialize(x.Item1)}: {JsonSerializer.Serialize(hub.Ca.Ensure(x.Item2, x.Item1))}"));
        return hub.Python("pems = {" + pems + "}\n" + Prelude + "\n" + body);
    }

    public static void AssertFault(JsonElement e, int code, string? message = null)
    {
        Assert.True(e.ValueKind == JsonValueKind.Object && e.TryGetProperty("faultCode", out _), e.GetRawText());
        Assert.Equal(code, e.GetProperty("faultCode").GetInt32());
        if (message is not null)
        {
            Assert.Equal(message, e.GetProperty("faultString").GetString());
        }
    }

    public static int[] Ints(JsonElement arr) => arr.EnumerateArray().Select(x => x.GetInt32()).ToArray();
}
