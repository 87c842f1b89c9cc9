using System.CommandLine;
using KojiNet.Builder.Configuration;
using KojiNet.Builder.Daemon;
using KojiNet.Builder.Tasks;
using KojiNet.Configuration;
using Microsoft.Extensions.Logging;

namespace KojiNet.Commands;

/// <summary><c>kojinet builder</c>: the build daemon (kojid) configured from a kojid.conf.</summary>
internal static class BuilderCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config", "-c")
        {
            Description = "kojid.conf to read",
            DefaultValueFactory = _ => new FileInfo("/etc/kojid/kojid.conf"),
        };
        var forceLock = new Option<bool>("--force-lock") { Description = "Take the exclusive session even if another builder holds it (always done)" };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log informational messages" };
        var debug = new Option<bool>("--debug", "-d") { Description = "Log debug messages" };
        var maxjobs = new Option<int?>("--maxjobs") { Description = "Override maxjobs" };
        var sleeptime = new Option<int?>("--sleeptime") { Description = "Override sleeptime" };
        var server = new Option<string?>("--server", "-s") { Description = "Override the hub URL" };
        var topdir = new Option<string?>("--topdir") { Description = "Override topdir" };
        var topurl = new Option<string?>("--topurl") { Description = "Override topurl" };
        var workdir = new Option<string?>("--workdir") { Description = "Override workdir" };
        var foreground = new Option<bool>("--fg", "-f") { Description = "Stay in the foreground (always the case; kept for kojid compatibility)" };
        var builder = new Command("builder", "Run a builder (kojid): take tasks from the hub and build in isolated buildroots");
        foreach (var option in new Option[] { config, forceLock, verbose, debug, maxjobs, sleeptime, server, topdir, topurl, workdir, foreground })
        {
            builder.Options.Add(option);
        }
        builder.SetAction(async (parse, cancellationToken) =>
        {
            KojidOptions options;
            try
            {
                var ini = IniFile.Load(parse.GetValue(config)!.FullName);
                var section = ini.GetOrAddSection("kojid");
                void Override(string key, object? value)
                {
                    if (value is not null)
                    {
                        section.Set(key, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)!);
                    }
                }
                Override("maxjobs", parse.GetValue(maxjobs));
                Override("sleeptime", parse.GetValue(sleeptime));
                Override("server", parse.GetValue(server));
                Override("topdir", parse.GetValue(topdir));
                Override("topurl", parse.GetValue(topurl));
                Override("workdir", parse.GetValue(workdir));
                options = KojidOptions.Parse(ini, parse.GetValue(config)!.FullName);
            }
            catch (Exception ex) when (ex is IniFormatException or IOException)
            {
                await Console.Error.WriteLineAsync($"kojinet builder: {ex.Message}").ConfigureAwait(false);
                return 2;
            }
            var level = parse.GetValue(debug) ? LogLevel.Debug : parse.GetValue(verbose) ? LogLevel.Information : LogLevelFrom(options.LogLevel);
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(level));
            await using var daemon = new BuilderDaemon(options, BuiltinHandlers.Create(), loggers.CreateLogger("kojinet.builder"));
            await daemon.RunAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        });
        return builder;
    }

    private static LogLevel LogLevelFrom(string? name) => name?.ToUpperInvariant() switch
    {
        "DEBUG" => LogLevel.Debug,
        "INFO" => LogLevel.Information,
        "ERROR" => LogLevel.Error,
        "CRITICAL" => LogLevel.Critical,
        _ => LogLevel.Warning,
    };
}
