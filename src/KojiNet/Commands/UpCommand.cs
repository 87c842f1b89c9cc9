using System.CommandLine;
using KojiNet.Up;
using Microsoft.Extensions.Logging;

namespace KojiNet.Commands;

/// <summary>
/// <c>kojinet up</c>: the whole system on one machine with embedded defaults (see
/// <see cref="LocalSystem"/>): hub, builder, lookaside and repo service in this process, on an
/// SQLite database in the data directory, with a ready-to-use example target.
/// </summary>
internal static class UpCommand
{
    public const string AdminUser = LocalSystem.AdminUser;

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
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Log what the builder and the repo service do" };
        var up = new Command("up", "Start the whole system on one machine with the embedded defaults");
        up.Options.Add(dataDir);
        up.Options.Add(port);
        up.Options.Add(verbose);
        up.SetAction(async (parse, cancellationToken) =>
            await RunAsync(parse.GetValue(dataDir)!.FullName, parse.GetValue(port), parse.GetValue(verbose), cancellationToken).ConfigureAwait(false));
        return up;
    }

    private static async Task<int> RunAsync(string dir, int port, bool verbose, CancellationToken cancellationToken)
    {
        using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning));
        LocalSystem system;
        try
        {
            system = await LocalSystem.StartAsync(new LocalSystemOptions { DataDir = dir, Port = port, Loggers = loggers }, cancellationToken).ConfigureAwait(false);
        }
        catch (KojiNet.Configuration.IniFormatException e)
        {
            await Console.Error.WriteLineAsync($"kojinet up: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        await using (system.ConfigureAwait(false))
        {
            Console.WriteLine($"""
                Koji.NET is up.
                  data:      {system.DataDir}
                  hub:       {system.HubUrl}  (admin user: {AdminUser}, certificate {system.AdminPem})
                  files:     {system.TopUrl}
                  lookaside: {system.LookasideUrl}  (uploads: {system.LookasideUploadUrl})
                  builder:   {system.HostName} ({system.HostArch}, noarch; rpmbuild in a bubblewrap sandbox), config {system.KojidConfig}
                  example:   target {LocalSystem.ExampleTarget}: build tag {LocalSystem.ExampleBuildTag} -> destination tag {LocalSystem.ExampleDestTag}

                A koji client configuration was written to {system.ClientConfig}:

                {await File.ReadAllTextAsync(system.ClientConfig, cancellationToken).ConfigureAwait(false)}
                Try it with the upstream koji CLI:
                  koji --config {system.ClientConfig} --profile kojinet hello
                  koji --config {system.ClientConfig} --profile kojinet add-pkg --owner {AdminUser} {LocalSystem.ExampleDestTag} <package>
                  koji --config {system.ClientConfig} --profile kojinet build {LocalSystem.ExampleTarget} 'git+file:///path/to/repo.git#<commit>'

                kojinet up: ready. Press Ctrl+C to stop.
                """);
            try
            {
                await Task.WhenAny(system.Completion, Task.Delay(Timeout.Infinite, cancellationToken)).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
            if (system.Completion.IsFaulted)
            {
                await Console.Error.WriteLineAsync($"kojinet up: a service stopped: {system.Completion.Exception?.GetBaseException().Message}").ConfigureAwait(false);
                return 1;
            }
        }
        return 0;
    }
}
