using KojiNet.Builder.Buildroots;
using KojiNet.TestSupport;

namespace KojiNet.Builder.Tests.Buildroots;

/// <summary>Python literals against Python's own <c>repr</c> (the system python3).</summary>
public sealed class PythonLiteralTests
{
    public static readonly string[] Strings =
    [
        "",
        "plain",
        "it's",
        "say \"hi\"",
        "both ' and \"",
        "tab\t nl\n cr\r",
        "back\\slash",
        "\0\u0001\u001f\u007f\u0080\u009f",
        "é ü ĳ ∑ 日本 Ünïcode",
        "nbsp\u00a0 soft\u00ad hyphen",
        "line\u2028sep para\u2029sep",
        "zero\u200bwidth \ufeff bom",
        "emoji 😀 and \U000E0001 tag",
        "private \ue000 use",
        "unassigned \u0378 here",
        "%%{NAME}-%%{VERSION}",
        "lone \ud800 surrogate",
    ];

    [Fact]
    public void Strings_are_quoted_and_escaped_as_python_does()
    {
        // JSON carries the exact UTF-16 strings (lone surrogates included) to Python.
        const string Script = """
            import json, sys
            for s in json.loads(sys.stdin.read()):
                print(repr(s))
            """;
        var json = "[" + string.Join(",", Strings.Select(JsonString)) + "]";
        var r = ExternalTool.Run(ExternalTool.SystemPython, ["-c", Script], stdin: json,
            environment: new Dictionary<string, string> { ["PYTHONIOENCODING"] = "utf-8" });
        Assert.True(r.ExitCode == 0, r.StdErr);
        var expected = r.StdOut.Split('\n')[..Strings.Length];
        for (var i = 0; i < Strings.Length; i++)
        {
            Assert.Equal(expected[i], PythonLiteral.Repr(Strings[i]));
        }
    }

    // Every UTF-16 code unit outside printable ASCII as \uXXXX, so lone surrogates survive.
    private static string JsonString(string s) =>
        "\"" + string.Concat(s.Select(c => c is >= ' ' and < '\x7f' and not '"' and not '\\'
            ? c.ToString()
            : "\\u" + ((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture))) + "\"";

    [Fact]
    public void Other_values_render_as_python_repr()
    {
        const string Script = """
            print(repr(None)); print(repr(True)); print(repr(False)); print(repr(0)); print(repr(-42))
            print(repr(2**40)); print(repr(1.0)); print(repr(0.1)); print(repr(-0.0)); print(repr(1e16))
            print(repr(1.5e-05)); print(repr(float('inf'))); print(repr([])); print(repr({}))
            print(repr([1, 'a', [True, None], {'k': 'v', 'n': 2.5}])); print(repr(('src', 'dst')))
            """;
        var r = ExternalTool.Run(ExternalTool.SystemPython, ["-c", Script]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        object?[] values =
        [
            null, true, false, 0, -42, 1L << 40, 1.0, 0.1, -0.0, 1e16, 1.5e-05, double.PositiveInfinity,
            new List<object?>(), new Dictionary<string, object?>(),
            new List<object?> { 1, "a", new object?[] { true, null }, new OrderedDictionary<string, object?> { ["k"] = "v", ["n"] = 2.5 } },
            ("src", "dst"),
        ];
        Assert.Equal(r.StdOut.Split('\n')[..values.Length], values.Select(PythonLiteral.Repr).ToArray());
    }

    [Fact]
    public void Str_and_truthiness_follow_python()
    {
        Assert.Equal("text", PythonLiteral.Str("text"));
        Assert.Equal("True", PythonLiteral.Str(true));
        Assert.Equal("4", PythonLiteral.Str(4));
        Assert.Equal("['a']", PythonLiteral.Str(new List<object?> { "a" }));
        Assert.False(PythonLiteral.IsTruthy(null));
        Assert.False(PythonLiteral.IsTruthy(""));
        Assert.False(PythonLiteral.IsTruthy(0));
        Assert.False(PythonLiteral.IsTruthy(0.0));
        Assert.False(PythonLiteral.IsTruthy(new List<object?>()));
        Assert.False(PythonLiteral.IsTruthy(new Dictionary<string, object?>()));
        Assert.True(PythonLiteral.IsTruthy("False"));
        Assert.True(PythonLiteral.IsTruthy(-1));
        Assert.True(PythonLiteral.IsTruthy(new List<object?> { null }));
    }

    [Fact]
    public void Values_without_a_python_literal_are_refused()
    {
        Assert.Throws<ArgumentException>(() => PythonLiteral.Repr(DateTime.UnixEpoch));
        Assert.Throws<ArgumentException>(() => PythonLiteral.Repr(new byte[] { 1 }));
        Assert.Throws<ArgumentException>(() => PythonLiteral.Repr(new object()));
    }
}
