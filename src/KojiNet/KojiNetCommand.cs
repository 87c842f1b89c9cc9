using System.CommandLine;
using KojiNet.Commands;

namespace KojiNet;

/// <summary>The <c>kojinet</c> command line: one subcommand per role.</summary>
internal static class KojiNetCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Koji.NET: a Koji-compatible RPM build system");
        root.Subcommands.Add(UpCommand.Create());
        root.Subcommands.Add(HubCommand.Create());
        root.Subcommands.Add(DbCommand.Create());
        root.Subcommands.Add(CaCommand.Create());
        root.Subcommands.Add(BuilderCommand.Create());
        root.Subcommands.Add(ReposCommand.Create());
        root.Subcommands.Add(LookasideCommand.Create());
        return root;
    }
}
