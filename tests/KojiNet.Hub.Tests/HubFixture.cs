using System.Text.Json;
using KojiNet.Configuration;
using KojiNet.Hub.Certificates;
using KojiNet.Hub.Configuration;
using KojiNet.Hub.Data;
using KojiNet.Hub.Http;
using KojiNet.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KojiNet.Hub.Tests;

/// <summary>
/// A running hub over HTTPS on a loopback port, with its own CA, storage tree and a fresh
/// database of one engine, an admin user (<c>kojiadmin</c>, certificate and password) and a
/// plain user (<c>alice</c>). Tests drive it with Python (<see cref="Python"/>) as an
/// independent client.
/// </summary>
public abstract class HubFixture : IAsyncLifetime
{
    private WebApplication? _app;
    private PostgresServer? _postgres;

    protected HubFixture(DatabaseEngine engine) => Engine = engine;

    public DatabaseEngine Engine { get; }

    public string Dir { get; } = Directory.CreateTempSubdirectory("kojinet-hub-").FullName;

    public string KojiDir => Path.Combine(Dir, "koji");

    public string Url { get; private set; } = "";

    public string CaFile { get; private set; } = "";

    public string AdminPem { get; private set; } = "";

    public string AlicePem { get; private set; } = "";

    public CertificateAuthority Ca { get; private set; } = null!;

    public HubServices Hub { get; private set; } = null!;

    /// <summary>Extra hub.conf lines a fixture subclass adds.</summary>
    protected virtual string ExtraConfig => "";

    /// <summary>Where the hub listens (port 0 picks a free one).</summary>
    protected virtual string ListenUrl => "https://127.0.0.1:0";

    /// <summary>The hub's clock; a subclass may supply one it can move.</summary>
    protected virtual TimeProvider? Clock => null;

    public async Task InitializeAsync()
    {
        Ca = CertificateAuthority.OpenOrCreate(Path.Combine(Dir, "ca"));
        var serverPem = Ca.Issue(CertificateKind.Server, "localhost", ["127.0.0.1"]);
        AdminPem = Ca.Issue(CertificateKind.User, "kojiadmin");
        AlicePem = Ca.Issue(CertificateKind.User, "alice");
        CaFile = Ca.CaCertificatePath;
        string db;
        if (Engine == DatabaseEngine.PostgreSql)
        {
            _postgres = new PostgresServer();
            db = $"DBConnectionString = {_postgres.CreateDatabase()}";
        }
        else
        {
            db = $"DBFile = {Path.Combine(Dir, "koji.db")}";
        }
        var conf = $"""
            [hub]
            {db}
            DBMigrateOnStart = yes
            KojiDir = {KojiDir}
            TLSCertificate = {serverPem}
            TLSClientCA = {CaFile}
            {ExtraConfig}
            """;
        var config = HubConfiguration.FromIni(IniFile.Parse(conf, "hub.conf"), "hub.conf");
        Hub = HubServices.Create(config, Clock);
        _app = await HubHost.BuildAsync(Hub, [ListenUrl]);
        await _app.StartAsync();
        Url = KojihubUrl(_app);
        await Bootstrap.EnsureAdminAsync(Hub.Database, "kojiadmin", password: "adminpass");
    }

    /// <summary>
    /// Starts one more hub on this hub's configuration (same database and storage, a port of its
    /// own), as a site runs several; for tests of what the hubs' caches must never hide.
    /// </summary>
    public async Task<SecondHub> StartSecondHubAsync()
    {
        var services = HubServices.Create(Hub.Config);
        var app = await HubHost.BuildAsync(services, ["https://127.0.0.1:0"]);
        await app.StartAsync();
        return new SecondHub(services, app, KojihubUrl(app));
    }

    private static string KojihubUrl(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()
            .Replace("127.0.0.1", "localhost", StringComparison.Ordinal).TrimEnd('/') + "/kojihub";

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        await Hub.DisposeAsync();
        _postgres?.Dispose();
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>
    /// Runs a Python snippet with <c>kojitest</c> imported and <c>hub</c>, <c>ca</c>, <c>admin_pem</c>,
    /// <c>alice_pem</c> defined; returns what it passed to <c>emit()</c>, parsed as JSON.
    /// </summary>
    public JsonElement Python(string body)
    {
        var script = $"""
            import sys
            sys.path.insert(0, {Py(Path.Combine(AppContext.BaseDirectory, "python"))})
            from kojitest import *
            import xmlrpc.client
            hub, ca, admin_pem, alice_pem = {Py(Url)}, {Py(CaFile)}, {Py(AdminPem)}, {Py(AlicePem)}
            {body}
            """;
        var output = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", script]);
        return output.Length == 0 ? default : JsonDocument.Parse(output).RootElement.Clone();
    }

    private static string Py(string s) => JsonSerializer.Serialize(s);
}

/// <summary>A second hub started by <see cref="HubFixture.StartSecondHubAsync"/>, stopped when disposed.</summary>
public sealed class SecondHub(HubServices services, WebApplication app, string url) : IAsyncDisposable
{
    /// <summary>Its <c>/kojihub</c> URL.</summary>
    public string Url { get; } = url;

    public async ValueTask DisposeAsync()
    {
        await app.DisposeAsync();
        await services.DisposeAsync();
    }
}

public sealed class SqliteHub() : HubFixture(DatabaseEngine.Sqlite);

public sealed class PostgresHub() : HubFixture(DatabaseEngine.PostgreSql);
