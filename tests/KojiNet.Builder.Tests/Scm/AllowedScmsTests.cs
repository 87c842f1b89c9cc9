using System.Text.Json;
using KojiNet.Builder.Scm;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tests.Scm;

public class AllowedScmsTests
{
    private const string FedoraLike =
        "!pkgs.example.com:/rpms/secret* pkgs.example.com:/rpms/*:no pkgs.example.com:/modules/*:yes:fedpkg,sources "
        + "git.example.org:/nosrc/*:no: *.example.net:/*:off:make,sources,EXTRA=1";

    [Fact]
    public void Parses_entries_and_warns_about_short_ones()
    {
        var allowed = AllowedScms.Parse("  host:/a/*  \n\t !evil:* junk host:/b:No host:/c:whatever:cmd,arg host:/d:0: ");
        Assert.Equal(["Ignoring unparseable allowed_scms entry: junk"], allowed.Warnings);
        Assert.Collection(allowed.Entries,
            e => Assert.Equal(new AllowedScmsEntry("host:/a/*", "host", "/a/*", false, null, false, null), e),
            e => Assert.Equal(("evil", "*", true), (e.HostPattern, e.RepositoryPattern, e.Deny)),
            e => Assert.Equal((false, false), (e.UseCommon, e.SetsSourceCommand)),
            e =>
            {
                Assert.True(e.UseCommon);
                Assert.Equal(["cmd", "arg"], e.SourceCommand!);
            },
            e => Assert.Equal((false, true, (IReadOnlyList<string>?)null), (e.UseCommon, e.SetsSourceCommand, e.SourceCommand)));
        Assert.Empty(AllowedScms.Parse(null).Entries);
        Assert.Empty(AllowedScms.Parse("").Entries);
    }

    // url, use_common, source command (joined by spaces; "-" for none)
    [Theory]
    [InlineData("git://pkgs.example.com/rpms/foo.git#r", false, "make sources")]
    [InlineData("git://pkgs.example.com/modules/foo.git#r", true, "fedpkg sources")]
    [InlineData("git://git.example.org/nosrc/foo#r", false, "-")]
    [InlineData("git://a.example.net/anything/at/all#r", false, "make sources EXTRA=1")]
    [InlineData("git://PKGS.EXAMPLE.COM/rpms/foo.git#r", false, "make sources")]
    public void First_matching_entry_decides(string url, bool useCommon, string sourceCommand)
    {
        var access = AllowedScms.Parse(FedoraLike).Check(ScmUrl.Parse(url));
        Assert.Equal(useCommon, access.UseCommon);
        Assert.Equal(sourceCommand, access.SourceCommand is null ? "-" : string.Join(' ', access.SourceCommand));
    }

    [Fact]
    public void Order_matters_an_earlier_allow_beats_a_later_deny()
    {
        var scm = ScmUrl.Parse("git://h/rpms/secret-thing#r");
        Assert.NotNull(AllowedScms.Parse("h:/rpms/* !h:/rpms/secret*").Check(scm));
        Assert.Throws<ScmException>(() => AllowedScms.Parse("!h:/rpms/secret* h:/rpms/*").Check(scm));
    }

    [Fact]
    public void An_entry_without_options_keeps_the_defaults()
    {
        var access = AllowedScms.Parse("h:*").Check(ScmUrl.Parse("git://h/x#r"));
        Assert.Equal(ScmAccess.Default.UseCommon, access.UseCommon);
        Assert.Equal(ScmAccess.Default.SourceCommand, access.SourceCommand);
        Assert.True(access.UseCommon);
        Assert.Equal(["make", "sources"], access.SourceCommand!);
    }

    [Theory]
    [InlineData("git://pkgs.example.com/rpms/secret-stuff#r", "pkgs.example.com:/rpms/secret-stuff")]
    [InlineData("git://other.example.com/rpms/foo#r", "other.example.com:/rpms/foo")]
    [InlineData("git://example.net/x#r", "example.net:/x")]
    [InlineData("git+file:///srv/git/foo#r", ":/srv/git/foo")]
    public void Refuses_denied_and_unlisted(string url, string shown)
    {
        var e = Assert.Throws<ScmException>(() => AllowedScms.Parse(FedoraLike).Check(ScmUrl.Parse(url)));
        Assert.Equal(KojiFaultCode.BuildError, e.FaultCode);
        Assert.Equal($"{shown} is not in the list of allowed SCMs", e.Message);
    }

    [Fact]
    public void Nothing_is_allowed_by_an_empty_list() =>
        Assert.Throws<ScmException>(() => AllowedScms.Parse("").Check(ScmUrl.Parse("git://h/x#r")));

