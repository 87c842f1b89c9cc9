namespace KojiNet.Builder.Buildroots;

/// <summary>
/// Installs packages into an rpmbuild-backend buildroot: the install group when the buildroot is
/// initialised, the SRPM's BuildRequires before each binary build. This is where the packages of
/// the buildroot's repo get installed into the sandbox (for example into an overlay over the
/// host's root, returned as <see cref="BuildrootInstallResult.SandboxRoot"/>): that is
/// <see cref="RepoInstaller"/>. <see cref="HostToolsInstaller"/> installs nothing and the build uses
/// the host's tools. <see cref="BuildrootBackends.DefaultInstaller"/> picks one from kojid.conf.
/// </summary>
public interface IBuildrootInstaller
{
    /// <summary>Installs what <paramref name="request"/> asks for, or throws a <see cref="BuildrootException"/> naming what could not be resolved.</summary>
    Task<BuildrootInstallResult> InstallAsync(BuildrootInstallRequest request, CancellationToken cancellationToken);
}

/// <summary>An install step of an rpmbuild-backend buildroot.</summary>
/// <param name="Buildroot">The buildroot's request (tag, repo id, arch, tag extra...).</param>
/// <param name="BuildrootDir">The buildroot directory; the installer may keep its files in <c>&lt;dir&gt;/install</c>.</param>
/// <param name="Requirements">
/// What to install: <c>@&lt;group&gt;</c> at init (e.g. <c>@build</c>), the SRPM's BuildRequires
/// (as <c>rpm -qR</c> prints them, <c>rpmlib()</c> ones left out) before a build.
/// </param>
/// <param name="RootLog">root.log: the installer appends what it does.</param>
/// <param name="SandboxRoot">The root the sandbox currently uses (<c>/</c>, or what an earlier step returned).</param>
public sealed record BuildrootInstallRequest(
    BuildrootRequest Buildroot,
    string BuildrootDir,
    IReadOnlyList<string> Requirements,
    TextWriter RootLog,
    string SandboxRoot);

/// <summary>The outcome of an install step.</summary>
/// <param name="Installed">Packages now installed by the installer (added to the buildroot listing).</param>
/// <param name="SandboxRoot">A host directory to use as the sandbox's read-only <c>/</c> from now on (null: keep the current one).</param>
public sealed record BuildrootInstallResult(IReadOnlyList<InstalledRpm> Installed, string? SandboxRoot = null);

/// <summary>Installs nothing: builds use the tools of the host (and the sandbox's root is the host's <c>/</c>).</summary>
public sealed class HostToolsInstaller : IBuildrootInstaller
{
    /// <inheritdoc/>
    public async Task<BuildrootInstallResult> InstallAsync(BuildrootInstallRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Requirements.Count > 0)
        {
            await request.RootLog.WriteLineAsync(
                $"Not installing {string.Join(", ", request.Requirements)}: this builder builds with the host's tools".AsMemory(),
                cancellationToken).ConfigureAwait(false);
        }
        return new BuildrootInstallResult([]);
    }
}
