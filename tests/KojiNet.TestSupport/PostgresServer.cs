using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KojiNet.TestSupport;

/// <summary>
/// A PostgreSQL server for tests. When <c>KOJINET_TEST_PG</c> is set (a connection string to a
/// server the caller provides) that server is used; otherwise a private cluster is created with
/// <c>initdb</c> in a temporary directory and started with <c>pg_ctl</c> on a free loopback port
/// (as the <c>postgres</c> user when running as root, since initdb refuses root), and removed
/// again on dispose. Use as an xunit class or collection fixture.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    private readonly string? _dataDir;
    private readonly string? _binDir;
    private int _databases;

    /// <summary>Connection string (Npgsql/libpq keyword form) to the maintenance database.</summary>
    public string ConnectionString { get; }

    public string Host { get; } = "127.0.0.1";

    public int Port { get; }

    public PostgresServer()
    {
        var external = Environment.GetEnvironmentVariable("KOJINET_TEST_PG");
        if (!string.IsNullOrWhiteSpace(external))
        {
            ConnectionString = external;
            return;
        }
        _binDir = FindBinDir();
        _dataDir = Directory.CreateTempSubdirectory("kojinet-pg-").FullName;
        Port = FreePort();
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            ExternalTool.RunChecked("chown", ["-R", "postgres:postgres", _dataDir]);
            // Parent temp dirs must be traversable by the postgres user.
            File.SetUnixFileMode(_dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var pgdata = Path.Combine(_dataDir, "data");
        RunPg(asRoot, "initdb", "-D", pgdata, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync");
        var options = string.Join(' ',
            $"-p {Port.ToString(CultureInfo.InvariantCulture)}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories={_dataDir}",
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "-c max_connections=200");
        RunPg(asRoot, "pg_ctl", "-D", pgdata, "-o", options, "-l", Path.Combine(_dataDir, "server.log"), "-w", "-t", "60", "start");
        ConnectionString = $"Host={Host};Port={Port.ToString(CultureInfo.InvariantCulture)};Username=postgres;Database=postgres";
    }

    /// <summary>Creates a fresh, empty database and returns its connection string.</summary>
    public string CreateDatabase(string prefix = "kojinet")
    {
        var name = $"{prefix}_{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}_{Interlocked.Increment(ref _databases).ToString(CultureInfo.InvariantCulture)}";
        Psql($"CREATE DATABASE {name}");
        return ConnectionString.Replace("Database=postgres", $"Database={name}", StringComparison.Ordinal);
    }

    /// <summary>Runs SQL with psql against the maintenance database and returns its unaligned output.</summary>
    public string Psql(string sql, string database = "postgres")
    {
        var psql = _binDir is null ? "psql" : Path.Combine(_binDir, "psql");
        return ExternalTool.RunChecked(psql, ["-h", Host, "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql]);
    }

    public void Dispose()
    {
        if (_dataDir is null)
        {
            return;
        }
        ExternalTool.Run(Environment.UserName == "root" ? "runuser" : Path.Combine(_binDir!, "pg_ctl"),
            Environment.UserName == "root"
                ? ["-u", "postgres", "--", Path.Combine(_binDir!, "pg_ctl"), "-D", Path.Combine(_dataDir, "data"), "-m", "immediate", "stop"]
                : ["-D", Path.Combine(_dataDir, "data"), "-m", "immediate", "stop"]);
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private void RunPg(bool asRoot, string tool, params string[] args)
    {
        var exe = Path.Combine(_binDir!, tool);
        if (asRoot)
        {
            ExternalTool.RunChecked("runuser", ["-u", "postgres", "--", exe, .. args]);
        }
        else
        {
            ExternalTool.RunChecked(exe, args);
        }
    }

    private static string FindBinDir()
    {
        var candidates = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).OrderDescending(StringComparer.Ordinal)
            : Enumerable.Empty<string>();
        foreach (var dir in candidates.Append("/usr/local/bin").Append("/usr/bin"))
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("PostgreSQL server binaries (initdb, pg_ctl) not found; install the postgresql package or set KOJINET_TEST_PG");
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
