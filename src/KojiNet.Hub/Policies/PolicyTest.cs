using System.Collections.Frozen;
using KojiNet.Hub.Api;

namespace KojiNet.Hub.Policies;

/// <summary>
/// One test of a policy rule, made from the text between <c>&amp;&amp;</c> separators: the first
/// word names the test, the rest are its arguments. The text is kept as written (surrounding
/// spaces included) because the "last rule" rendering joins it back unchanged.
/// </summary>
internal abstract class PolicyTest
{
    protected PolicyTest(string text)
    {
        Text = text;
        Words = PolicyValues.SplitWords(text);
        if (Words.Count == 0)
        {
            throw new PolicySyntaxException("empty test");
        }
    }

    /// <summary>The test as written in the rule.</summary>
    public string Text { get; }

    /// <summary>The whitespace-separated words of <see cref="Text"/>; the first is the test name.</summary>
    public IReadOnlyList<string> Words { get; }

    /// <summary>The test name.</summary>
    public string Name => Words[0];

    /// <summary>The words after the test name.</summary>
    public IEnumerable<string> Args => Words.Skip(1);

    /// <summary>Runs the test against the evaluation's data.</summary>
    public abstract ValueTask<bool> RunAsync(PolicyContext context);

    /// <inheritdoc />
    public override string ToString() => Text;
}

/// <summary>A test that is true when a field (fixed, or the first argument) matches any of the glob arguments.</summary>
internal class MatchTest : PolicyTest
{
    private readonly string _field;
    private readonly string[] _patterns;

    /// <summary>A test of a field named in the rule: <c>name FIELD PATTERN...</c>.</summary>
    public MatchTest(string text) : base(text)
    {
        _field = Words.Count > 1 ? Words[1] : throw new PolicySyntaxException($"{Name} test needs a field name");
        _patterns = Words.Skip(2).ToArray();
    }

    /// <summary>A test of a fixed field: <c>name PATTERN...</c>.</summary>
    protected MatchTest(string text, string field) : base(text)
    {
        _field = field;
        _patterns = Args.ToArray();
    }

    /// <summary>The glob patterns.</summary>
    protected IReadOnlyList<string> Patterns => _patterns;

    public override ValueTask<bool> RunAsync(PolicyContext context) => ValueTask.FromResult(Matches(context, _field));

    /// <summary>Whether <c>data[field]</c> is present, not None, and matches a pattern.</summary>
    protected bool Matches(PolicyContext context, string field) =>
        context.Data.TryGetValue(field, out var value) && value is not null
        && Fnmatch.IsMatchAny(PolicyValues.Str(value), _patterns);

    /// <summary>Stores <paramref name="value"/> under <paramref name="field"/> (as upstream's tests do) and matches it.</summary>
    protected bool MatchValue(PolicyContext context, string field, string? value)
    {
        context.Data[field] = value;
        return Matches(context, field);
    }
}

/// <summary>A test that is true when a field (fixed, or the first argument) is present and truthy.</summary>
internal class BoolTest : PolicyTest
{
    private readonly string _field;

    /// <summary>A test of a field named in the rule: <c>bool FIELD</c>.</summary>
    public BoolTest(string text) : base(text) =>
        _field = Words.Count > 1 ? Words[1] : throw new PolicySyntaxException($"{Name} test needs a field name");

    /// <summary>A test of a fixed field.</summary>
    protected BoolTest(string text, string field) : base(text) => _field = field;

    public override ValueTask<bool> RunAsync(PolicyContext context) =>
        ValueTask.FromResult(context.Data.TryGetValue(_field, out var value) && ArgumentBinder.Truthy(value));
}

/// <summary>Thrown when a policy's text cannot be compiled; the message says why.</summary>
internal sealed class PolicySyntaxException(string message) : Exception(message);

/// <summary>
/// The tests a policy may use, by name: the generic ones (policy.md §6, <c>koji.policy</c>) and
/// the hub's; for the same name the hub's wins.
/// </summary>
internal static class PolicyTests
{
    private static readonly FrozenDictionary<string, Func<string, PolicyTest>> Factories = Build();

    /// <summary>Every available test name.</summary>
    public static IEnumerable<string> Names => Factories.Keys;

    /// <summary>Makes the test a rule's text names; unknown names are <c>missing test handler: &lt;name&gt;</c>.</summary>
    public static PolicyTest Create(string text)
    {
        var words = PolicyValues.SplitWords(text);
        if (words.Count == 0)
        {
            throw new PolicySyntaxException("empty test");
        }
        return Factories.TryGetValue(words[0], out var factory)
            ? factory(text)
            : throw new PolicySyntaxException($"missing test handler: {words[0]}");
    }

    private static FrozenDictionary<string, Func<string, PolicyTest>> Build()
    {
        var tests = new Dictionary<string, Func<string, PolicyTest>>(StringComparer.Ordinal);
        foreach (var (name, factory) in GenericTests.All)
        {
            tests[name] = factory;
        }
        foreach (var (name, factory) in HubTests.All)
        {
            tests[name] = factory;
        }
        return tests.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
