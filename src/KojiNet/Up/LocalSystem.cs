using System.Globalization;
using System.Runtime.InteropServices;
using KojiNet.Builder.Configuration;
using KojiNet.Builder.Daemon;
using KojiNet.Builder.Tasks;
using KojiNet.Client;
using KojiNet.Hub;
using KojiNet.Hub.Certificates;
using KojiNet.Hub.Configuration;
using KojiNet.Hub.Data;
using KojiNet.Hub.Http;
using KojiNet.Lookaside;
using KojiNet.Repos;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KojiNet.Up;

/// <summary>What <see cref="LocalSystem"/> starts.</summary>
internal sealed class LocalSystemOptions
{
    /// <summary>The data directory (created; reused when it exists).</summary>
    public required string DataDir { get; init; }

    /// <summary>HTTPS port on 127.0.0.1 (0 picks a free one).</summary>
    public int Port { get; init; } = 8443;

    /// <summary>hub.conf lines for the database; default: SQLite in the data directory.</summary>
    public string? DatabaseConfig { get; init; }

    /// <summary>More hub.conf lines (tests use it for short timeouts).</summary>
    public string ExtraHubConfig { get; init; } = "";

    /// <summary><c>allowed_scms</c> of the builder (default: any host and path, no common repo; sources from the lookaside).</summary>
    public string AllowedScms { get; init; } = "*:*:no";

    /// <summary>The builder's long-poll timeout in seconds; it must stay well below the hub's ReadyTimeout.</summary>
    public int WaitTasksTimeout { get; init; } = 30;

    /// <summary>Run a builder in this process.</summary>
    public bool Builder { get; init; } = true;

    /// <summary>Run the repo service in this process.</summary>
    public bool Repos { get; init; } = true;

    /// <summary>The repo service's pass interval in seconds.</summary>
    public int RepoSleepTime { get; init; } = 5;

    /// <summary>Logging for the builder and repo service.</summary>
    public ILoggerFactory? Loggers { get; init; }
}

/// <summary>
/// The whole system on one machine (<c>kojinet up</c>, and the integration tests): a CA with
/// server, admin, builder-host and kojira certificates; the hub with <c>/kojifiles</c> and the
/// lookaside on one loopback HTTPS port; a builder registered with this machine's arch (and
/// noarch) in the <c>default</c> and <c>createrepo</c> channels using the <c>rpmbuild</c> backend;
/// the repo service; and an example build tag, destination tag and target.
/// </summary>
internal sealed class LocalSystem : IAsyncDisposable
{
    public const string AdminUser = "kojiadmin";
    public const string RepoUser = "kojira";
    public const string ExampleBuildTag = "kojinet-build";
    public const string ExampleDestTag = "kojinet";
    public const string ExampleTarget = "kojinet";

    /// <summary>Packages of the example tag's <c>build</c> group (what mock would install; the rpmbuild backend uses the host's tools).</summary>
    public static readonly string[] BuildGroup =
        ["bash", "bzip2", "coreutils", "cpio", "diffutils", "findutils", "gawk", "gcc", "gcc-c++", "grep", "gzip", "info", "make", "patch",
         "redhat-rpm-config", "rpm-build", "sed", "shadow-utils", "tar", "unzip", "util-linux", "which", "xz"];

    /// <summary>Packages of the example tag's <c>srpm-build</c> group.</summary>
    public static readonly string[] SrpmBuildGroup = ["bash", "git", "gnupg2", "redhat-rpm-config", "rpm-build", "shadow-utils"];

    private readonly CancellationTokenSource _stop = new();
    private WebApplication? _app;
    private HubServices? _hub;
    private Task? _builderTask;
    private Task? _reposTask;
    private BuilderDaemon? _builder;
    private RepoService? _repoService;

    private LocalSystem(string dataDir) => DataDir = dataDir;

    public string DataDir { get; }

    public string BaseUrl { get; private set; } = "";

    public string HubUrl => BaseUrl + "/kojihub";

