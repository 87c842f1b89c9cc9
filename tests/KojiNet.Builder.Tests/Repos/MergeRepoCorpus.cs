using System.IO.Compression;
using System.Xml.Linq;
using KojiNet.TestSupport;

namespace KojiNet.Builder.Tests.Repos;

/// <summary>
/// Real repos for the merge tests, built once with rpmbuild and createrepo_c: a Koji repo laid out
/// as <c>host.repoInit</c> leaves it (<c>repos/&lt;tag&gt;/&lt;id&gt;/x86_64</c> with <c>toplink</c>,
/// <c>pkglist</c>, <c>blocklist</c> and <c>groups/comps.xml</c>) and external repos:
/// <list type="bullet">
/// <item>Koji: <c>foo-1.0-1</c> (foo, foo-libs), <c>tool-1.0-1.x86_64</c>.</item>
/// <item>ext1: <c>foo-2.0-1</c> (foo, foo-libs, foo-extra), <c>bar-1.0-1</c>, <c>blocked-1.0-1</c>, <c>twin-1.0-1</c>.</item>
/// <item>ext2: <c>bar-3.0-1</c>, <c>baz-1.0-1</c>, <c>baz-2.0-1</c>, another build of <c>twin-1.0-1</c>,
/// <c>multi-1.0-1</c> for i686 and aarch64.</item>
/// <item>ext3 (per arch, URL with <c>$arch</c>): <c>only-x86</c> under <c>x86_64/</c>, <c>only-arm</c> under <c>aarch64/</c>.</item>
/// <item>ext4 (attached for ppc64le only): <c>ppc-only-1.0-1</c>.</item>
/// </list>
/// The blocklist names <c>blocked</c>.
/// </summary>
public sealed class MergeRepoCorpus : IDisposable
{
    public const int RepoId = 42;

    public string Root { get; } = Directory.CreateTempSubdirectory("kojinet-merge-").FullName;

    /// <summary>The repo's arch directory (<c>repos/merge-tag/42/x86_64</c>).</summary>
    public string ArchDir => Path.Combine(Root, "repos", "merge-tag", "42", "x86_64");

    public string BlocklistPath => Path.Combine(ArchDir, "blocklist");

    public string CompsPath => Path.Combine(Root, "repos", "merge-tag", "42", "groups", "comps.xml");

    public string Ext1 => Path.Combine(Root, "ext1");

    public string Ext2 => Path.Combine(Root, "ext2");

    public string Ext3 => Path.Combine(Root, "ext3");

    public string Ext4 => Path.Combine(Root, "ext4");

