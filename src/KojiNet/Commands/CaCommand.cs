using System.CommandLine;
using KojiNet.Hub.Certificates;

namespace KojiNet.Commands;

/// <summary><c>kojinet ca</c>: the site CA and its certificates.</summary>
internal static class CaCommand
{
    public static Command Create()
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
                Console.WriteLine(authority.Issue(parse.GetValue(kind), parse.GetValue(name)!, parse.GetValue(alt)));
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
