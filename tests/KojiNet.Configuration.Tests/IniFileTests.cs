using System.Text.Json;
using KojiNet.TestSupport;

namespace KojiNet.Configuration.Tests;

/// <summary>Our INI reader against Python's configparser, the reader Koji itself uses.</summary>
public class IniFileTests
{
    // Each document is parsed by both; the results (sections, options, values, or failure) must match.
    public static readonly string[] Documents =
    [
        "[hub]\nDBName = koji\nDBUser=koji\nKojiDir : /mnt/koji\n",
        "[hub]\n# comment\n; other comment\nDBHost = db.example.org\n\n[policy]\ntag =\n    has_perm admin :: allow\n    all :: deny\n",
        "[DEFAULT]\ntopdir = /mnt/koji\n[kojid]\nsleeptime = 15\n[other]\nx = 1\n",
        "[hub]\nMaxRequestLength = 4194304\nMaxRequestLength = 5\n",
        "[hub]\n[hub]\n",
        "x = 1\n",
        "[hub]\nno separator here\n",
        "[hub]\nKey = value with = sign and : colon\n",
        "[hub]\nmulti = first\n\n  second after blank\n\nnext = 2\n",
        "[hub]\r\nCRLF = yes\r\nOther = no\r\n",
        "[hub]\nEmpty =\nSpaces =    padded   \n",
        "[a]\nk=1\n[b]\nk=2\n[a b]\nk=3\n",
        "[hub]\nUPPER = 1\nupper2 = 2\n",
        "[kojid]\nallowed_scms=\n    scm.example.org:/repos/*:no\n    *.example.org:/git/*\n",
        "  [indented]\nk = v\n",
        "[hub]\nk = v # not a comment\n",
    ];

    [Fact]
    public void MatchesPythonConfigparser()
    {
        const string script = """
            import configparser, json, sys
            out = []
            for doc in json.load(sys.stdin):
                p = configparser.RawConfigParser()
                try:
                    p.read_string(doc)
                    out.append({"ok": True, "sections": {s: dict(p.items(s)) for s in p.sections()}})
                except configparser.Error as e:
                    out.append({"ok": False, "error": type(e).__name__})
            json.dump(out, sys.stdout)
            """;
        var json = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", script], JsonSerializer.Serialize(Documents));
        var expected = JsonDocument.Parse(json).RootElement;
        for (var i = 0; i < Documents.Length; i++)
        {
            var want = expected[i];
            IniFile? ini = null;
            IniFormatException? error = null;
            try
            {
                ini = IniFile.Parse(Documents[i]);
            }
            catch (IniFormatException e)
            {
                error = e;
            }
            if (!want.GetProperty("ok").GetBoolean())
            {
                Assert.True(error is not null, $"document {i} should fail like Python's {want.GetProperty("error")}");
                continue;
            }
            Assert.True(ini is not null, $"document {i} failed: {error?.Message}");
            var sections = want.GetProperty("sections");
            Assert.Equal(sections.EnumerateObject().Select(p => p.Name), ini.SectionNames);
            foreach (var section in sections.EnumerateObject())
            {
                var ours = ini[section.Name]!;
                foreach (var option in section.Value.EnumerateObject())
                {
                    Assert.Equal(option.Value.GetString(), ours[option.Name]);
                }
                // Python's items() include DEFAULT's options; ours resolve them through the indexer.
                var ownKeys = ours.Keys.ToHashSet(StringComparer.Ordinal);
                Assert.All(ownKeys, k => Assert.True(section.Value.TryGetProperty(k, out _), $"document {i}: extra option {k}"));
            }
        }
    }

    [Fact]
    public void ErrorsNameFileAndLine()
    {
        var e = Assert.Throws<IniFormatException>(() => IniFile.Parse("[hub]\nok = 1\nbroken line\n", "hub.conf"));
        Assert.Contains("hub.conf, line 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LaterFilesOverrideEarlierOnes()
    {
        var ini = IniFile.Parse("[hub]\nDBName = one\nKojiDir = /a\n");
        ini.ReadText("[hub]\nDBName = two\n", "second");
        Assert.Equal("two", ini["hub"]!["DBName"]);
        Assert.Equal("/a", ini["hub"]!["kojidir"]);
    }

    [Theory]
    [InlineData("On", true)]
    [InlineData("yes", true)]
    [InlineData("TRUE", true)]
    [InlineData("1", true)]
    [InlineData("off", false)]
    [InlineData("No", false)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    public void BooleansFollowIniRules(string text, bool expected)
    {
        Assert.True(IniFile.TryParseBool(text, out var value));
        Assert.Equal(expected, value);
    }

    [Fact]
    public void BadBooleanIsRejected() => Assert.False(IniFile.TryParseBool("maybe", out _));
}