    public MergeRepoCorpus()
    {
        var packages = Path.Combine(Root, "packages");
        BuildRpm(Path.Combine(packages, "foo", "1.0", "1", "noarch"), "foo", "1.0", "1", "noarch", "foo-libs");
        BuildRpm(Path.Combine(packages, "tool", "1.0", "1", "x86_64"), "tool", "1.0", "1", "x86_64");
        BuildRpm(Ext1, "foo", "2.0", "1", "noarch", "foo-libs", "foo-extra");
        BuildRpm(Ext1, "bar", "1.0", "1", "noarch");
        BuildRpm(Ext1, "blocked", "1.0", "1", "noarch");
        BuildRpm(Ext1, "twin", "1.0", "1", "noarch");
        BuildRpm(Ext2, "bar", "3.0", "1", "noarch");
        BuildRpm(Ext2, "baz", "1.0", "1", "noarch");
        BuildRpm(Ext2, "baz", "2.0", "1", "noarch");
        BuildRpm(Ext2, "twin", "1.0", "1", "noarch");
        BuildRpm(Ext2, "multi", "1.0", "1", "i686");
        BuildRpm(Ext2, "multi", "1.0", "1", "aarch64");
        BuildRpm(Path.Combine(Ext3, "x86_64"), "only-x86", "1.0", "1", "noarch");
        BuildRpm(Path.Combine(Ext3, "aarch64"), "only-arm", "1.0", "1", "noarch");
        BuildRpm(Ext4, "ppc-only", "1.0", "1", "noarch");
        foreach (var dir in new[] { Ext1, Ext2, Path.Combine(Ext3, "x86_64"), Path.Combine(Ext3, "aarch64"), Ext4 })
        {
            ExternalTool.RunChecked("createrepo_c", ["-q", dir]);
        }

        // The Koji repo as repo init leaves it.
        Directory.CreateDirectory(ArchDir);
        Directory.CreateDirectory(Path.GetDirectoryName(CompsPath)!);
        File.CreateSymbolicLink(Path.Combine(ArchDir, "toplink"), "../../../..");
        var pkglist = Directory.GetFiles(packages, "*.rpm", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(p => "toplink/" + Path.GetRelativePath(Root, p).Replace('\\', '/'));
        File.WriteAllLines(Path.Combine(ArchDir, "pkglist"), pkglist);
        File.WriteAllText(BlocklistPath, "blocked\n");
        File.WriteAllText(CompsPath, """
            <?xml version="1.0"?>
            <!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">
            <comps>
              <group>
                <id>build</id>
                <name>build</name>
                <description></description>
                <default>true</default>
                <uservisible>true</uservisible>
                <packagelist>
                  <packagereq type="mandatory">foo</packagereq>
                </packagelist>
              </group>
            </comps>
            """);
    }

    /// <summary>
    /// A fresh task work directory with <c>repo/</c> made from the Koji repo as the createrepo
    /// task does (<c>createrepo_c -o &lt;workdir&gt;/repo -i pkglist -g comps &lt;archdir&gt;</c>).
    /// </summary>
    public string NewWorkDir()
    {
        var work = Directory.CreateTempSubdirectory("kojinet-merge-work-").FullName;
        Directory.CreateDirectory(Path.Combine(work, "repo"));
        ExternalTool.RunChecked("createrepo_c", ["--error-exit-val", "-q", "-o", Path.Combine(work, "repo"), "-i", Path.Combine(ArchDir, "pkglist"),
            "-g", CompsPath, ArchDir]);
        return work;
    }

    /// <summary>Builds <paramref name="name"/> (and its subpackages, from the same source package) into <paramref name="outDir"/>.</summary>
    public static void BuildRpm(string outDir, string name, string version, string release, string arch, params string[] subpackages)
    {
        var top = Directory.CreateTempSubdirectory("kojinet-rpmbuild-").FullName;
        try
        {
            var spec = $"""
                Name: {name}
                Version: {version}
                Release: {release}
                Summary: {name} for merge tests
                License: MIT
                {(arch == "noarch" ? "BuildArch: noarch" : "")}
                %description
                {name} for merge tests.
                %files

                """;
            foreach (var sub in subpackages)
            {
                spec += $"""
                    %package -n {sub}
                    Summary: {sub} for merge tests
                    %description -n {sub}
                    {sub} for merge tests.
                    %files -n {sub}

                    """;
            }
            var specPath = Path.Combine(top, name + ".spec");
            File.WriteAllText(specPath, spec);
            List<string> args = ["--quiet", "--define", $"_topdir {top}", "--define", "_build_id_links none", "-bb", specPath];
            if (arch != "noarch")
            {
                args.InsertRange(0, ["--target", arch]);
            }
            ExternalTool.RunChecked("rpmbuild", args);
            Directory.CreateDirectory(outDir);
            foreach (var rpm in Directory.GetFiles(Path.Combine(top, "RPMS"), "*.rpm", SearchOption.AllDirectories))
            {
                File.Copy(rpm, Path.Combine(outDir, Path.GetFileName(rpm)));
            }
        }
        finally
        {
            Directory.Delete(top, recursive: true);
        }
    }

    /// <summary>A package entry of a repo's primary metadata.</summary>
    public sealed record PrimaryPackage(string Nevra, string SourceRpm, string Href, string? Base);

    /// <summary>Every package of the repo at <paramref name="repoDir"/>, read from its primary.xml.</summary>
    public static IReadOnlyList<PrimaryPackage> ReadPrimary(string repoDir)
    {
        XNamespace repo = "http://linux.duke.edu/metadata/repo";
        XNamespace common = "http://linux.duke.edu/metadata/common";
        XNamespace rpm = "http://linux.duke.edu/metadata/rpm";
        XNamespace xml = "http://www.w3.org/XML/1998/namespace";
        var repomd = XDocument.Load(Path.Combine(repoDir, "repodata", "repomd.xml"));
        var href = repomd.Root!.Elements(repo + "data").Single(d => (string?)d.Attribute("type") == "primary").Element(repo + "location")!.Attribute("href")!.Value;
        using var gz = new GZipStream(File.OpenRead(Path.Combine(repoDir, href)), CompressionMode.Decompress);
        var primary = XDocument.Load(gz);
        return primary.Root!.Elements(common + "package").Select(p =>
        {
            var v = p.Element(common + "version")!;
            var location = p.Element(common + "location")!;
            var epoch = (string?)v.Attribute("epoch") is { } e && e != "0" ? e + ":" : "";
            var nevra = $"{p.Element(common + "name")!.Value}-{epoch}{v.Attribute("ver")!.Value}-{v.Attribute("rel")!.Value}.{p.Element(common + "arch")!.Value}";
            return new PrimaryPackage(nevra, p.Element(common + "format")!.Element(rpm + "sourcerpm")!.Value,
                location.Attribute("href")!.Value, (string?)location.Attribute(xml + "base"));
        }).OrderBy(x => x.Nevra, StringComparer.Ordinal).ThenBy(x => x.Base, StringComparer.Ordinal).ToList();
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
