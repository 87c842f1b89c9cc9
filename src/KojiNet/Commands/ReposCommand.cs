using System.CommandLine;
using KojiNet.Configuration;
using KojiNet.Repos;
using Microsoft.Extensions.Logging;

namespace KojiNet.Commands;

/// <summary><c>kojinet repos</c>: the repo service (kojira) configured from a kojira.conf.</summary>
internal static class ReposCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c")
        {
            Description = "kojira.conf to read",
            DefaultValueFactory = _ => new FileInfo("/etc/kojira/kojira.conf"),
        };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log informational messages" };
        var debug = new Option<bool>("--debug", "-d") { Description = "Log debug messages" };
        var sleeptime = new Option<int?>("--sleeptime") { Description = "Override sleeptime" };
        var server = new Option<string?>("--server", "-s") { Description = "Override the hub URL" };
        var topdir = new Option<string?>("--topdir") { Description = "Override topdir" };
        var repos = new Command("repos", "Run the repo service (kojira): newRepo tasks for repo requests, repo expiry and deletion");
        foreach (var option in new Option[] { config, verbose, debug, sleeptime, server, topdir })
        {
            repos.Options.Add(option);
        }
        repos.SetAction(async (parse, cancellationToken) =>
        {
            KojiraOptions options;
            try
            {
                var ini = IniFile.Load(parse.GetValue(config)!.FullName);
                var section = ini.GetOrAddSection("kojira");
                if (parse.GetValue(sleeptime) is { } s)
                {
                    section.Set("sleeptime", s.ToString(System.Globalization.CultureInfo.InvariantCulture));
                }
                if (parse.GetValue(server) is { } url)
                {
                    section.Set("server", url);
                }
                if (parse.GetValue(topdir) is { } dir)
                {
                    section.Set("topdir", dir);
                }
                options = KojiraOptions.Parse(ini, parse.GetValue(config)!.FullName);
            }
            catch (Exception ex) when (ex is IniFormatException or IOException)
            {
                await Console.Error.WriteLineAsync($"kojinet repos: {ex.Message}").ConfigureAwait(false);
                return 2;
            }
            var level = parse.GetValue(debug) || options.Debug ? LogLevel.Debug : parse.GetValue(verbose) || options.Verbose ? LogLevel.Information : LogLevel.Warning;
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(level));
            await using var service = new RepoService(options, loggers.CreateLogger("kojinet.repos"));
            await service.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return repos;
    }
}
