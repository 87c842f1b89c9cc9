using System.CommandLine;
using System.Globalization;
using KojiNet.Hub;
using KojiNet.Hub.Certificates;
using KojiNet.Hub.Configuration;
using KojiNet.Hub.Data;
using KojiNet.Hub.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KojiNet.Commands;

/// <summary>
/// <c>kojinet up</c>: the whole system on one machine with embedded defaults. Creates (or reuses)
/// a data directory with an SQLite database, a CA with server and admin certificates, a hub.conf
/// and a koji client config, then runs the hub on a loopback HTTPS port until stopped.
/// </summary>
internal static class UpCommand
{
    public const string AdminUser = "kojiadmin";

    public static Command Create()
    {
        var dataDir = new Option<DirectoryInfo>("--data-dir")
        {
            Description = "Where the embedded system keeps its state (reused when it exists)",
            DefaultValueFactory = _ => new DirectoryInfo("kojinet-data"),
        };
        var port = new Option<int>("--port")
        {
            Description = "HTTPS port on 127.0.0.1 (0 picks a free one)",
            DefaultValueFactory = _ => 8443,
        };
        var up = new Command("up", "Start the whole system on one machine with the embedded defaults");
        up.Options.Add(dataDir);
        up.Options.Add(port);
        up.SetAction(async (parse, cancellationToken) =>
            await RunAsync(parse.GetValue(dataDir)!.FullName, parse.GetValue(port), cancellationToken).ConfigureAwait(false));
        return up;
    }

    private static async Task<int> RunAsync(string dir, int port, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(dir);
        var ca = CertificateAuthority.OpenOrCreate(Path.Combine(dir, "ca"));
        var serverPem = ca.Ensure(CertificateKind.Server, "localhost", ["127.0.0.1", "::1"]);
        var adminPem = ca.Ensure(CertificateKind.User, AdminUser);
        var hubConf = Path.Combine(dir, "hub.conf");
        if (!File.Exists(hubConf))
        {
            await File.WriteAllTextAsync(hubConf, $"""
                # Written by `kojinet up`; edit freely, it is read on every start.
                [hub]
                DBFile = {Path.Combine(dir, "koji.db")}
                DBMigrateOnStart = yes
                KojiDir = {Path.Combine(dir, "koji")}
                ListenURLs = https://127.0.0.1:8443
                TLSCertificate = {serverPem}
                TLSClientCA = {ca.CaCertificatePath}
                LoginCreatesUser = yes

                """, cancellationToken).ConfigureAwait(false);
        }
        HubConfiguration config;
        try
        {
            config = HubConfiguration.Load(hubConf, Path.Combine(dir, "hub.conf.d"));
        }
        catch (KojiNet.Configuration.IniFormatException e)
        {
            Console.Error.WriteLine($"kojinet up: {e.Message}");
            return 2;
        }
        await using var hub = HubServices.Create(config);
        await SchemaMigrator.MigrateAsync(hub.Database, cancellationToken).ConfigureAwait(false);
        await Bootstrap.EnsureAdminAsync(hub.Database, AdminUser, cancellationToken: cancellationToken).ConfigureAwait(false);
        await using var app = await HubHost.BuildAsync(hub, [string.Create(CultureInfo.InvariantCulture, $"https://127.0.0.1:{port}")]).ConfigureAwait(false);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var bound = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var baseUrl = string.Create(CultureInfo.InvariantCulture, $"https://localhost:{bound.Port}");
        var clientConf = Path.Combine(dir, "koji.conf");
        var clientText = $"""
            [kojinet]
            server = {baseUrl}/kojihub
            weburl = {baseUrl}/koji
            topurl = {baseUrl}/kojifiles
            authtype = ssl
            cert = {adminPem}
            serverca = {ca.CaCertificatePath}

            """;
        await File.WriteAllTextAsync(clientConf, clientText, cancellationToken).ConfigureAwait(false);
        Console.WriteLine($"""
            Koji.NET is up.
              data:   {dir}
              hub:    {baseUrl}/kojihub  (admin user: {AdminUser}, certificate {adminPem})
              files:  {baseUrl}/kojifiles

            A koji client configuration was written to {clientConf}:

            {clientText}
            Try it with the upstream koji CLI:
              koji --config {clientConf} --profile kojinet hello

            kojinet up: ready. Press Ctrl+C to stop.
            """);
        await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        return 0;
    }
}
