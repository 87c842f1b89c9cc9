namespace KojiNet.Builder.Buildroots;

/// <summary>
/// Makes buildroots; one per builder host, chosen by <see cref="BuildrootOptions.Backend"/>
/// (see <see cref="BuildrootBackends.Create"/>).
/// </summary>
public interface IBuildrootBackend
{
    /// <summary>The backend's name: <c>mock</c> or <c>rpmbuild</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Prepares a buildroot for the request: checks the tools are there, writes its configuration
    /// (and <c>mock_config.log</c> in the task work dir, for upload), but installs nothing yet;
    /// <see cref="IBuildroot.InitAsync"/> does that.
    /// </summary>
    /// <exception cref="BuildrootException">The backend's tools are missing or the configuration cannot be made.</exception>
    Task<IBuildroot> CreateAsync(BuildrootRequest request, CancellationToken cancellationToken);
}

/// <summary>
/// One buildroot: kojid's <c>BuildRoot</c>. Operations run one at a time. Every host path given
/// to an operation is copied or mapped into the buildroot as needed.
/// <para>
/// Logs carry kojid's names so a log streamer can tail them while an operation runs
/// (<see cref="LogFiles"/>): <c>mock_config.log</c> and <c>mock_output.log</c> in the task work
/// dir, <c>root.log</c>, <c>build.log</c> and <c>state.log</c> in <see cref="ResultDir"/>.
/// </para>
/// <para>
/// Cancelling an operation kills its whole process tree, removes the buildroot (as
/// <see cref="RemoveAsync"/>) and throws <see cref="OperationCanceledException"/>. A failed
/// build throws <see cref="BuildrootException"/> and keeps the buildroot and its logs.
/// </para>
/// </summary>
public interface IBuildroot
{
    /// <summary>The request the buildroot was made for.</summary>
    BuildrootRequest Request { get; }

    /// <summary>The backend that made it (<c>mock</c> or <c>rpmbuild</c>).</summary>
    string Backend { get; }

    /// <summary>The buildroot name, <c>&lt;tag&gt;-&lt;buildroot id&gt;-&lt;repo id&gt;</c>.</summary>
    string Name { get; }

    /// <summary>The buildroot directory (<c>&lt;mockdir&gt;/&lt;name&gt;</c>).</summary>
    string BuildrootDir { get; }

    /// <summary>Where packages and the buildroot's own logs are written (<c>&lt;mockdir&gt;/&lt;name&gt;/result</c>).</summary>
    string ResultDir { get; }

    /// <summary>
    /// Host path of kojid's <c>chroot_tmpdir</c> in this buildroot: data kept between steps of a
    /// task (SCM checkouts go to its <c>scmroot</c>). Exists after <see cref="InitAsync"/>.
    /// </summary>
    string ScratchDir { get; }

    /// <summary>The configuration text written for the buildroot (what <c>mock_config.log</c> holds).</summary>
    string ConfigText { get; }

    /// <summary>The log files that exist now, full paths; each file's name is its upload name.</summary>
    IReadOnlyList<string> LogFiles();

    /// <summary>The path inside the buildroot of <paramref name="hostPath"/>, which must be under <see cref="ScratchDir"/>'s root.</summary>
    /// <exception cref="ArgumentException">The path is outside the buildroot.</exception>
    string ToBuildrootPath(string hostPath);

    /// <summary>Creates the buildroot and installs its group (<c>mock --init</c>).</summary>
    /// <exception cref="BuildrootException">Init failed (fault code BuildrootError); see root.log.</exception>
    Task InitAsync(CancellationToken cancellationToken);

    /// <summary>The packages installed in the buildroot, for <c>host.setBuildRootList</c> (gpg-pubkey and buildsys-build left out).</summary>
    Task<IReadOnlyList<InstalledRpm>> ListInstalledPackagesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Builds a source package from a spec file and its sources (<c>mock --buildsrpm</c>, i.e.
    /// <c>rpmbuild -bs</c>) and returns the path of the one <c>.src.rpm</c> in <see cref="ResultDir"/>.
    /// </summary>
    /// <exception cref="BuildrootException">The build failed, or did not make exactly one SRPM.</exception>
    Task<string> BuildSrpmAsync(string specFile, string sourcesDir, CancellationToken cancellationToken);

    /// <summary>
    /// kojid's rebuildSRPM: unpacks an uploaded SRPM inside the buildroot and rebuilds it with
    /// <c>rpmbuild -bs --nodeps</c>, so it gets the buildroot's macros; returns the new SRPM's path in <see cref="ResultDir"/>.
    /// </summary>
    /// <exception cref="BuildrootException">The SRPM does not hold exactly one spec, or the build failed.</exception>
    Task<string> RebuildSrpmAsync(string srpmFile, CancellationToken cancellationToken);

    /// <summary>
    /// Builds binary packages from a source package (<c>mock --rebuild</c>) for
    /// <paramref name="targetArch"/> (<c>--target</c>; null: the buildroot's default) and returns
    /// the result directory's contents: the binary RPMs, the rebuilt SRPM, the logs.
    /// </summary>
    /// <exception cref="BuildrootException">The build failed; build.log says why.</exception>
    Task<BuildrootResults> BuildRpmsAsync(string srpmFile, string? targetArch, CancellationToken cancellationToken);

    /// <summary>
    /// Runs a command inside the buildroot as the unprivileged build user, in
    /// <paramref name="workingDir"/> (a host path under the buildroot, typically in <see cref="ScratchDir"/>);
    /// output goes to <c>mock_output.log</c>. For the SCM source command (<c>make sources</c>).
    /// </summary>
    /// <exception cref="BuildrootException">The command exited non-zero.</exception>
    Task RunCommandAsync(IReadOnlyList<string> command, string workingDir, CancellationToken cancellationToken);

    /// <summary>The result directory's contents.</summary>
    BuildrootResults ScanResults();

    /// <summary>
    /// Deletes the buildroot from disk (its directory and configuration; logs in the task work
    /// dir stay). Removing twice is a no-op. The hub's EXPIRED state is the caller's business.
    /// </summary>
    Task RemoveAsync(CancellationToken cancellationToken);
}
