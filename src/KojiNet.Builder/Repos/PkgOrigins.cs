using System.IO.Compression;
using System.Xml.Linq;

namespace KojiNet.Builder.Repos;

/// <summary>One line of a merged repo's <c>pkgorigins</c>: a package and the repo it came from.</summary>
/// <param name="Nvra"><c>[epoch:]name-version-release.arch</c> as mergerepo_c writes it.</param>
/// <param name="RepoUrl">The URL of the repo the package was taken from (the Koji repo's is <c>file://…/repo_&lt;id&gt;_premerge/</c>).</param>
public sealed record PkgOrigin(string Nvra, string RepoUrl);

/// <summary>
/// Reads the <c>origin</c> metadata (<c>pkgorigins.gz</c>) mergerepo_c adds to a merged repo:
/// builders use it to tell the external packages of a buildroot from the internal ones
/// (builder.md §12.3).
/// </summary>
public static class PkgOrigins
{
    private static readonly XNamespace Repo = "http://linux.duke.edu/metadata/repo";

    /// <summary>
    /// The origins recorded in the repo at <paramref name="repoDir"/> (the directory holding
    /// <c>repodata/</c>), in file order; empty when the repo has no <c>origin</c> metadata.
    /// </summary>
    public static IReadOnlyList<PkgOrigin> Read(string repoDir)
    {
        var repomd = XDocument.Load(Path.Combine(repoDir, "repodata", "repomd.xml"));
        var href = repomd.Root?.Elements(Repo + "data")
            .FirstOrDefault(d => string.Equals((string?)d.Attribute("type"), "origin", StringComparison.Ordinal))
            ?.Element(Repo + "location")?.Attribute("href")?.Value;
        if (href is null)
        {
            return [];
        }
        using var file = File.OpenRead(Path.Combine(repoDir, href));
        using Stream data = href.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(data);
        var result = new List<PkgOrigin>();
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t', StringComparison.Ordinal);
            if (tab > 0)
            {
                result.Add(new PkgOrigin(line[..tab], line[(tab + 1)..]));
            }
        }
        return result;
    }
}
