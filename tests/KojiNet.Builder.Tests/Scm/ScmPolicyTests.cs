using KojiNet.Builder.Scm;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tests.Scm;

public class ScmPolicyTests
{
    private static readonly ScmUrl Url = ScmUrl.Parse("git+ssh://alice@pkgs.example.com/rpms/foo.git?sub#v1.0");

    [Fact]
    public void Policy_data_has_kojis_keys()
    {
        var data = ScmPolicy.GetPolicyData(Url, new ScmPolicyContext(42, "default", true));
        var expected = new Dictionary<string, object?>
        {
            ["scm_url"] = "git+ssh://alice@pkgs.example.com/rpms/foo.git?sub#v1.0",
            ["scm_scheme"] = "git+ssh://",
            ["scm_user"] = "alice",
            ["scm_host"] = "pkgs.example.com",
            ["scm_repository"] = "/rpms/foo.git",
            ["scm_module"] = "sub",
            ["scm_revision"] = "v1.0",
            ["scm_type"] = "GIT+SSH",
            ["user_id"] = 42,
            ["channel"] = "default",
            ["scratch"] = true,
        };
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), data.OrderBy(kv => kv.Key, StringComparer.Ordinal));

        var anonymous = ScmPolicy.GetPolicyData(ScmUrl.Parse("git://h/x#r"), new ScmPolicyContext(1, null, null));
        Assert.Null(anonymous["scm_user"]);
        Assert.Equal("", anonymous["scm_module"]);
        Assert.Null(anonymous["scratch"]);
        Assert.Null(anonymous["channel"]);
    }

    // result words, current source command ("-" none), expected use_common, expected command ("-" none)
    [Theory]
    [InlineData("allow", "make sources", false, "make sources")]
    [InlineData("yes", "make sources", false, "make sources")]
    [InlineData("True", "make sources", false, "make sources")]
    [InlineData("ALLOWED", "make sources", false, "make sources")]
    [InlineData("allow use_common", "make sources", true, "make sources")]
    [InlineData("allow use_common fedpkg sources", "make sources", true, "fedpkg sources")]
    [InlineData("allow fedpkg --release f40 sources", "make sources", false, "fedpkg --release f40 sources")]
    [InlineData("allow none", "make sources", false, "-")]
    [InlineData("allow use_common NONE", "make sources", true, "-")]
    [InlineData("allow", "-", false, "-")]
    [InlineData("allow Use_Common", "make sources", false, "Use_Common")]
    [InlineData("  allow   use_common  ", "x", true, "x")]
    public void Allowing_results(string result, string current, bool useCommon, string command)
    {
        var currentAccess = new ScmAccess(true, current == "-" ? null : current.Split(' '));
        var access = ScmPolicy.ApplyResult(Url, result, currentAccess);
        Assert.Equal(useCommon, access.UseCommon);
        Assert.Equal(command, access.SourceCommand is null ? "-" : string.Join(' ', access.SourceCommand));
    }

    [Theory]
    [InlineData("deny", "None")]
    [InlineData("deny not from there", "not from there")]
    [InlineData("no", "None")]
    [InlineData("", "None")]
    [InlineData(null, "None")]
    [InlineData("allowing", "None")]
    [InlineData("refused because reasons", "because reasons")]
    public void Refusing_results(string? result, string reason)
    {
        var e = Assert.Throws<ScmException>(() => ScmPolicy.ApplyResult(Url, result, ScmAccess.Default));
        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.Equal($"SCM: pkgs.example.com:/rpms/foo.git is not allowed, reason: {reason}", e.Message);
    }

    [Fact]
    public async Task Config_then_policy()
    {
        var context = new ScmPolicyContext(7, "default", false);
        var calls = new List<(string, IReadOnlyDictionary<string, object?>)>();
        ScmPolicyEvaluator policy = (name, data, _) =>
        {
            calls.Add((name, data));
            return Task.FromResult<string?>("allow fedpkg sources");
        };

        // Config only: the entry's options apply, the policy is not asked.
        var access = await ScmPolicy.AssertAllowedAsync(Url, new ScmAccessOptions("pkgs.example.com:/rpms/*:no"),
            context, policy, CancellationToken.None);
        Assert.False(access.UseCommon);
        Assert.Equal(["make", "sources"], access.SourceCommand!);
        Assert.Empty(calls);

        // Both: the policy's answer overrides use_common and the command.
        access = await ScmPolicy.AssertAllowedAsync(Url, new ScmAccessOptions("pkgs.example.com:/rpms/*", true, true),
            context, policy, CancellationToken.None);
        Assert.False(access.UseCommon);
        Assert.Equal(["fedpkg", "sources"], access.SourceCommand!);
        var (policyName, policyData) = Assert.Single(calls);
        Assert.Equal("build_from_scm", policyName);
        Assert.Equal(7, policyData["user_id"]);

        // Config refuses first: the policy is not asked.
        calls.Clear();
        await Assert.ThrowsAsync<ScmException>(() => ScmPolicy.AssertAllowedAsync(Url,
            new ScmAccessOptions("other:*", true, true), context, policy, CancellationToken.None));
        Assert.Empty(calls);

        // Policy only: allowed_scms is not consulted.
        access = await ScmPolicy.AssertAllowedAsync(Url, new ScmAccessOptions("", false, true), context,
            (_, _, _) => Task.FromResult<string?>("allow use_common"), CancellationToken.None);
        Assert.True(access.UseCommon);
        Assert.Equal(["make", "sources"], access.SourceCommand!);

        await Assert.ThrowsAsync<ScmException>(() => ScmPolicy.AssertAllowedAsync(Url,
            new ScmAccessOptions("", false, true), context, (_, _, _) => Task.FromResult<string?>("deny"),
            CancellationToken.None));
        await Assert.ThrowsAsync<ScmException>(() => ScmPolicy.AssertAllowedAsync(Url,
            new ScmAccessOptions("", false, true), context, null, CancellationToken.None));
    }
}
