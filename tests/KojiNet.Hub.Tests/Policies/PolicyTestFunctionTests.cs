using KojiNet.Hub.Policies;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Tests.Policies;

/// <summary>
/// The hub's policy tests that read the database (policy.md §6), on both engines, against the
/// seeded data of <see cref="PolicyDatabase"/>: alice (permission <c>tag</c>, member of group
/// <c>packagers</c> which holds <c>repo</c>), bob (nothing), kojiadmin (admin); tags
/// <c>f40-build</c> (child of <c>f40-base</c>) and <c>f40-candidate</c>; target <c>f40</c>;
/// builds <c>pkg-a-1.0-1</c> (alice's, tagged in f40-candidate, type rpm, an RPM without
/// buildroot), <c>pkg-g-1-1</c> (owned by packagers), <c>pkg-cg-1-1</c> (an RPM from a
/// <c>my-cg</c> buildroot), <c>pkg-src-1-1</c> (with a source), <c>pkg-task-1-1</c> (source
/// only in its build task's request) and a draft build.
/// </summary>
public abstract class PolicyTestFunctionTests<TDb>(TDb db) : IClassFixture<TDb> where TDb : PolicyDatabase
{
    public static TheoryData<string, string, string?, bool> Cases => new()
    {
        // test | data | logged-in user | expected
        { "user alice", "{}", "alice", true },
        { "user al* x", "{}", "alice", true },
        { "user alice", "{}", "bob", false },
        { "user alice", "{}", null, false },
        { "user alice", """{"user_id": "alice"}""", "bob", true },
        { "user alice", """{"user_id": "$alice"}""", null, true },
        { "user alice", """{"user_id": 999999}""", "alice", false },
        { "has_perm tag", "{}", "alice", true },
        { "has_perm repo", "{}", "alice", true },
        { "has_perm admin", "{}", "alice", false },
        { "has_perm tag", "{}", "kojiadmin", false },
        { "has_perm ad* x", "{}", "kojiadmin", true },
        { "has_perm tag", "{}", null, false },
        { "has_perm tag", """{"user_id": "alice"}""", "kojiadmin", true },
        { "user_in_group packagers", "{}", "alice", true },
        { "user_in_group pack*", "{}", "bob", false },
        { "user_in_group packagers", "{}", null, false },
        { "is_build_owner", """{"build": "pkg-a-1.0-1"}""", "alice", true },
        { "is_build_owner", """{"build": "$pkg-a"}""", "bob", false },
        { "is_build_owner", """{"build": "pkg-g-1-1"}""", "alice", true },
        { "is_build_owner", """{"build": "pkg-g-1-1"}""", "bob", false },
        { "is_build_owner", """{"build": "pkg-a-1.0-1", "user_id": "alice"}""", "bob", true },
        { "is_build_owner", """{"build": "pkg-a-1.0-1"}""", null, false },
        { "package pkg-a", """{"package": "pkg-a"}""", null, true },
        { "package new-*", """{"package": "new-thing"}""", null, true },
        { "package pkg-*", """{"build": "pkg-cg-1-1"}""", null, true },
        { "package pkg-a", """{"package": "pkg-cg", "build": "pkg-a-1.0-1"}""", null, false },
        { "is_new_package", """{"package": "new-thing"}""", null, true },
        { "is_new_package", """{"package": "pkg-a"}""", null, false },
        { "is_new_package", """{"build": "pkg-a-1.0-1"}""", null, false },
        { "version 1.*", """{"build": "pkg-a-1.0-1"}""", null, true },
        { "release 1", """{"build": "pkg-a-1.0-1"}""", null, true },
        { "release 2", """{"build": "pkg-a-1.0-1", "release": "2"}""", null, true },
        { "tag f40-*", """{"tag": "f40-candidate"}""", null, true },
        { "tag f40-*", """{"tag": "$f40-build"}""", null, true },
        { "tag f40-*", """{"tag": null, "fromtag": "f40-candidate"}""", null, false },
        { "tag *", """{"tag": "no-such-tag"}""", null, false },
        { "tag *", "{}", null, false },
        { "fromtag f40-cand*", """{"tag": null, "fromtag": "f40-candidate"}""", null, true },
        { "fromtag *", """{"tag": "f40-candidate", "fromtag": null}""", null, false },
        { "hastag f40-candidate", """{"build": "pkg-a-1.0-1"}""", null, true },
        { "hastag f40-build f40-c*", """{"build": "pkg-a-1.0-1"}""", null, true },
        { "hastag f40-candidate", """{"build": "pkg-cg-1-1"}""", null, false },
        { "hastag *", "{}", null, false },
        { "buildtag f40-build", """{"build_tag": "f40-build"}""", null, true },
        { "buildtag f40-build", """{"build_tag": "$f40-build"}""", null, true },
        { "buildtag f40-base", """{"build_tags": ["f40-candidate", "f40-base"]}""", null, true },
        { "buildtag f40-build", """{"target": "f40"}""", null, true },
        { "buildtag f40-build", """{"target": "no-such-target"}""", null, false },
        { "buildtag f40-build", """{"build_tag": "f40-base", "target": "f40"}""", null, false },
        { "buildtag *", "{}", null, false },
        { "buildtag_inherits_from f40-base", """{"build_tag": "f40-build"}""", null, true },
        { "buildtag_inherits_from f40-build", """{"build_tag": "f40-build"}""", null, false },
        { "buildtag_inherits_from f40-*", """{"target": "f40"}""", null, true },
        { "buildtype rpm", """{"build": "pkg-a-1.0-1"}""", null, true },
        { "buildtype maven", """{"build": "pkg-a-1.0-1"}""", null, false },
        { "buildtype rpm", """{"build": "pkg-a-1.0-1", "btypes": ["image"]}""", null, false },
        { "imported", """{"build": "pkg-a-1.0-1"}""", null, true },
        { "imported", """{"build": "pkg-cg-1-1"}""", null, false },
        { "imported", """{"build": "pkg-src-1-1"}""", null, false },
        { "source git+https://src.example.org/pkg-src*", """{"build": "pkg-src-1-1"}""", null, true },
        { "source git+https://src.example.org/pkg-task?def", """{"build": "pkg-task-1-1"}""", null, true },
        { "source *", """{"build": "pkg-a-1.0-1"}""", null, false },
        { "source other", """{"build": "pkg-src-1-1", "source": "other"}""", null, true },
        { "volume DEFAULT", """{"build": "pkg-a-1.0-1"}""", null, true },
        { "volume vol2", """{"volume": "vol2"}""", null, true },
        { "volume vol*", """{"volume": "$vol2"}""", null, true },
        { "volume *", """{"volume": "no-such-volume"}""", null, false },
        { "volume *", "{}", null, false },
        { "cg_match_any my-cg", """{"build": "pkg-cg-1-1"}""", null, true },
        { "cg_match_all my-*", """{"build": "pkg-cg-1-1"}""", null, true },
        { "cg_match_any *", """{"build": "pkg-a-1.0-1"}""", null, false },
        { "cg_match_all *", """{"build": "pkg-a-1.0-1"}""", null, false },
        { "cg_match_all *", """{"build": "pkg-src-1-1"}""", null, false },
        { "cg_match_any my-cg", """{"cg_list": ["my-cg"]}""", null, true },
        { "cg_match_any my-cg", """{"buildroots": ["$br"]}""", null, true },
        { "cg_match_all my-cg", """{"buildroots": ["$br", null]}""", null, false },
        { "cg_match_any my-cg", """{"buildroots": ["$br", null]}""", null, true },
        { "is_draft", """{"build": "$draft"}""", null, true },
        { "is_draft", """{"build": "pkg-a-1.0-1"}""", null, false },
        { "is_draft", """{"build": "$draft", "draft": false}""", null, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HubTestAgainstTheDatabase(string test, string json, string? user, bool expected)
    {
        var rules = PolicyRuleSet.Parse("t", $"{test} :: yes");
        var outcome = await db.AsUserAsync(user, ctx => rules.ApplyAsync(new PolicyContext(db.Data(json), PolicySet.Defaults, ctx)));
        Assert.Equal(expected ? "yes" : null, outcome.Action);
    }

    public static TheoryData<string, string, string> Faults => new()
    {
        { "package x", "{}", "policy requires package data" },
        { "is_new_package", "{}", "policy requires package data" },
        { "package x", """{"package": 999999}""", "No such package: 999999" },
        { "version x", "{}", "policy requires version data" },
        { "release x", "{}", "policy requires release data" },
        { "imported", "{}", "policy data must contain a build" },
        { "imported", """{"build": null}""", "policy data must contain a build" },
        { "is_build_owner", "{}", "policy data must contain a build" },
        { "is_build_owner", """{"build": "nope-1-1"}""", "No such build: nope-1-1" },
        { "hastag x", """{"build": 999999}""", "No such build: 999999" },
        { "buildtag x", """{"build_tag": "nope"}""", "No such tagInfo: 'nope'" },
        { "buildtag x", """{"build_tags": ["f40-base", "nope"]}""", "No such tagInfo: 'nope'" },
        { "cg_match_any x", """{"cg_list": ["nope"]}""", "No such entry in table content_generator: nope" },
        { "cg_match_any x", """{"buildroots": [999999]}""", "No such buildroot: 999999" },
        { "policy nope", "{}", "no such policy: nope" },
    };

    [Theory]
    [MemberData(nameof(Faults))]
    public async Task HubTestFaultsOnMissingData(string test, string json, string message)
    {
        // 'policy nope' compiles on its own (only a hub.conf checks references) and fails when run.
        var rules = PolicyRuleSet.Parse("t", $"{test} :: yes");
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() =>
            db.AsUserAsync("alice", ctx => rules.ApplyAsync(new PolicyContext(db.Data(json), PolicySet.Defaults, ctx))));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task TestsThatNeedTheDatabaseSayWhenThereIsNone()
    {
        var rules = PolicyRuleSet.Parse("t", "hastag x :: yes");
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            rules.ApplyAsync(new PolicyContext(db.Data("""{"build": 1}"""), PolicySet.Defaults, null)));
        Assert.Contains("needs the hub database", e.Message, StringComparison.Ordinal);
    }
}

public sealed class SqlitePolicyTestFunctionTests(SqlitePolicyDatabase db) : PolicyTestFunctionTests<SqlitePolicyDatabase>(db);

public sealed class PostgresPolicyTestFunctionTests(PostgresPolicyDatabase db) : PolicyTestFunctionTests<PostgresPolicyDatabase>(db);
