namespace KojiNet.Builder.Buildroots;

/// <summary>
/// What a buildroot's result directory holds: source packages, binary packages, logs, and
/// anything else (kojid only logs those as unexpected). Full paths, sorted by file name.
/// </summary>
public sealed record BuildrootResults(
    IReadOnlyList<string> Srpms,
    IReadOnlyList<string> Rpms,
    IReadOnlyList<string> Logs,
    IReadOnlyList<string> Unexpected)
{
    /// <summary>Sorts the files of <paramref name="resultDir"/> (not recursive) as kojid's buildArch does.</summary>
    public static BuildrootResults Scan(string resultDir)
    {
        var srpms = new List<string>();
        var rpms = new List<string>();
        var logs = new List<string>();
        var unexpected = new List<string>();
        if (Directory.Exists(resultDir))
        {
            foreach (var path in Directory.EnumerateFiles(resultDir).Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileName(path);
                if (name.EndsWith(".src.rpm", StringComparison.Ordinal))
                {
                    srpms.Add(path);
                }
                else if (name.EndsWith(".rpm", StringComparison.Ordinal))
                {
                    rpms.Add(path);
                }
                else if (name.EndsWith(".log", StringComparison.Ordinal))
                {
                    logs.Add(path);
                }
                else
                {
                    unexpected.Add(path);
                }
            }
        }
        return new BuildrootResults(srpms, rpms, logs, unexpected);
    }
}
