using System.Globalization;
using System.Text;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// The inputs of a generated mock config: what kojid knows about the buildroot and its own
/// configuration, plus the build tag's extra settings (<c>getBuildConfig(tag)['extra']</c>),
/// from which the <c>mock.*</c> and <c>rpm.*</c> options are read.
/// </summary>
public sealed record MockConfigOptions
{
    /// <summary>The buildroot (mock root) name, <c>&lt;tag&gt;-&lt;buildroot id&gt;-&lt;repo id&gt;</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The buildroot's (canonical) arch: it names the repo directory.</summary>
    public required string Arch { get; init; }

    /// <summary>The arch mock builds for; <see cref="MockConfig.TargetArchFor"/> of <see cref="Arch"/> when null.</summary>
    public string? TargetArch { get; init; }

    /// <summary>The build tag's name.</summary>
    public required string TagName { get; init; }

    /// <summary>The buildroot repo's id.</summary>
    public required int RepoId { get; init; }

    /// <summary>The hub's buildroot id (written into the header comments kojid's cleanup reads).</summary>
    public int? BuildrootId { get; init; }

    /// <summary>Whether the config belongs to a kojid buildroot (adds the four <c># Koji ...</c> comment lines).</summary>
    public bool Managed { get; init; } = true;

    /// <summary>kojid's <c>mockdir</c>.</summary>
    public string MockDir { get; init; } = "/var/lib/mock";

    /// <summary>kojid's <c>topdir</c>, used for a <c>file://</c> repo URL when there is no topurl.</summary>
    public string TopDir { get; init; } = "/mnt/koji";

    /// <summary>kojid's <c>topurl</c> split at spaces; each gives one repo base URL.</summary>
    public IReadOnlyList<string> TopUrls { get; init; } = [];

    /// <summary>kojid's <c>packager</c>.</summary>
    public string Packager { get; init; } = "Koji";

    /// <summary>kojid's <c>vendor</c>.</summary>
    public string Vendor { get; init; } = "Koji";

    /// <summary>kojid's <c>distribution</c>.</summary>
    public string Distribution { get; init; } = "Koji";

    /// <summary>kojid's <c>mockhost</c>: the <c>%_host</c> macro is <c>&lt;target arch&gt;-&lt;mockhost&gt;</c>.</summary>
    public string MockHost { get; init; } = "koji-linux-gnu";

    /// <summary>kojid's <c>yum_proxy</c>: a <c>proxy=</c> line in yum.conf when set.</summary>
    public string? YumProxy { get; init; }

    /// <summary>kojid's <c>rpmbuild_timeout</c> in seconds.</summary>
    public int RpmbuildTimeout { get; init; } = 86400;

    /// <summary>Network and the host's DNS setup inside the chroot (kojid's <c>use_host_resolv</c>; SRPM-from-SCM only).</summary>
    public bool UseHostResolv { get; init; }

    /// <summary>The host's <c>/etc/hosts</c> text, copied into the chroot when <see cref="UseHostResolv"/> is set (null: none).</summary>
    public string? HostsFile { get; init; }

    /// <summary>The comps group mock installs (<c>build</c>, <c>srpm-build</c>...).</summary>
    public string InstallGroup { get; init; } = "build";

    /// <summary>Bind mounts as (kind, source, destination), in order; kind is <c>dirs</c> or <c>files</c>.</summary>
    public IReadOnlyList<(string Kind, string Source, string Destination)> BindMounts { get; init; } = [];

    /// <summary><c>internal_dev_setup</c> when set; defaults to false when there are bind mounts.</summary>
    public bool? InternalDevSetup { get; init; }

    /// <summary>kojid's <c>mock_bootstrap_image</c>: whether the tag may choose a bootstrap image.</summary>
    public bool AllowBootstrapImage { get; init; }

    /// <summary>Maven options for <c>etc/mavenrc</c> (maven builds only).</summary>
    public IReadOnlyList<string> MavenOpts { get; init; } = [];

    /// <summary>Maven environment variables for <c>etc/mavenrc</c>, in order (maven builds only).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> MavenEnvs { get; init; } = [];

    /// <summary>The build tag's extra settings, as the hub returns them.</summary>
    public IReadOnlyDictionary<string, object?> TagExtra { get; init; } = new Dictionary<string, object?>();

