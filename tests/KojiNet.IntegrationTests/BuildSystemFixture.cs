using System.Globalization;
using KojiNet.Client;
using KojiNet.TestSupport;
using KojiNet.Up;
using Microsoft.Extensions.Logging;

namespace KojiNet.IntegrationTests;

/// <summary>
/// The whole system as <c>kojinet up</c> runs it (hub, builder, lookaside, repo service) on a
/// fresh data directory and one database engine, plus an admin client session.
/// </summary>
public abstract class BuildSystemFixture : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private ILoggerFactory? _loggers;

    protected BuildSystemFixture(bool postgres) => Postgres = postgres;

    public bool Postgres { get; }

    public string Dir { get; } = Directory.CreateTempSubdirectory("kojinet-it-").FullName;

    internal LocalSystem System { get; private set; } = null!;

    public KojiSession Admin { get; private set; } = null!;

    public string KojiDir => System.KojiDir;

    public string HostArch => System.HostArch;

    /// <summary>Log lines of the builder and repo service (shown when a test fails).</summary>
    public List<string> Log { get; } = [];

    /// <summary>Short scheduler timeouts so a vanished builder loses its task quickly (the builder checks in every 3 s).</summary>
    protected virtual string ExtraHubConfig => "HostTimeout = 20\nReadyTimeout = 10\n";

    public async Task InitializeAsync()
    {
        string? database = null;
        if (Postgres)
        {
            _postgres = new PostgresServer();
            database = $"DBConnectionString = {_postgres.CreateDatabase()}";
        }
        _loggers = LoggerFactory.Create(b => b.AddProvider(new ListLoggerProvider(Log)).SetMinimumLevel(LogLevel.Information));
        System = await LocalSystem.StartAsync(new LocalSystemOptions
        {
            DataDir = Path.Combine(Dir, "data"),
            Port = 0,
            DatabaseConfig = database,
            ExtraHubConfig = ExtraHubConfig,
            RepoSleepTime = 1,
            WaitTasksTimeout = 3,
            AllowedScms = $":{Path.Combine(Dir, "git")}/*:no",
            Loggers = _loggers,
        }, CancellationToken.None);
        Admin = new KojiSession(new KojiClientOptions { Server = System.HubUrl, CertFile = System.AdminPem, ServerCaFile = System.CaFile });
        await Admin.SslLoginAsync();
    }

    public async Task DisposeAsync()
    {
        // Kept for looking into failures: the services' log of the last run of this fixture.
        lock (Log)
        {
            File.WriteAllLines(Path.Combine(Path.GetTempPath(), $"kojinet-it-{(Postgres ? "pg" : "sqlite")}.log"), Log);
        }
        await Admin.DisposeAsync();
        await System.DisposeAsync();
        _loggers?.Dispose();
        _postgres?.Dispose();
        if (Environment.GetEnvironmentVariable("KOJINET_IT_KEEP") is { Length: > 0 })
        {
            return;
        }
        try
        {
            Directory.Delete(Dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Task<object?> CallAsync(string method, params object?[] args) => Admin.CallAsync(method, args);

    public Task<object?> CallAsync(string method, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs) =>
        Admin.CallAsync(method, args, kwargs);

    /// <summary>Waits until the task is finished; returns its final info struct.</summary>
    public async Task<IReadOnlyDictionary<string, object?>> WaitForTaskAsync(int taskId, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(5));
        while (true)
        {
            var info = (IReadOnlyDictionary<string, object?>)(await CallAsync("getTaskInfo", taskId))!;
            var state = Convert.ToInt32(info["state"], CultureInfo.InvariantCulture);
            if (state is 2 or 3 or 5)
            {
                return info;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"task {taskId} still in state {state}\n{string.Join('\n', Log.TakeLast(60))}");
            }
            await Task.Delay(200);
        }
    }

    private sealed class ListLoggerProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines, categoryName);

        public void Dispose()
        {
        }

        private sealed class ListLogger(List<string> lines, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                lock (lines)
                {
                    lines.Add(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}"));
                }
            }
        }
    }
}

public sealed class SqliteBuildSystem() : BuildSystemFixture(postgres: false);

public sealed class PostgresBuildSystem() : BuildSystemFixture(postgres: true);