    public string TopUrl => BaseUrl + "/kojifiles";

    public string LookasideUrl => BaseUrl + LookasideEndpoints.DownloadPath;

    public string LookasideUploadUrl => BaseUrl + LookasideEndpoints.UploadPath;

    public string KojiDir => Path.Combine(DataDir, "koji");

    public string CaFile { get; private set; } = "";

    public string AdminPem { get; private set; } = "";

    public string HostName { get; private set; } = "";

    public string HostArch { get; } = HostArchName();

    public string ClientConfig => Path.Combine(DataDir, "koji.conf");

    public string KojidConfig => Path.Combine(DataDir, "kojid.conf");

    public HubServices Hub => _hub ?? throw new InvalidOperationException("not started");

    public BuilderDaemon? Builder => _builder;

    /// <summary>The machine's arch in Koji's spelling (<c>x86_64</c>, <c>aarch64</c>...).</summary>
    public static string HostArchName() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "x86_64",
        Architecture.Arm64 => "aarch64",
        Architecture.X86 => "i686",
        Architecture.Arm => "armv7hl",
        Architecture.Ppc64le => "ppc64le",
        Architecture.S390x => "s390x",
        Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };

    /// <summary>Starts everything; throws <see cref="KojiNet.Configuration.IniFormatException"/> for a bad hub.conf.</summary>
    public static async Task<LocalSystem> StartAsync(LocalSystemOptions options, CancellationToken ct)
    {
        var system = new LocalSystem(Path.GetFullPath(options.DataDir));
        try
        {
            await system.StartCoreAsync(options, ct).ConfigureAwait(false);
        }
        catch
        {
            await system.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return system;
    }

    private async Task StartCoreAsync(LocalSystemOptions options, CancellationToken ct)
    {
        var dir = DataDir;
        Directory.CreateDirectory(dir);
        var ca = CertificateAuthority.OpenOrCreate(Path.Combine(dir, "ca"));
        CaFile = ca.CaCertificatePath;
        var serverPem = ca.Ensure(CertificateKind.Server, "localhost", ["127.0.0.1", "::1"]);
        AdminPem = ca.Ensure(CertificateKind.User, AdminUser);
        var repoPem = ca.Ensure(CertificateKind.User, RepoUser);
        HostName = "builder-" + Environment.MachineName.ToLowerInvariant();
        var hostPem = ca.Ensure(CertificateKind.Host, HostName);

        var hubConf = Path.Combine(dir, "hub.conf");
        if (!File.Exists(hubConf))
        {
            var database = options.DatabaseConfig ?? $"DBFile = {Path.Combine(dir, "koji.db")}";
            await File.WriteAllTextAsync(hubConf, $"""
                # Written by `kojinet up`; edit freely, it is read on every start.
                [hub]
                {database}
                DBMigrateOnStart = yes
                KojiDir = {KojiDir}
                ListenURLs = https://127.0.0.1:8443
                TLSCertificate = {serverPem}
                TLSClientCA = {ca.CaCertificatePath}
                LoginCreatesUser = yes
                {options.ExtraHubConfig}

                """, ct).ConfigureAwait(false);
        }
        var config = HubConfiguration.Load(hubConf, Path.Combine(dir, "hub.conf.d"));
        _hub = HubServices.Create(config);
        await SchemaMigrator.MigrateAsync(_hub.Database, ct).ConfigureAwait(false);
        await Bootstrap.EnsureAdminAsync(_hub.Database, AdminUser, cancellationToken: ct).ConfigureAwait(false);
        _app = await HubHost.BuildAsync(_hub, [string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{options.Port}")]).ConfigureAwait(false);
        LookasideEndpoints.Map(_app, new LookasideOptions { LookasideDir = Path.Combine(dir, "lookaside") });
        await _app.StartAsync(ct).ConfigureAwait(false);
        var bound = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        BaseUrl = string.Create(CultureInfo.InvariantCulture, $"https://localhost:{bound.Port}");

        await using (var admin = new KojiSession(new KojiClientOptions { Server = HubUrl, CertFile = AdminPem, ServerCaFile = CaFile }))
        {
            await admin.SslLoginAsync(cancellationToken: ct).ConfigureAwait(false);
            await ExampleSetup.EnsureAsync(admin, HostName, HostArch, RepoUser, ct).ConfigureAwait(false);
            await admin.LogoutAsync(ct).ConfigureAwait(false);
        }
        await File.WriteAllTextAsync(ClientConfig, $"""
            [kojinet]
            server = {HubUrl}
            weburl = {BaseUrl}/koji
            topurl = {TopUrl}
            authtype = ssl
            cert = {AdminPem}
            serverca = {CaFile}

            """, ct).ConfigureAwait(false);

        var loggers = options.Loggers ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance;
        if (options.Builder)
        {
            await File.WriteAllTextAsync(KojidConfig, $"""
                # Written by `kojinet up`.
                [kojid]
                server = {HubUrl}
                topurl = {TopUrl}
                topdir = {KojiDir}
                workdir = {Path.Combine(dir, "builder", "work")}
                mockdir = {Path.Combine(dir, "builder", "buildroots")}
                repodata_cache_dir = {Path.Combine(dir, "builder", "cache", "repodata")}
                cert = {hostPem}
                serverca = {CaFile}
                minspace = 100
                buildroot_backend = rpmbuild
                lookaside_url = {LookasideUrl}
                wait_tasks_timeout = {options.WaitTasksTimeout}
                allowed_scms = {options.AllowedScms}
                # The example tag's repo holds only what was built here: the buildroot groups and the
                # usual toolchain come from this machine; other BuildRequires are installed from the repo.
                host_provides = @build, @srpm-build, {string.Join(", ", BuildGroup.Union(SrpmBuildGroup).Order(StringComparer.Ordinal))}
                vendor = Koji.NET
                packager = Koji.NET
                distribution = Koji.NET local

                """, ct).ConfigureAwait(false);
            var kojid = KojidOptions.Load(KojidConfig);
            _builder = new BuilderDaemon(kojid, BuiltinHandlers.Create(), loggers.CreateLogger("kojinet.builder"));
            _builderTask = Task.Run(() => _builder.RunAsync(_stop.Token), CancellationToken.None);
        }
        if (options.Repos)
        {
            var kojiraConf = Path.Combine(dir, "kojira.conf");
            await File.WriteAllTextAsync(kojiraConf, string.Create(CultureInfo.InvariantCulture, $"""
                # Written by `kojinet up`.
                [kojira]
                server = {HubUrl}
                topdir = {KojiDir}
                cert = {repoPem}
                serverca = {CaFile}
                sleeptime = {options.RepoSleepTime}
                logfile =

                """), ct).ConfigureAwait(false);
            _repoService = new RepoService(KojiraOptions.Load(kojiraConf), loggers.CreateLogger("kojinet.repos"));
            _reposTask = Task.Run(() => _repoService.RunAsync(_stop.Token), CancellationToken.None);
        }
    }

    /// <summary>Waits until a background service stops (they run until <see cref="DisposeAsync"/>), rethrowing its failure.</summary>
    public Task Completion => Task.WhenAll(new[] { _builderTask, _reposTask }.OfType<Task>());

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        foreach (var task in new[] { _builderTask, _reposTask }.OfType<Task>())
        {
            try
            {
                await task.WaitAsync(TimeSpan.FromSeconds(60)).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or TimeoutException or KojiFaultException or HttpRequestException)
            {
                // Stopping: the services' own errors were logged.
            }
        }
        if (_builder is not null)
        {
            await _builder.DisposeAsync().ConfigureAwait(false);
        }
        if (_repoService is not null)
        {
            await _repoService.DisposeAsync().ConfigureAwait(false);
        }
        if (_app is not null)
        {
            await _app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        if (_hub is not null)
        {
            await _hub.DisposeAsync().ConfigureAwait(false);
        }
        _stop.Dispose();
    }
}
