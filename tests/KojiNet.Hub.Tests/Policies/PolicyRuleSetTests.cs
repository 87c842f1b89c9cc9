using System.Text.Json;
using KojiNet.Hub.Policies;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Tests.Policies;

/// <summary>The rule syntax, evaluation order, fall-through and "last rule" rendering (policy.md §2), with the generic tests.</summary>
public sealed class PolicyRuleSetTests
{
    private static Dictionary<string, object?> Data(string json)
    {
        static object? Convert(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value), StringComparer.Ordinal),
            JsonValueKind.Array => e.EnumerateArray().Select(Convert).ToList(),
            JsonValueKind.String => e.GetString(),
            JsonValueKind.Number when e.TryGetInt32(out var i) => i,
            JsonValueKind.Number => e.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => null,
        };
        using var doc = JsonDocument.Parse(json);
        return (Dictionary<string, object?>)Convert(doc.RootElement)!;
    }

    private static async Task<PolicyOutcome> ApplyAsync(string text, string json, PolicySet? set = null) =>
        await PolicyRuleSet.Parse("p", text).ApplyAsync(new PolicyContext(Data(json), set ?? PolicySet.Defaults, null));

    [Theory]
    // text | data | action (null = no match) | last rule
    [InlineData("all :: allow", "{}", "allow", "all :: allow")]
    [InlineData("has x :: yes\nall :: no", "{}", "no", "all :: no")]
    [InlineData("has x :: yes\nall :: no", """{"x": null}""", "yes", "has x :: yes")]
    [InlineData("has x !! missing\nall :: present", "{}", "missing", "has x !! missing")]
    [InlineData("has x !! missing\nall :: present", """{"x": 1}""", "present", "all :: present")]
    [InlineData("has a && has b :: both\nall :: not both", """{"a": 1, "b": 2}""", "both", "has a && has b :: both")]
    [InlineData("has a && has b :: both\nall :: not both", """{"a": 1}""", "not both", "all :: not both")]
    [InlineData("has a && has b !! not both\nall :: both", """{"a": 1}""", "not both", "has a && has b !! not both")]
    // Tests stop at the first false: the compare that would fault on a string never runs.
    [InlineData("false && compare s < 1 :: x\nall :: y", """{"s": "text"}""", "y", "all :: y")]
    [InlineData("has a :: {\n    has b :: inner\n}\nall :: outer", """{"a": 1, "b": 1}""", "inner", "has a :: ... has b :: inner")]
    // A block none of whose rules match falls through to the next rule.
    [InlineData("has a :: {\n    has b :: inner\n}\nall :: outer", """{"a": 1}""", "outer", "all :: outer")]
    [InlineData("has a !! {\n    all :: inner\n}\nall :: outer", "{}", "inner", "has a !! ... all :: inner")]
    // Within a block, a nested block that falls through stays in the rendering (as upstream's does).
    [InlineData("has a :: {\n  has b :: {\n    has c :: deep\n  }\n  all :: mid\n}", """{"a": 1, "b": 1}""", "mid", "has a :: ... has b :: ... all :: mid")]
    [InlineData("has a :: {\n  has b :: {\n    has c :: deep\n  }\n  all :: mid\n}", """{"a": 1, "b": 1, "c": 1}""", "deep", "has a :: ... has b :: ... has c :: deep")]
    [InlineData("has a :: x", "{}", null, "(no match)")]
    [InlineData("has a :: {\n  has b :: x\n}", """{"a": 1}""", null, "has a :: (no match)")]
    [InlineData("", "{}", null, "(no match)")]
    // Comments, blank lines, spacing.
    [InlineData("# a comment\n\n   all   ::   allow   # why\n", "{}", "allow", "all   :: allow")]
    [InlineData("all :: allow#no space", "{}", "allow", "all :: allow")]
    // The separator is the last '::'; '!!' only without one.
    [InlineData("match x a::b :: act", """{"x": "a::b"}""", "act", "match x a::b :: act")]
    [InlineData("all :: deny !! not a separator", "{}", "deny !! not a separator", "all :: deny !! not a separator")]
    [InlineData("false !! neg", "{}", "neg", "false !! neg")]
    [InlineData("all ::", "{}", "", "all :: ")]
    [InlineData("none :: a\ntrue :: b", "{}", "b", "true :: b")]
    public async Task EvaluatesRulesInOrder(string text, string json, string? action, string lastRule)
    {
        var outcome = await ApplyAsync(text, json);
        Assert.Equal(action, outcome.Action);
        Assert.Equal(lastRule, outcome.LastRule);
    }

    [Theory]
    [InlineData("all :: {\n  all :: x\n", "nesting error in rule set")]
    [InlineData("all :: x\n}", "nesting error in rule set")]
    [InlineData("all :: {\n  all :: x\n}\n}", "nesting error in rule set")]
    [InlineData("all :: {\n  all :: x }", "nesting error in rule set")]
    [InlineData("allow", "bad policy line: allow")]
    [InlineData("  has_perm admin -> allow  # comment", "bad policy line: has_perm admin -> allow")]
    [InlineData("nosuch :: allow", "missing test handler: nosuch")]
    [InlineData("all && nosuch x :: allow", "missing test handler: nosuch")]
    [InlineData("Has x :: allow", "missing test handler: Has")]
    [InlineData(":: allow", "bad policy line (empty test): :: allow")]
    [InlineData("all && :: allow", "bad policy line (empty test): all && :: allow")]
    [InlineData("has :: allow", "Invalid or missing field in policy test")]
    [InlineData("bool :: allow", "bool test needs a field name")]
    [InlineData("match :: allow", "match test needs a field name")]
    [InlineData("match_any :: allow", "match_any test needs a field name")]
    [InlineData("compare x ~ 3 :: allow", "Invalid comparison in test.")]
    [InlineData("compare x < many :: allow", "compare test: 'many' is not a number")]
    [InlineData("compare x < :: allow", "compare test needs 'compare FIELD OP NUMBER', got: compare x <")]
    [InlineData("policy :: allow", "policy test needs a policy name")]
    public void RejectsMalformedPolicies(string text, string message)
    {
        var e = Assert.Throws<PolicySyntaxException>(() => PolicyRuleSet.Parse("p", text));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData("true", "{}", true)]
    [InlineData("all extra words", "{}", true)]
    [InlineData("false", "{}", false)]
    [InlineData("none", "{}", false)]
    [InlineData("has x", """{"x": false}""", true)]
    [InlineData("has x", """{"y": 1}""", false)]
    [InlineData("bool x", """{"x": 1}""", true)]
    [InlineData("bool x", """{"x": 0}""", false)]
    [InlineData("bool x", """{"x": ""}""", false)]
    [InlineData("bool x", """{"x": []}""", false)]
    [InlineData("bool x", """{"x": ["a"]}""", true)]
    [InlineData("bool x", """{"x": null}""", false)]
    [InlineData("bool x", "{}", false)]
    [InlineData("match x foo*", """{"x": "foobar"}""", true)]
    [InlineData("match x foo* bar", """{"x": "bar"}""", true)]
    [InlineData("match x foo*", """{"x": "Foobar"}""", false)]
    [InlineData("match x foo*", """{"x": null}""", false)]
    [InlineData("match x foo*", "{}", false)]
    [InlineData("match x", """{"x": "a"}""", false)]
    [InlineData("match x 5", """{"x": 5}""", true)]
    [InlineData("match x True", """{"x": true}""", true)]
    [InlineData("match_any x f*", """{"x": ["a", null, "foo"]}""", true)]
    [InlineData("match_any x f*", """{"x": ["a", null]}""", false)]
    [InlineData("match_any x f*", """{"x": "foo"}""", false)]
    [InlineData("match_any x f*", """{"x": []}""", false)]
    [InlineData("match_all x f* b?", """{"x": ["foo", "ba"]}""", true)]
    [InlineData("match_all x f*", """{"x": ["foo", "bar"]}""", false)]
    [InlineData("match_all x f*", """{"x": ["foo", null]}""", false)]
    [InlineData("match_all x f*", """{"x": []}""", false)]
    [InlineData("match_all x f*", """{"x": "foo"}""", false)]
    [InlineData("target f40*", """{"target": "f40-candidate"}""", true)]
    [InlineData("target f40*", """{"target": null}""", false)]
    [InlineData("target f40*", "{}", false)]
    [InlineData("compare n < 5", """{"n": 4}""", true)]
    [InlineData("compare n < 5", """{"n": 5}""", false)]
    [InlineData("compare n <= 5", """{"n": 5}""", true)]
    [InlineData("compare n > 2.5", """{"n": 3}""", true)]
    [InlineData("compare n >= -1", """{"n": -1}""", true)]
    [InlineData("compare n = 3", """{"n": 3.0}""", true)]
    [InlineData("compare n != 3", """{"n": 3}""", false)]
    [InlineData("compare n = 1", """{"n": true}""", true)]
    [InlineData("compare n = 1", """{"n": "1"}""", false)]
    [InlineData("compare n != 1", """{"n": null}""", true)]
    [InlineData("compare n < 5", "{}", false)]
    [InlineData("is_child_task", """{"parent": 12}""", true)]
    [InlineData("is_child_task", """{"parent": null}""", false)]
    [InlineData("skip_tag", """{"skip_tag": true}""", true)]
    [InlineData("skip_tag", "{}", false)]
    [InlineData("method build*", """{"method": "buildArch"}""", true)]
    [InlineData("method build*", """{"method": "newRepo"}""", false)]
    [InlineData("operation tag move", """{"operation": "move"}""", true)]
    [InlineData("operation tag", """{"operation": "untag"}""", false)]
    [InlineData("vm_name win-*", """{"vm_name": "win-10"}""", true)]
    [InlineData("is_draft", """{"draft": true}""", true)]
    [InlineData("is_draft", """{"draft": false}""", false)]
    [InlineData("is_draft", "{}", false)]
    [InlineData("source git://*", """{"source": "git://example.org/x"}""", true)]
    [InlineData("source git://*", """{"source": null}""", false)]
    [InlineData("source git://*", "{}", false)]
    [InlineData("version 1.*", """{"version": "1.2"}""", true)]
    [InlineData("release *.fc40", """{"release": "3.fc40"}""", true)]
    [InlineData("buildtype rpm", """{"btypes": ["maven", "rpm"]}""", true)]
    [InlineData("buildtype image", """{"btypes": ["rpm"]}""", false)]
    [InlineData("buildtype rpm", "{}", false)]
    public async Task DataOnlyTestsMatchUpstreamSemantics(string test, string json, bool expected)
    {
        var outcome = await ApplyAsync($"{test} :: yes", json);
        Assert.Equal(expected, outcome.Action == "yes");
    }

    [Fact]
    public async Task ComparingANonNumberFaults()
    {
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => ApplyAsync("compare n < 5 :: yes", """{"n": "4"}"""));
        Assert.Equal("policy test 'compare n < 5': cannot compare 4 with a number", e.Message);
    }

    [Fact]
    public async Task TestsRecordHelperKeysInTheData()
    {
        var data = Data("""{"version": "1.2"}""");
        await PolicyRuleSet.Parse("p", "version 1.* :: yes").ApplyAsync(new PolicyContext(data, PolicySet.Defaults, null));
        Assert.Equal("1.2", data["_version"]);
    }

    [Fact]
    public async Task PolicyTestEvaluatesAnotherPolicy()
    {
        var set = PolicySet.Compile(new Dictionary<string, string>
        {
            ["main"] = "policy is_x :: yes\nall :: no",
            ["is_x"] = "has x && has deny :: Allow but not quite\nhas x && has loud :: ALLOW\nhas x :: true\nhas y :: deny",
            ["loop_a"] = "policy loop_b :: yes",
            ["loop_b"] = "policy loop_a :: yes",
            ["twice"] = "policy once :: {\n  policy once :: yes\n}",
            ["once"] = "all :: allow",
        });
        async Task<string?> Eval(string name, string json) =>
            (await set.Get(name)!.ApplyAsync(new PolicyContext(Data(json), set, null))).Action;
        Assert.Equal("yes", await Eval("main", """{"x": 1}"""));
        Assert.Equal("yes", await Eval("main", """{"x": 1, "loud": 1}"""));
        Assert.Equal("no", await Eval("main", """{"x": 1, "deny": 1}"""));
        Assert.Equal("no", await Eval("main", """{"y": 1}"""));
        Assert.Equal("no", await Eval("main", "{}"));
        // The same policy may be consulted twice on one path; only re-entering one test loops.
        Assert.Equal("yes", await Eval("twice", "{}"));
        var e = await Assert.ThrowsAsync<XmlRpcFaultException>(() => Eval("loop_a", "{}"));
        Assert.Equal("encountered policy loop at policy loop_b ", e.Message);
        Assert.Equal(KojiFaultCode.GenericError, e.FaultCode);
    }

    [Fact]
    public void TestNamesAreKojis()
    {
        string[] expected =
        [
            "all", "bool", "buildtag", "buildtag_inherits_from", "buildtype", "cg_match_all", "cg_match_any", "compare", "false",
            "fromtag", "has", "has_perm", "hastag", "imported", "is_build_owner", "is_child_task", "is_draft", "is_new_package",
            "match", "match_all", "match_any", "method", "none", "operation", "package", "policy", "release", "skip_tag", "source",
            "tag", "target", "true", "user", "user_in_group", "version", "vm_name", "volume",
        ];
        Assert.Equal(expected, PolicyTests.Names.Order(StringComparer.Ordinal));
    }

    /// <summary>Glob matching agrees with Python's <c>fnmatch.fnmatchcase</c> (what <c>fnmatch</c> is on Linux).</summary>
    [Fact]
    public void GlobsMatchLikePythonFnmatch()
    {
        string[] names = ["f40-candidate", "F40-candidate", "a.b", "a/b", "abc", "a]c", "a-c", "a!c", "a\\c", "a[c", "", "x\ny", "a^c", "*", "?"];
        string[] patterns =
        [
            "f40-*", "*candidate", "F40*", "a?c", "a.b", "a*b", "a[bc]c", "a[!b]c", "a[]]c", "a[!]]c", "a[a-c]c", "a[-]c", "a[\\]c",
            "a[c", "a[^]c", "a[!-]c", "*", "?", "", "[*]", "[?]", "x*y", "a\\c", "[[]*", "a[z-a]c", "[!a]*", "a[b-]c",
        ];
        var pairs = names.SelectMany(n => patterns.Select(p => (n, p))).ToList();
        var script = $$"""
            import fnmatch, json, sys
            pairs = json.loads(sys.stdin.read())
            print(json.dumps([fnmatch.fnmatchcase(n, p) for n, p in pairs]))
            """;
        var input = JsonSerializer.Serialize(pairs.Select(x => new[] { x.n, x.p }));
        var python = JsonSerializer.Deserialize<bool[]>(ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", script], input))!;
        var mismatches = pairs.Where((x, i) => Fnmatch.IsMatch(x.n, x.p) != python[i]).Select(x => $"'{x.n}' ~ '{x.p}'").ToList();
        Assert.True(mismatches.Count == 0, "differs from Python: " + string.Join(", ", mismatches));
        Assert.Contains(true, python);
        Assert.Contains(false, python);
    }
}