    /// <summary>
    /// The options kojid uses for a buildroot of <paramref name="request"/>. Bind mounts are
    /// directories; with any (the SCM credentials mount) <c>internal_dev_setup</c> is True, as
    /// kojid sets it for SRPM-from-SCM buildroots.
    /// </summary>
    public static MockConfigOptions For(BuildrootRequest request, BuildrootOptions options, string? hostsFile = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(options);
        return new MockConfigOptions
        {
            Name = request.Name,
            Arch = request.Arch,
            TagName = request.TagName,
            RepoId = request.RepoId,
            BuildrootId = request.BuildrootId,
            MockDir = options.MockDir,
            TopDir = options.TopDir,
            TopUrls = options.TopUrls,
            Packager = options.Packager,
            Vendor = options.Vendor,
            Distribution = options.Distribution,
            MockHost = options.MockHost,
            YumProxy = options.YumProxy,
            RpmbuildTimeout = options.RpmbuildTimeout,
            UseHostResolv = request.Network,
            HostsFile = hostsFile,
            InstallGroup = request.InstallGroup,
            BindMounts = request.BindMounts.Select(b => ("dirs", b.Source, b.Destination)).ToList(),
            InternalDevSetup = request.BindMounts.Count > 0 ? true : null,
            AllowBootstrapImage = options.MockBootstrapImage,
            TagExtra = request.TagExtra,
        };
    }
}

/// <summary>The buildroot identity kojid writes at the top of a managed mock config.</summary>
/// <param name="BuildrootId">The hub's buildroot id.</param>
/// <param name="Name">The buildroot name.</param>
public sealed record MockConfigHeader(int BuildrootId, string Name);

/// <summary>
/// Generates mock configs byte for byte as kojid does: comment header, <c>config_opts</c> with
/// sorted keys, plugin_conf, bind mounts, macros, environment and files, every value written as
/// a Python literal.
/// </summary>
public static class MockConfig
{
    /// <summary>The arch mock targets for a buildroot arch: <c>armhfp</c> builds as <c>armv7hl</c>.</summary>
    public static string TargetArchFor(string arch) =>
        string.Equals(arch, "armhfp", StringComparison.Ordinal) ? "armv7hl" : arch;

    /// <summary>The repo base URLs of the buildroot, one per topurl, or a <c>file://</c> URL under topdir.</summary>
    public static IReadOnlyList<string> RepoUrls(MockConfigOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var tail = $"/repos/{options.TagName}/{Int(options.RepoId)}/{options.Arch}";
        return options.TopUrls.Count > 0
            ? options.TopUrls.Select(u => u + tail).ToList()
            : [$"file://{options.TopDir}{tail}"];
    }

