using System.Diagnostics;
using System.Text.RegularExpressions;
using KojiNet.TestSupport;

namespace KojiNet.Tests;

/// <summary>The README's first command: <c>kojinet up</c> starts a usable hub and reuses its data.</summary>
public sealed partial class KojiNetUpTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-up-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed class RunningUp : IDisposable
    {
        private readonly Process _process;

        public RunningUp(string dataDir)
        {
            var psi = new ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kojinet.dll"));
            foreach (var a in new[] { "up", "--data-dir", dataDir, "--port", "0" })
            {
                psi.ArgumentList.Add(a);
            }
            _process = Process.Start(psi)!;
            var output = new System.Text.StringBuilder();
            var deadline = DateTime.UtcNow.AddSeconds(90);
            while (true)
            {
                var line = _process.StandardOutput.ReadLine();
                if (line is null)
                {
                    throw new InvalidOperationException($"kojinet up exited: {output}\n{_process.StandardError.ReadToEnd()}");
                }
                output.AppendLine(line);
                if (line.Contains("kojinet up: ready", StringComparison.Ordinal))
                {
                    break;
                }
                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException(output.ToString());
                }
            }
            Output = output.ToString();
        }

        public string Output { get; }

        public void Dispose()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(30_000);
            _process.Dispose();
        }
    }

    [Fact]
    public void UpStartsAHubTheWrittenClientConfigCanUseAndReusesItsData()
    {
        string first;
        using (var up = new RunningUp(_dir))
        {
            Assert.Contains("koji.conf", up.Output, StringComparison.Ordinal);
            first = LoginWithWrittenConfig();
        }
        var caBefore = File.ReadAllText(Path.Combine(_dir, "ca", "ca.crt"));
        using (new RunningUp(_dir))
        {
            // Same CA, same database: the admin keeps its id.
            Assert.Equal(caBefore, File.ReadAllText(Path.Combine(_dir, "ca", "ca.crt")));
            Assert.Equal(first, LoginWithWrittenConfig());
        }
    }

    // Reads koji.conf with configparser (as the koji CLI does) and logs in with its cert.
    private string LoginWithWrittenConfig()
    {
        var script = $$"""
            import configparser, http.client, ssl, urllib.parse, xmlrpc.client
            cp = configparser.ConfigParser()
            cp.read({{Py(Path.Combine(_dir, "koji.conf"))}})
            c = cp["kojinet"]
            url = urllib.parse.urlsplit(c["server"])
            ctx = ssl.create_default_context(cafile=c["serverca"])
            ctx.load_cert_chain(c["cert"])
            def call(method, params, path, headers={}):
                conn = http.client.HTTPSConnection(url.hostname, url.port, context=ctx)
                conn.request("POST", path, xmlrpc.client.dumps(params, method, allow_none=True), {"Content-Type": "text/xml", **headers})
                return xmlrpc.client.loads(conn.getresponse().read())[0][0]
            assert call("getAPIVersion", (), url.path) == 1
            s = call("sslLogin", ({"proxyuser": None, "__starstar": True},), url.path + "/ssllogin")
            me = call("getLoggedInUser", (), url.path, {"Koji-Session-Id": str(s["session-id"]), "Koji-Session-Key": s["session-key"]})
            print("%s %d" % (me["name"], me["id"]))
            """;
        var output = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", script]).Trim();
        Assert.Matches(AdminLine(), output);
        return output;
    }

    private static string Py(string s) => "'" + s.Replace("'", "\\'", StringComparison.Ordinal) + "'";

    [GeneratedRegex("^kojiadmin [0-9]+$")]
    private static partial Regex AdminLine();
}
