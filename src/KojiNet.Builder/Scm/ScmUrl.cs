using System.Text;

namespace KojiNet.Builder.Scm;

/// <summary>
/// A parsed SCM source URL, <c>&lt;scheme&gt;://[user@]host/path/to/repo[?module/path]#&lt;revision&gt;</c>
/// (builder spec §14.1). Parsing is kojid's, made strict where a lax parse would let the text
/// that allowed_scms matches differ from what the SCM client fetches: the path is normalised
/// (<c>.</c>, <c>..</c>, repeated and trailing slashes) before anything matches it, and
/// percent-encoding, backslashes, <c>;</c>, whitespace, control and non-ASCII characters are
/// rejected. The clone URL is rebuilt from the checked parts, never taken from the raw text.
/// </summary>
public sealed class ScmUrl
{
    private ScmUrl(string url, string scheme, ScmType type, string? user, string host, string repository,
        string module, string revision)
    {
        Url = url;
        Scheme = scheme;
        Type = type;
        User = user;
        Host = host;
        Repository = repository;
        Module = module;
        Revision = revision;
    }

    /// <summary>The URL as given (kojid's <c>url</c>).</summary>
    public string Url { get; }

    /// <summary>The scheme with <c>://</c>, for example <c>git+https://</c>.</summary>
    public string Scheme { get; }

    /// <summary>The SCM type the scheme belongs to.</summary>
    public ScmType Type { get; }

    /// <summary>Koji's <c>scmtype</c> string (<c>GIT</c>, <c>GIT+SSH</c>...).</summary>
    public string ScmTypeName => Type.ToKojiName();

    /// <summary>The user before <c>@</c> (with <c>:password</c> when passwords are allowed), or null.</summary>
    public string? User { get; }

    /// <summary>
    /// The host (with <c>:port</c> if given), lower case and without a trailing dot; empty for
    /// <c>git+file://</c> URLs.
    /// </summary>
    public string Host { get; }

    /// <summary>The normalised repository path: starts with one <c>/</c>, no trailing <c>/</c>.</summary>
    public string Repository { get; }

    /// <summary>The module (the query: a path inside the repository), normalised; empty when absent.</summary>
    public string Module { get; }

    /// <summary>The revision (the fragment): a commit, tag or branch.</summary>
    public string Revision { get; }

    /// <summary>
    /// The URL the SCM client is given: for git the scheme without <c>git+</c>, the user if any,
    /// the host and the repository (<c>https://host/rpms/foo.git</c>, <c>ssh://user@host/...</c>,
    /// <c>file:///srv/git/foo.git</c>).
    /// </summary>
    public string CloneUrl
    {
        get
        {
            var scheme = Scheme.StartsWith("git+", StringComparison.Ordinal) ? Scheme[4..] : Scheme;
            var user = User is null ? "" : User + "@";
            return scheme + user + Host + Repository;
        }
    }

    /// <summary>
    /// The directory the repository is checked out into: the last path component without a
    /// <c>.git</c> suffix (<c>/rpms/foo.git</c> and <c>/rpms/foo/.git</c> both give <c>foo</c>).
    /// </summary>
    public string CheckoutDirectoryName { get; private set; } = "";

