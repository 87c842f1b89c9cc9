using KojiNet.TestSupport;

namespace KojiNet.Repodata.Tests;

/// <summary>
/// Runs the system dnf against one repository only, with its install root, cache and
/// configuration in a private temporary directory, so nothing global is read or touched.
/// </summary>
internal sealed class Dnf : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("kojinet-dnf-").FullName;

    public Dnf()
    {
        File.WriteAllText(Config, "[main]\ngpgcheck=0\nrepo_gpgcheck=0\ninstall_weak_deps=0\nkeepcache=0\n");
        Directory.CreateDirectory(InstallRoot);
    }

    private string Config => Path.Combine(_root, "dnf.conf");

    public string InstallRoot => Path.Combine(_root, "installroot");

    /// <summary>Runs dnf with <paramref name="args"/> against the repository at <paramref name="repo"/> (id <c>r</c>); throws on failure.</summary>
    public string Run(string repo, params string[] args)
    {
        var result = TryRun(repo, args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"dnf {string.Join(' ', args)} exited {result.ExitCode}\n{result.StdOut}\n{result.StdErr}");
        }
        return result.StdOut;
    }

    public ExternalTool.Result TryRun(string repo, params string[] args)
    {
        // A cache per repository: dnf keys its cache by repo id and URL, and the tests reuse both.
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
