namespace KojiNet.Builder.Scm;

/// <summary>
/// What an allowed SCM may do: whether the <c>common</c> repository is checked out next to the
/// sources, and the command run in the buildroot to fetch sources (null: none).
/// </summary>
/// <param name="UseCommon">Check out <c>common</c> as well.</param>
/// <param name="SourceCommand">argv of the source command (<c>make sources</c> by default), or null for none.</param>
public sealed record ScmAccess(bool UseCommon, IReadOnlyList<string>? SourceCommand)
{
    /// <summary>kojid's defaults before any allowed_scms entry or policy applies: use_common, <c>make sources</c>.</summary>
    public static ScmAccess Default { get; } = new(true, ["make", "sources"]);
}

/// <summary>One allowed_scms entry: <c>host:repository[:use_common[:source_cmd]]</c> or <c>!host:repository</c>.</summary>
/// <param name="Text">The entry as written.</param>
/// <param name="HostPattern">fnmatch glob for the host (matched case-insensitively, as hosts are).</param>
/// <param name="RepositoryPattern">fnmatch glob for the repository path.</param>
/// <param name="Deny">A <c>!</c> entry: a match refuses the URL.</param>
/// <param name="UseCommon">The entry's use_common value, or null when it gives none.</param>
/// <param name="SetsSourceCommand">Whether the entry has a 4th field.</param>
/// <param name="SourceCommand">The 4th field split on commas; null when empty (no source command).</param>
public sealed record AllowedScmsEntry(string Text, string HostPattern, string RepositoryPattern, bool Deny,
    bool? UseCommon, bool SetsSourceCommand, IReadOnlyList<string>? SourceCommand);

/// <summary>
/// kojid.conf's <c>allowed_scms</c> (builder spec §14.4): whitespace-separated entries checked in
/// order, the first whose host and repository globs both match decides; a deny entry refuses.
/// Matching runs on <see cref="ScmUrl"/>'s normalised host and path, so <c>..</c>, repeated
/// slashes, a different host case or a trailing dot cannot dodge an entry.
/// </summary>
public sealed class AllowedScms
{
    private readonly List<(AllowedScmsEntry Entry, Fnmatch Host, Fnmatch Repository)> _entries;

    private AllowedScms(List<(AllowedScmsEntry, Fnmatch, Fnmatch)> entries, List<string> warnings)
    {
        _entries = entries;
        Entries = entries.Select(e => e.Item1).ToList();
        Warnings = warnings;
    }

    /// <summary>The entries, in order.</summary>
    public IReadOnlyList<AllowedScmsEntry> Entries { get; }

    /// <summary>Entries that were ignored (fewer than two <c>:</c>-separated fields), with the reason.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Parses the option's value; null or empty gives an empty list (nothing allowed).</summary>
    public static AllowedScms Parse(string? text)
    {
        var entries = new List<(AllowedScmsEntry, Fnmatch, Fnmatch)>();
        var warnings = new List<string>();
        foreach (var word in (text ?? "").Split(default(char[]), StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = word.Split(':');
            if (fields.Length < 2)
            {
                warnings.Add($"Ignoring unparseable allowed_scms entry: {word}");
                continue;
            }
            var hostPattern = fields[0];
            var deny = hostPattern.StartsWith('!');
            if (deny)
            {
                hostPattern = hostPattern[1..];
            }
            bool? useCommon = fields.Length >= 3
                ? !(fields[2].ToLowerInvariant() is "no" or "off" or "false" or "0")
                : null;
            var setsSourceCommand = fields.Length >= 4;
            IReadOnlyList<string>? sourceCommand = setsSourceCommand && fields[3].Length > 0
                ? fields[3].Split(',')
                : null;
            var entry = new AllowedScmsEntry(word, hostPattern, fields[1], deny, useCommon, setsSourceCommand,
                sourceCommand);
            entries.Add((entry, new Fnmatch(hostPattern.ToLowerInvariant()), new Fnmatch(fields[1])));
        }
        return new AllowedScms(entries, warnings);
    }

    /// <summary>The first entry matching the URL's host and repository, or null.</summary>
    public AllowedScmsEntry? FindMatch(ScmUrl scm)
    {
        ArgumentNullException.ThrowIfNull(scm);
        foreach (var (entry, host, repository) in _entries)
        {
            if (host.IsMatch(scm.Host) && repository.IsMatch(scm.Repository))
            {
                return entry;
            }
        }
        return null;
    }

    /// <summary>
    /// kojid's <c>assert_allowed_by_config</c>: the access the first matching entry grants,
    /// starting from <paramref name="current"/> (default <see cref="ScmAccess.Default"/>).
    /// Throws <see cref="ScmException"/> (BuildError) when no entry matches or a deny entry does.
    /// </summary>
    public ScmAccess Check(ScmUrl scm, ScmAccess? current = null)
    {
        ArgumentNullException.ThrowIfNull(scm);
        var access = current ?? ScmAccess.Default;
        var match = FindMatch(scm);
        if (match is null || match.Deny)
        {
            throw ScmException.Build($"{scm.Host}:{scm.Repository} is not in the list of allowed SCMs");
        }
        if (match.UseCommon is { } useCommon)
        {
            // Only "no" and friends turn use_common off; any other value leaves the current one.
            access = access with { UseCommon = access.UseCommon && useCommon };
        }
        if (match.SetsSourceCommand)
        {
            access = access with { SourceCommand = match.SourceCommand };
        }
        return access;
    }
}
