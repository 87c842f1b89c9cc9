using System.Text;
using System.Text.RegularExpressions;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Users;

namespace KojiNet.Hub.Api.Repos;

/// <summary>
/// Repo options (kojira.md §4): the booleans <c>src</c>, <c>debuginfo</c>, <c>separate_src</c>
/// and <c>maven</c>; a tag's defaults, and the custom options of a repo (those that differ from
/// the defaults). Option sets are kept as ordered maps, stored as JSON.
/// </summary>
internal static class RepoOpts
{
    public static readonly string[] Names = ["src", "debuginfo", "separate_src", "maven"];

    /// <summary>
    /// Koji's <c>convert_repo_opts</c>: null is no options; values are made booleans, null values
    /// dropped. With <paramref name="strict"/> a non-struct or an unknown option is ParameterError,
    /// otherwise it is ignored.
    /// </summary>
    public static Dictionary<string, bool> Convert(object? opts, bool strict)
    {
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (opts is null)
        {
            return result;
        }
        if (opts is not IReadOnlyDictionary<string, object?> d)
        {
            return strict ? throw KojiErrors.Parameter("Repo opts must be a dictionary") : result;
        }
        foreach (var (key, value) in d)
        {
            if (!Names.Contains(key, StringComparer.Ordinal))
            {
                if (strict)
                {
                    throw KojiErrors.Parameter($"Invalid repo option: {key}");
                }
                continue;
            }
            if (value is not null)
            {
                result[key] = ArgumentBinder.Truthy(value);
            }
        }
        return result;
    }

