using System.CommandLine;
using KojiNet.Configuration;
using KojiNet.Lookaside;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace KojiNet.Commands;

/// <summary>
/// <c>kojinet lookaside</c>: the dist-git compatible source cache (upload.cgi and /repo/pkgs),
/// configured from the <c>[lookaside]</c> section of a file and/or the command line.
/// </summary>
internal static class LookasideCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo?>("--config", "-c")
        {
            Description = "A lookaside.conf with a [lookaside] section",
        };
        var dataDir = new Option<DirectoryInfo?>("--data-dir")
        {
            Description = "The storage directory (overrides lookaside_dir)",
        };
        var listen = new Option<string[]>("--listen")
        {
            Description = "A URL to listen on, e.g. http://127.0.0.1:8080 (repeatable; overrides listen_urls)",
            AllowMultipleArgumentsPerToken = false,
        };
        var command = new Command("lookaside", "Run the lookaside cache (dist-git's upload.cgi and /repo/pkgs downloads)");
        command.Options.Add(config);
        command.Options.Add(dataDir);
        command.Options.Add(listen);
        command.SetAction(async (parse, cancellationToken) =>
        {
            LookasideOptions options;
            try
            {
                options = parse.GetValue(config) is { } file ? LookasideOptions.Load(file.FullName) : new LookasideOptions();
            }
            catch (IniFormatException e)
            {
                Console.Error.WriteLine($"kojinet lookaside: {e.Message}");
                return 2;
            }
            if (parse.GetValue(dataDir) is { } dir)
            {
                options.LookasideDir = dir.FullName;
            }
            if (parse.GetValue(listen) is { Length: > 0 } urls)
            {
                options.ListenUrls = string.Join(' ', urls);
            }
            if (options.LookasideDir is not { Length: > 0 })
            {
                Console.Error.WriteLine("kojinet lookaside: no storage directory: give --data-dir or lookaside_dir in the --config file");
                return 2;
            }
            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = LookasideHost.Build(options);
            }
            catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                Console.Error.WriteLine($"kojinet lookaside: {e.Message}");
                return 2;
            }
            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
                Console.WriteLine($"kojinet lookaside: serving {string.Join(' ', addresses)} (lookaside_dir {options.StorageRoot})");
                Console.WriteLine($"  upload:   {addresses.First().TrimEnd('/')}{LookasideEndpoints.UploadPath}");
                Console.WriteLine($"  download: {addresses.First().TrimEnd('/')}{LookasideEndpoints.DownloadPath}/<name>/<filename>/<hashtype>/<hash>/<filename>");
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }
}
