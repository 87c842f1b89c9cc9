namespace KojiNet.TestSupport;

/// <summary>
/// The system's dnf against one repository directory only (id <c>r</c>), with its install root,
/// cache and configuration in a private temporary directory: no network, nothing global read or
/// touched. Repos are checked with it whatever wrote their repodata (our writer, createrepo_c,
/// mergerepo_c).
/// </summary>
public sealed class IsolatedDnf : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kojinet-dnf-").FullName;

    public IsolatedDnf()
    {
        File.WriteAllText(Config, "[main]\ngpgcheck=0\nrepo_gpgcheck=0\ninstall_weak_deps=0\nkeepcache=0\n");
        Directory.CreateDirectory(InstallRoot);
    }

    private string Config => Path.Combine(_root, "dnf.conf");

    public string InstallRoot => Path.Combine(_root, "installroot");

    /// <summary>Runs dnf with <paramref name="args"/> against <paramref name="repo"/>; throws with dnf's output on failure.</summary>
    public string Run(string repo, params string[] args)
    {
        var result = TryRun(repo, args);
        if (result.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"dnf {string.Join(' ', args)} on {repo} exited {result.ExitCode}\n{result.StdOut}\n{result.StdErr}");
        }
        return result.StdOut;
    }

    public ExternalTool.Result TryRun(string repo, params string[] args)
    {
        // A cache per repository directory (dnf keys its cache by repo id).
        var cache = Path.Combine(_root, "cache", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(repo)))[..16]);
        return ExternalTool.Run("dnf",
        [
            "-q", "-y",
            $"--config={Config}",
            $"--installroot={InstallRoot}",
            "--setopt=reposdir=/dev/null",
            $"--setopt=cachedir={cache}",
            "--setopt=metadata_expire=0",
            "--releasever=1",
            "--disableplugin=*",
            $"--repofrompath=r,{repo}",
            "--repo=r",
            .. args,
        ]);
    }

    /// <summary>Every package of the repo as <c>name-version-release.arch</c>.</summary>
    public SortedSet<string> Packages(string repo) =>
        new(Run(repo, "repoquery", "--qf", "%{name}-%{version}-%{release}.%{arch}").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            StringComparer.Ordinal);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