    [Theory]
    [InlineData(":/srv/git/*", true)]
    [InlineData("*:/srv/git/*", true)]
    [InlineData("localhost:/srv/git/*", false)]
    public void Git_file_urls_have_an_empty_host(string entry, bool allowed)
    {
        var scm = ScmUrl.Parse("git+file:///srv/git/foo.git#main");
        if (allowed)
        {
            AllowedScms.Parse(entry).Check(scm);
        }
        else
        {
            Assert.Throws<ScmException>(() => AllowedScms.Parse(entry).Check(scm));
        }
    }

    // CVE-2017-1002153: kojid matched allowed_scms against the path as written, so a path that
    // git or the server resolves elsewhere slipped past the list. Each URL below names a
    // repository under /secret (denied) or outside /rpms (the only allowed tree) while looking
    // like an allowed one; each must be refused either when parsed or when checked.
    private static readonly string[] Attempts =
    [
        "git://pkgs.example.com/rpms/../secret/foo.git#r",
        "git://pkgs.example.com/rpms/foo/../../secret/foo.git#r",
        "git://pkgs.example.com/rpms/./../secret/foo.git#r",
        "git://pkgs.example.com/rpms/..//secret/foo.git#r",
        "git://pkgs.example.com//secret/foo.git#r",
        "git://pkgs.example.com///secret/foo.git#r",
        "git://pkgs.example.com/./secret/foo.git#r",
        "git+https://pkgs.example.com/rpms/foo.git/../../secret/foo.git#r",
        "git://pkgs.example.com/rpms/%2e%2e/secret/foo.git#r",
        "git://pkgs.example.com/rpms/%2E%2E/secret/foo.git#r",
        "git://pkgs.example.com/rpms/..%2fsecret/foo.git#r",
        "git://pkgs.example.com/rpms/..%2Fsecret/foo.git#r",
        "git://pkgs.example.com/rpms/%252e%252e/secret/foo.git#r",
        "git://pkgs.example.com/rpms/..;/secret/foo.git#r",
        "git://pkgs.example.com/rpms/..\\secret/foo.git#r",
        "git://pkgs.example.com/rpms\\..\\secret\\foo.git#r",
        "git://pkgs.example.com/rpms/\t../secret/foo.git#r",
        "git://pkgs.example.com/rpms/..\u0000/secret/foo.git#r",
        "git://pkgs.example.com/rpms/\u2025/secret/foo.git#r",
        "git://pkgs.example.com/rpms/\uff0e\uff0e/secret/foo.git#r",
        "git://PKGS.EXAMPLE.COM/secret/foo.git#r",
        "git://pkgs.example.com./secret/foo.git#r",
        "git://pkgs.example.com@evil.example.com/rpms/foo.git#r",
        "git://pkgs.example.com:@evil.example.com/rpms/foo.git#r",
        "git://evil.example.com#@pkgs.example.com/rpms/foo.git#r",
        "git://evil.example.com?@pkgs.example.com/rpms/foo.git#r",
        "git://evil.example.com\\@pkgs.example.com/rpms/foo.git#r",
        "git://evil.example.com%2f@pkgs.example.com/rpms/foo.git#r",
        "git://pkgs.example.com:9418/secret/foo.git#r",
        "git://pkgs.example.com/rpms/foo.git?../../secret#r",
        "git://pkgs.example.com/rpms/foo.git?/secret#r",
        "git://pkgs.example.com/secret/foo.git?x/../../rpms#r",
        "git://pkgs.example.com/secret/foo.git#/../../rpms/foo",
        "git+ssh://u@pkgs.example.com/secret/foo.git#r",
        "git://pkgs.example.com/rpms/x#--upload-pack=touch /tmp/pwned",
        "git://pkgs.example.com/rpms/x#--upload-pack=id",
    ];

