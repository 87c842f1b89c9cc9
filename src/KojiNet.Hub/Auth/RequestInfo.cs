namespace KojiNet.Hub.Auth;

/// <summary>
/// What the transport knows about a request, independent of HTTP: where it came from, the
/// session credentials it carries, and the client certificate identity when TLS verified one.
/// </summary>
internal sealed record RequestInfo
{
    /// <summary>The client's IP address as text.</summary>
    public required string RemoteAddress { get; init; }

    /// <summary>Session id from <c>Koji-Session-Id</c> (or the legacy query string).</summary>
    public string? SessionId { get; init; }

    /// <summary>Session key from <c>Koji-Session-Key</c> (or the legacy query string).</summary>
    public string? SessionKey { get; init; }

    /// <summary>Call number from <c>Koji-Session-Callnum</c>, as sent.</summary>
    public string? CallNum { get; init; }

    /// <summary>Whether a query string was present that lacked session arguments.</summary>
    public bool BadQuerySession { get; init; }

    /// <summary>The verified client certificate's subject DN (RFC 4514 form), or null.</summary>
    public string? ClientDn { get; init; }

    /// <summary>Subject components of the verified client certificate (<c>CN</c>, <c>O</c>, <c>UID</c>...).</summary>
    public IReadOnlyDictionary<string, string> ClientDnComponents { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The reason a presented client certificate was not verified, or null.</summary>
    public string? ClientVerifyError { get; init; }
}
