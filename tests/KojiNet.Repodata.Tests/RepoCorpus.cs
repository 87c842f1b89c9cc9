using KojiNet.TestSupport;

namespace KojiNet.Repodata.Tests;

/// <summary>
/// The shared RPM corpus (TestSupport's specs) plus this project's repodata specs, built by
/// rpmbuild into one tree, and createrepo_c's metadata for that tree as the reference. Also
/// builds the packages createrepo_c refuses, into a separate directory.
/// </summary>
public sealed class RepoCorpus : IDisposable
{
    private readonly RpmCorpus _shared = new();

    public RepoCorpus()
    {
        var specDir = Path.Combine(AppContext.BaseDirectory, "repospecs");
        foreach (var spec in Directory.GetFiles(specDir, "*.spec").Order(StringComparer.Ordinal))
        {
            // kr-latin1 carries ISO-8859-1 text on purpose.
            ExternalTool.RunChecked("rpmbuild", ["--nodeps", "--define", $"_topdir {TopDir}",
                "--define", "_invalid_encoding_terminates_build 0", "-ba", spec]);
        }
        Packages = Directory.GetFiles(TopDir, "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        BadDir = Directory.CreateTempSubdirectory("kojinet-repodata-bad-").FullName;
        foreach (var spec in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "badspecs"), "*.spec"))
        {
            ExternalTool.RunChecked("rpmbuild", ["--nodeps", "--define", $"_topdir {BadDir}", "--define", $"_rpmdir {BadDir}",
                "--define", "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm", "-bb", spec]);
        }

        CreaterepoOutput = Directory.CreateTempSubdirectory("kojinet-repodata-cr-").FullName;
        ExternalTool.RunChecked("createrepo_c", ["--quiet", "--no-database", "-o", CreaterepoOutput, TopDir]);
    }

    /// <summary>The rpmbuild top directory; every package lies below it.</summary>
    public string TopDir => _shared.TopDir;

    /// <summary>Every package (binary and source) below <see cref="TopDir"/>.</summary>
    public IReadOnlyList<string> Packages { get; }

    /// <summary>Package paths relative to <see cref="TopDir"/>, as createrepo_c writes them in location hrefs.</summary>
    public IReadOnlyList<string> RelativePaths => Packages.Select(p => Path.GetRelativePath(TopDir, p)).ToList();

    /// <summary>createrepo_c's output for <see cref="TopDir"/> (<c>createrepo_c --no-database -o</c>).</summary>
    public string CreaterepoOutput { get; }

    /// <summary>Packages createrepo_c refuses (control characters in the header).</summary>
    public string BadDir { get; }

    /// <summary>The package at <paramref name="relative"/> below <see cref="TopDir"/>, whose name starts with <paramref name="prefix"/>.</summary>
    public string Find(string prefix, string arch) =>
        Packages.Single(p => Path.GetFileName(p).StartsWith(prefix, StringComparison.Ordinal)
                             && p.EndsWith($".{arch}.rpm", StringComparison.Ordinal));

    public void Dispose()
    {
        _shared.Dispose();
        foreach (var dir in new[] { BadDir, CreaterepoOutput })
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Best effort.
            }
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RepoCorpusCollection : ICollectionFixture<RepoCorpus>
{
    public const string Name = "repo corpus";
}
