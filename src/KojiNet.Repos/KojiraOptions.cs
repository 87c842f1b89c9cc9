using KojiNet.Configuration;

namespace KojiNet.Repos;

/// <summary>
/// <c>kojira.conf</c> (spec/kojira.md §6.1): a <c>[kojira]</c> section with upstream's names and
/// defaults; the legacy options are accepted and ignored; an unknown option is an error.
/// </summary>
public sealed class KojiraOptions
{
    private static readonly string[] Legacy =
    [
        "delete_batch_size", "debuginfo_tags", "ignore_tags", "max_repo_tasks", "max_repo_tasks_maven", "no_repo_effective_age",
        "queue_file", "recent_tasks_lifetime", "repo_tasks_limit", "source_tags", "separate_source_tags", "with_src",
    ];

    [IniOption("server")]
    public string? Server { get; set; }

    [IniOption("topdir")]
    public string TopDir { get; set; } = "/mnt/koji";

    [IniOption("logfile")]
    public string? LogFile { get; set; } = "/var/log/kojira.log";

    [IniOption("user")]
    public string? User { get; set; }

    [IniOption("password")]
    public string? Password { get; set; }

    [IniOption("principal")]
    public string? Principal { get; set; }

    [IniOption("keytab")]
    public string Keytab { get; set; } = "/etc/kojira/kojira.keytab";

    [IniOption("ccache")]
    public string Ccache { get; set; } = "/var/tmp/kojira.ccache";

    [IniOption("cert")]
    public string? Cert { get; set; } = "/etc/kojira/client.crt";

    [IniOption("serverca")]
    public string? ServerCa { get; set; } = "/etc/kojira/serverca.crt";

    [IniOption("no_ssl_verify")]
    public bool NoSslVerify { get; set; }

    [IniOption("retry_interval")]
    public int RetryInterval { get; set; } = 60;

    [IniOption("max_retries")]
    public int MaxRetries { get; set; } = 120;

    [IniOption("offline_retry")]
    public bool OfflineRetry { get; set; } = true;

    [IniOption("offline_retry_interval")]
    public int OfflineRetryInterval { get; set; } = 120;

    [IniOption("sleeptime")]
    public int SleepTime { get; set; } = 15;

    [IniOption("repo_lifetime")]
    public int RepoLifetime { get; set; } = 604800;

    [IniOption("dist_repo_lifetime")]
    public int DistRepoLifetime { get; set; } = 604800;

    [IniOption("expired_repo_lifetime", Aliases = ["deleted_repo_lifetime"])]
    public int ExpiredRepoLifetime { get; set; } = 604800;

    [IniOption("init_timeout")]
    public int InitTimeout { get; set; } = 7200;

    [IniOption("recheck_period")]
    public int RecheckPeriod { get; set; } = 3600;

    [IniOption("reference_recheck_period")]
    public int? ReferenceRecheckPeriod { get; set; }

    [IniOption("max_delete_processes")]
    public int MaxDeleteProcesses { get; set; } = 4;

    [IniOption("check_external_repos")]
    public bool CheckExternalRepos { get; set; } = true;

    [IniOption("ignore_stray_repos")]
    public bool IgnoreStrayRepos { get; set; }

    [IniOption("ignore_other_volumes")]
    public bool IgnoreOtherVolumes { get; set; }

    [IniOption("verbose")]
    public bool Verbose { get; set; }

    [IniOption("debug")]
    public bool Debug { get; set; }

    /// <summary>Reads kojira.conf.</summary>
    /// <exception cref="IniFormatException">Missing file, another section, an unknown option or a bad value.</exception>
    public static KojiraOptions Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new IniFormatException($"{path}: config file not found");
        }
        return Parse(IniFile.Load(path), path);
    }

    /// <summary>Binds an already read file.</summary>
    public static KojiraOptions Parse(IniFile ini, string source)
    {
        foreach (var name in ini.SectionNames)
        {
            if (!string.Equals(name, "kojira", StringComparison.Ordinal) && !string.Equals(name, IniFile.DefaultSection, StringComparison.Ordinal))
            {
                throw new IniFormatException($"{source}: unexpected section [{name}] (kojira.conf has only [kojira])");
            }
        }
        var options = IniBinder.Bind<KojiraOptions>(ini["kojira"], source, Legacy);
        if (string.IsNullOrWhiteSpace(options.Server))
        {
            throw new IniFormatException($"{source} [kojira]: 'server' is required (the hub's XML-RPC URL)");
        }
        return options;
    }
}
