using KojiNet.Configuration;
using KojiNet.Hub.Configuration;
using KojiNet.Hub.Policies;

namespace KojiNet.Hub.Tests.Policies;

/// <summary>Policies from the <c>[policy]</c> section of hub.conf, the built-in defaults, and start-up errors (policy.md §1, §4).</summary>
public sealed class PolicyConfigurationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-policyconf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static HubConfiguration FromText(string policySection) =>
        HubConfiguration.FromIni(IniFile.Parse("[hub]\nDBName = koji\n" + policySection, "hub.conf"), "hub.conf");

    private static async Task<string?> EvalAsync(PolicySet set, string name, Dictionary<string, object?> data) =>
        (await set.Get(name)!.ApplyAsync(new PolicyContext(data, set, null))).Action;

    [Fact]
    public async Task MultiLinePoliciesWithBlocksAndComments()
    {
        var config = FromText("""
            [policy]
            # a comment line of the INI file
            Tag =
                # a comment inside the value
                operation untag :: {
                    match fromtag protected-* :: deny protected   # why
                }
                has_perm admin :: allow

                all :: allow
            my_check = bool ok :: yes
            """);
        var set = config.Policies;
        Assert.Contains("tag", set.Configured);
        Assert.Contains("my_check", set.Configured);
        var tag = set.Get("tag")!;
        Assert.Equal(3, tag.Rules.Count);
        Assert.Single(tag.Rules[0].Block!);
        Assert.Equal("deny protected", await EvalAsync(set, "tag", new() { ["operation"] = "untag", ["fromtag"] = "protected-1" }));
        Assert.Equal("yes", await EvalAsync(set, "my_check", new() { ["ok"] = true }));
        Assert.Null(await EvalAsync(set, "my_check", new() { ["ok"] = false }));
    }

    [Fact]
    public async Task EveryPolicyNotConfiguredGetsItsDefault()
    {
        var config = FromText("[policy]\npackage_list = all :: allow\n");
        var set = config.Policies;
        Assert.Equal(["package_list"], set.Configured);
        Assert.Equal("all :: allow", set.Get("package_list")!.Text);
        string[] defaults =
        [
            "build_from_repo_id", "build_from_scm", "build_from_srpm", "build_rpm", "cg_import", "channel", "draft_promotion",
            "package_list", "priority", "vm", "volume",
        ];
        Assert.Equal(defaults, set.Names.Order(StringComparer.Ordinal));
        Assert.Null(set.Get("tag"));
        Assert.Equal("use default", await EvalAsync(set, "channel", new() { ["method"] = "build" }));
        Assert.Equal("req", await EvalAsync(set, "channel", new() { ["req_channel"] = "createrepo", ["parent"] = 7 }));
        Assert.Equal("parent", await EvalAsync(set, "channel", new() { ["parent"] = 7 }));
        Assert.Equal("stay", await EvalAsync(set, "priority", new()));
        Assert.Equal("DEFAULT", await EvalAsync(set, "volume", new()));
        Assert.Equal("allow", await EvalAsync(set, "build_rpm", new()));
        Assert.Equal("allow", await EvalAsync(set, "cg_import", new()));
    }

    [Fact]
    public void WithoutAPolicySectionOnlyTheDefaultsExist()
    {
        var config = FromText("");
        Assert.Same(PolicySet.Defaults, config.Policies);
        Assert.Empty(config.Policies.Configured);
        Assert.Equal(PolicySet.DefaultTexts.Count, config.Policies.Names.Count());
    }

    [Fact]
    public void TheMainFileOverridesAPolicyOfTheConfDirectory()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "hub.conf.d"));
        File.WriteAllText(Path.Combine(_dir, "hub.conf.d", "50-policy.conf"), "[policy]\ntag = all :: deny from the directory\nvm = all :: allow\n");
        File.WriteAllText(Path.Combine(_dir, "hub.conf"), "[hub]\nDBName = koji\n[policy]\ntag =\n    all :: deny from the main file\n");
        var config = HubConfiguration.Load(Path.Combine(_dir, "hub.conf"), Path.Combine(_dir, "hub.conf.d"));
        Assert.Equal("all :: deny from the main file", config.Policies.Get("tag")!.Text.Trim());
        Assert.Equal("all :: allow", config.Policies.Get("vm")!.Text);
    }

    [Theory]
    [InlineData("tag = nosuch :: allow", "hub.conf [policy]: policy 'tag': missing test handler: nosuch")]
    [InlineData("tag =\n    all :: {\n        all :: allow\n", "hub.conf [policy]: policy 'tag': nesting error in rule set")]
    [InlineData("tag =\n    all :: allow\n    }", "hub.conf [policy]: policy 'tag': nesting error in rule set")]
    [InlineData("Build_RPM =\n    allow", "hub.conf [policy]: policy 'build_rpm': bad policy line: allow")]
    [InlineData("x = has :: yes", "hub.conf [policy]: policy 'x': Invalid or missing field in policy test")]
    [InlineData("x = policy y :: yes", "hub.conf [policy]: policy 'x': test 'policy y': no such policy: y")]
    [InlineData("x = compare n <> 1 :: yes", "hub.conf [policy]: policy 'x': Invalid comparison in test.")]
    public void AnInvalidPolicyStopsStartUpNamingIt(string policies, string message)
    {
        var e = Assert.Throws<IniFormatException>(() => FromText("[policy]\n" + policies + "\n"));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void AnInvalidPolicyInAFileNamesTheFile()
    {
        var path = Path.Combine(_dir, "hub.conf");
        File.WriteAllText(path, "[hub]\nDBName = koji\n[policy]\nchannel =\n    is_child_task :: parent\n    all :: use default\n    oops\n");
        var e = Assert.Throws<IniFormatException>(() => HubConfiguration.Load(path));
        Assert.Equal($"{path} [policy]: policy 'channel': bad policy line: oops", e.Message);
    }

    [Fact]
    public void TheBuiltInDefaultsAreUpstreamsRules()
    {
        // The rule lines (comments aside) of policy.md §4.
        var expected = new Dictionary<string, string[]>
        {
            ["build_rpm"] = ["all :: allow"],
            ["build_from_srpm"] = ["has_perm admin :: allow", "all :: deny Only admin can do this via default policy"],
            ["build_from_repo_id"] = ["has_perm admin :: allow", "all :: deny Only admin can do this via default policy"],
            ["build_from_scm"] = ["has_perm admin :: allow", "all :: deny Only admin can do this via default policy"],
            ["package_list"] = ["has_perm admin :: allow", "has_perm tag :: allow", "all :: deny Only admin/tag can do this via default policy"],
            ["channel"] = ["has req_channel :: req", "is_child_task :: parent", "all :: use default"],
            ["vm"] = ["has_perm admin win-admin :: allow", "all :: deny Only admin/win-admin can do this via default policy"],
            ["cg_import"] = ["all :: allow"],
            ["volume"] = ["all :: DEFAULT"],
            ["priority"] = ["all :: stay"],
            ["draft_promotion"] = ["has_perm draft-promoter :: allow", "is_build_owner :: allow",
                "all :: deny Only draft-promoter and build owner can do this via default policy"],
        };
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), PolicySet.DefaultTexts.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, rules) in expected)
        {
            var compiled = PolicySet.Defaults.Get(name)!;
            Assert.Equal(rules, compiled.Rules.Select(r => r.Render() + r.Action));
        }
    }
}
