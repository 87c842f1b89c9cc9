using System.CommandLine;

namespace KojiNet;

/// <summary>The <c>kojinet</c> command line: one subcommand per role.</summary>
internal static class KojiNetCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Koji.NET: a Koji-compatible RPM build system");
        root.Subcommands.Add(UpCommand());
        return root;
    }

    private static Command UpCommand()
    {
        var dataDir = new Option<DirectoryInfo>("--data-dir")
        {
            Description = "Where the embedded system keeps its state",
            DefaultValueFactory = _ => new DirectoryInfo("kojinet-data"),
        };
        var up = new Command("up", "Start the whole system on one machine with the embedded defaults");
        up.Options.Add(dataDir);
        up.SetAction(parse =>
        {
            var dir = parse.GetValue(dataDir)!;
            Console.WriteLine($"kojinet up: data directory {dir.FullName}");
            Console.WriteLine("The hub, builder, repo service and lookaside are not implemented yet.");
            Console.WriteLine("When they are, this command will start them on SQLite with a generated CA and an admin account.");
            return 0;
        });
        return up;
    }
}
