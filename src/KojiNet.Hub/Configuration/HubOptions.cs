using KojiNet.Configuration;

namespace KojiNet.Hub.Configuration;

/// <summary>Where the hub keeps its data (<c>[hub]</c> options of <c>hub.conf</c>).</summary>
public sealed class DatabaseOptions
{
    /// <summary>PostgreSQL database name.</summary>
    public string? DBName { get; set; }

    /// <summary>PostgreSQL user.</summary>
    public string? DBUser { get; set; }

    /// <summary>PostgreSQL host; omitted means the local Unix socket.</summary>
    public string? DBHost { get; set; }

    /// <summary>PostgreSQL port.</summary>
    public int? DBPort { get; set; }

    /// <summary>PostgreSQL password.</summary>
    public string? DBPass { get; set; }

    /// <summary>A full connection string; overrides the other PostgreSQL options.</summary>
    public string? DBConnectionString { get; set; }

    /// <summary>Koji.NET's own option: an SQLite database file. When set, the hub uses SQLite instead of PostgreSQL.</summary>
    public string? DBFile { get; set; }

    /// <summary>Koji.NET's own option: create or upgrade the schema when the hub starts.</summary>
    public bool DBMigrateOnStart { get; set; }
}

/// <summary>Storage options.</summary>
public sealed class StorageOptions
{
    /// <summary>The top of the storage tree (Koji's <c>/mnt/koji</c>).</summary>
    public string KojiDir { get; set; } = "/mnt/koji";
}

/// <summary>Login and session options.</summary>
public sealed class AuthOptions
{
    /// <summary>Bind sessions to the client's IP address.</summary>
    public bool CheckClientIP { get; set; } = true;

    /// <summary>Create a user on the first certificate or GSSAPI login.</summary>
    public bool LoginCreatesUser { get; set; } = true;

    /// <summary>Minutes until a session must authenticate again; 0 never.</summary>
    public int SessionRenewalTimeout { get; set; } = 1440;

    /// <summary>Refuse session credentials passed in the URL query.</summary>
    public bool DisableURLSessions { get; set; }

    /// <summary>Comma-separated Kerberos principals allowed to log in on behalf of others.</summary>
    public string ProxyPrincipals { get; set; } = "";

    /// <summary>A <c>%s</c> template for the principals of hosts created by <c>addHost</c>.</summary>
    public string? HostPrincipalFormat { get; set; }

    /// <summary>Comma-separated Kerberos realms accepted; <c>*</c> any.</summary>
    public string AllowedKrbRealms { get; set; } = "*";

    /// <summary>The certificate subject component used as the user name.</summary>
    public string DNUsernameComponent { get; set; } = "CN";

    /// <summary><c>|</c>-separated certificate DNs allowed to log in on behalf of others (the web UI, a TLS proxy).</summary>
    public string ProxyDNs { get; set; } = "";

    /// <summary>Let a proxying client name a different authentication type for the user it logs in.</summary>
    public bool AllowProxyAuthType { get; set; }

    /// <summary>Validation pattern for user names and principals; empty disables it.</summary>
    public string RegexUserName { get; set; } = "^[A-Za-z0-9/_.@-]+$";
}

/// <summary>Limits and validation of what clients send.</summary>
public sealed class LimitOptions
{
    /// <summary>Largest XML-RPC request body accepted, in bytes.</summary>
    public long MaxRequestLength { get; set; } = 4194304;

    /// <summary>Longest tag, target, channel, host, group or permission name; 0 unlimited.</summary>
    public int MaxNameLengthInternal { get; set; } = 256;

    /// <summary>Validation pattern for internal names.</summary>
    public string RegexNameInternal { get; set; } = "^[A-Za-z0-9/_.+-]+$";

    /// <summary>Checksum types computed for imported RPMs.</summary>
    public string RPMDefaultChecksums { get; set; } = "md5 sha256";

    /// <summary>Warn when one request grows memory by more KiB than this.</summary>
    public int MemoryWarnThreshold { get; set; } = 5000;
}

/// <summary>Maintenance, debugging and policy switches.</summary>
public sealed class OperationOptions
{
    /// <summary>Answer every call with the ServerOffline fault.</summary>
    public bool ServerOffline { get; set; }

    /// <summary>The fault text while offline.</summary>
    public string? OfflineMessage { get; set; }

    /// <summary>Only admins may call (except login and logout).</summary>
    public bool LockOut { get; set; }

    /// <summary>Verbose errors: exception details go to clients.</summary>
    public bool KojiDebug { get; set; }

    /// <summary><c>normal</c> or <c>extended</c> tracebacks in faults; anything else gives the message only.</summary>
    public string? KojiTraceback { get; set; }

    /// <summary>Log levels: a level, or <c>logger:LEVEL</c> pairs.</summary>
    public string LogLevel { get; set; } = "WARNING";

    /// <summary>Log line format (accepted for compatibility; the hub logs through Microsoft.Extensions.Logging).</summary>
    public string? LogFormat { get; set; }

    /// <summary>An undefined policy allows.</summary>
    public bool MissingPolicyOk { get; set; } = true;

    /// <summary>Name the matching rule in policy violation errors.</summary>
    public bool VerbosePolicy { get; set; }

    /// <summary>Link prefix for the web UI in notifications.</summary>
    public string KojiWebURL { get; set; } = "http://localhost.localdomain/koji";

