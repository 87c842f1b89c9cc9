using System.CommandLine;
using KojiNet.Configuration;
using KojiNet.Hub.Configuration;

namespace KojiNet.Commands;

/// <summary>The <c>--config</c>/<c>--config-dir</c> options shared by commands that read hub.conf.</summary>
internal sealed class HubConfigOptions
{
    public Option<FileInfo> File { get; } = new("--config", "-c")
    {
        Description = "The hub configuration file",
        DefaultValueFactory = _ => new FileInfo("/etc/koji-hub/hub.conf"),
    };

    public Option<DirectoryInfo> Dir { get; } = new("--config-dir")
    {
        Description = "A directory of *.conf files read before the main file",
        DefaultValueFactory = _ => new DirectoryInfo("/etc/koji-hub/hub.conf.d"),
    };

    public void AddTo(Command command)
    {
        command.Options.Add(File);
        command.Options.Add(Dir);
    }

    /// <summary>Loads the configuration, or prints a readable error and returns null.</summary>
    public HubConfiguration? Load(ParseResult parse, string commandName)
    {
        try
        {
            return HubConfiguration.Load(parse.GetValue(File)!.FullName, parse.GetValue(Dir)!.FullName);
        }
        catch (IniFormatException e)
        {
            Console.Error.WriteLine($"{commandName}: {e.Message}");
            return null;
        }
    }
}
