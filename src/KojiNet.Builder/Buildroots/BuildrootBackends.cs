using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace KojiNet.Builder.Buildroots;

/// <summary>Chooses and makes the buildroot backend of a builder host.</summary>
public static class BuildrootBackends
{
    /// <summary>The mock backend's name.</summary>
    public const string Mock = "mock";

    /// <summary>The rpmbuild-in-bubblewrap backend's name.</summary>
    public const string Rpmbuild = "rpmbuild";

    /// <summary>
    /// The backend <see cref="BuildrootOptions.Backend"/> names: <c>mock</c>, <c>rpmbuild</c>, or
    /// <c>auto</c> (mock when <see cref="BuildrootOptions.MockPath"/> exists, else rpmbuild).
    /// </summary>
    /// <param name="options">The builder's buildroot settings.</param>
    /// <param name="installer">
    /// Installs packages into rpmbuild buildroots; by default the one <see cref="BuildrootOptions.RpmbuildInstall"/>
    /// names: a <see cref="RepoInstaller"/> (<c>repo</c>, <c>auto</c>) or a <see cref="HostToolsInstaller"/> (<c>host</c>).
    /// </param>
    /// <param name="logger">Debug logging of the commands run.</param>
    /// <exception cref="ArgumentException">An unknown backend name, <c>rpmbuild_install</c> value or <c>host_provides</c> entry.</exception>
    public static IBuildrootBackend Create(BuildrootOptions options, IBuildrootInstaller? installer = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = options.Backend.Trim().ToLowerInvariant();
        if (name == "auto")
        {
            name = File.Exists(options.MockPath) ? Mock : Rpmbuild;
        }
        return name switch
        {
            Mock => new MockBackend(options, logger ?? NullLogger.Instance),
            Rpmbuild => new RpmbuildBackend(options, installer ?? DefaultInstaller(options, logger), logger ?? NullLogger.Instance),
            _ => throw new ArgumentException($"unknown buildroot_backend '{options.Backend}': use mock, rpmbuild or auto"),
        };
    }

    /// <summary>The installer <see cref="BuildrootOptions.RpmbuildInstall"/> names for the rpmbuild backend.</summary>
    /// <exception cref="ArgumentException">An unknown <c>rpmbuild_install</c> value, or a bad <c>host_provides</c> entry.</exception>
    public static IBuildrootInstaller DefaultInstaller(BuildrootOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.RpmbuildInstall.Trim().ToLowerInvariant() switch
        {
            "host" => new HostToolsInstaller(),
            "repo" or "auto" => new RepoInstaller(options, logger),
            _ => throw new ArgumentException($"unknown rpmbuild_install '{options.RpmbuildInstall}': use repo, host or auto"),
        };
    }
}

/// <summary>Makes <see cref="MockBuildroot"/>s.</summary>
public sealed class MockBackend : IBuildrootBackend
{
    private readonly BuildrootOptions _options;
    private readonly ILogger _logger;

    /// <summary>A mock backend with the given settings.</summary>
    public MockBackend(BuildrootOptions options, ILogger? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public string Name => BuildrootBackends.Mock;

    /// <inheritdoc/>
    public Task<IBuildroot> CreateAsync(BuildrootRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var buildroot = new MockBuildroot(request, _options, _logger);
        buildroot.Prepare();
        return Task.FromResult<IBuildroot>(buildroot);
    }
}

/// <summary>Makes rpmbuild-in-bubblewrap buildroots.</summary>
public sealed class RpmbuildBackend : IBuildrootBackend
{
    private readonly BuildrootOptions _options;
    private readonly IBuildrootInstaller _installer;
    private readonly ILogger _logger;

    /// <summary>An rpmbuild backend with the given settings and package installer.</summary>
    public RpmbuildBackend(BuildrootOptions options, IBuildrootInstaller? installer = null, ILogger? logger = null)
    {
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _installer = installer ?? new HostToolsInstaller();
        _logger = logger ?? NullLogger.Instance;
    }

    /// <inheritdoc/>
    public string Name => BuildrootBackends.Rpmbuild;

    /// <summary>What installs the buildroots' packages.</summary>
    public IBuildrootInstaller Installer => _installer;

    /// <inheritdoc/>
    public Task<IBuildroot> CreateAsync(BuildrootRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        cancellationToken.ThrowIfCancellationRequested();
        var buildroot = new RpmbuildBuildroot(request, _options, _installer, _logger);
        buildroot.Prepare();
        return Task.FromResult<IBuildroot>(buildroot);
    }
}