    /// <summary>Domain appended to user names for mail.</summary>
    public string? EmailDomain { get; set; }

    /// <summary>Also notify owners on success.</summary>
    public bool NotifyOnSuccess { get; set; } = true;

    /// <summary>No notification tasks at all.</summary>
    public bool DisableNotifications { get; set; }

    /// <summary>Maven support.</summary>
    public bool EnableMaven { get; set; }

    /// <summary>Windows build support.</summary>
    public bool EnableWin { get; set; }

    /// <summary>Space-separated hub plugins.</summary>
    public string Plugins { get; set; } = "";

    /// <summary>Plugin search path.</summary>
    public string PluginPath { get; set; } = "/usr/lib/koji-hub-plugins";
}

/// <summary>Task scheduling options.</summary>
public sealed class SchedulerOptions
{
    /// <summary>Task limit of a host that did not report its own.</summary>
    public int MaxJobs { get; set; } = 15;

    /// <summary>How far a task's weight may exceed a host's free capacity.</summary>
    public int CapacityOvercommit { get; set; } = 5;

    /// <summary>Seconds without check-in after which a host is not ready.</summary>
    public int ReadyTimeout { get; set; } = 180;

    /// <summary>Seconds an ASSIGNED task may wait to be opened.</summary>
    public int AssignTimeout { get; set; } = 300;

    /// <summary>Seconds a soft refusal lasts.</summary>
    public int SoftRefusalTimeout { get; set; } = 900;

    /// <summary>Seconds of host silence after which its OPEN tasks are freed.</summary>
    public int HostTimeout { get; set; } = 900;

    /// <summary>Minimum seconds between full scheduler passes (new tasks are scheduled at once regardless).</summary>
    public int RunInterval { get; set; } = 60;

    /// <summary>
    /// Koji.NET's own option: seconds between the background scheduler passes that apply the
    /// timeouts (a silent host loses its tasks) and catch anything no event announced.
    /// </summary>
    public int SchedulerPassInterval { get; set; } = 5;
}

/// <summary>Repo request queue options.</summary>
public sealed class RepoOptions
{
    /// <summary>Concurrent queue-driven newRepo tasks.</summary>
    public int MaxRepoTasks { get; set; } = 10;

    /// <summary>Of which with maven support.</summary>
    public int MaxRepoTasksMaven { get; set; } = 2;

    /// <summary>Retries per request after failed tasks.</summary>
    public int RepoRetries { get; set; } = 3;

    /// <summary>Minutes inactive requests are kept.</summary>
    public int RequestCleanTime { get; set; } = 1440;

    /// <summary>Allow the legacy newRepo call.</summary>
    public bool AllowNewRepo { get; set; } = true;

    /// <summary>Default lag in seconds for on-demand requests.</summary>
    public int RepoLag { get; set; } = 3600;

    /// <summary>Lag in seconds for <c>repo.auto</c> tags.</summary>
    public int RepoAutoLag { get; set; } = 7200;

    /// <summary>Rounding in seconds of lagged events.</summary>
    public int RepoLagWindow { get; set; } = 600;

    /// <summary>Owner of queue-created newRepo tasks.</summary>
    public string RepoQueueUser { get; set; } = "kojira";

    /// <summary>Tag globs whose repos include debuginfo.</summary>
    public string DebuginfoTags { get; set; } = "";

    /// <summary>Tag globs whose repos include sources.</summary>
    public string SourceTags { get; set; } = "";

    /// <summary>Tag globs whose repos keep sources separate.</summary>
    public string SeparateSourceTags { get; set; } = "";
}

/// <summary>Koji.NET's own options for serving HTTP(S) directly (upstream leaves this to Apache).</summary>
public sealed class ServerOptions
{
    /// <summary>Space-separated URLs to listen on, e.g. <c>https://0.0.0.0:443</c>.</summary>
    public string ListenURLs { get; set; } = "https://127.0.0.1:8443";

    /// <summary>The server certificate and key (one PEM file) for HTTPS.</summary>
    public string? TLSCertificate { get; set; }

    /// <summary>The CA (PEM) that client certificates must chain to; also the <c>serverca</c> clients use.</summary>
    public string? TLSClientCA { get; set; }

    /// <summary>
    /// Space-separated addresses of TLS-terminating reverse proxies. Requests from them may carry
    /// the verified client certificate's subject in <see cref="ProxyClientDNHeader"/> (with
    /// <see cref="ProxyClientVerifyHeader"/> = <c>SUCCESS</c>) and the client address in
    /// <c>X-Forwarded-For</c>; from anyone else those headers are ignored.
    /// </summary>
    public string TrustedProxies { get; set; } = "";

    /// <summary>Header holding the client certificate's subject DN (RFC 4514), e.g. nginx's <c>$ssl_client_s_dn</c>.</summary>
    public string ProxyClientDNHeader { get; set; } = "X-SSL-Client-S-DN";

    /// <summary>Header holding the proxy's verification result (<c>SUCCESS</c>, <c>NONE</c>, <c>FAILED:...</c>).</summary>
    public string ProxyClientVerifyHeader { get; set; } = "X-SSL-Client-Verify";

    /// <summary>Serve the storage tree read-only at <c>/kojifiles</c>.</summary>
    public bool ServeKojiFiles { get; set; } = true;
}
