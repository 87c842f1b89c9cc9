using System.Text;
using System.Text.RegularExpressions;

namespace KojiNet.Builder.Scm;

/// <summary>
/// Finding and vetting the spec file of a checkout (builder spec §14.3 steps 4-6).
/// </summary>
public static partial class ScmSpecFile
{
    /// <summary>
    /// Selects the spec: <c>&lt;sourcedir&gt;/*.spec</c>, else (with the rpm source layout)
    /// <c>&lt;sourcedir&gt;/SPECS/*.spec</c>; with several, the one named
    /// <c>&lt;basename(sourcedir)&gt;.spec</c>. Throws <see cref="ScmException"/> (BuildError)
    /// for none, an ambiguous choice, or a spec that is a symbolic link.
    /// </summary>
    /// <param name="sourceDirectory">The checkout's source directory.</param>
    /// <param name="supportRpmSourceLayout">kojid.conf's <c>support_rpm_source_layout</c> (default true).</param>
    public static string Find(string sourceDirectory, bool supportRpmSourceLayout = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceDirectory);
        var specs = List(sourceDirectory);
        if (specs.Count == 0 && supportRpmSourceLayout)
        {
            specs = List(Path.Combine(sourceDirectory, "SPECS"));
        }
        string spec;
        if (specs.Count == 0)
        {
            throw ScmException.Build("No spec file found");
        }
        else if (specs.Count == 1)
        {
            spec = specs[0];
        }
        else
        {
            var wanted = Path.GetFileName(Path.TrimEndingDirectorySeparator(sourceDirectory)) + ".spec";
            spec = specs.FirstOrDefault(s => Path.GetFileName(s) == wanted)
                ?? throw ScmException.Build($"Multiple spec files found: {string.Join(", ", specs.Select(Path.GetFileName))}");
        }
        if (new FileInfo(spec).LinkTarget is not null)
        {
            throw ScmException.Build($"Spec file {Path.GetFileName(spec)} is a symbolic link");
        }
        return spec;
    }

    /// <summary>
    /// The directory rpmbuild takes sources from: <c>&lt;sourcedir&gt;/SOURCES</c> if it exists
    /// (with the rpm source layout), else the source directory itself.
    /// </summary>
    public static string GetSourcesDirectory(string sourceDirectory, bool supportRpmSourceLayout = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(sourceDirectory);
        var sources = Path.Combine(sourceDirectory, "SOURCES");
        return supportRpmSourceLayout && Directory.Exists(sources) ? sources : sourceDirectory;
    }

    /// <summary>
    /// kojid's spec sanity check: a spec whose text begins with <c>Packager:</c>,
    /// <c>Distribution:</c> or <c>Vendor:</c>, or with <c>%define packager|distribution|vendor</c>,
    /// is refused with <see cref="ScmException"/> (BuildError). Like upstream, only the start of
    /// the file is checked (upstream matches with <c>re.match</c>, anchored there).
    /// </summary>
    public static void CheckSanity(string specPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(specPath);
        CheckSanityText(File.ReadAllText(specPath, Encoding.UTF8));
    }

    /// <summary>The check of <see cref="CheckSanity"/> on the spec's text.</summary>
    public static void CheckSanityText(string specText)
    {
        ArgumentNullException.ThrowIfNull(specText);
        foreach (var tag in (string[])["Packager", "Distribution", "Vendor"])
        {
            if (specText.StartsWith(tag + ":", StringComparison.Ordinal))
            {
                throw ScmException.Build($"{tag} is not allowed to be set in spec file");
            }
        }
        var define = DefineAtStart().Match(specText);
        if (define.Success)
        {
            throw ScmException.Build($"{define.Groups[1].Value} is not allowed to be defined in spec file");
        }
    }

    private static List<string> List(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }
        // Like glob("*.spec"): no hidden names; only files.
        return Directory.EnumerateFileSystemEntries(directory)
            .Where(p =>
            {
                var name = Path.GetFileName(p);
                return !name.StartsWith('.') && name.EndsWith(".spec", StringComparison.Ordinal)
                    && (File.Exists(p) || new FileInfo(p).LinkTarget is not null);
            })
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    [GeneratedRegex(@"\A%define\s+(packager|distribution|vendor)\s", RegexOptions.CultureInvariant)]
    private static partial Regex DefineAtStart();
}
