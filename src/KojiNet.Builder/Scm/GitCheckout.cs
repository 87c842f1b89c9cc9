namespace KojiNet.Builder.Scm;

/// <summary>The result of an SCM checkout.</summary>
/// <param name="CheckoutDirectory">The repository's work tree (<c>&lt;scmroot&gt;/&lt;name&gt;</c>).</param>
/// <param name="SourceDirectory">Where the spec is looked for: the work tree, or its module subdirectory.</param>
/// <param name="Commit">The checked-out commit (<c>git rev-parse HEAD</c>, 40 hex digits; 64 in a SHA-256 repository).</param>
/// <param name="Source">kojid's <c>get_source()['source']</c>: the URL with the fragment replaced by <see cref="Commit"/>.</param>
/// <param name="Url">kojid's <c>get_source()['url']</c>: the URL as given.</param>
/// <param name="CommonDirectory">The <c>common</c> checkout when use_common applied, else null.</param>
public sealed record ScmCheckoutResult(string CheckoutDirectory, string SourceDirectory, string Commit, string Source,
    string Url, string? CommonDirectory);

/// <summary>
/// Checks out GIT and GIT+SSH URLs with the <c>git</c> command line, as kojid does (builder spec
/// §14.2): <c>git clone -n</c>, <c>git fetch origin &lt;rev&gt;:KOJI_FETCH_HEAD</c> and
/// <c>git reset --hard KOJI_FETCH_HEAD</c>, falling back to <c>git reset --hard &lt;rev&gt;</c>;
/// the module subdirectory; the <c>common</c> repository when use_common. All git output is
/// appended to the given log (kojid's <c>checkout.log</c>).
/// </summary>
public sealed class GitCheckout
{
    /// <summary>The name of the log file kojid writes checkout output to.</summary>
    public const string LogFileName = "checkout.log";

    private readonly string _git;
    private readonly IReadOnlyDictionary<string, string>? _environment;

    /// <summary>Creates the checkout helper.</summary>
    /// <param name="gitExecutable">The git program (default <c>git</c> from PATH).</param>
    /// <param name="environment">Extra environment for git (for example <c>GIT_SSH_COMMAND</c>); <c>GIT_TERMINAL_PROMPT=0</c> is always set.</param>
    public GitCheckout(string gitExecutable = "git", IReadOnlyDictionary<string, string>? environment = null)
    {
        _git = gitExecutable;
        _environment = environment;
    }

    /// <summary>
    /// Checks the URL out under <paramref name="scmRoot"/> (created if missing). Throws
    /// <see cref="ScmException"/> (BuildError) when a git command fails (see the log), the
    /// module is missing or leaves the repository, or the URL is not a git URL;
    /// <see cref="OperationCanceledException"/> after killing git when cancelled.
    /// </summary>
    /// <param name="scm">The parsed URL (already checked against allowed_scms).</param>
    /// <param name="scmRoot">The directory to check out in (kojid: <c>&lt;chroot_tmpdir&gt;/scmroot</c>).</param>
    /// <param name="useCommon">Also check out the <c>common</c> repository (<see cref="ScmAccess.UseCommon"/>).</param>
    /// <param name="logPath">The log to append git's output to.</param>
    /// <param name="cancellationToken">Cancels the checkout and kills git.</param>
    public async Task<ScmCheckoutResult> CheckoutAsync(ScmUrl scm, string scmRoot, bool useCommon, string logPath,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scm);
        ArgumentException.ThrowIfNullOrEmpty(scmRoot);
        ArgumentException.ThrowIfNullOrEmpty(logPath);
        if (!scm.Type.IsGit())
        {
            throw ScmException.Build($"{scm.ScmTypeName} checkouts are not supported by this builder");
        }
        scmRoot = Path.GetFullPath(scmRoot);
        Directory.CreateDirectory(scmRoot);
        var checkoutDirectory = Path.Combine(scmRoot, scm.CheckoutDirectoryName);
        var cloneUrl = scm.CloneUrl;

        await RunFatalAsync(scm, ["clone", "-n", cloneUrl, checkoutDirectory], scmRoot, logPath, cancellationToken)
            .ConfigureAwait(false);

