namespace KojiNet.Client;

/// <summary>
/// How a <see cref="KojiSession"/> reaches and talks to a hub. The names follow the options of
/// <c>kojid.conf</c> and <c>koji.conf</c> (<c>server</c>, <c>cert</c>, <c>serverca</c>,
/// <c>no_ssl_verify</c>, <c>timeout</c>, <c>retry_interval</c>, <c>max_retries</c>,
/// <c>offline_retry</c>, <c>offline_retry_interval</c>, <c>use_fast_upload</c>); the defaults
/// are the builder's (spec builder.md §3.1).
/// </summary>
public sealed class KojiClientOptions
{
    /// <summary>The hub's XML-RPC URL, for example <c>https://koji.example.com/kojihub</c> (<c>server</c>).</summary>
    public required string Server { get; set; }

    /// <summary>
    /// A PEM file holding the client certificate and its private key (and optionally intermediate
    /// certificates) used for TLS and <see cref="KojiSession.SslLoginAsync"/> (<c>cert</c>).
    /// </summary>
    public string? CertFile { get; set; }

    /// <summary>
    /// A PEM bundle of the CA certificates the hub's certificate must chain to (<c>serverca</c>).
    /// When set, only these roots are trusted; when unset the system trust store is used.
    /// </summary>
    public string? ServerCaFile { get; set; }

    /// <summary>Accept any server certificate (<c>no_ssl_verify</c>); for test setups only.</summary>
    public bool NoSslVerify { get; set; }

    /// <summary>How long one HTTP attempt of a call may take (<c>timeout</c>; 12 hours as in Koji).</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromHours(12);

    /// <summary>How long one attempt of a login call may take (Koji's <c>auth_timeout</c>).</summary>
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// The pause between retries of a call that failed in transport (<c>retry_interval</c>).
    /// The first retry is immediate.
    /// </summary>
    public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How many times a call that failed in transport is retried (<c>max_retries</c>).</summary>
    public int MaxRetries { get; set; } = 120;

    /// <summary>
    /// Retry transport failures of calls made without a session too (<c>anon_retry</c>). Calls
    /// made while logged in are always retried.
    /// </summary>
    public bool AnonRetry { get; set; }

    /// <summary>Keep retrying, without limit, while the hub answers ServerOffline (<c>offline_retry</c>).</summary>
    public bool OfflineRetry { get; set; } = true;

    /// <summary>The pause between retries while the hub is offline (<c>offline_retry_interval</c>).</summary>
    public TimeSpan OfflineRetryInterval { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>
    /// Upload files with raw <c>application/octet-stream</c> POSTs (<c>use_fast_upload</c>);
    /// when <see langword="false"/> the legacy base64 <c>uploadFile</c> call is used.
    /// </summary>
    public bool UseFastUpload { get; set; } = true;

    /// <summary>The size of one upload request's data (Koji's <c>upload_blocksize</c>, 1 MiB).</summary>
    public int UploadBlockSize { get; set; } = 1024 * 1024;

    /// <summary>The <c>User-Agent</c> header; Koji's client sends <c>koji/1</c>.</summary>
    public string UserAgent { get; set; } = "koji/1";

    /// <summary>A shallow copy (sessions keep their own copy so later edits do not affect them).</summary>
    public KojiClientOptions Clone() => (KojiClientOptions)MemberwiseClone();

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the first bad one.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Server)
            || !Uri.TryCreate(Server, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"Server must be an absolute http or https URL, not '{Server}'", nameof(Server));
        }
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            throw new ArgumentException($"Server must not have a query or fragment: '{Server}'", nameof(Server));
        }
        if (CertFile is not null && !File.Exists(CertFile))
        {
            throw new ArgumentException($"CertFile '{CertFile}' does not exist", nameof(CertFile));
        }
        if (ServerCaFile is not null && !File.Exists(ServerCaFile))
        {
            throw new ArgumentException($"ServerCaFile '{ServerCaFile}' does not exist", nameof(ServerCaFile));
        }
        CheckPositive(Timeout, nameof(Timeout));
        CheckPositive(AuthTimeout, nameof(AuthTimeout));
        CheckNotNegative(RetryInterval, nameof(RetryInterval));
        CheckNotNegative(OfflineRetryInterval, nameof(OfflineRetryInterval));
        if (MaxRetries < 0)
        {
            throw new ArgumentException("MaxRetries must not be negative", nameof(MaxRetries));
        }
        if (UploadBlockSize <= 0)
        {
            throw new ArgumentException("UploadBlockSize must be positive", nameof(UploadBlockSize));
        }
    }

    private static void CheckPositive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero && value != System.Threading.Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentException($"{name} must be positive", name);
        }
    }

    private static void CheckNotNegative(TimeSpan value, string name)
    {
        if (value < TimeSpan.Zero)
        {
            throw new ArgumentException($"{name} must not be negative", name);
        }
    }
}
