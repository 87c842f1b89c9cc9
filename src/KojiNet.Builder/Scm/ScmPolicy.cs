namespace KojiNet.Builder.Scm;

/// <summary>Who asks for an SCM source: the policy data kojid adds to the URL's fields.</summary>
/// <param name="UserId">The task owner's user id.</param>
/// <param name="Channel">The task's channel name.</param>
/// <param name="Scratch">The build's <c>scratch</c> option (null when the task has none).</param>
public sealed record ScmPolicyContext(int UserId, string? Channel, bool? Scratch);

/// <summary>The kojid.conf options that decide how an SCM URL is checked (builder spec §3.4).</summary>
/// <param name="AllowedScms"><c>allowed_scms</c>.</param>
/// <param name="UseConfig"><c>allowed_scms_use_config</c> (default true).</param>
/// <param name="UsePolicy"><c>allowed_scms_use_policy</c> (default false).</param>
public sealed record ScmAccessOptions(string AllowedScms = "", bool UseConfig = true, bool UsePolicy = false);

/// <summary>Calls <c>host.evalPolicy(policyName, data)</c> on the hub and returns its result string.</summary>
public delegate Task<string?> ScmPolicyEvaluator(string policyName, IReadOnlyDictionary<string, object?> data,
    CancellationToken cancellationToken);

/// <summary>
/// The <c>build_from_scm</c> hub policy as kojid uses it (builder spec §14.5), and the whole
/// access check (allowed_scms, then the policy).
/// </summary>
public static class ScmPolicy
{
    /// <summary>The policy's name.</summary>
    public const string PolicyName = "build_from_scm";

    /// <summary>
    /// The policy data: <c>scm_url</c>, <c>scm_scheme</c>, <c>scm_user</c>, <c>scm_host</c>,
    /// <c>scm_repository</c>, <c>scm_module</c>, <c>scm_revision</c>, <c>scm_type</c>,
    /// <c>user_id</c>, <c>channel</c>, <c>scratch</c> (null values go as XML-RPC nil).
    /// </summary>
    public static Dictionary<string, object?> GetPolicyData(ScmUrl scm, ScmPolicyContext context)
    {
        ArgumentNullException.ThrowIfNull(scm);
        ArgumentNullException.ThrowIfNull(context);
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["scm_url"] = scm.Url,
            ["scm_scheme"] = scm.Scheme,
            ["scm_user"] = scm.User,
            ["scm_host"] = scm.Host,
            ["scm_repository"] = scm.Repository,
            ["scm_module"] = scm.Module,
            ["scm_revision"] = scm.Revision,
            ["scm_type"] = scm.ScmTypeName,
            ["user_id"] = context.UserId,
            ["channel"] = context.Channel,
            ["scratch"] = context.Scratch,
        };
    }

    /// <summary>
    /// Interprets the policy's result words. The first word must be <c>yes</c>, <c>true</c>,
    /// <c>allow</c> or <c>allowed</c> (any case), else <see cref="ScmException"/> (BuildError)
    /// with the other words as the reason. After it: <c>use_common</c> as the next word turns
    /// use_common on (its absence turns it off); the words left are the source command,
    /// <c>none</c> (any case) first meaning no source command, and no words keeping
    /// <paramref name="current"/>'s command.
    /// </summary>
    public static ScmAccess ApplyResult(ScmUrl scm, string? result, ScmAccess current)
    {
        ArgumentNullException.ThrowIfNull(scm);
        ArgumentNullException.ThrowIfNull(current);
        var words = (result ?? "").Split(default(char[]), StringSplitOptions.RemoveEmptyEntries);
        var allowed = words.Length > 0 && words[0].ToLowerInvariant() is "yes" or "true" or "allow" or "allowed";
        if (!allowed)
        {
            var reason = words.Length > 1 ? string.Join(' ', words.Skip(1)) : "None";
            throw ScmException.Build($"SCM: {scm.Host}:{scm.Repository} is not allowed, reason: {reason}");
        }
        var rest = words.Skip(1).ToList();
        var useCommon = rest.Count > 0 && rest[0] == "use_common";
        if (useCommon)
        {
            rest.RemoveAt(0);
        }
        var sourceCommand = rest.Count > 0 ? rest : current.SourceCommand;
        if (sourceCommand is { Count: > 0 } && sourceCommand[0].Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            sourceCommand = null;
        }
        return new ScmAccess(useCommon, sourceCommand);
    }

    /// <summary>
    /// kojid's <c>assert_allowed</c>: allowed_scms when <see cref="ScmAccessOptions.UseConfig"/>,
    /// then the <c>build_from_scm</c> policy when <see cref="ScmAccessOptions.UsePolicy"/> (its
    /// answer overrides use_common and the source command). Throws <see cref="ScmException"/>
    /// (BuildError) when refused.
    /// </summary>
    public static async Task<ScmAccess> AssertAllowedAsync(ScmUrl scm, ScmAccessOptions options,
        ScmPolicyContext context, ScmPolicyEvaluator? evaluatePolicy, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(scm);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var access = ScmAccess.Default;
        if (options.UseConfig)
        {
            access = AllowedScms.Parse(options.AllowedScms).Check(scm, access);
        }
        if (options.UsePolicy)
        {
            if (evaluatePolicy is null)
            {
                throw ScmException.Build("allowed_scms_use_policy is set but no hub session is available");
            }
            var result = await evaluatePolicy(PolicyName, GetPolicyData(scm, context), cancellationToken)
                .ConfigureAwait(false);
            access = ApplyResult(scm, result, access);
        }
        return access;
    }
}
