namespace KojiNet.TestSupport;

/// <summary>
/// Builds a corpus of real RPMs with rpmbuild once per test run: binary and source packages,
/// noarch and host-arch, gzip/xz/zstd/bzip2 payloads, epochs, scriptlets, config/ghost/doc files,
/// symlinks, UTF-8 changelogs, rich and weak dependencies. Specs live in <c>specs/</c>.
/// Use it as an xunit class or collection fixture.
/// </summary>
public sealed class RpmCorpus : IDisposable
{
    public string TopDir { get; }

    /// <summary>Every .rpm built (binary and source).</summary>
    public IReadOnlyList<string> Packages { get; }

    public IReadOnlyList<string> SourcePackages => Packages.Where(p => p.EndsWith(".src.rpm", StringComparison.Ordinal)).ToList();

    public IReadOnlyList<string> BinaryPackages => Packages.Where(p => !p.EndsWith(".src.rpm", StringComparison.Ordinal)).ToList();

    public RpmCorpus()
    {
        TopDir = Directory.CreateTempSubdirectory("kojinet-rpm-corpus-").FullName;
        var specDir = Path.Combine(AppContext.BaseDirectory, "specs");
        var sources = Path.Combine(TopDir, "SOURCES");
        Directory.CreateDirectory(sources);
        // kn-noarch declares a Source0 so its SRPM carries a tarball next to the spec.
        File.WriteAllText(Path.Combine(TopDir, "README.src"), "source tarball content\n");
        ExternalTool.RunChecked("tar", ["czf", Path.Combine(sources, "kn-noarch-1.2.3.tar.gz"), "-C", TopDir, "README.src"]);
        foreach (var spec in Directory.GetFiles(specDir, "*.spec").Order(StringComparer.Ordinal))
        {
            ExternalTool.RunChecked("rpmbuild", ["--nodeps", "--define", $"_topdir {TopDir}", "-ba", spec]);
        }
        Packages = Directory.GetFiles(TopDir, "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        if (Packages.Count == 0)
        {
            throw new InvalidOperationException("rpmbuild produced no packages");
        }
    }

    /// <summary>The single package whose file name starts with <paramref name="prefix"/>.</summary>
    public string Find(string prefix, bool source = false) =>
        Packages.Single(p => Path.GetFileName(p).StartsWith(prefix, StringComparison.Ordinal)
                             && p.EndsWith(".src.rpm", StringComparison.Ordinal) == source);

    public void Dispose()
    {
        try
        {
            Directory.Delete(TopDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
