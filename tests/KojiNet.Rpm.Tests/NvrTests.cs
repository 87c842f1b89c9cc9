using KojiNet.Rpm.Versions;

namespace KojiNet.Rpm.Tests;

public class NvrTests
{
    [Theory]
    [InlineData("bash-5.2.15-2.fc40", "bash", "5.2.15", "2.fc40", "")]
    [InlineData("python3-rpm-4.18.0-1", "python3-rpm", "4.18.0", "1", "")]
    [InlineData("1:openssl-3.0.0-1", "openssl", "3.0.0", "1", "1")]
    [InlineData("12:a:b-1-2", "a:b", "1", "2", "12")]
    [InlineData("name-1:2.0-3", "name", "1:2.0", "3", "")]
    [InlineData("-1-2", "", "1", "2", "")]
    [InlineData(":n-1-2", "n", "1", "2", "")]
    [InlineData("x:n-1-2", "n", "1", "2", "x")]
    [InlineData("a-b-c-d", "a-b", "c", "d", "")]
    [InlineData("n-1-2.x86_64", "n", "1", "2.x86_64", "")]
    public void Parse_nvr_like_koji(string text, string name, string version, string release, string epoch)
    {
        var nvr = Nvr.Parse(text);
        Assert.Equal(new Nvr(name, version, release, epoch), nvr);
        Assert.True(Nvr.TryParse(text, out var again));
        Assert.Equal(nvr, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("bash")]
    [InlineData("bash-5.2")]
    [InlineData("bash-5.2-")]
    [InlineData("bash--1")]
    [InlineData("-")]
    [InlineData("--")]
    [InlineData("---")]
    [InlineData("a-")]
    public void Parse_nvr_rejects_like_koji(string text)
    {
        var ex = Assert.Throws<NvrFormatException>(() => Nvr.Parse(text));
        Assert.Equal("invalid format: " + text, ex.Message);
        Assert.IsAssignableFrom<FormatException>(ex);
        Assert.False(Nvr.TryParse(text, out _));
    }

    [Theory]
    [InlineData("bash-5.2.15-2.fc40.x86_64", "bash", "5.2.15", "2.fc40", "x86_64", "", null)]
    [InlineData("bash-5.2.15-2.fc40.x86_64.rpm", "bash", "5.2.15", "2.fc40", "x86_64", "", null)]
    [InlineData("bash-5.2.15-2.fc40.src.rpm", "bash", "5.2.15", "2.fc40", "src", "", null)]
    [InlineData("2:vim-9.0-1.noarch", "vim", "9.0", "1", "noarch", "2", null)]
    [InlineData("bash-5.2-1.x86_64@fedora-updates", "bash", "5.2", "1", "x86_64", "", "fedora-updates")]
    [InlineData("bash-5.2-1.x86_64.rpm@repo@x", "bash", "5.2", "1", "x86_64", "", "repo@x")]
    [InlineData("bash-5.2-1.x86_64@", "bash", "5.2", "1", "x86_64", "", null)]
    [InlineData("bash-5.2-1.rpm.rpm", "bash", "5.2", "1", "rpm", "", null)]
    [InlineData("n-1-2.3.a", "n", "1", "2.3", "a", "", null)]
    [InlineData("n-1-2.x86-64", "n", "1", "2", "x86-64", "", null)]
    public void Parse_nvra_like_koji(string text, string name, string version, string release, string arch,
        string epoch, string? location)
    {
        var nvra = Nvra.Parse(text);
        Assert.Equal(new Nvra(name, version, release, arch, epoch, location), nvra);
        Assert.Equal(arch == "src", nvra.IsSource);
        Assert.True(Nvra.TryParse(text, out var again));
        Assert.Equal(nvra, again);
    }

    [Theory]
    [InlineData("bash", "bash")]
    [InlineData("bash.", "bash.")]
    [InlineData("bash.rpm", "bash")]
    [InlineData("bash-5.2-1.", "bash-5.2-1.")]
    [InlineData("bash-5.2.x86_64", "bash-5.2")]
    [InlineData("bash-1.x86_64.rpm", "bash-1")]
    [InlineData("@repo", "")]
    [InlineData("bash-5-.x86_64", "bash-5-")]
    [InlineData("n-1.0-2", "n-1")]
    public void Parse_nvra_rejects_like_koji(string text, string reported)
    {
        var ex = Assert.Throws<NvrFormatException>(() => Nvra.Parse(text));
        Assert.Equal("invalid format: " + reported, ex.Message);
        Assert.Equal(reported, ex.Value);
        Assert.False(Nvra.TryParse(text, out _));
    }

    [Fact]
    public void Formatting_round_trips()
    {
        var nvr = Nvr.Parse("3:kernel-6.1.0-1.fc40");
        Assert.Equal("kernel-6.1.0-1.fc40", nvr.ToString());
        Assert.Equal("3:kernel-6.1.0-1.fc40", nvr.ToEpochString());
        Assert.Equal(nvr, Nvr.Parse(nvr.ToEpochString()));
        Assert.Equal(3, nvr.EpochNumber);
        Assert.Equal(new Evr("3", "6.1.0", "1.fc40"), nvr.ToEvr());
        Assert.Equal(new Evr(null, "1", "2"), Nvr.Parse("n-1-2").ToEvr());
        Assert.Null(Nvr.Parse("n-1-2").EpochNumber);
        Assert.Null(Nvr.Parse("x:n-1-2").EpochNumber);

        var nvra = Nvra.Parse("3:kernel-6.1.0-1.fc40.x86_64.rpm@ext");
        Assert.Equal("kernel-6.1.0-1.fc40.x86_64", nvra.ToString());
        Assert.Equal("kernel-3:6.1.0-1.fc40.x86_64", nvra.ToNevraString());
        Assert.Equal("kernel-6.1.0-1.fc40.x86_64.rpm", nvra.FileName);
        Assert.Equal("ext", nvra.Location);
        Assert.Equal(nvr, nvra.Nvr);
        Assert.Equal("n-1-2.noarch", Nvra.Parse("n-1-2.noarch").ToNevraString());
    }

    private static string RandomWord(Random rng, string alphabet)
    {
        var chars = new char[rng.Next(0, 4)];
        for (int k = 0; k < chars.Length; k++)
        {
            chars[k] = alphabet[rng.Next(alphabet.Length)];
        }
        return new string(chars);
    }

    /// <summary>Koji's parse_NVR/parse_NVRA, re-run by the system Python as an oracle on generated strings.</summary>
    [Fact]
    public void Parsing_agrees_with_koji_algorithm_on_generated_strings()
    {
        var rng = new Random(7);
        const string alphabet = "ab1-.:@r";
        var inputs = new List<string> { "a.rpm", ".rpm", "-.rpm", "a-b-c.rpm@" };
        for (int n = 0; n < 3000; n++)
        {
            // Mostly NVRA-shaped strings, then a few random edits, so both outcomes are common.
            var sb = new System.Text.StringBuilder();
            foreach (char sep in "--.")
            {
                sb.Append(RandomWord(rng, alphabet)).Append(sep);
            }
            sb.Append(RandomWord(rng, alphabet));
            for (int e = rng.Next(0, 3); e > 0; e--)
            {
                sb.Insert(rng.Next(sb.Length + 1), alphabet[rng.Next(alphabet.Length)]);
            }
            if (rng.Next(4) == 0)
            {
                sb.Append(".rpm");
            }
            inputs.Add(sb.ToString());
        }
        // A transliteration of the documented Koji algorithm, used only as an independent oracle.
        const string script = """
            import sys, json
            def nvr(s):
                p2 = s.rfind("-")
                if p2 == -1 or p2 == len(s) - 1: return None
                p1 = s.rfind("-", 0, p2)
                if p1 == -1 or p1 == p2 - 1: return None
                name = s[:p1]; i = name.find(":"); epoch = ""
                if i != -1: epoch, name = name[:i], name[i + 1:]
                return [name, s[p1 + 1:p2], s[p2 + 1:], epoch]
            def nvra(s):
                parts = s.split("@", 1); loc = None
                if len(parts) > 1: s, loc = parts
                if s.endswith(".rpm"): s = s[:-4]
                p3 = s.rfind(".")
                if p3 == -1 or p3 == len(s) - 1: return None
                r = nvr(s[:p3])
                return None if r is None else r + [s[p3 + 1:], loc or None]
            for line in sys.stdin:
                s = json.loads(line)
                print(json.dumps([nvr(s), nvra(s)]))
            """;
        var stdin = string.Join('\n', inputs.Select(s => System.Text.Json.JsonSerializer.Serialize(s))) + "\n";
        var lines = KojiNet.TestSupport.ExternalTool.RunChecked(KojiNet.TestSupport.ExternalTool.SystemPython,
            ["-c", script], stdin).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(inputs.Count, lines.Length);
        int parsed = 0;
        for (int k = 0; k < inputs.Count; k++)
        {
            var expected = System.Text.Json.JsonDocument.Parse(lines[k]).RootElement;
            var e0 = expected[0];
            var e1 = expected[1];
            bool okNvr = Nvr.TryParse(inputs[k], out var nvr);
            Assert.Equal(e0.ValueKind != System.Text.Json.JsonValueKind.Null, okNvr);
            if (okNvr)
            {
                Assert.Equal(new Nvr(e0[0].GetString()!, e0[1].GetString()!, e0[2].GetString()!, e0[3].GetString()!), nvr);
            }
            bool okNvra = Nvra.TryParse(inputs[k], out var nvra);
            Assert.Equal(e1.ValueKind != System.Text.Json.JsonValueKind.Null, okNvra);
            if (okNvra)
            {
                parsed++;
                Assert.Equal(new Nvra(e1[0].GetString()!, e1[1].GetString()!, e1[2].GetString()!,
                    e1[4].GetString()!, e1[3].GetString()!, e1[5].GetString()), nvra);
            }
        }
        Assert.InRange(parsed, 50, inputs.Count - 50);
    }
}
