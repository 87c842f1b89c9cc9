using System.Text;

namespace KojiNet.Hub.Policies;

/// <summary>
/// One rule: tests joined by <c>&amp;&amp;</c>, whether the combined result is negated
/// (<c>!!</c>), and either an action string or a nested block of rules.
/// </summary>
internal sealed class PolicyRule
{
    public required IReadOnlyList<PolicyTest> Tests { get; init; }

    public bool Negate { get; init; }

    /// <summary>The action when this is not a block.</summary>
    public string? Action { get; init; }

    /// <summary>The nested rules when the action was <c>{</c>.</summary>
    public List<PolicyRule>? Block { get; init; }

    /// <summary>The rule's tests and separator as the "last rule" rendering shows them.</summary>
    public string Render() => string.Join("&&", Tests.Select(t => t.Text)) + (Negate ? "!! " : ":: ");
}

/// <summary>What evaluating a policy gave: the action (null when no rule matched) and the last rule rendering.</summary>
internal sealed record PolicyOutcome(string? Action, string LastRule);

/// <summary>
/// A compiled policy (policy.md §2). Rules are tried top to bottom; the tests of a rule run left
/// to right and stop at the first false; the first rule that holds gives its action, or for a
/// block its inner rules, and a block none of whose rules hold falls through to the rule after it.
/// </summary>
internal sealed class PolicyRuleSet
{
    private PolicyRuleSet(string name, string text, List<PolicyRule> rules)
    {
        Name = name;
        Text = text;
        Rules = rules;
    }

    /// <summary>The policy name.</summary>
    public string Name { get; }

    /// <summary>The source text.</summary>
    public string Text { get; }

    /// <summary>The top-level rules.</summary>
    public IReadOnlyList<PolicyRule> Rules { get; }

    /// <summary>Every test of every rule, nested ones included.</summary>
    public IEnumerable<PolicyTest> AllTests => Walk(Rules).SelectMany(r => r.Tests);

    private static IEnumerable<PolicyRule> Walk(IEnumerable<PolicyRule> rules)
    {
        foreach (var rule in rules)
        {
            yield return rule;
            if (rule.Block is { } block)
            {
                foreach (var inner in Walk(block))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>
    /// Compiles policy text: one rule per line, <c>#</c> starts a comment, a line that is only
    /// <c>}</c> closes the innermost block, the last <c>::</c> (else the last <c>!!</c>, negated)
    /// separates the tests from the action, and the action <c>{</c> opens a block.
    /// </summary>
    /// <exception cref="PolicySyntaxException">A line is not a rule, braces do not balance, or a test is unknown or malformed.</exception>
    public static PolicyRuleSet Parse(string name, string text)
    {
        var top = new List<PolicyRule>();
        var cursor = top;
        var stack = new Stack<List<PolicyRule>>();
        foreach (var raw in text.Split('\n'))
        {
            var hash = raw.IndexOf('#', StringComparison.Ordinal);
            var line = (hash >= 0 ? raw[..hash] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (line == "}")
            {
                cursor = stack.Count > 0 ? stack.Pop() : throw new PolicySyntaxException("nesting error in rule set");
                continue;
            }
            var negate = false;
            var pos = line.LastIndexOf("::", StringComparison.Ordinal);
            if (pos < 0)
            {
                pos = line.LastIndexOf("!!", StringComparison.Ordinal);
                if (pos < 0)
                {
                    throw new PolicySyntaxException($"bad policy line: {line}");
                }
                negate = true;
            }
            var tests = new List<PolicyTest>();
            foreach (var piece in line[..pos].Split("&&"))
            {
                if (string.IsNullOrWhiteSpace(piece))
                {
                    throw new PolicySyntaxException($"bad policy line (empty test): {line}");
                }
                tests.Add(PolicyTests.Create(piece));
            }
            var action = line[(pos + 2)..].Trim();
            if (action == "{")
            {
                var block = new List<PolicyRule>();
                cursor.Add(new PolicyRule { Tests = tests, Negate = negate, Block = block });
                stack.Push(cursor);
                cursor = block;
            }
            else
            {
                cursor.Add(new PolicyRule { Tests = tests, Negate = negate, Action = action });
            }
        }
        if (stack.Count > 0)
        {
            throw new PolicySyntaxException("nesting error in rule set");
        }
        return new PolicyRuleSet(name, text, top);
    }

    /// <summary>Evaluates the policy against the context's data.</summary>
    public async Task<PolicyOutcome> ApplyAsync(PolicyContext context)
    {
        var matched = new List<PolicyRule>();
        var action = await ApplyAsync(Rules, context, matched, top: true).ConfigureAwait(false);
        return new PolicyOutcome(action, RenderLastRule(matched, action));
    }

    // The matched-rule trail restarts at every top-level rule and keeps entered blocks even when
    // they fall through, as upstream's rendering does.
    private static async Task<string?> ApplyAsync(IReadOnlyList<PolicyRule> rules, PolicyContext context, List<PolicyRule> matched, bool top)
    {
        foreach (var rule in rules)
        {
            if (top)
            {
                matched.Clear();
            }
            var value = true;
            foreach (var test in rule.Tests)
            {
                if (!await test.RunAsync(context).ConfigureAwait(false))
                {
                    value = false;
                    break;
                }
            }
            if (value == rule.Negate)
            {
                continue;
            }
            matched.Add(rule);
            if (rule.Block is { } block)
            {
                if (await ApplyAsync(block, context, matched, top: false).ConfigureAwait(false) is { } inner)
                {
                    return inner;
                }
                continue;
            }
            return rule.Action;
        }
        return null;
    }

    private static string RenderLastRule(List<PolicyRule> matched, string? action)
    {
        var sb = new StringBuilder(string.Join("... ", matched.Select(r => r.Render())));
        sb.Append(action ?? "(no match)");
        return sb.ToString();
    }
}
