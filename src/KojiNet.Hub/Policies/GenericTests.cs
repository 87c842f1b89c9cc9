using System.Globalization;
using KojiNet.Hub.Api;

namespace KojiNet.Hub.Policies;

/// <summary>The generic tests every policy may use (policy.md §6, first table).</summary>
internal static class GenericTests
{
    public static IEnumerable<(string Name, Func<string, PolicyTest> Factory)> All =>
    [
        ("true", t => new ConstantTest(t, true)),
        ("all", t => new ConstantTest(t, true)),
        ("false", t => new ConstantTest(t, false)),
        ("none", t => new ConstantTest(t, false)),
        ("has", t => new HasTest(t)),
        ("bool", t => new BoolTest(t)),
        ("match", t => new MatchTest(t)),
        ("match_any", t => new MatchListTest(t, all: false)),
        ("match_all", t => new MatchListTest(t, all: true)),
        ("target", t => new FieldMatchTest(t, "target")),
        ("compare", t => new CompareTest(t)),
    ];
}

/// <summary><c>true</c>/<c>all</c> and <c>false</c>/<c>none</c>: ignore the data.</summary>
internal sealed class ConstantTest(string text, bool value) : PolicyTest(text)
{
    public override ValueTask<bool> RunAsync(PolicyContext context) => ValueTask.FromResult(value);
}

/// <summary><c>has FIELD</c>: the data holds the key, whatever its value.</summary>
internal sealed class HasTest : PolicyTest
{
    private readonly string _field;

    public HasTest(string text) : base(text) =>
        _field = Words.Count > 1 ? Words[1] : throw new PolicySyntaxException("Invalid or missing field in policy test");

    public override ValueTask<bool> RunAsync(PolicyContext context) => ValueTask.FromResult(context.Data.ContainsKey(_field));
}

/// <summary>A match test of one fixed data field (<c>target</c>, <c>method</c>, <c>operation</c>, <c>vm_name</c>).</summary>
internal sealed class FieldMatchTest(string text, string field) : MatchTest(text, field);

/// <summary>A bool test of one fixed data field (<c>is_child_task</c> tests <c>parent</c>).</summary>
internal sealed class FieldBoolTest(string text, string field) : BoolTest(text, field);

/// <summary>
/// <c>match_any FIELD PAT...</c> / <c>match_all FIELD PAT...</c>: the field holds a list; any
/// (non-None) item matches, or every item matches and there is at least one.
/// </summary>
internal sealed class MatchListTest : PolicyTest
{
    private readonly string _field;
    private readonly string[] _patterns;
    private readonly bool _all;

    public MatchListTest(string text, bool all) : base(text)
    {
        _field = Words.Count > 1 ? Words[1] : throw new PolicySyntaxException($"{Name} test needs a field name");
        _patterns = Words.Skip(2).ToArray();
        _all = all;
    }

    public override ValueTask<bool> RunAsync(PolicyContext context)
    {
        if (!context.Data.TryGetValue(_field, out var value) || PolicyValues.Items(value) is not { } items)
        {
            return ValueTask.FromResult(false);
        }
        if (_all)
        {
            return ValueTask.FromResult(items.Count > 0 && items.All(i => i is not null && Fnmatch.IsMatchAny(PolicyValues.Str(i), _patterns)));
        }
        return ValueTask.FromResult(items.Any(i => i is not null && Fnmatch.IsMatchAny(PolicyValues.Str(i), _patterns)));
    }
}

/// <summary><c>compare FIELD OP NUMBER</c> with OP one of <c>&lt; &gt; &lt;= &gt;= = !=</c>; a missing field is false.</summary>
internal sealed class CompareTest : PolicyTest
{
    private readonly string _field;
    private readonly string _op;
    private readonly double _value;

    public CompareTest(string text) : base(text)
    {
        if (Words.Count != 4)
        {
            throw new PolicySyntaxException($"compare test needs 'compare FIELD OP NUMBER', got: {text.Trim()}");
        }
        _field = Words[1];
        _op = Words[2];
        if (_op is not ("<" or ">" or "<=" or ">=" or "=" or "!="))
        {
            throw new PolicySyntaxException("Invalid comparison in test.");
        }
        _value = long.TryParse(Words[3], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) ? l
            : double.TryParse(Words[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d
            : throw new PolicySyntaxException($"compare test: '{Words[3]}' is not a number");
    }

    public override ValueTask<bool> RunAsync(PolicyContext context)
    {
        if (!context.Data.TryGetValue(_field, out var raw))
        {
            return ValueTask.FromResult(false);
        }
        if (PolicyValues.Number(raw) is not { } x)
        {
            // Python: equality with a non-number is simply false; ordering is a TypeError.
            return _op switch
            {
                "=" => ValueTask.FromResult(false),
                "!=" => ValueTask.FromResult(true),
                _ => throw KojiErrors.Generic($"policy test '{Text.Trim()}': cannot compare {PolicyValues.Str(raw)} with a number"),
            };
        }
        return ValueTask.FromResult(_op switch
        {
            "<" => x < _value,
            ">" => x > _value,
            "<=" => x <= _value,
            ">=" => x >= _value,
            "=" => x == _value,
            _ => x != _value,
        });
    }
}