    // Both an allow list (only /rpms) and a deny list (everything but /secret) must hold.
    public static TheoryData<string, string> BypassAttempts
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var config in (string[])["pkgs.example.com:/rpms/*", "!pkgs.example.com:/secret* pkgs.example.com:*"])
            {
                foreach (var url in Attempts)
                {
                    data.Add(config, url);
                }
            }
            return data;
        }
    }

    [Theory]
    [MemberData(nameof(BypassAttempts))]
    public void Bypasses_of_CVE_2017_1002153_are_refused(string config, string url)
    {
        var allowed = AllowedScms.Parse(config);
        var e = Assert.Throws<ScmException>(() => allowed.Check(ScmUrl.Parse(url)));
        Assert.True(e.Message.Contains("is not in the list of allowed SCMs", StringComparison.Ordinal)
            || e.FaultCode == KojiFaultCode.GenericError, e.Message);
    }

    [Theory]
    [InlineData("git://pkgs.example.com/rpms/foo.git#r")]
    [InlineData("git://pkgs.example.com/rpms//foo.git/#r")]
    [InlineData("git://pkgs.example.com/secret/../rpms/foo.git#r")]
    [InlineData("git://Pkgs.Example.Com./rpms/foo.git#r")]
    public void What_is_matched_is_what_git_fetches(string url)
    {
        var scm = ScmUrl.Parse(url);
        AllowedScms.Parse("!pkgs.example.com:/secret* pkgs.example.com:/rpms/*").Check(scm);
        // The clone URL is rebuilt from the matched host and path, not copied from the input.
        Assert.Equal("git://pkgs.example.com/rpms/foo.git", scm.CloneUrl);
    }

    [Theory]
    [InlineData("h:/rpms/*", "/rpms/a/b/c", true)]
    [InlineData("h:/rpms/?", "/rpms/ab", false)]
    [InlineData("h:/rpms/[abc]*", "/rpms/bar", true)]
    [InlineData("h:/rpms/[!abc]*", "/rpms/bar", false)]
    [InlineData("h:/rpms/foo", "/rpms/foo/x", false)]
    [InlineData("h:/RPMS/*", "/rpms/x", false)]
    public void Repository_globs_are_fnmatch_and_case_sensitive(string entry, string path, bool allowed)
    {
        var scm = ScmUrl.Parse("git://h" + path + "#r");
        Assert.Equal(allowed, AllowedScms.Parse(entry).FindMatch(scm) is not null);
    }

    [Theory]
    [InlineData("*.example.com:*", "git://a.b.example.com/x#r", true)]
    [InlineData("*.example.com:*", "git://example.com/x#r", false)]
    [InlineData("Pkgs.Example.com:*", "git://pkgs.example.com/x#r", true)]
    [InlineData("h?:*", "git://h1/x#r", true)]
    [InlineData("h:*", "git://h:22/x#r", false)]
    [InlineData("h*:*", "git://h:22/x#r", true)]
    public void Host_globs(string entry, string url, bool allowed) =>
        Assert.Equal(allowed, AllowedScms.Parse(entry).FindMatch(ScmUrl.Parse(url)) is not null);

    [Fact]
    public void Fnmatch_agrees_with_Python()
    {
        string[] patterns =
        [
            "", "*", "**", "?", "a*b", "*a", "a?c", "[abc]", "[!abc]", "[a-c]x", "[]]", "[!]]", "[]a]", "[z-a]",
            "[a-]", "[-a]", "[", "a[", "[a", "[!", "[!]", "*.example.com", "/rpms/*", "/rpms/[!s]*", "\\", "a\\*",
            "[\\]", "[a-c-e]", "[^a]", "[[]", "[]-a]", ".", "a.b", "(a)", "$", "^a", "a|b", "[a&&b]", "[a-z0-9_.]*",
            "*[!/]", "x*y*z", "[--0]", "[!-]",
        ];
        string[] texts =
        [
            "", "a", "b", "c", "d", "e", "z", "]", "-", "[", "!", "^", "&", "\\", "/", ".", "0", "ab", "acb",
            "abc", "aXb", "ax", "bx", "dx", "a/b", "a\nb", "x.example.com", ".example.com", "/rpms/foo",
            "/rpms/secret", "/rpms/", "a*", "a\\b", "(a)", "$", "^a", "a|b", "xyz", "x/y/z", "xay", "a[", "[a",
        ];
        var pairs = patterns.SelectMany(p => texts.Select(t => new[] { p, t })).ToArray();
        var json = JsonSerializer.Serialize(pairs);
        var output = ExternalTool.RunChecked(ExternalTool.SystemPython,
            ["-c", "import sys, json, fnmatch; print(json.dumps([fnmatch.fnmatchcase(t, p) for p, t in json.load(sys.stdin)]))"],
            stdin: json);
        var expected = JsonSerializer.Deserialize<bool[]>(output)!;
        Assert.Equal(pairs.Length, expected.Length);
        var mismatches = new List<string>();
        for (var i = 0; i < pairs.Length; i++)
        {
            if (new Fnmatch(pairs[i][0]).IsMatch(pairs[i][1]) != expected[i])
            {
                mismatches.Add($"pattern {JsonSerializer.Serialize(pairs[i][0])} text {JsonSerializer.Serialize(pairs[i][1])}: python {expected[i]}");
            }
        }
        Assert.Empty(mismatches);
        Assert.Contains(true, expected);
        Assert.Contains(false, expected);
    }
}
