using KojiNet.Hub.Configuration;
using KojiNet.Hub.Policies;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Tests.Policies;

/// <summary>
/// How results are interpreted (policy.md §3): allow/deny checks, reasons, force, the
/// ActionNotAllowed text, and the channel, priority and volume policies; on both engines.
/// </summary>
public abstract class PolicyServiceTests<TDb>(TDb db) : IClassFixture<TDb> where TDb : PolicyDatabase
{
    private static PolicyService Service(string policies, bool missingPolicyOk = true, bool verbose = false, bool debug = false)
    {
        var set = PolicySet.Compile(policies.Split(";;", StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => KeyValuePair.Create(p[0].Trim(), p[1].Replace("|", "\n", StringComparison.Ordinal))));
        return new PolicyService(set, new OperationOptions { MissingPolicyOk = missingPolicyOk, VerbosePolicy = verbose, KojiDebug = debug });
    }

    [Theory]
    // policies (';;' between policies, '|' between rules) | policy | data | default | allowed | reason
    [InlineData("p = all :: allow", "p", "{}", "deny", true, "")]
    [InlineData("p = all :: allow Because I Say So", "p", "{}", "deny", true, "because i say so")]
    [InlineData("p = all :: deny Only Admin may do this", "p", "{}", "deny", false, "only admin may do this")]
    [InlineData("p = all :: deny", "p", "{}", "deny", false, "")]
    [InlineData("p = has x :: allow", "p", "{}", "deny", false, "not covered by policy")]
    [InlineData("p = has x :: allow", "p", "{}", "allow", true, "not covered by policy")]
    [InlineData("p = all :: maybe later", "p", "{}", "deny", false, "error in policy")]
    [InlineData("p = all :: ALLOW", "p", "{}", "deny", false, "error in policy")]
    [InlineData("p = all ::", "p", "{}", "deny", false, "error in policy")]
    [InlineData("p = all :: allow", "nope", "{}", "deny", true, "missing policy")]
    [InlineData("p = has_perm tag :: allow|all :: deny no", "p", "{}", "deny", true, "")]
    [InlineData("p = has_perm tag :: allow|all :: deny no", "p", """{"user_id": "bob"}""", "deny", false, "no")]
    public async Task CheckGivesTheVerdictAndReason(string policies, string name, string json, string @default, bool allowed, string reason)
    {
        var service = Service(policies);
        var result = await db.AsUserAsync("alice", ctx => service.CheckAsync(ctx, name, db.Data(json), @default));
        Assert.Equal((allowed, reason), result);
    }