    /// <summary>
    /// Whether <paramref name="source"/> names an SCM source rather than an uploaded SRPM: it
    /// starts with one of the accepted schemes (case-sensitive, as kojid).
    /// </summary>
    public static bool IsScmUrl(string? source)
    {
        if (source is null)
        {
            return false;
        }
        foreach (var (scheme, _) in ScmTypes.Schemes)
        {
            if (source.StartsWith(scheme, StringComparison.Ordinal))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Parses an SCM URL. Throws <see cref="ScmException"/> (GenericError) with a message naming
    /// the problem when the URL is not acceptable.
    /// </summary>
    /// <param name="url">The URL.</param>
    /// <param name="allowPassword">kojid.conf's <c>allow_password_in_scm_url</c>.</param>
    public static ScmUrl Parse(string url, bool allowPassword = false)
    {
        ArgumentNullException.ThrowIfNull(url);
        var shown = Printable(Redact(url));
        string? scheme = null;
        var type = ScmType.Git;
        foreach (var (s, t) in ScmTypes.Schemes)
        {
            if (url.StartsWith(s, StringComparison.Ordinal))
            {
                scheme = s;
                type = t;
                break;
            }
        }
        if (scheme is null)
        {
            throw ScmException.Generic($"Invalid SCM URL: {shown}");
        }
        foreach (var c in url)
        {
            if (c <= ' ' || c >= '\x7f')
            {
                throw ScmException.Generic(
                    $"Invalid SCM URL (whitespace, control or non-ASCII characters): {shown}");
            }
        }
        if (url.Contains('\\', StringComparison.Ordinal))
        {
            throw ScmException.Generic($"Invalid SCM URL (backslash): {shown}");
        }

        // Split like urlsplit: netloc up to the first '/', '?' or '#'; fragment after the first
        // '#'; query after the first '?' before it.
        var rest = url[scheme.Length..];
        var netlocEnd = rest.IndexOfAny(['/', '?', '#']);
        var netloc = netlocEnd < 0 ? rest : rest[..netlocEnd];
        var remainder = netlocEnd < 0 ? "" : rest[netlocEnd..];
        string? fragment = null;
        var hash = remainder.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            fragment = remainder[(hash + 1)..];
            remainder = remainder[..hash];
        }
        var query = "";
        var question = remainder.IndexOf('?', StringComparison.Ordinal);
        if (question >= 0)
        {
            query = remainder[(question + 1)..];
            remainder = remainder[..question];
        }
        var path = remainder;

        string? user = null;
        var userHost = netloc.Split('@');
        if (userHost.Length > 2)
        {
            throw ScmException.Generic($"Invalid username@hostname specified: {shown}");
        }
        if (userHost.Length == 2)
        {
            user = userHost[0];
            netloc = userHost[1];
            CheckUser(user, allowPassword, shown);
        }

        string host;
        if (scheme == "git+file://")
        {
            if (netloc.Length != 0)
            {
                throw ScmException.Generic(
                    $"Invalid SCM URL (git+file:// URLs take no host, use git+file:///path): {shown}");
            }
            if (user is not null)
            {
                throw ScmException.Generic($"Invalid SCM URL (git+file:// URLs take no user): {shown}");
            }
            host = "";
        }
        else
        {
            if (netloc.Length == 0)
            {
                throw ScmException.Generic($"Unable to parse SCM URL (no host): {shown}");
            }
            host = NormaliseHost(netloc, shown);
        }

        if (path.Length == 0)
        {
            throw ScmException.Generic($"Unable to parse SCM URL (no repository path): {shown}");
        }
        CheckPathCharacters(path, "repository path", shown);
        var repository = NormaliseAbsolutePath(path);
        if (repository == "/")
        {
            throw ScmException.Generic($"Unable to parse SCM URL (no repository path): {shown}");
        }

        CheckPathCharacters(query, "module", shown);
        var module = NormaliseModule(query, shown);

        if (string.IsNullOrEmpty(fragment))
        {
            throw ScmException.Generic($"Unable to parse SCM URL (no #revision): {shown}");
        }
        CheckRevision(fragment, shown);

        if (type.RequiresUser() && user is null)
        {
            throw ScmException.Generic($"No user specified for repository access scheme: {scheme}");
        }

        var result = new ScmUrl(url, scheme, type, user, host, repository, module, fragment);
        result.CheckoutDirectoryName = GetCheckoutDirectoryName(repository, shown);
        return result;
    }

    /// <summary>
    /// kojid's <c>get_source()</c> for a checked-out commit: the URL with the fragment replaced
    /// by <paramref name="commit"/> and without the user
    /// (<c>git+https://host/rpms/foo.git?module#&lt;sha&gt;</c>).
    /// </summary>
    public string GetSource(string commit)
    {
        ArgumentException.ThrowIfNullOrEmpty(commit);
        var query = Module.Length == 0 ? "" : "?" + Module;
        return Scheme + Host + Repository + query + "#" + commit;
    }

    /// <summary>The URL with any password replaced by <c>***</c>.</summary>
    public override string ToString() => Redact(Url);

    /// <summary>Replaces a password in <c>scheme://user:password@host</c> by <c>***</c> (for messages and logs).</summary>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var start = url.IndexOf("://", StringComparison.Ordinal);
        if (start < 0)
        {
            return url;
        }
        start += 3;
        var end = url.IndexOfAny(['/', '?', '#'], start);
        var netloc = end < 0 ? url[start..] : url[start..end];
        var at = netloc.LastIndexOf('@');
        if (at < 0)
        {
            return url;
        }
        var colon = netloc.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || colon > at)
        {
            return url;
        }
        return url[..(start + colon + 1)] + "***" + url[(start + at)..];
    }

    private static void CheckUser(string user, bool allowPassword, string shown)
    {
        if (user.Length == 0)
        {
            throw ScmException.Generic($"Unable to parse SCM URL (empty user): {shown}");
        }
        var colon = user.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? user : user[..colon];
        if (colon >= 0 && !allowPassword)
        {
            throw ScmException.Generic($"username:password format not supported: {shown}");
        }
        if (name.Length == 0 || name[0] == '-' || !name.All(IsUserChar))
        {
            throw ScmException.Generic($"Invalid user in SCM URL: {shown}");
        }
        if (colon >= 0 && user[(colon + 1)..].Length == 0)
        {
            throw ScmException.Generic($"Invalid user in SCM URL (empty password): {shown}");
        }
    }

    private static bool IsUserChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '~' or '+' or '-';

    // Hosts are compared case-insensitively by DNS and a trailing dot names the same host, so
    // both are normalised: otherwise "PKGS.example.com" or "pkgs.example.com." would slip past a
    // deny entry for pkgs.example.com.
    private static string NormaliseHost(string netloc, string shown)
    {
        string name;
        var port = "";
        if (netloc.StartsWith('['))
        {
            var close = netloc.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw ScmException.Generic($"Invalid host in SCM URL: {shown}");
            }
            name = netloc[..(close + 1)];
            port = netloc[(close + 1)..];
            var inner = name[1..^1];
            if (inner.Length == 0 || !inner.All(c => char.IsAsciiHexDigit(c) || c is ':' or '.'))
            {
                throw ScmException.Generic($"Invalid host in SCM URL: {shown}");
            }
        }
        else
        {
            var colon = netloc.IndexOf(':', StringComparison.Ordinal);
            name = colon < 0 ? netloc : netloc[..colon];
            port = colon < 0 ? "" : netloc[colon..];
            if (name.EndsWith('.'))
            {
                name = name[..^1];
            }
            if (name.Length == 0 || name[0] is '-' or '.' || name.Contains("..", StringComparison.Ordinal)
                || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_'))
            {
                throw ScmException.Generic($"Invalid host in SCM URL: {shown}");
            }
        }
        if (port.Length != 0 && (port[0] != ':' || port.Length == 1 || port.Length > 6
            || !port[1..].All(char.IsAsciiDigit)))
        {
            throw ScmException.Generic($"Invalid port in SCM URL: {shown}");
        }
        return name.ToLowerInvariant() + port;
    }

    private static void CheckPathCharacters(string text, string what, string shown)
    {
        foreach (var c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '.' or '_' or '~' or '+' or '=' or '@' or ',' or ':'))
            {
                var reason = c switch
                {
                    '%' => "percent-encoded characters are not accepted",
                    ';' => "';' parameters are not accepted",
                    _ => $"character '{c}' is not accepted",
                };
                throw ScmException.Generic($"Invalid {what} in SCM URL ({reason}): {shown}");
            }
        }
    }

    // posixpath.normpath on an absolute path, then a leading "//" (which normpath keeps) collapsed:
    // the result has one leading slash, no empty, "." or ".." components and no trailing slash.
    internal static string NormaliseAbsolutePath(string path)
    {
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                continue;
            }
            parts.Add(part);
        }
        return "/" + string.Join('/', parts);
    }

    // The module is a directory inside the checkout, so it must stay inside it: no "..", not absolute.
    private static string NormaliseModule(string query, string shown)
    {
        if (query.StartsWith('/'))
        {
            throw ScmException.Generic($"Invalid module in SCM URL (absolute path): {shown}");
        }
        var parts = new List<string>();
        foreach (var part in query.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                throw ScmException.Generic($"Invalid module in SCM URL ('..' is not accepted): {shown}");
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    // The revision reaches git as an argument and inside a refspec: no option look-alikes, no
    // refspec colon, no glob characters.
    private static void CheckRevision(string revision, string shown)
    {
        if (revision[0] == '-')
        {
            throw ScmException.Generic($"Invalid revision in SCM URL (starts with '-'): {shown}");
        }
        foreach (var c in revision)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '/' or '-' or '.' or '_' or '~' or '^' or '+' or '@' or '{' or '}' or '='))
            {
                throw ScmException.Generic($"Invalid revision in SCM URL (character '{c}' is not accepted): {shown}");
            }
        }
    }

    private static string GetCheckoutDirectoryName(string repository, string shown)
    {
        var repo = repository;
        if (repo.EndsWith("/.git", StringComparison.Ordinal))
        {
            repo = repo[..^5];
        }
        else if (repo.EndsWith(".git", StringComparison.Ordinal))
        {
            repo = repo[..^4];
        }
        var name = repo[(repo.LastIndexOf('/') + 1)..];
        if (name.Length == 0 || name == "." || name == "..")
        {
            throw ScmException.Generic($"Unable to parse SCM URL (no repository name): {shown}");
        }
        return name;
    }

    internal static string Printable(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c < ' ' || c == '\x7f')
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
