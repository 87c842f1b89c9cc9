using System.CommandLine;
using KojiNet.Hub;
using KojiNet.Hub.Http;
using Microsoft.Extensions.Hosting;

namespace KojiNet.Commands;

/// <summary><c>kojinet hub</c>: serves the XML-RPC API from a hub.conf.</summary>
internal static class HubCommand
{
    public static Command Create()
    {
        var config = new HubConfigOptions();
        var hub = new Command("hub", "Run the hub (the /kojihub XML-RPC API and /kojifiles)");
        config.AddTo(hub);
        hub.SetAction(async (parse, cancellationToken) =>
        {
            var cfg = config.Load(parse, "kojinet hub");
            if (cfg is null)
            {
                return 2;
            }
            await using var services = HubServices.Create(cfg);
            await using var app = await HubHost.BuildAsync(services).ConfigureAwait(false);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            Console.WriteLine($"kojinet hub: serving {cfg.Server.ListenURLs} (KojiDir {cfg.Storage.KojiDir})");
            await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return hub;
    }
}