        var revision = scm.Revision.StartsWith("origin/", StringComparison.Ordinal)
            ? scm.Revision["origin/".Length..]
            : scm.Revision;
        var fetched = await RunAsync(["fetch", "origin", revision + ":KOJI_FETCH_HEAD"], checkoutDirectory, logPath,
            cancellationToken).ConfigureAwait(false) == 0
            && await RunAsync(["reset", "--hard", "KOJI_FETCH_HEAD"], checkoutDirectory, logPath,
                cancellationToken).ConfigureAwait(false) == 0;
        if (!fetched)
        {
            await RunFatalAsync(scm, ["reset", "--hard", scm.Revision], checkoutDirectory, logPath, cancellationToken)
                .ConfigureAwait(false);
        }

        var sourceDirectory = ResolveModule(scm, checkoutDirectory);

        string? commonDirectory = null;
        if (useCommon)
        {
            commonDirectory = Path.Combine(scmRoot, "common");
            await RunFatalAsync(scm, ["clone", GetCommonUrl(scm, cloneUrl), "common"], scmRoot, logPath,
                cancellationToken).ConfigureAwait(false);
            // A module deeper in the tree finds common at <sourcedir>/../common, as the Makefiles expect.
            var parent = Path.GetDirectoryName(sourceDirectory)!;
            var link = Path.Combine(parent, "common");
            if (!Path.Exists(link))
            {
                File.CreateSymbolicLink(link, Path.GetRelativePath(parent, commonDirectory));
            }
        }

        var (exitCode, output) = await ScmCommand.RunAsync(_git, ["rev-parse", "HEAD"], sourceDirectory,
            _environment, logPath, captureStdout: true, cancellationToken).ConfigureAwait(false);
        var commit = output.Trim();
        if (exitCode != 0 || !IsCommitId(commit))
        {
            throw ScmException.Build($"Error running GIT command \"git rev-parse HEAD\", see {Path.GetFileName(logPath)} for details");
        }
        return new ScmCheckoutResult(checkoutDirectory, sourceDirectory, commit, scm.GetSource(commit), scm.Url,
            commonDirectory);
    }

    // The common repository sits next to the package's: <dir>/common, or common.git / common/.git
    // when the package URL uses that form.
    internal static string GetCommonUrl(ScmUrl scm, string cloneUrl)
    {
        static string Dirname(string url) => url[..url.LastIndexOf('/')];
        if (scm.Repository.EndsWith("/.git", StringComparison.Ordinal))
        {
            return Dirname(cloneUrl[..^5]) + "/common/.git";
        }
        if (scm.Repository.EndsWith(".git", StringComparison.Ordinal))
        {
            return Dirname(cloneUrl[..^4]) + "/common.git";
        }
        return Dirname(cloneUrl) + "/common";
    }

    // The module must name real directories inside the checkout: a symlink in the repository
    // could otherwise point the build at any directory of the builder.
    private static string ResolveModule(ScmUrl scm, string checkoutDirectory)
    {
        var current = checkoutDirectory;
        if (scm.Module.Length == 0)
        {
            return current;
        }
        foreach (var part in scm.Module.Split('/'))
        {
            current = Path.Combine(current, part);
            var info = new DirectoryInfo(current);
            if (info.LinkTarget is not null)
            {
                throw ScmException.Build($"Module path {scm.Module} is a symbolic link in the repository");
            }
            if (!info.Exists)
            {
                throw ScmException.Build($"Module path {scm.Module} does not exist in the repository");
            }
        }
        return current;
    }

    private static bool IsCommitId(string text) =>
        text.Length is 40 or 64 && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private async Task<int> RunAsync(string[] args, string workingDirectory, string logPath,
        CancellationToken cancellationToken)
    {
        var (exitCode, _) = await ScmCommand.RunAsync(_git, args, workingDirectory, _environment, logPath,
            captureStdout: false, cancellationToken).ConfigureAwait(false);
        return exitCode;
    }

    private async Task RunFatalAsync(ScmUrl scm, string[] args, string workingDirectory, string logPath,
        CancellationToken cancellationToken)
    {
        if (await RunAsync(args, workingDirectory, logPath, cancellationToken).ConfigureAwait(false) != 0)
        {
            var command = ScmUrl.Redact("git " + string.Join(' ', args));
            throw ScmException.Build(
                $"Error running {scm.ScmTypeName} command \"{command}\", see {Path.GetFileName(logPath)} for details");
        }
    }
}
