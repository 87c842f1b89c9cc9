using KojiNet.Builder.Buildroots;
using KojiNet.Configuration;

namespace KojiNet.Builder.Configuration;

/// <summary>
/// The builder's <c>kojid.conf</c> (spec/builder.md §3): only a <c>[kojid]</c> section, upstream's
/// option names and defaults, an unknown option is an error naming it. Options for mail, images,
/// Maven and Kerberos are accepted so an existing kojid.conf loads; this builder does not use them.
/// Our own options: <c>buildroot_backend</c>, <c>lookaside_url</c>, <c>wait_tasks_timeout</c>,
/// <c>repodata_writer</c>, <c>repodata_cache_dir</c>, and the
/// buildroot options of <see cref="BuildrootOptions"/> (<c>host_provides</c>, <c>rpmbuild_install</c>...).
/// </summary>
public sealed class KojidOptions
{
    // Connection / auth (§3.1)
    [IniOption("server")]
    public string? Server { get; set; }

    [IniOption("topurl")]
    public string? TopUrl { get; set; }

    [IniOption("topdir")]
    public string TopDir { get; set; } = "/mnt/koji";

    [IniOption("user")]
    public string? User { get; set; }

    [IniOption("password")]
    public string? Password { get; set; }

    [IniOption("cert")]
    public string? Cert { get; set; }

    [IniOption("serverca")]
    public string? ServerCa { get; set; }

    [IniOption("krb_principal")]
    public string? KrbPrincipal { get; set; }

    [IniOption("host_principal_format")]
    public string HostPrincipalFormat { get; set; } = "compile/%s@EXAMPLE.COM";

    [IniOption("keytab")]
    public string Keytab { get; set; } = "/etc/kojid/kojid.keytab";

    [IniOption("ccache")]
    public string Ccache { get; set; } = "/var/tmp/kojid.ccache";

    [IniOption("no_ssl_verify")]
    public bool NoSslVerify { get; set; }

    [IniOption("timeout")]
    public int? Timeout { get; set; }

    [IniOption("retry_interval")]
    public int RetryInterval { get; set; } = 60;

    [IniOption("max_retries")]
    public int MaxRetries { get; set; } = 120;

    [IniOption("offline_retry")]
    public bool OfflineRetry { get; set; } = true;

    [IniOption("offline_retry_interval")]
    public int OfflineRetryInterval { get; set; } = 120;

    [IniOption("use_fast_upload")]
    public bool UseFastUpload { get; set; } = true;

    // Scheduling / capacity (§3.2)
    [IniOption("sleeptime")]
    public int SleepTime { get; set; } = 15;

    [IniOption("maxjobs")]
    public int MaxJobs { get; set; } = 10;

    [IniOption("minspace")]
    public int MinSpace { get; set; } = 8192;

    [IniOption("task_avail_delay")]
    public int TaskAvailDelay { get; set; } = 300;

    [IniOption("literal_task_arches")]
    public string LiteralTaskArches { get; set; } = "";

    [IniOption("build_arch_can_fail")]
    public bool BuildArchCanFail { get; set; }

    // Paths / buildroots (§3.3)
    [IniOption("workdir")]
    public string WorkDir { get; set; } = "/var/tmp/koji";

    // mockdir, mockuser, mockhost, vendor, packager, distribution, rpmbuild_timeout, yum_proxy,
    // mock_bootstrap_image and chroot_tmpdir are the buildroots' options: see Buildroot.

    [IniOption("failed_buildroot_lifetime")]
    public int FailedBuildrootLifetime { get; set; } = 14400;

    [IniOption("buildroot_basic_cleanup_delay")]
    public int BuildrootBasicCleanupDelay { get; set; } = 120;

    [IniOption("buildroot_final_cleanup_delay")]
    public int BuildrootFinalCleanupDelay { get; set; } = 86400;

