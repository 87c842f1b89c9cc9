using System.Globalization;
using System.Text;
using System.Text.Json;
using KojiNet.Rpm.Versions;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

public class VersionCompareTests
{
    public static TheoryData<string, string, int> Vectors()
    {
        var data = new TheoryData<string, string, int>();
        foreach (var line in File.ReadLines(FindVectors("rpmvercmp.tsv")))
        {
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            var f = line.Split('\t');
            Assert.Equal(3, f.Length);
            data.Add(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture));
        }
        Assert.True(data.Count > 50, "vector file looks truncated");
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Rpmvercmp_matches_vector_table(string left, string right, int expected)
    {
        Assert.Equal(expected, RpmVersion.Compare(left, right));
        Assert.Equal(-expected, RpmVersion.Compare(right, left));
        Assert.Equal(expected, RpmVersion.LabelCompare(null, left, null, null, right, null));
    }

    [Theory]
    [InlineData("", "", 0)]
    [InlineData("", "1", -1)]
    [InlineData("1", "", 1)]
    [InlineData("~", "", -1)]
    [InlineData("^", "", 1)]
    [InlineData("..", "", 0)]
    [InlineData("a", "1", -1)]
    [InlineData("1", "a", 1)]
    [InlineData("000", "0", 0)]
    [InlineData("1é", "1", 0)]
    [InlineData("1.a", "1a", 0)]
    [InlineData("1.0", "1.0.", 0)]
    public void Rpmvercmp_edge_cases(string left, string right, int expected) =>
        Assert.Equal(expected, RpmVersion.Compare(left, right));

    [Theory]
    [InlineData(null, "1.0", "1", "0", "1.0", "1", 0)]
    [InlineData("1", "1.0", "1", null, "2.0", "1", 1)]
    [InlineData("", "1.0", "1", null, "1.0", "1", -1)]
    [InlineData("a", "1.0", "1", null, "1.0", "1", -1)]
    [InlineData("01", "1.0", "1", "1", "1.0", "1", 0)]
    [InlineData(null, "1.0", null, null, "1.0", "", -1)]
    [InlineData(null, "1.0", null, null, "1.0", "1", -1)]
    [InlineData(null, "1.0", null, null, "1.0", null, 0)]
    [InlineData(null, "1.0", "2", null, "1.0", "10", -1)]
    [InlineData("10", "1.0", "1", "9", "2.0", "1", 1)]
    public void LabelCompare_handles_epoch_and_missing_release(string? e1, string v1, string? r1,
        string? e2, string v2, string? r2, int expected)
    {
        Assert.Equal(expected, RpmVersion.LabelCompare(e1, v1, r1, e2, v2, r2));
        Assert.Equal(-expected, RpmVersion.LabelCompare(e2, v2, r2, e1, v1, r1));
    }

    [Fact]
    public void LabelCompare_rejects_empty_version_like_python_rpm()
    {
        Assert.Throws<ArgumentException>(() => RpmVersion.LabelCompare(null, "", null, null, "1", null));
        Assert.Throws<ArgumentException>(() => RpmVersion.LabelCompare(null, "1", null, "0", null!, null));
        Assert.Throws<ArgumentException>(() => Evr.Parse("1:").CompareTo(Evr.Parse("1")));
    }

    [Theory]
    [InlineData("1.0", null, "1.0", null)]
    [InlineData("-1", null, "", "1")]
    [InlineData("1.0-1", null, "1.0", "1")]
    [InlineData("2:1.0-1.fc40", "2", "1.0", "1.fc40")]
    [InlineData(":1.0", "0", "1.0", null)]
    [InlineData("1:2.0-1-2", "1", "2.0-1", "2")]
    [InlineData("12-3", null, "12", "3")]
    [InlineData("a:1-2", null, "a:1", "2")]
    [InlineData("1:", "1", "", null)]
    public void Evr_parse_splits_like_rpm(string text, string? epoch, string version, string? release)
    {
        var evr = Evr.Parse(text);
        Assert.Equal(new Evr(epoch, version, release), evr);
    }

    [Fact]
    public void Evr_roundtrips_and_orders()
    {
        Assert.Equal("3:1.0-2", Evr.Parse("3:1.0-2").ToString());
        Assert.Equal("1.0", Evr.Parse("1.0").ToString());
        var sorted = new[] { "1:0.1-1", "1.0-1", "1.0~rc1-1", "1.0-1^post", "0:1.0-0" }
            .Select(Evr.Parse).Order().Select(e => e.ToString()).ToArray();
        Assert.Equal(["1.0~rc1-1", "0:1.0-0", "1.0-1", "1.0-1^post", "1:0.1-1"], sorted);
    }

