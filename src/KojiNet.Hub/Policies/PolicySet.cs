using System.Collections.Frozen;
using KojiNet.Configuration;

namespace KojiNet.Hub.Policies;

/// <summary>
/// The hub's compiled policies: those of the <c>[policy]</c> section, plus the built-in default
/// of every policy in the default table that the section does not define (policy.md §4).
/// Compiled once at start-up; a policy that does not compile stops the hub.
/// </summary>
internal sealed class PolicySet
{
    /// <summary>The built-in policies, used for every one of these names the configuration leaves out.</summary>
    public static readonly FrozenDictionary<string, string> DefaultTexts = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["build_rpm"] = """
            all :: allow
            """,
        ["build_from_srpm"] = """
            has_perm admin :: allow
            all :: deny Only admin can do this via default policy
            """,
        ["build_from_repo_id"] = """
            has_perm admin :: allow
            all :: deny Only admin can do this via default policy
            """,
        ["build_from_scm"] = """
            # Other actions a site may use here (see builder.md §14.5):
            #   allow use_common          also check out the /common repository
            #   allow fedpkg sources      run this command instead of "make sources"
            #   allow none                run no source command
            has_perm admin :: allow
            all :: deny Only admin can do this via default policy
            """,
        ["package_list"] = """
            has_perm admin :: allow
            has_perm tag :: allow
            all :: deny Only admin/tag can do this via default policy
            """,
        ["channel"] = """
            has req_channel :: req
            is_child_task :: parent
            all :: use default
            """,
        ["vm"] = """
            has_perm admin win-admin :: allow
            all :: deny Only admin/win-admin can do this via default policy
            """,
        ["cg_import"] = """
            all :: allow
            """,
        ["volume"] = """
            all :: DEFAULT
            """,
        ["priority"] = """
            all :: stay
            """,
        ["draft_promotion"] = """
            has_perm draft-promoter :: allow
            is_build_owner :: allow
            all :: deny Only draft-promoter and build owner can do this via default policy
            """,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, PolicyRuleSet> _policies;

    private PolicySet(Dictionary<string, PolicyRuleSet> policies, IReadOnlySet<string> configured)
    {
        _policies = policies.ToFrozenDictionary(StringComparer.Ordinal);
        Configured = configured;
    }

    /// <summary>Only the built-in defaults (no <c>[policy]</c> section).</summary>
    public static PolicySet Defaults { get; } = Compile([]);

    /// <summary>The names of the policies the configuration defined (the rest are defaults).</summary>
    public IReadOnlySet<string> Configured { get; }

    /// <summary>Every defined policy name.</summary>
    public IEnumerable<string> Names => _policies.Keys;

    /// <summary>The compiled policy, or null when it is not defined.</summary>
    public PolicyRuleSet? Get(string name) => _policies.GetValueOrDefault(name);

    /// <summary>
    /// Compiles configured policies (names case-folded, as option names are) and the defaults of
    /// the rest; a <c>policy NAME</c> test must name a defined policy.
    /// </summary>
    /// <exception cref="PolicyConfigurationException">A policy does not compile.</exception>
    public static PolicySet Compile(IEnumerable<KeyValuePair<string, string>> configured)
    {
        var policies = new Dictionary<string, PolicyRuleSet>(StringComparer.Ordinal);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (rawName, text) in configured)
        {
            var name = rawName.ToLowerInvariant();
            policies[name] = CompileOne(name, text);
            names.Add(name);
        }
        foreach (var (name, text) in DefaultTexts)
        {
            if (!policies.ContainsKey(name))
            {
                policies[name] = CompileOne(name, text);
            }
        }
        foreach (var policy in policies.Values)
        {
            foreach (var sub in policy.AllTests.OfType<SubPolicyTest>())
            {
                if (!policies.ContainsKey(sub.PolicyName))
                {
                    throw new PolicyConfigurationException(policy.Name, $"test '{sub.Text.Trim()}': no such policy: {sub.PolicyName}");
                }
            }
        }
        return new PolicySet(policies, names);
    }

    /// <summary>Compiles the <c>[policy]</c> section of hub.conf (null: none); errors name the file and the policy.</summary>
    /// <exception cref="IniFormatException">A policy does not compile.</exception>
    public static PolicySet FromSection(IniSection? section, string source)
    {
        if (section is null)
        {
            return Defaults;
        }
        try
        {
            return Compile(section.Keys.Select(k => KeyValuePair.Create(k, section[k] ?? "")));
        }
        catch (PolicyConfigurationException e)
        {
            throw new IniFormatException($"{source} [policy]: {e.Message}", e);
        }
    }

    private static PolicyRuleSet CompileOne(string name, string text)
    {
        try
        {
            return PolicyRuleSet.Parse(name, text);
        }
        catch (PolicySyntaxException e)
        {
            throw new PolicyConfigurationException(name, e.Message);
        }
    }
}

/// <summary>A policy that does not compile: the message names the policy and the problem.</summary>
internal sealed class PolicyConfigurationException(string policy, string problem)
    : Exception($"policy '{policy}': {problem}")
{
    /// <summary>The policy that failed.</summary>
    public string Policy { get; } = policy;

    /// <summary>What is wrong with it.</summary>
    public string Problem { get; } = problem;
}