    [IniOption("log_timestamps")]
    public bool LogTimestamps { get; set; }

    [IniOption("support_rpm_source_layout")]
    public bool SupportRpmSourceLayout { get; set; } = true;

    // SCM (§3.4)
    [IniOption("allowed_scms")]
    public string AllowedScms { get; set; } = "";

    [IniOption("allowed_scms_use_config")]
    public bool AllowedScmsUseConfig { get; set; } = true;

    [IniOption("allowed_scms_use_policy")]
    public bool AllowedScmsUsePolicy { get; set; }

    [IniOption("scm_credentials_dir")]
    public string? ScmCredentialsDir { get; set; }

    [IniOption("allow_password_in_scm_url")]
    public bool AllowPasswordInScmUrl { get; set; }

    // Repo tasks (§3.5)
    [IniOption("use_createrepo_c")]
    public bool UseCreaterepoC { get; set; } = true;

    [IniOption("createrepo_update")]
    public bool CreaterepoUpdate { get; set; } = true;

    [IniOption("createrepo_skip_stat")]
    public bool CreaterepoSkipStat { get; set; } = true;

    /// <summary>
    /// Koji.NET: how <c>createrepo</c> tasks write repodata: <c>kojinet</c> (default) from the
    /// metadata the hub stored at import, with KojiNet.Repodata and no package file read; or
    /// <c>createrepo_c</c>, running it over the pkglist (then <c>use_createrepo_c</c> and the
    /// <c>createrepo_*</c> options apply).
    /// </summary>
    [IniOption("repodata_writer")]
    public string RepodataWriter { get; set; } = "kojinet";

    /// <summary>
    /// Koji.NET: where the <c>kojinet</c> repodata writer keeps its per tag and arch cache of
    /// rendered package XML, so a repo regenerated after one new build renders one package.
    /// Default <c>&lt;workdir&gt;/cache/repodata</c>.
    /// </summary>
    [IniOption("repodata_cache_dir")]
    public string? RepodataCacheDir { get; set; }

    /// <summary>The repodata cache directory in effect.</summary>
    public string EffectiveRepodataCacheDir => string.IsNullOrEmpty(RepodataCacheDir) ? Path.Combine(WorkDir, "cache", "repodata") : RepodataCacheDir;

    [IniOption("distrepo_skip_stat")]
    public bool DistrepoSkipStat { get; set; }

    [IniOption("copy_old_repodata")]
    public bool CopyOldRepodata { get; set; }

    // Mail / misc / plugins (§3.6): accepted, unused here.
    [IniOption("smtphost")]
    public string SmtpHost { get; set; } = "example.com";

    [IniOption("smtp_user")]
    public string? SmtpUser { get; set; }

    [IniOption("smtp_pass")]
    public string? SmtpPass { get; set; }

    [IniOption("from_addr")]
    public string FromAddr { get; set; } = "Koji Build System <buildsys@example.com>";

    [IniOption("admin_emails")]
    public string? AdminEmails { get; set; }

    [IniOption("log_level")]
    public string? LogLevel { get; set; }

    [IniOption("plugin", Aliases = ["plugins"])]
    public string? Plugins { get; set; }

    [IniOption("pluginpath")]
    public string PluginPath { get; set; } = "/usr/lib/koji-builder-plugins";

    [IniOption("maven_repo_ignore")]
    public string MavenRepoIgnore { get; set; } = "*.md5 *.sha1 maven-metadata*.xml _maven.repositories _remote.repositories resolver-status.properties *.lastUpdated";

    [IniOption("oz_install_timeout")]
    public int OzInstallTimeout { get; set; }

    [IniOption("xz_options")]
    public string XzOptions { get; set; } = "-z6T0";

    [IniOption("allow_noverifyssl")]
    public bool AllowNoVerifySsl { get; set; }

    [IniOption("pkgurl")]
    public string? PkgUrl { get; set; }

