using System.CommandLine;
using KojiNet.Hub.Certificates;

namespace KojiNet;

/// <summary>The <c>kojinet</c> command line: one subcommand per role.</summary>
internal static class KojiNetCommand
{
    public static RootCommand Build()
    {
        var root = new RootCommand("Koji.NET: a Koji-compatible RPM build system");
        root.Subcommands.Add(UpCommand());
        root.Subcommands.Add(CaCommand());
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

    private static Command CaCommand()
    {
        var dir = new Option<DirectoryInfo>("--dir")
        {
            Description = "The CA directory (ca.crt, ca.key, servers/, users/, hosts/)",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("kojinet-data", "ca")),
            Recursive = true,
        };
        var ca = new Command("ca", "Create the site's certificate authority and issue server, user and host certificates");
        ca.Options.Add(dir);

        var init = new Command("init", "Create the CA unless it exists");
        init.SetAction(parse =>
        {
            var authority = CertificateAuthority.OpenOrCreate(parse.GetValue(dir)!.FullName);
            Console.WriteLine($"CA certificate: {authority.CaCertificatePath}");
            return 0;
        });
        ca.Subcommands.Add(init);

        var kind = new Argument<CertificateKind>("kind") { Description = "server, user or host" };
        var name = new Argument<string>("name") { Description = "user name, host name, or the server's DNS name (the certificate's CN)" };
        var alt = new Option<string[]>("--alt")
        {
            Description = "extra DNS names or IP addresses (server certificates)",
            AllowMultipleArgumentsPerToken = true,
        };
        var issue = new Command("issue", "Issue a certificate; writes NAME.pem (certificate and key) and NAME.crt");
        issue.Arguments.Add(kind);
        issue.Arguments.Add(name);
        issue.Options.Add(alt);
        issue.SetAction(parse =>
        {
            var authority = CertificateAuthority.OpenOrCreate(parse.GetValue(dir)!.FullName);
            try
            {
                var path = authority.Issue(parse.GetValue(kind), parse.GetValue(name)!, parse.GetValue(alt));
                Console.WriteLine(path);
                return 0;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"kojinet ca issue: {e.Message}");
                return 2;
            }
        });
        ca.Subcommands.Add(issue);
        return ca;
    }
}
