using KojiNet.Builder.Scm;
using KojiNet.XmlRpc;

namespace KojiNet.Builder.Tests.Scm;

public class ScmUrlTests
{
    // url, scheme, type, user, host, repository, module, revision, clone URL, checkout dir
    public static TheoryData<string, string, string, string?, string, string, string, string, string, string> Valid => new()
    {
        { "git://pkgs.example.com/rpms/foo.git#abc123", "git://", "GIT", null, "pkgs.example.com", "/rpms/foo.git", "", "abc123", "git://pkgs.example.com/rpms/foo.git", "foo" },
        { "git+https://src.example.org/rpms/python-x.git#0123456789abcdef0123456789abcdef01234567", "git+https://", "GIT", null, "src.example.org", "/rpms/python-x.git", "", "0123456789abcdef0123456789abcdef01234567", "https://src.example.org/rpms/python-x.git", "python-x" },
        { "git+http://host/repo#main", "git+http://", "GIT", null, "host", "/repo", "", "main", "http://host/repo", "repo" },
        { "git+rsync://host/r/x.git#v1", "git+rsync://", "GIT", null, "host", "/r/x.git", "", "v1", "rsync://host/r/x.git", "x" },
        { "git+ssh://alice@host:2222/git/foo/.git#origin/feature", "git+ssh://", "GIT+SSH", "alice", "host:2222", "/git/foo/.git", "", "origin/feature", "ssh://alice@host:2222/git/foo/.git", "foo" },
        { "git+file:///srv/git/foo.git?pkg/sub#v1.0", "git+file://", "GIT", null, "", "/srv/git/foo.git", "pkg/sub", "v1.0", "file:///srv/git/foo.git", "foo" },
        { "git://host/rpms/foo.git?#HEAD", "git://", "GIT", null, "host", "/rpms/foo.git", "", "HEAD", "git://host/rpms/foo.git", "foo" },
        { "git://bob@host/rpms/foo#HEAD~1", "git://", "GIT", "bob", "host", "/rpms/foo", "", "HEAD~1", "git://bob@host/rpms/foo", "foo" },
        // Normalisation: trailing slashes, "." and "..", repeated and leading double slashes.
        { "git://host/rpms/foo/#r", "git://", "GIT", null, "host", "/rpms/foo", "", "r", "git://host/rpms/foo", "foo" },
        { "git://host//rpms//./foo.git/#r", "git://", "GIT", null, "host", "/rpms/foo.git", "", "r", "git://host/rpms/foo.git", "foo" },
        { "git://host/a/b/../../rpms/foo#r", "git://", "GIT", null, "host", "/rpms/foo", "", "r", "git://host/rpms/foo", "foo" },
        { "git://host/../../rpms/foo#r", "git://", "GIT", null, "host", "/rpms/foo", "", "r", "git://host/rpms/foo", "foo" },
        { "git://host/rpms/foo?dir/./sub//#r", "git://", "GIT", null, "host", "/rpms/foo", "dir/sub", "r", "git://host/rpms/foo", "foo" },
        // Host case and a trailing dot do not make a different host.
        { "git://PKGS.Example.COM./rpms/foo#r", "git://", "GIT", null, "pkgs.example.com", "/rpms/foo", "", "r", "git://pkgs.example.com/rpms/foo", "foo" },
        { "git://[::1]:9418/rpms/foo#r", "git://", "GIT", null, "[::1]:9418", "/rpms/foo", "", "r", "git://[::1]:9418/rpms/foo", "foo" },
        { "svn://svn.example.com/repos/foo?trunk#1234", "svn://", "SVN", null, "svn.example.com", "/repos/foo", "trunk", "1234", "svn://svn.example.com/repos/foo", "foo" },
        { "svn+ssh://me@svn.example.com/repos/foo?trunk#1234", "svn+ssh://", "SVN+SSH", "me", "svn.example.com", "/repos/foo", "trunk", "1234", "svn+ssh://me@svn.example.com/repos/foo", "foo" },
        { "cvs://cvs.example.com/cvs/dist?rpms/foo/devel#FOO-1_0-1", "cvs://", "CVS", null, "cvs.example.com", "/cvs/dist", "rpms/foo/devel", "FOO-1_0-1", "cvs://cvs.example.com/cvs/dist", "dist" },
        { "cvs+ssh://me@cvs.example.com/cvs/dist?rpms/foo#T", "cvs+ssh://", "CVS+SSH", "me", "cvs.example.com", "/cvs/dist", "rpms/foo", "T", "cvs+ssh://me@cvs.example.com/cvs/dist", "dist" },
        { "svn+https://h/r#5", "svn+https://", "SVN", null, "h", "/r", "", "5", "svn+https://h/r", "r" },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_valid_urls(string url, string scheme, string type, string? user, string host, string repository,
        string module, string revision, string cloneUrl, string checkoutDirectory)
    {
        var scm = ScmUrl.Parse(url);
        Assert.Equal(url, scm.Url);
        Assert.Equal(scheme, scm.Scheme);
        Assert.Equal(type, scm.ScmTypeName);
        Assert.Equal(user, scm.User);
        Assert.Equal(host, scm.Host);
        Assert.Equal(repository, scm.Repository);
        Assert.Equal(module, scm.Module);
        Assert.Equal(revision, scm.Revision);
        Assert.Equal(cloneUrl, scm.CloneUrl);
        Assert.Equal(checkoutDirectory, scm.CheckoutDirectoryName);
        Assert.True(ScmUrl.IsScmUrl(url));
    }

    // url, a fragment of the expected message
    public static TheoryData<string, string> Invalid => new()
    {
        { "http://host/rpms/foo#r", "Invalid SCM URL" },
        { "GIT://host/rpms/foo#r", "Invalid SCM URL" },
        { "git:/host/rpms/foo#r", "Invalid SCM URL" },
        { "foo-1.0-1.src.rpm", "Invalid SCM URL" },
        { "git://host/rpms/foo", "no #revision" },
        { "git://host/rpms/foo#", "no #revision" },
        { "git://host#r", "no repository path" },
        { "git://host?mod#r", "no repository path" },
        { "git://host/#r", "no repository path" },
        { "git://host/..#r", "no repository path" },
        { "git:///rpms/foo#r", "no host" },
        { "git://@host/rpms/foo#r", "empty user" },
        { "git://a@b@host/rpms/foo#r", "Invalid username@hostname" },
        { "git://user:secret@host/rpms/foo#r", "username:password format not supported" },
        { "git://-oProxyCommand=x@host/rpms/foo#r", "Invalid user" },
        { "git+ssh://host/rpms/foo#r", "No user specified" },
        { "svn+ssh://host/r#1", "No user specified" },
        { "cvs+ssh://host/r?m#1", "No user specified" },
        { "git://-host/rpms/foo#r", "Invalid host" },
        { "git://ho st/rpms/foo#r", "whitespace" },
        { "git://host:abc/rpms/foo#r", "Invalid port" },
        { "git://host:/rpms/foo#r", "Invalid port" },
        { "git://h\u00f6st/rpms/foo#r", "non-ASCII" },
        { "git://host/rpms/foo;x=1#r", "';' parameters" },
        { "git://host/rpms/..;/secret/foo#r", "';' parameters" },
        { "git://host/rpms/%2e%2e/secret#r", "percent-encoded" },
        { "git://host/rpms/foo%2Fbar#r", "percent-encoded" },
        { "git://host/rpms/foo?%2e%2e#r", "percent-encoded" },
        { "git://host/rpms\\..\\secret#r", "backslash" },
        { "git://host/rpms/fo\to#r", "whitespace" },
        { "git://host/rpms/foo\n#r", "whitespace" },
        { "git://host/rpms/foo#r\u0000", "whitespace" },
        { "git://host/rpms/foo?../secret#r", "'..' is not accepted" },
        { "git://host/rpms/foo?a/../../b#r", "'..' is not accepted" },
        { "git://host/rpms/foo?/etc#r", "absolute path" },
        { "git://host/rpms/foo#--upload-pack=touch", "starts with '-'" },
        { "git://host/rpms/foo#a:b", "character ':'" },
        { "git://host/rpms/foo#refs/heads/*", "character '*'" },
        { "git://host/rpms/foo#a#b", "character '#'" },
        { "git://host/.git#r", "no repository name" },
        { "git+file://host/srv/foo.git#r", "take no host" },
        { "git+file://localhost/srv/foo.git#r", "take no host" },
        { "git+file://u@/srv/foo.git#r", "take no user" },
        { "git+file:///srv/a b.git#r", "whitespace" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void Rejects_invalid_urls(string url, string message)
    {
        var e = Assert.Throws<ScmException>(() => ScmUrl.Parse(url));
        Assert.Equal(KojiFaultCode.GenericError, e.FaultCode);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
        // Messages never carry raw control characters (they end up in logs and task results).
        Assert.DoesNotContain(e.Message, c => c < ' ');
    }

    [Fact]
    public void Password_is_accepted_only_when_allowed_and_never_shown()
    {
        var e = Assert.Throws<ScmException>(() => ScmUrl.Parse("git+https://bob:hunter2@host/rpms/foo.git#r"));
        Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal);

        var scm = ScmUrl.Parse("git+https://bob:hunter2@host/rpms/foo.git#r", allowPassword: true);
        Assert.Equal("bob:hunter2", scm.User);
        Assert.Equal("https://bob:hunter2@host/rpms/foo.git", scm.CloneUrl);
        Assert.Equal("git+https://bob:***@host/rpms/foo.git#r", scm.ToString());
        // get_source() drops the user and so the password.
        Assert.Equal("git+https://host/rpms/foo.git#" + new string('a', 40), scm.GetSource(new string('a', 40)));
    }

    [Theory]
    [InlineData("git://host/rpms/foo.git#r", "git://host/rpms/foo.git#SHA")]
    [InlineData("git+https://user@host/rpms/foo.git?sub/dir#main", "git+https://host/rpms/foo.git?sub/dir#SHA")]
    [InlineData("git+file:///srv/git/foo?pkg#v1", "git+file:///srv/git/foo?pkg#SHA")]
    [InlineData("git+ssh://u@host/rpms//foo/#main", "git+ssh://host/rpms/foo#SHA")]
    public void GetSource_replaces_the_fragment(string url, string expected)
    {
        var source = ScmUrl.Parse(url).GetSource("SHA");
        Assert.Equal(expected, source);
    }

    [Theory]
    [InlineData("git://host/rpms/foo.git#r")]
    [InlineData("git+https://user@host/rpms/foo.git?sub/dir#main")]
    [InlineData("git+file:///srv/git/foo?pkg#v1")]
    public void GetSource_is_a_url_of_the_same_repository(string url)
    {
        var scm = ScmUrl.Parse(url);
        var again = ScmUrl.Parse(scm.GetSource(new string('0', 40)));
        Assert.Equal((scm.Host, scm.Repository, scm.Module), (again.Host, again.Repository, again.Module));
        Assert.Equal(new string('0', 40), again.Revision);
    }

    [Theory]
    [InlineData("git://x", true)]
    [InlineData("git+https://x", true)]
    [InlineData("git+http://x", true)]
    [InlineData("git+ssh://x", true)]
    [InlineData("git+rsync://x", true)]
    [InlineData("git+file:///x", true)]
    [InlineData("svn://x", true)]
    [InlineData("svn+http://x", true)]
    [InlineData("svn+https://x", true)]
    [InlineData("svn+ssh://x", true)]
    [InlineData("cvs://x", true)]
    [InlineData("cvs+ssh://x", true)]
    [InlineData("https://x/foo.src.rpm", false)]
    [InlineData("cli-build/1234.abc/foo-1.0-1.src.rpm", false)]
    [InlineData("Git://x", false)]
    [InlineData("git+ftp://x", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsScmUrl_looks_at_the_scheme_only(string? source, bool expected) =>
        Assert.Equal(expected, ScmUrl.IsScmUrl(source));

    [Theory]
    [InlineData("git://u:p@h/x", "git://u:***@h/x")]
    [InlineData("git://u@h/x", "git://u@h/x")]
    [InlineData("git://h/x@y", "git://h/x@y")]
    [InlineData("git clone -n https://u:p@h/x d", "git clone -n https://u:***@h/x d")]
    [InlineData("no url", "no url")]
    public void Redact_hides_passwords(string text, string expected) => Assert.Equal(expected, ScmUrl.Redact(text));
}