    // Koji.NET options
    /// <summary><c>rpmbuild</c> (sandboxed rpmbuild, the default) or <c>mock</c>.</summary>
    [IniOption("buildroot_backend")]
    public string BuildrootBackend { get; set; } = "rpmbuild";

    /// <summary>Base URL of the lookaside cache (<c>.../repo/pkgs</c>) the <c>sources</c> files are fetched from.</summary>
    [IniOption("lookaside_url")]
    public string? LookasideUrl { get; set; }

    /// <summary>Long-poll timeout of <c>host.waitTasks</c> in seconds (0 = poll like kojid with <c>sleeptime</c>).</summary>
    [IniOption("wait_tasks_timeout")]
    public int WaitTasksTimeout { get; set; } = 30;

    /// <summary>The buildroot backends' settings from the same <c>[kojid]</c> section.</summary>
    public BuildrootOptions Buildroot { get; private set; } = new();

    /// <summary>The first topurl (downloads); the others are only written into mock configs.</summary>
    public string? FirstTopUrl => TopUrl?.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();

    /// <summary>Reads <c>kojid.conf</c>: the <c>[kojid]</c> section only; <c>RLIMIT_*</c> keys are accepted.</summary>
    /// <exception cref="IniFormatException">Missing file, another section, an unknown option, a bad value or a missing required option.</exception>
    public static KojidOptions Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new IniFormatException($"{path}: config file not found");
        }
        return Parse(IniFile.Load(path), path);
    }

    /// <summary>Binds an already read file (see <see cref="Load"/>).</summary>
    public static KojidOptions Parse(IniFile ini, string source)
    {
        foreach (var name in ini.SectionNames)
        {
            if (!string.Equals(name, "kojid", StringComparison.Ordinal) && !string.Equals(name, IniFile.DefaultSection, StringComparison.Ordinal))
            {
                throw new IniFormatException($"{source}: unexpected section [{name}] (kojid.conf has only [kojid])");
            }
        }
        var section = ini["kojid"] ?? throw new IniFormatException($"{source}: no [kojid] section");
        // The buildroot backends read their options from the same section (mockdir, host_provides...).
        var buildrootNames = IniBinder.OptionNames<BuildrootOptions>().Select(n => n.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var rlimits = section.Keys.Where(k => k.StartsWith("rlimit_", StringComparison.Ordinal));
        var kojidNames = IniBinder.OptionNames<KojidOptions>().Select(n => n.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var options = IniBinder.Bind<KojidOptions>(section, source, rlimits.Concat(buildrootNames.Where(n => !kojidNames.Contains(n))));
        options.Buildroot = IniBinder.Bind<BuildrootOptions>(section, source, section.Keys.Where(k => !buildrootNames.Contains(k)));
        options.Buildroot.Backend = options.BuildrootBackend;
        options.Validate(source);
        return options;
    }

    private void Validate(string source)
    {
        if (string.IsNullOrWhiteSpace(Server))
        {
            throw new IniFormatException($"{source} [kojid]: 'server' is required (the hub's XML-RPC URL)");
        }
        if (string.IsNullOrWhiteSpace(TopUrl))
        {
            throw new IniFormatException($"{source} [kojid]: 'topurl' is required (the URL of the koji file tree)");
        }
        if (BuildrootBackend is not ("rpmbuild" or "mock" or "auto"))
        {
            throw new IniFormatException($"{source} [kojid]: buildroot_backend must be 'rpmbuild', 'mock' or 'auto', not '{BuildrootBackend}'");
        }
        if (RepodataWriter is not ("kojinet" or "createrepo_c"))
        {
            throw new IniFormatException($"{source} [kojid]: repodata_writer must be 'kojinet' or 'createrepo_c', not '{RepodataWriter}'");
        }
        if (MaxJobs < 1)
        {
            throw new IniFormatException($"{source} [kojid]: maxjobs must be at least 1");
        }
    }
}