    /// <summary>
    /// The mock macros of the buildroot: <c>%_rpmfilename</c>, <c>%vendor</c>, <c>%packager</c>,
    /// <c>%distribution</c> (all overridable by tag extra <c>rpm.macro.*</c>), every
    /// <c>rpm.macro.NAME</c> as <c>%NAME</c>, then the fixed <c>%_topdir</c>, <c>%_host_cpu</c>
    /// and <c>%_host</c>.
    /// </summary>
    public static SortedDictionary<string, string> Macros(MockConfigOptions options, string topDir)
    {
        ArgumentNullException.ThrowIfNull(options);
        var targetArch = options.TargetArch ?? TargetArchFor(options.Arch);
        var macros = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["%_rpmfilename"] = "%%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
            ["%vendor"] = options.Vendor,
            ["%packager"] = options.Packager,
            ["%distribution"] = options.Distribution,
        };
        foreach (var (name, value) in TagExtraWithPrefix(options.TagExtra, "rpm.macro."))
        {
            macros["%" + name] = PythonLiteral.Str(value);
        }
        macros["%_topdir"] = topDir;
        macros["%_host_cpu"] = targetArch;
        macros["%_host"] = $"{targetArch}-{options.MockHost}";
        return macros;
    }

    /// <summary>The environment variables the tag sets for builds (tag extra <c>rpm.env.NAME</c>).</summary>
    public static SortedDictionary<string, string> Environment(IReadOnlyDictionary<string, object?> tagExtra)
    {
        var env = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in TagExtraWithPrefix(tagExtra, "rpm.env."))
        {
            env[name] = PythonLiteral.Str(value);
        }
        return env;
    }

    /// <summary>Generates the config text.</summary>
    /// <exception cref="BuildrootException">The tag's extra settings are inconsistent (sign plugin without its options).</exception>
    public static string Generate(MockConfigOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var extra = options.TagExtra;
        var targetArch = options.TargetArch ?? TargetArchFor(options.Arch);

        var config = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["root"] = options.Name,
            ["basedir"] = options.MockDir,
            ["target_arch"] = targetArch,
            ["chroothome"] = "/builddir",
            ["chroot_setup_cmd"] = "install @" + options.InstallGroup,
            ["rpmbuild_networking"] = options.UseHostResolv,
            ["use_host_resolv"] = options.UseHostResolv,
            ["rpmbuild_timeout"] = options.RpmbuildTimeout,
            ["dnf_warning"] = false,
        };
        if (PythonLiteral.IsTruthy(Get(extra, "mock.forcearch")))
        {
            config["forcearch"] = targetArch;
        }
        if (Get(extra, "mock.package_manager") is { } packageManager && PythonLiteral.IsTruthy(packageManager))
        {
            config["package_manager"] = packageManager;
        }
        var bootstrapImage = options.AllowBootstrapImage ? Get(extra, "mock.bootstrap_image") : null;
        if (PythonLiteral.IsTruthy(bootstrapImage))
        {
            config["use_bootstrap_image"] = true;
            config["bootstrap_image"] = bootstrapImage;
        }
        else
        {
            config["use_bootstrap_image"] = false;
        }
        if (extra.TryGetValue("mock.use_bootstrap", out var useBootstrap))
        {
            config["use_bootstrap"] = PythonLiteral.IsTruthy(useBootstrap);
        }
        if (Get(extra, "mock.module_setup_commands") is { } moduleSetup && PythonLiteral.IsTruthy(moduleSetup))
        {
            config["module_setup_commands"] = moduleSetup;
        }
        if (Get(extra, "mock.releasever") is { } releasever && PythonLiteral.IsTruthy(releasever))
        {
            config["releasever"] = releasever;
        }
        var internalDevSetup = options.InternalDevSetup ?? (options.BindMounts.Count > 0 ? false : null);
        if (internalDevSetup is { } devSetup)
        {
            config["internal_dev_setup"] = devSetup;
        }
        config["yum.conf"] = YumConf(options, extra);

        var pluginConf = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["ccache_enable"] = false,
            ["yum_cache_enable"] = false,
            ["root_cache_enable"] = false,
        };
        if (extra.TryGetValue("mock.plugin_conf.sign_enable", out var signEnable))
        {
            if (!extra.TryGetValue("mock.plugin_conf.sign_opts.cmd", out var signCmd)
                || !extra.TryGetValue("mock.plugin_conf.sign_opts.opts", out var signOpts))
            {
                throw new BuildrootException(
                    $"tag {options.TagName} sets mock.plugin_conf.sign_enable but not both mock.plugin_conf.sign_opts.cmd and mock.plugin_conf.sign_opts.opts");
            }
            pluginConf["sign_enable"] = signEnable;
            pluginConf["sign_opts"] = new SortedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["cmd"] = signCmd,
                ["opts"] = signOpts,
            };
        }

        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (options.UseHostResolv && options.HostsFile is not null)
        {
            files["etc/hosts"] = options.HostsFile;
        }
        var mavenrc = new StringBuilder();
        if (options.MavenOpts.Count > 0)
        {
            mavenrc.Append("export MAVEN_OPTS=\"").AppendJoin(' ', options.MavenOpts).Append("\"\n");
        }
        foreach (var (name, value) in options.MavenEnvs)
        {
            mavenrc.Append("export ").Append(name).Append("=\"").Append(value).Append("\"\n");
        }
        if (mavenrc.Length > 0)
        {
            files["etc/mavenrc"] = mavenrc.ToString();
        }

        var text = new StringBuilder("# Auto-generated by the Koji build system\n");
        if (options.Managed)
        {
            text.Append('\n')
                .Append("# Koji buildroot id: ").Append(options.BuildrootId is { } id ? Int(id) : "None").Append('\n')
                .Append("# Koji buildroot name: ").Append(options.Name).Append('\n')
                .Append("# Koji repo id: ").Append(Int(options.RepoId)).Append('\n')
                .Append("# Koji tag: ").Append(options.TagName).Append('\n');
        }
        text.Append('\n');
        foreach (var (key, value) in config)
        {
            text.Append("config_opts[").Append(PythonLiteral.Repr(key)).Append("] = ").Append(PythonLiteral.Repr(value)).Append('\n');
        }
        text.Append('\n');
        foreach (var (key, value) in pluginConf)
        {
            var prefix = "config_opts['plugin_conf'][" + PythonLiteral.Repr(key) + "]";
            if (value is SortedDictionary<string, object?> nested)
            {
                text.Append(prefix).Append(" = {}\n");
                foreach (var (key2, value2) in nested)
                {
                    text.Append(prefix).Append('[').Append(PythonLiteral.Repr(key2)).Append("] = ").Append(PythonLiteral.Repr(value2)).Append('\n');
                }
            }
            else
            {
                text.Append(prefix).Append(" = ").Append(PythonLiteral.Repr(value)).Append('\n');
            }
        }
        text.Append('\n');
        if (options.BindMounts.Count > 0)
        {
            foreach (var (kind, source, destination) in options.BindMounts)
            {
                text.Append("config_opts['plugin_conf']['bind_mount_opts'][").Append(PythonLiteral.Repr(kind))
                    .Append("].append((").Append(PythonLiteral.Repr(source)).Append(", ").Append(PythonLiteral.Repr(destination)).Append("))\n");
            }
            text.Append('\n');
        }
        foreach (var (key, value) in Macros(options, "/builddir/build"))
        {
            text.Append("config_opts['macros'][").Append(PythonLiteral.Repr(key)).Append("] = ").Append(PythonLiteral.Repr(value)).Append('\n');
        }
        text.Append('\n');
        var environment = Environment(extra);
        foreach (var (key, value) in environment)
        {
            text.Append("config_opts['environment'][").Append(PythonLiteral.Repr(key)).Append("] = ").Append(PythonLiteral.Repr(value)).Append('\n');
        }
        if (environment.Count > 0)
        {
            text.Append('\n');
        }
        foreach (var (key, value) in files)
        {
            text.Append("config_opts['files'][").Append(PythonLiteral.Repr(key)).Append("] = ").Append(PythonLiteral.Repr(value)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>
    /// Reads the buildroot id and name from the first ten lines of a managed config (what kojid's
    /// cleanup of old buildroots looks for); null when either is missing.
    /// </summary>
    public static MockConfigHeader? ReadHeader(TextReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int? id = null;
        string? name = null;
        for (var i = 0; i < 10 && reader.ReadLine() is { } line; i++)
        {
            if (line.StartsWith("# Koji buildroot id:", StringComparison.Ordinal)
                && int.TryParse(line.AsSpan("# Koji buildroot id:".Length).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                id = parsed;
            }
            else if (line.StartsWith("# Koji buildroot name:", StringComparison.Ordinal))
            {
                name = line["# Koji buildroot name:".Length..].Trim();
            }
        }
        return id is { } found && !string.IsNullOrEmpty(name) ? new MockConfigHeader(found, name) : null;
    }

    private static string YumConf(MockConfigOptions options, IReadOnlyDictionary<string, object?> extra)
    {
        var yum = new StringBuilder("[main]\n");
        if (!string.IsNullOrEmpty(options.YumProxy))
        {
            yum.Append("proxy=").Append(options.YumProxy).Append('\n');
        }
        yum.Append("cachedir=/var/cache/yum\n")
            .Append("debuglevel=1\n")
            .Append("logfile=/var/log/yum.log\n")
            .Append("reposdir=/dev/null\n")
            .Append("retries=20\n")
            .Append("obsoletes=1\n")
            .Append("gpgcheck=0\n")
            .Append("assumeyes=1\n")
            .Append("keepcache=1\n")
            .Append("install_weak_deps=0\n")
            .Append("strict=1\n")
            .Append('\n')
            .Append("# repos\n")
            .Append('\n')
            .Append("[build]\n")
            .Append("name=build\n");
        var urls = RepoUrls(options);
        yum.Append("baseurl=").Append(urls[0]).Append('\n');
        foreach (var url in urls.Skip(1))
        {
            yum.Append("        ").Append(url).Append('\n');
        }
        if (PythonLiteral.IsTruthy(Get(extra, "mock.yum.module_hotfixes")))
        {
            yum.Append("module_hotfixes=1\n");
        }
        var best = Get(extra, "mock.yum.best");
        if (PythonLiteral.IsTruthy(best))
        {
            yum.Append("best=").Append(Int(PythonInt(best, options.TagName))).Append('\n');
        }
        return yum.ToString();
    }

    // Python's int() of the value types a tag extra holds.
    private static long PythonInt(object? value, string tagName) => value switch
    {
        bool b => b ? 1 : 0,
        int i => i,
        long l => l,
        double d when double.IsFinite(d) => (long)Math.Truncate(d),
        string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) => n,
        _ => throw new BuildrootException($"tag {tagName}: mock.yum.best must be an integer or a boolean, got {PythonLiteral.Repr(value)}"),
    };

    private static object? Get(IReadOnlyDictionary<string, object?> extra, string key) =>
        extra.TryGetValue(key, out var value) ? value : null;

    private static IEnumerable<(string Name, object? Value)> TagExtraWithPrefix(IReadOnlyDictionary<string, object?> extra, string prefix) =>
        extra.Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal) && e.Key.Length > prefix.Length)
            .Select(e => (e.Key[prefix.Length..], e.Value));

    private static string Int(long value) => value.ToString(CultureInfo.InvariantCulture);
}