    /// <summary>
    /// Koji's <c>get_repo_opts</c>: the tag's default options (hub globs, then tag extra
    /// <c>repo.opts</c> or the legacy <c>with_debuginfo</c>, then <c>maven_support</c> when maven
    /// is enabled), with <paramref name="overrides"/> applied; and the overrides that differ from
    /// the defaults (the custom options).
    /// </summary>
    public static (Dictionary<string, bool> Opts, Dictionary<string, bool> Custom) ForTag(
        CallContext ctx, TagRow tag, IReadOnlyList<TagExtraRow> extra, IReadOnlyDictionary<string, bool>? overrides)
    {
        var opts = new Dictionary<string, bool>(StringComparer.Ordinal)
        {
            ["src"] = false,
            ["debuginfo"] = false,
            ["separate_src"] = false,
            ["maven"] = false,
        };
        var hub = ctx.Hub.Config.Repos;
        if (MatchesAny(tag.Name, hub.DebuginfoTags))
        {
            opts["debuginfo"] = true;
        }
        if (MatchesAny(tag.Name, hub.SourceTags))
        {
            opts["src"] = true;
        }
        if (MatchesAny(tag.Name, hub.SeparateSourceTags))
        {
            opts["separate_src"] = true;
        }
        var values = extra.Where(e => e.Value is not null).ToDictionary(e => e.Key, e => PyJson.Decode(e.Value!), StringComparer.Ordinal);
        var tagOpts = values.TryGetValue("repo.opts", out var configured) ? Convert(configured, strict: false) : [];
        if (!values.ContainsKey("repo.opts") && values.TryGetValue("with_debuginfo", out var legacy))
        {
            tagOpts["debuginfo"] = ArgumentBinder.Truthy(legacy);
        }
        foreach (var (k, v) in tagOpts)
        {
            opts[k] = v;
        }
        if (!ctx.Hub.Config.Operation.EnableMaven)
        {
            opts["maven"] = false;
        }
        else if (tag.Maven_Support)
        {
            opts["maven"] = true;
        }
        var custom = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var (k, v) in overrides ?? new Dictionary<string, bool>())
        {
            if (opts[k] != v)
            {
                custom[k] = v;
            }
        }
        foreach (var (k, v) in custom)
        {
            opts[k] = v;
        }
        return (opts, custom);
    }

    /// <summary>Options as stored in <c>opts</c> columns and <c>repo.json</c>: JSON like Python writes it.</summary>
    public static string ToJson(IReadOnlyDictionary<string, bool> opts) =>
        PyJson.Encode(opts.ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal));

    /// <summary>Stored options read back; anything that is not a struct of booleans is no options.</summary>
    public static Dictionary<string, bool>? FromJson(string? json)
    {
        if (json is null)
        {
            return null;
        }
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (PyJson.Decode(json) is IReadOnlyDictionary<string, object?> d)
        {
            foreach (var (k, v) in d)
            {
                result[k] = ArgumentBinder.Truthy(v);
            }
        }
        return result;
    }

    /// <summary>Whether every option of <paramref name="part"/> is in <paramref name="whole"/> with the same value (JSON <c>&lt;@</c>).</summary>
    public static bool IsSubset(IReadOnlyDictionary<string, bool> part, IReadOnlyDictionary<string, bool> whole) =>
        part.All(kv => whole.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Whether two option sets are equal (JSON equality, key order aside).</summary>
    public static bool AreEqual(IReadOnlyDictionary<string, bool> a, IReadOnlyDictionary<string, bool> b) =>
        a.Count == b.Count && IsSubset(a, b);

    /// <summary>A struct value of options, for results.</summary>
    public static Dictionary<string, object?> ToStruct(IReadOnlyDictionary<string, bool> opts) =>
        opts.ToDictionary(kv => kv.Key, kv => (object?)kv.Value, StringComparer.Ordinal);

    /// <summary>Python's <c>koji.util.multi_fnmatch</c> over space-separated globs (case-sensitive, as on Linux).</summary>
    public static bool MatchesAny(string name, string globs)
    {
        foreach (var glob in globs.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (FnMatch(glob).IsMatch(name))
            {
                return true;
            }
        }
        return false;
    }

    private static Regex FnMatch(string pattern)
    {
        var sb = new StringBuilder(@"\A(?:");
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            switch (c)
            {
                case '*':
                    sb.Append(".*");
                    break;
                case '?':
                    sb.Append('.');
                    break;
                case '[':
                    var end = pattern.IndexOf(']', i + 2 <= pattern.Length ? i + 2 : pattern.Length);
                    if (end < 0)
                    {
                        sb.Append(@"\[");
                        break;
                    }
                    var body = pattern[(i + 1)..end];
                    sb.Append('[');
                    if (body.StartsWith('!'))
                    {
                        sb.Append('^');
                        body = body[1..];
                    }
                    sb.Append(body.Replace(@"\", @"\\", StringComparison.Ordinal)).Append(']');
                    i = end;
                    break;
                default:
                    sb.Append(Regex.Escape(c.ToString()));
                    break;
            }
        }
        sb.Append(@")\z");
        return new Regex(sb.ToString(), RegexOptions.CultureInvariant | RegexOptions.Singleline, TimeSpan.FromSeconds(1));
    }
}

/// <summary>Koji's arch names as repos use them.</summary>
internal static class RepoArches
{
    /// <summary>
    /// Koji's <c>canonArch</c>: i?86 and athlon are i386, ia32e is x86_64, ppc64* (but
    /// ppc64le) is ppc64, sparc64* sparc64, sparc* sparc, alpha* alpha, arm*h* armhfp, arm* arm;
    /// any other arch is itself.
    /// </summary>
    public static string Canon(string arch) => KojiNet.Rpm.RpmArch.Canon(arch);

    /// <summary>Koji's <c>is_debuginfo</c>: names ending in <c>-debuginfo</c> or <c>-debugsource</c>, or containing <c>-debuginfo-</c>.</summary>
    public static bool IsDebuginfo(string name) =>
        name.EndsWith("-debuginfo", StringComparison.Ordinal) || name.EndsWith("-debugsource", StringComparison.Ordinal)
        || name.Contains("-debuginfo-", StringComparison.Ordinal);
}

/// <summary>Koji's <c>REPO_STATES</c> names.</summary>
internal static class RepoStateNames
{
    private static readonly string[] Names = ["INIT", "READY", "EXPIRED", "DELETED", "PROBLEM"];

    public static string Name(int state) => state >= 0 && state < Names.Length ? Names[state] : state.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A state given as number or name; ParameterError when unknown.</summary>
    public static int Parse(object? value) => value switch
    {
        int i when i >= 0 && i < Names.Length => i,
        long l when l >= 0 && l < Names.Length => (int)l,
        string s when Array.IndexOf(Names, s) is var i && i >= 0 => i,
        _ => throw KojiErrors.Parameter($"Unknown repo state: {UserQueries.Repr(value)}"),
    };
}
