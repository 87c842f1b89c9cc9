using System.Globalization;
using System.Security.Cryptography;
using KojiNet.TestSupport;

namespace KojiNet.IntegrationTests;

/// <summary>
/// Dist-git style package repositories made by the tests: a spec, a <c>sources</c> file naming a
/// tarball by its SHA-512, the tarball itself uploaded to the lookaside with <c>curl -F</c> as
/// rpkg does; the build source is a <c>git+file://</c> URL at the commit.
/// </summary>
internal static class GitPackages
{
    public const string ChangelogDate = "Sat Nov 21 2026";

    public static string NoarchSpec(string name, string version = "1.0", string release = "1") => $$"""
        Name: {{name}}
        Version: {{version}}
        Release: {{release}}
        Summary: A noarch test package
        License: MIT
        URL: https://example.com/{{name}}
        BuildArch: noarch
        Source0: {{name}}-{{version}}.tar.gz

        %description
        A noarch package built by the Koji.NET integration tests.

        %prep
        %setup -q

        %build

        %install
        mkdir -p %{buildroot}/usr/share/{{name}}
        cp hello.txt %{buildroot}/usr/share/{{name}}/

        %files
        /usr/share/{{name}}/hello.txt

        %changelog
        * {{ChangelogDate}} Tester <tester@example.com> - {{version}}-{{release}}
        - First build.
        """;

    public static string CSpec(string name, string version = "1.0", string release = "1") => $$"""
        Name: {{name}}
        Version: {{version}}
        Release: {{release}}
        Summary: A compiled test package
        License: MIT
        Source0: {{name}}-{{version}}.tar.gz
        %global debug_package %{nil}

        %description
        A C program built by the Koji.NET integration tests.

        %prep
        %setup -q

        %build
        gcc -O2 -o {{name}} hello.c

        %install
        install -D -m 0755 {{name}} %{buildroot}/usr/bin/{{name}}

        %files
        /usr/bin/{{name}}

        %changelog
        * {{ChangelogDate}} Tester <tester@example.com> - {{version}}-{{release}}
        - First build.
        """;

    public static string FailingSpec(string name) => NoarchSpec(name).Replace("%build\n", "%build\necho 'deliberate failure in %%build' >&2\nexit 3\n", StringComparison.Ordinal);

    public static string SlowSpec(string name) => NoarchSpec(name).Replace("%build\n", "%build\nsleep 600\n", StringComparison.Ordinal);

    /// <summary>Creates the repository and returns the build source URL.</summary>
    /// <param name="gitRoot">Directory holding the test's repositories.</param>
    /// <param name="name">Package (and repository) name.</param>
    /// <param name="spec">The spec text.</param>
    /// <param name="lookasideUpload">upload.cgi URL; null to skip the upload.</param>
    /// <param name="caFile">The CA the lookaside's certificate chains to.</param>
    /// <param name="corruptSourcesHash">Write a wrong hash into the sources file.</param>
    public static string Create(string gitRoot, string name, string spec, string? lookasideUpload, string caFile, bool corruptSourcesHash = false, string version = "1.0")
    {
        var repo = Path.Combine(gitRoot, name);
        Directory.CreateDirectory(repo);
        var work = Directory.CreateTempSubdirectory("kojinet-src-").FullName;
        var tree = Path.Combine(work, $"{name}-{version}");
        Directory.CreateDirectory(tree);
        File.WriteAllText(Path.Combine(tree, "hello.txt"), $"hello from {name}\n");
        File.WriteAllText(Path.Combine(tree, "hello.c"), "#include <stdio.h>\nint main(void) { puts(\"hello\"); return 0; }\n");
        var tarball = Path.Combine(work, $"{name}-{version}.tar.gz");
        ExternalTool.RunChecked("tar", ["-czf", tarball, "-C", work, $"{name}-{version}"]);
        var hash = Convert.ToHexStringLower(SHA512.HashData(File.ReadAllBytes(tarball)));
        if (lookasideUpload is not null)
        {
            var reply = ExternalTool.RunChecked("curl", ["-sS", "--fail-with-body", "--cacert", caFile, "-F", $"name={name}", "-F", $"sha512sum={hash}",
                "-F", $"file=@{tarball}", lookasideUpload]);
            Assert.Contains("stored OK", reply, StringComparison.Ordinal);
        }
        var sourcesHash = corruptSourcesHash ? new string('0', 128) : hash;
        File.WriteAllText(Path.Combine(repo, $"{name}.spec"), spec);
        File.WriteAllText(Path.Combine(repo, "sources"), $"SHA512 ({name}-{version}.tar.gz) = {sourcesHash}\n");
        Git(repo, "init", "-q", "-b", "main");
        Git(repo, "add", ".");
        Git(repo, "-c", "user.name=Tester", "-c", "user.email=tester@example.com", "commit", "-q", "-m", "import");
        var commit = Git(repo, "rev-parse", "HEAD").Trim();
        Directory.Delete(work, recursive: true);
        return $"git+file://{repo}#{commit}";
    }

    private static string Git(string repo, params string[] args) => ExternalTool.RunChecked("git", ["-C", repo, .. args]);

    public static int Int(object? value) => Convert.ToInt32(value, CultureInfo.InvariantCulture);
}
