using KojiNet.Configuration;

namespace KojiNet.Lookaside;

/// <summary>
/// Settings of the lookaside cache, read from the <c>[lookaside]</c> section of a
/// <c>lookaside.conf</c>. Option names follow dist-git's <c>dist-git.conf</c> where dist-git has
/// the same setting (<c>lookaside_dir</c>, <c>gitroot_dir</c>, <c>default_namespace</c>,
/// <c>nomd5</c>); an option the section does not know is an error naming it.
/// </summary>
public sealed class LookasideOptions
{
    /// <summary>The INI section the options are read from.</summary>
    public const string SectionName = "lookaside";

    /// <summary>
    /// The storage root, laid out like dist-git's:
    /// <c>&lt;name&gt;/&lt;filename&gt;/&lt;hashtype&gt;/&lt;hash&gt;/&lt;filename&gt;</c>.
    /// </summary>
    [IniOption("lookaside_dir")]
    public string? LookasideDir { get; set; }

    /// <summary>Space-separated URLs the standalone server listens on (port 0 picks a free one).</summary>
    [IniOption("listen_urls", Aliases = ["listen_url"])]
    public string ListenUrls { get; set; } = "http://127.0.0.1:8080";

    /// <summary>PEM file with the server certificate (and its key unless <see cref="TlsKey"/> is set); needed for https URLs.</summary>
    [IniOption("tls_certificate")]
    public string? TlsCertificate { get; set; }

    /// <summary>PEM file with the server certificate's private key, when it is not in <see cref="TlsCertificate"/>.</summary>
    [IniOption("tls_key")]
    public string? TlsKey { get; set; }

    /// <summary>The CA that client certificates must chain to (PEM or DER).</summary>
    [IniOption("tls_client_ca")]
    public string? TlsClientCa { get; set; }

    /// <summary>
    /// Whether requests to <c>upload.cgi</c> (uploads and checks) need a client certificate, as
    /// Fedora's lookaside does; downloads never do.
    /// </summary>
    [IniOption("require_client_cert")]
    public bool RequireClientCertificate { get; set; }

    /// <summary>The largest file accepted, in bytes; 0 means no limit.</summary>
    [IniOption("max_upload_size")]
    public long MaxUploadSize { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Whether uploads with only an md5 checksum are refused (dist-git's default).</summary>
    [IniOption("nomd5")]
    public bool NoMd5 { get; set; } = true;

    /// <summary>Namespace prepended to a module name without one (dist-git's <c>default_namespace</c>, e.g. <c>rpms</c>).</summary>
    [IniOption("default_namespace")]
    public string? DefaultNamespace { get; set; }

    /// <summary>
    /// When set, uploads and checks are accepted only for modules with a git repository
    /// <c>&lt;gitroot_dir&gt;/&lt;name&gt;.git</c>, as dist-git does; when unset any valid name is accepted.
    /// </summary>
    [IniOption("gitroot_dir")]
    public string? GitRootDir { get; set; }

    /// <summary>Reads the <c>[lookaside]</c> section of a file.</summary>
    /// <exception cref="IniFormatException">The file cannot be read, has no such section, or has an unknown or malformed option.</exception>
    public static LookasideOptions Load(string path) => FromIni(IniFile.Load(path), path);

    /// <summary>Binds the <c>[lookaside]</c> section of a parsed INI document.</summary>
    /// <exception cref="IniFormatException">There is no such section, or it has an unknown or malformed option.</exception>
    public static LookasideOptions FromIni(IniFile ini, string source)
    {
        var section = ini[SectionName] ?? throw new IniFormatException($"{source}: no [{SectionName}] section");
        var options = IniBinder.Bind<LookasideOptions>(section, source);
        if (options.MaxUploadSize < 0)
        {
            throw new IniFormatException($"{source} [{SectionName}]: option 'max_upload_size' must be 0 (no limit) or a size in bytes, got '{options.MaxUploadSize}'");
        }
        if (options.DefaultNamespace is { Length: > 0 } ns && !LookasideNames.IsValidSegment(ns))
        {
            throw new IniFormatException($"{source} [{SectionName}]: option 'default_namespace' is not a valid name: '{ns}'");
        }
        return options;
    }

    /// <summary>The storage root as a full path.</summary>
    /// <exception cref="InvalidOperationException"><see cref="LookasideDir"/> is not set.</exception>
    public string StorageRoot => LookasideDir is { Length: > 0 } dir
        ? Path.GetFullPath(dir)
        : throw new InvalidOperationException("the lookaside needs a storage directory (lookaside_dir)");
}