    /// <summary>
    /// Thousands of random EVR pairs compared here and by python3-rpm's labelCompare, in one
    /// batched Python process.
    /// </summary>
    [Fact]
    public void LabelCompare_agrees_with_python_rpm_on_random_versions()
    {
        var rng = new Random(20261120);
        var pairs = new List<(string? E1, string V1, string? R1, string? E2, string V2, string? R2)>();
        for (int n = 0; n < 6000; n++)
        {
            string v1 = NonEmpty(RandomVersion(rng));
            string v2 = NonEmpty(rng.Next(3) == 0 ? RandomVersion(rng) : Mutate(rng, v1));
            string? r1 = rng.Next(4) == 0 ? null : RandomVersion(rng);
            string? r2 = rng.Next(4) == 0 ? null : (r1 is not null && rng.Next(2) == 0 ? Mutate(rng, r1) : RandomVersion(rng));
            pairs.Add((RandomEpoch(rng), v1, r1, RandomEpoch(rng), v2, r2));
        }

        var input = new StringBuilder();
        foreach (var p in pairs)
        {
            input.Append(JsonSerializer.Serialize(new[] { new[] { p.E1, p.V1, p.R1 }, new[] { p.E2, p.V2, p.R2 } }))
                .Append('\n');
        }
        const string script = """
            import sys, json, rpm
            out = []
            for line in sys.stdin:
                a, b = json.loads(line)
                out.append(str(rpm.labelCompare(tuple(a), tuple(b))))
            sys.stdout.write("\n".join(out) + "\n")
            """;
        var stdout = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", script], input.ToString());
        var expected = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(pairs.Count, expected.Length);

        int mismatches = 0;
        var report = new StringBuilder();
        int equalCount = 0;
        for (int k = 0; k < pairs.Count; k++)
        {
            var p = pairs[k];
            int want = int.Parse(expected[k], CultureInfo.InvariantCulture);
            int got = RpmVersion.LabelCompare(p.E1, p.V1, p.R1, p.E2, p.V2, p.R2);
            equalCount += want == 0 ? 1 : 0;
            if (got != want && mismatches++ < 20)
            {
                report.Append(CultureInfo.InvariantCulture, $"{p} expected {want} got {got}\n");
            }
        }
        Assert.True(mismatches == 0, $"{mismatches} mismatches:\n{report}");
        // The generator must exercise all three outcomes, or the test proves little.
        Assert.InRange(equalCount, 100, pairs.Count - 1000);
    }

    private const string Alphabet = "0123456789abzABZ.~^_+";

    private static string RandomVersion(Random rng)
    {
        int len = rng.Next(0, 10);
        var sb = new StringBuilder();
        for (int k = 0; k < len; k++)
        {
            if (rng.Next(8) == 0)
            {
                sb.Append('0', rng.Next(1, 3));
            }
            sb.Append(Alphabet[rng.Next(Alphabet.Length)]);
        }
        return sb.ToString();
    }

    private static string Mutate(Random rng, string s)
    {
        var sb = new StringBuilder(s);
        int edits = rng.Next(0, 3);
        for (int k = 0; k < edits; k++)
        {
            int pos = rng.Next(sb.Length + 1);
            switch (rng.Next(3))
            {
                case 0:
                    sb.Insert(pos, Alphabet[rng.Next(Alphabet.Length)]);
                    break;
                case 1 when pos < sb.Length:
                    sb.Remove(pos, 1);
                    break;
                default:
                    sb.Insert(pos, "0");
                    break;
            }
        }
        return sb.ToString();
    }

    private static string NonEmpty(string s) => s.Length == 0 ? "0" : s;

    private static string? RandomEpoch(Random rng) => rng.Next(6) switch
    {
        0 => null,
        1 => "1",
        2 => "01",
        3 => "2",
        _ => "0",
    };

    internal static string FindVectors(string fileName)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[]
                     {
                         Path.Combine(dir.FullName, "shared", "vectors", fileName),
                         Path.Combine(dir.FullName, "vectors", fileName),
                     })
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        string fallback = Path.Combine("/work/shared/vectors", fileName);
        Assert.True(File.Exists(fallback), $"test vectors {fileName} not found above {AppContext.BaseDirectory} or in /work/shared/vectors");
        return fallback;
    }
}