    [Fact]
    public async Task AMissingPolicyDeniesWhenMissingPolicyOkIsOff()
    {
        var service = Service("p = all :: allow", missingPolicyOk: false);
        Assert.Equal((false, "missing policy"), await db.AsUserAsync("alice", ctx => service.CheckAsync(ctx, "tag", db.Data("{}"))));
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => db.AsUserAsync("alice", ctx => service.AssertAsync(ctx, "tag", db.Data("{}"))));
        Assert.Equal("policy violation (tag): missing policy", e.Message);
    }

    [Theory]
    [InlineData("p = all :: deny Some Message", false, false, "policy violation (p): some message")]
    [InlineData("p = all :: deny", false, false, "policy violation (p)")]
    [InlineData("p = has x :: allow", false, false, "policy violation (p): not covered by policy")]
    [InlineData("p = all :: nonsense", false, false, "policy violation (p): error in policy")]
    [InlineData("p = has x :: allow|all :: deny Go Away", true, false, "policy violation (p): go away [rule: all :: deny Go Away]")]
    [InlineData("p = has x :: allow|all :: deny Go Away", false, true, "policy violation (p): go away [rule: all :: deny Go Away]")]
    [InlineData("p = has x :: allow", true, false, "policy violation (p): not covered by policy [rule: (no match)]")]
    [InlineData("p = has y :: allow|all && none !! {|  has x :: allow|}", true, false, "policy violation (p): not covered by policy [rule: all && none !! (no match)]")]
    [InlineData("p = all :: {|  has x :: allow|  none !! deny|}", true, false, "policy violation (p) [rule: all :: ... none !! deny]")]
    public async Task AssertRaisesActionNotAllowedWithUpstreamsText(string policies, bool verbose, bool debug, string message)
    {
        var service = Service(policies, verbose: verbose, debug: debug);
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => db.AsUserAsync("alice", ctx => service.AssertAsync(ctx, "p", db.Data("{}"))));
        Assert.Equal(KojiFaultCode.ActionNotAllowed, e.FaultCode);
        Assert.Equal(message, e.Message);
    }

    [Theory]
    // Force lets an admin policy user (the logged-in user, or data's user_id) past a refusal, and nobody else.
    [InlineData("kojiadmin", "{}", true, "overriden by force")]
    [InlineData("alice", "{}", false, "no")]
    [InlineData("alice", """{"user_id": "kojiadmin"}""", true, "overriden by force")]
    [InlineData("kojiadmin", """{"user_id": "alice"}""", false, "no")]
    [InlineData(null, "{}", false, "no")]
    public async Task ForceOverridesADenialForAdmins(string? user, string json, bool allowed, string reason)
    {
        var service = Service("p = all :: deny No");
        Assert.Equal((allowed, reason), await db.AsUserAsync(user, ctx => service.CheckAsync(ctx, "p", db.Data(json), force: true)));
        Assert.Equal((false, "no"), await db.AsUserAsync(user, ctx => service.CheckAsync(ctx, "p", db.Data(json))));
    }

    [Fact]
    public async Task EvalReturnsTheRawAction()
    {
        var service = Service("p = has x :: Some Action  With Spaces");
        Assert.Equal("Some Action  With Spaces", await db.AsUserAsync("alice", ctx => service.EvalAsync(ctx, "p", db.Data("""{"x": 1}"""))));
        Assert.Null(await db.AsUserAsync("alice", ctx => service.EvalAsync(ctx, "p", db.Data("{}"))));
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => db.AsUserAsync("alice", ctx => service.EvalAsync(ctx, "nope", db.Data("{}"))));
        Assert.Equal("no such policy: nope", e.Message);
        Assert.Equal(KojiFaultCode.GenericError, e.FaultCode);
    }

    [Theory]
    // channel policy | data | requested | parent | channel or fault
    [InlineData("", "{}", null, null, "default")]
    [InlineData("", """{"req_channel": "createrepo"}""", "createrepo", null, "createrepo")]
    [InlineData("", """{"parent": 5}""", null, "createrepo", "createrepo")]
    [InlineData("method newRepo :: use createrepo|all :: use default", """{"method": "newRepo"}""", null, null, "createrepo")]
    [InlineData("has nothing :: use createrepo", "{}", null, null, "default")]
    [InlineData("all :: use off", "{}", null, null, "fault:Channel off is disabled.")]
    [InlineData("all :: use nosuch", "{}", null, null, "fault:query returned no rows")]
    [InlineData("all :: use", "{}", null, null, "fault:invalid channel policy")]
    [InlineData("all :: req", "{}", null, null, "fault:invalid channel policy")]
    [InlineData("all :: parent", "{}", null, null, "fault:invalid channel policy")]
    [InlineData("all :: elsewhere", "{}", null, null, "fault:invalid channel policy")]
    public async Task ChannelPolicyChoosesTheTaskChannel(string policy, string json, string? requested, string? parent, string expected)
    {
        var service = Service(policy.Length == 0 ? "" : "channel = " + policy);
        int? Id(string? name) => name is null ? null : db.Ids[name];
        try
        {
            var channel = await db.AsUserAsync("alice", ctx => service.ChannelAsync(ctx, db.Data(json), Id(requested), Id(parent)));
            Assert.Equal(expected, channel.Name);
        }
        catch (XmlRpcFaultException e)
        {
            Assert.Equal(expected, "fault:" + e.Message);
        }
    }

    [Theory]
    [InlineData("", 20, "20")]
    [InlineData("all :: stay", 20, "20")]
    [InlineData("all :: set 5", 20, "5")]
    [InlineData("all :: set -3", 20, "-3")]
    [InlineData("all :: adjust +5", 20, "25")]
    [InlineData("all :: adjust -5", 20, "15")]
    [InlineData("has x :: set 1", 20, "20")]
    [InlineData("all :: adjust 5", 20, "fault:invalid priority policy")]
    [InlineData("all :: set high", 20, "fault:invalid priority policy")]
    [InlineData("all :: raise", 20, "fault:invalid priority policy")]
    [InlineData("all ::", 20, "fault:invalid priority policy")]
    public async Task PriorityPolicyAdjustsTheTaskPriority(string policy, int priority, string expected)
    {
        var service = Service(policy.Length == 0 ? "" : "priority = " + policy);
        try
        {
            var result = await db.AsUserAsync("alice", ctx => service.PriorityAsync(ctx, db.Data("{}"), priority));
            Assert.Equal(expected, result.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (XmlRpcFaultException e)
        {
            Assert.Equal(expected, "fault:" + e.Message);
        }
    }

    [Theory]
    // volume policy | strict | default | volume, "null" or fault
    [InlineData("", false, null, "DEFAULT")]
    [InlineData("has x :: vol2|all :: DEFAULT", false, null, "DEFAULT")]
    [InlineData("all :: vol2", false, null, "vol2")]
    [InlineData("all :: nosuch", false, null, "null")]
    [InlineData("all :: nosuch", false, "DEFAULT", "DEFAULT")]
    [InlineData("all :: nosuch", true, null, "fault:Policy returned invalid volume: nosuch")]
    [InlineData("has x :: vol2", false, null, "null")]
    [InlineData("has x :: vol2", false, "vol2", "vol2")]
    [InlineData("has x :: vol2", true, null, "fault:No volume policy match")]
    [InlineData("imported :: vol2", false, "DEFAULT", "DEFAULT")]
    [InlineData("imported :: vol2", true, null, "fault:policy data must contain a build")]
    public async Task VolumePolicyNamesAVolume(string policy, bool strict, string? @default, string expected)
    {
        var service = Service(policy.Length == 0 ? "" : "volume = " + policy);
        try
        {
            var volume = await db.AsUserAsync("alice", ctx => service.VolumeAsync(ctx, db.Data("{}"), strict, @default));
            Assert.Equal(expected, volume?.Name ?? "null");
        }
        catch (XmlRpcFaultException e)
        {
            Assert.Equal(expected, "fault:" + e.Message);
        }
    }

    [Fact]
    public async Task TaskParametersGivePolicyData()
    {
        var data = await db.AsUserAsync("alice", ctx => TaskPolicyData.FromTaskParamsAsync(ctx, "build",
            db.Data("""{"src": "git+https://example.org/x#1", "target": "f40", "opts": {"scratch": true}}""")));
        Assert.Equal("git+https://example.org/x#1", data["source"]);
        Assert.Equal("f40", data["target"]);
        Assert.Equal(true, data["scratch"]);
        Assert.False(data.ContainsKey("tag"));

        data = await db.AsUserAsync("alice", ctx => TaskPolicyData.FromTaskParamsAsync(ctx, "newRepo",
            db.Data("""{"tag": "$f40-build", "src": true, "opts": {}}""")));
        Assert.Equal("f40-build", data["tag"]);
        Assert.False(data.ContainsKey("source"));
        Assert.False(data.ContainsKey("scratch"));

        data = await db.AsUserAsync("alice", ctx => TaskPolicyData.FromTaskParamsAsync(ctx, "wrapperRPM",
            db.Data("""{"spec_url": "git://x", "build_target": {"name": "f40", "id": 1}, "build_tag": "f40-build"}""")));
        Assert.Equal("git://x", data["source"]);
        Assert.Equal("f40", data["target"]);
        Assert.Equal("f40-build", data["build_tag"]);

        data = await db.AsUserAsync("alice", ctx => TaskPolicyData.FromTaskParamsAsync(ctx, "indirectionimage",
            db.Data("""{"opts": {"target": null, "scratch": false}}""")));
        Assert.Null(data["target"]);
        Assert.Equal(false, data["scratch"]);

        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => db.AsUserAsync("alice", ctx => TaskPolicyData.FromTaskParamsAsync(ctx, "build",
            db.Data("""{"src": "x", "target": "no-such-target"}"""))));
        Assert.Equal("No such build target: no-such-target", e.Message);
    }
}

public sealed class SqlitePolicyServiceTests(SqlitePolicyDatabase db) : PolicyServiceTests<SqlitePolicyDatabase>(db);

public sealed class PostgresPolicyServiceTests(PostgresPolicyDatabase db) : PolicyServiceTests<PostgresPolicyDatabase>(db);
