using System.Text.Json;
using System.Text.RegularExpressions;
using KojiNet.Hub.Api;
using KojiNet.TestSupport;

namespace KojiNet.Hub.Tests.Api;

/// <summary>
/// Every implemented method has upstream's signature: the <c>argdesc</c> we publish in
/// <c>_listapi</c> equals upstream's (spec/api-list.md, which records api.json and the 1.35 code
/// where they differ). Clients bind keyword arguments by these names.
/// </summary>
public sealed partial class SignatureTests
{
    // Each method's acceptable signatures: api.json's (1.34) and the 1.35 code's where it differs.
    private static Dictionary<string, HashSet<string>> UpstreamSignatures()
    {
        var shared = SharedFiles.Directory;
        var expected = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        void Add(string name, string desc)
        {
            if (!expected.TryGetValue(name, out var set))
            {
                expected[name] = set = new HashSet<string>(StringComparer.Ordinal);
            }
            set.Add(desc);
        }
        using (var api = JsonDocument.Parse(File.ReadAllText(Path.Combine(shared, "koji-api", "api.json"))))
        {
            foreach (var m in api.RootElement.GetProperty("rpc").EnumerateObject())
            {
                Add(m.Name, m.Value.GetProperty("desc").GetString()!);
            }
        }
        // The 1.35 code's signature where it differs from api.json, and the methods api.json lacks.
        foreach (var line in File.ReadLines(Path.Combine(shared, "spec", "api-list.md")))
        {
            var row = Row().Match(line);
            if (!row.Success)
            {
                continue;
            }
            var name = row.Groups["name"].Value;
            var head = row.Groups["head"].Value.Trim();
            Add(name, row.Groups["args"].Value);
            if (head.StartsWith('`'))
            {
                Add(name, head.Trim('`'));
            }
        }
        return expected;
    }

    // Methods registered upstream through (*args, **opts) wrappers: we publish that wrapper form.
    private static readonly HashSet<string> Wrappers = new(StringComparer.Ordinal) { "login", "sslLogin", "exclusiveSession" };

    // Koji.NET's own methods, which upstream does not have.
    private static readonly Dictionary<string, string> Extensions = new(StringComparer.Ordinal)
    {
        ["host.waitTasks"] = "(timeout=30, tasks=None)",
        ["host.repoRpmIndex"] = "(repo_id, arch)",
        ["host.repoRpmMetadata"] = "(repo_id, arch, rpm_ids)",
    };

    [Fact]
    public void ImplementedMethodsHaveUpstreamSignatures()
    {
        var expected = UpstreamSignatures();
        var mismatches = new List<string>();
        foreach (var method in MethodRegistry.Default.All)
        {
            if (Extensions.TryGetValue(method.Name, out var own))
            {
                if (method.ArgDesc != own)
                {
                    mismatches.Add($"{method.Name}: ours {method.ArgDesc}, documented {own}");
                }
                continue;
            }
            if (!expected.TryGetValue(method.Name, out var descs))
            {
                mismatches.Add($"{method.Name}: not an upstream method");
                continue;
            }
            if (!descs.Contains(method.ArgDesc))
            {
                mismatches.Add($"{method.Name}: ours {method.ArgDesc}, upstream {string.Join(" or ", descs)}");
            }
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.All(Wrappers, w => Assert.Equal("(*args, **opts)", MethodRegistry.Default.Find(w)!.ArgDesc));
    }

    [Fact]
    public void UpstreamSignatureTableIsComplete()
    {
        // Guards the parsing above: api.json's 304 methods plus the 16 the 1.35 code adds.
        Assert.True(UpstreamSignatures().Count >= 320);
    }

    [GeneratedRegex(@"^\|\s*\d+\s*\|\s*`(?<name>[^`]+)`\s*\|\s*`(?<args>\([^`]*\))`\s*\|?(?<head>[^|]*)\|?\s*$")]
    private static partial Regex Row();
}
