using KojiNet.Configuration;
using KojiNet.Hub.Policies;

namespace KojiNet.Hub.Configuration;

/// <summary>
/// Everything the hub reads from <c>hub.conf</c> (and <c>hub.conf.d/*.conf</c> before it),
/// split into one small options object per concern. Option names are upstream's. Unlike
/// upstream, an option no concern knows stops start-up with a message naming it, so a typo
/// cannot silently leave a default in place.
/// </summary>
public sealed class HubConfiguration
{
    // Accepted and ignored: process resource limits are the service manager's job here.
    private static readonly string[] IgnoredOptions =
    [
        "RLIMIT_AS", "RLIMIT_CORE", "RLIMIT_CPU", "RLIMIT_DATA", "RLIMIT_FSIZE", "RLIMIT_MEMLOCK",
        "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_OFILE", "RLIMIT_RSS", "RLIMIT_STACK",
    ];

    /// <summary>Database options.</summary>
    public DatabaseOptions Database { get; init; } = new();

    /// <summary>Storage options.</summary>
    public StorageOptions Storage { get; init; } = new();

    /// <summary>Login and session options.</summary>
    public AuthOptions Auth { get; init; } = new();

    /// <summary>Request limits and name validation.</summary>
    public LimitOptions Limits { get; init; } = new();

    /// <summary>Maintenance, debugging and feature switches.</summary>
    public OperationOptions Operation { get; init; } = new();

    /// <summary>Task scheduling.</summary>
    public SchedulerOptions Scheduler { get; init; } = new();

    /// <summary>Repo request queue.</summary>
    public RepoOptions Repos { get; init; } = new();

    /// <summary>How the hub serves HTTP(S).</summary>
    public ServerOptions Server { get; init; } = new();

    /// <summary>The raw <c>[policy]</c> section, read by the policy engine.</summary>
    public IniSection? Policy { get; init; }

    /// <summary>The compiled policies: the <c>[policy]</c> section plus the built-in defaults of the policies it leaves out.</summary>
    internal PolicySet Policies { get; init; } = PolicySet.Defaults;

    /// <summary>Reads the <c>.conf</c> files of <paramref name="configDir"/> (sorted) then <paramref name="configFile"/>, which must exist.</summary>
    /// <exception cref="IniFormatException">A file is missing or malformed, or an option is unknown or has a bad value.</exception>
    public static HubConfiguration Load(string configFile, string? configDir = null)
    {
        var ini = new IniFile();
        if (configDir is not null && Directory.Exists(configDir))
        {
            foreach (var file in Directory.GetFiles(configDir, "*.conf").Order(StringComparer.Ordinal))
            {
                ini.Read(file);
            }
        }
        if (!File.Exists(configFile))
        {
            throw new IniFormatException($"{configFile}: hub configuration file not found");
        }
        ini.Read(configFile);
        return FromIni(ini, configFile);
    }

    /// <summary>Builds the configuration from parsed INI text.</summary>
    public static HubConfiguration FromIni(IniFile ini, string source)
    {
        foreach (var name in ini.SectionNames)
        {
            if (name is not ("hub" or "policy"))
            {
                throw new IniFormatException($"{source}: unknown section [{name}] (expected [hub] and [policy])");
            }
        }
        var hub = ini["hub"];
        var known = IniBinder.OptionNames<DatabaseOptions>()
            .Concat(IniBinder.OptionNames<StorageOptions>())
            .Concat(IniBinder.OptionNames<AuthOptions>())
            .Concat(IniBinder.OptionNames<LimitOptions>())
            .Concat(IniBinder.OptionNames<OperationOptions>())
            .Concat(IniBinder.OptionNames<SchedulerOptions>())
            .Concat(IniBinder.OptionNames<RepoOptions>())
            .Concat(IniBinder.OptionNames<ServerOptions>())
            .Concat(IgnoredOptions)
            .ToList();
        T Bind<T>() where T : new()
        {
            var own = IniBinder.OptionNames<T>().ToHashSet(StringComparer.OrdinalIgnoreCase);
            return IniBinder.Bind<T>(hub, source, known.Where(n => !own.Contains(n)));
        }
        var config = new HubConfiguration
        {
            Database = Bind<DatabaseOptions>(),
            Storage = Bind<StorageOptions>(),
            Auth = Bind<AuthOptions>(),
            Limits = Bind<LimitOptions>(),
            Operation = Bind<OperationOptions>(),
            Scheduler = Bind<SchedulerOptions>(),
            Repos = Bind<RepoOptions>(),
            Server = Bind<ServerOptions>(),
            Policy = ini["policy"],
            Policies = PolicySet.FromSection(ini["policy"], source),
        };
        config.Validate(source);
        return config;
    }

    private void Validate(string source)
    {
        if (Database.DBFile is null && Database.DBConnectionString is null && Database.DBName is null)
        {
            throw new IniFormatException($"{source} [hub]: no database configured: set DBName (PostgreSQL) or DBFile (SQLite)");
        }
        if (Database.DBFile is not null && (Database.DBName ?? Database.DBConnectionString) is not null)
        {
            throw new IniFormatException($"{source} [hub]: DBFile (SQLite) and DBName/DBConnectionString (PostgreSQL) are both set; choose one");
        }
        if (Limits.MaxRequestLength <= 0)
        {
            throw new IniFormatException($"{source} [hub]: option 'MaxRequestLength' must be positive, got {Limits.MaxRequestLength}");
        }
        if (!Path.IsPathRooted(Storage.KojiDir))
        {
            throw new IniFormatException($"{source} [hub]: option 'KojiDir' must be an absolute path, got '{Storage.KojiDir}'");
        }
    }
}
