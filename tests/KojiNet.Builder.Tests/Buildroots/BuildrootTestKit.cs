using System.Diagnostics;
using System.Globalization;
using KojiNet.Builder.Buildroots;
using KojiNet.TestSupport;

namespace KojiNet.Builder.Tests.Buildroots;

/// <summary>A scratch area for one buildroot test: mockdir, task work dir, specs and sources; removed on dispose.</summary>
internal sealed class BuildrootTestKit : IDisposable
{
    private static int _nextId = 100;

    public BuildrootTestKit()
    {
        Root = Directory.CreateTempSubdirectory("kojinet-br-").FullName;
        MockDir = Path.Combine(Root, "mock");
        WorkDir = Path.Combine(Root, "work");
        Directory.CreateDirectory(MockDir);
        Directory.CreateDirectory(WorkDir);
    }

    public string Root { get; }

    public string MockDir { get; }

    public string WorkDir { get; }

    public BuildrootOptions Options(Action<BuildrootOptions>? configure = null)
    {
        var options = new BuildrootOptions
        {
            MockDir = MockDir,
            Vendor = "KN Vendor",
            Packager = "KN Packager <packager@example.org>",
            Distribution = "KN Distribution",
            TopUrl = "http://koji.example.org/kojifiles",
        };
        configure?.Invoke(options);
        return options;
    }

    public BuildrootRequest Request(string group = "build", IReadOnlyDictionary<string, object?>? extra = null, bool network = false) => new()
    {
        TagName = "kn-build",
        RepoId = 7,
        Arch = HostArch,
        BuildrootId = Interlocked.Increment(ref _nextId),
        TaskId = 4321,
        WorkDir = WorkDir,
        InstallGroup = group,
        TagExtra = extra ?? new Dictionary<string, object?>(),
        Network = network,
    };

    /// <summary>Writes a spec and (when <paramref name="sourceFiles"/> is given) its Source0 tarball <c>name-version.tar.gz</c>.</summary>
    public (string Spec, string SourcesDir) WriteSpec(string name, string specText, IReadOnlyDictionary<string, string>? sourceFiles = null, string version = "1.0")
    {
        var dir = Path.Combine(Root, "src-" + name);
        var sources = Path.Combine(dir, "SOURCES");
        Directory.CreateDirectory(sources);
        var spec = Path.Combine(dir, name + ".spec");
        File.WriteAllText(spec, specText);
        if (sourceFiles is not null)
        {
            var tree = Path.Combine(dir, "tree", $"{name}-{version}");
            Directory.CreateDirectory(tree);
            foreach (var (file, content) in sourceFiles)
            {
                File.WriteAllText(Path.Combine(tree, file), content);
            }
            ExternalTool.RunChecked("tar", ["czf", Path.Combine(sources, $"{name}-{version}.tar.gz"), "-C", Path.Combine(dir, "tree"), $"{name}-{version}"]);
        }
        return (spec, sources);
    }

    /// <summary>A simple noarch spec whose %build runs <paramref name="build"/>.</summary>
    public static string NoarchSpec(string name, string build, string release = "1") => $$"""
        Name: {{name}}
        Version: 1.0
        Release: {{release}}
        Summary: Buildroot test package {{name}}
        License: MIT
        BuildArch: noarch

        %description
        Built by the Koji.NET buildroot tests.

        %build
        {{build}}

        %install
        mkdir -p %{buildroot}/usr/share/{{name}}
        echo data > %{buildroot}/usr/share/{{name}}/data

        %files
        /usr/share/{{name}}
        """;

    public static string HostArch { get; } = ExternalTool.RunChecked("uname", ["-m"]).Trim();

    public static string Query(string rpm, string format) =>
        ExternalTool.RunChecked("rpm", ["-qp", "--qf", format, rpm]);

    /// <summary>Waits for a condition, polling; fails the test with <paramref name="what"/> on timeout.</summary>
    public static async Task WaitUntil(Func<bool> condition, TimeSpan timeout, string what)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
            {
                Assert.Fail($"timed out after {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s waiting for {what}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Pids of live processes whose command line contains <paramref name="marker"/> (or whose argv[0] is it).</summary>
    public static List<int> ProcessesWith(string marker, bool argv0 = false)
    {
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline"));
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                // Zombies are dead already; only their parent's wait is missing.
                var state = stat[(stat.LastIndexOf(')') + 2)..][0];
                var match = argv0 ? cmdline.StartsWith(marker + "\0", StringComparison.Ordinal) : cmdline.Contains(marker, StringComparison.Ordinal);
                if (state != 'Z' && match)
                {
                    pids.Add(pid);
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
        return pids;
    }

    public void Dispose()
    {
        try
        {
            ExternalTool.Run("chmod", ["-R", "u+rwX", Root]);
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
