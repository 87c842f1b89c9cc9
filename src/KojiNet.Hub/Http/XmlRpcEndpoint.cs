using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using KojiNet.Hub.Api;
using KojiNet.Hub.Auth;
using KojiNet.XmlRpc;
using Microsoft.AspNetCore.Http;

namespace KojiNet.Hub.Http;

/// <summary>
/// <c>POST /kojihub</c> and <c>/kojihub/ssllogin</c> (protocol.md §1–2): XML-RPC calls, faults
/// as HTTP 200, <c>Koji-Version</c> on every response, 405 for other verbs, and raw
/// <c>application/octet-stream</c> bodies routed to the fast upload.
/// </summary>
internal sealed class XmlRpcEndpoint(HubServices hub)
{
    private readonly CallDispatcher _dispatcher = new(hub);
    private readonly XmlRpcReaderOptions _readerOptions = new() { MaxRequestLength = hub.Config.Limits.MaxRequestLength };
    private readonly HashSet<string> _trustedProxies = new(hub.Config.Server.TrustedProxies.Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal);

    public async Task HandleAsync(HttpContext http)
    {
        http.Response.Headers["Koji-Version"] = HubServices.KojiVersion;
        if (!HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            http.Response.Headers.Allow = "POST";
            http.Response.ContentType = "text/plain";
            await http.Response.WriteAsync("Method Not Allowed\nThis is an XML-RPC server. Only POST requests are accepted.\n", http.RequestAborted).ConfigureAwait(false);
            return;
        }
        var request = BuildRequestInfo(http);
        object? result;
        XmlRpcFaultException? fault = null;
        try
        {
            if (string.Equals(http.Request.ContentType, "application/octet-stream", StringComparison.Ordinal))
            {
                result = await FastUpload.HandleAsync(hub, _dispatcher, http, request).ConfigureAwait(false);
            }
            else
            {
                if (http.Request.ContentLength > hub.Config.Limits.MaxRequestLength)
                {
                    throw KojiErrors.Generic(string.Create(CultureInfo.InvariantCulture,
                        $"Invalid request: request too large ({http.Request.ContentLength} > {hub.Config.Limits.MaxRequestLength} bytes)"));
                }
                XmlRpcMethodCall call;
                try
                {
                    call = await XmlRpcReader.ReadMethodCallAsync(http.Request.Body, _readerOptions, http.RequestAborted).ConfigureAwait(false);
                }
                catch (XmlRpcFormatException e)
                {
                    throw KojiErrors.Generic($"Invalid request: {e.Message}");
                }
                result = await _dispatcher.DispatchAsync(call, request, http.RequestAborted).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            fault = FaultMapper.ToFault(e, hub.Config.Operation.KojiDebug);
            result = null;
        }

        using var buffer = new PooledBufferWriter();
        if (fault is not null)
        {
            XmlRpcWriter.WriteFault(buffer, fault.FaultCode, fault.FaultString);
        }
        else
        {
            try
            {
                XmlRpcWriter.WriteResponse(buffer, result);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or OverflowException or NotSupportedException)
            {
                buffer.Clear();
                var f = FaultMapper.ToFault(e, hub.Config.Operation.KojiDebug);
                XmlRpcWriter.WriteFault(buffer, f.FaultCode, f.FaultString);
            }
        }
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/xml";
        http.Response.ContentLength = buffer.WrittenCount;
        // Headers first: body bytes written before them are held aside and copied once more.
        await http.Response.StartAsync(http.RequestAborted).ConfigureAwait(false);
        await buffer.CopyToAsync(http.Response.BodyWriter, http.RequestAborted).ConfigureAwait(false);
    }

    private static readonly IReadOnlyDictionary<string, string> NoComponents = new Dictionary<string, string>(StringComparer.Ordinal);

    private RequestInfo BuildRequestInfo(HttpContext http)
    {
        var headers = http.Request.Headers;
        string? id = headers["Koji-Session-Id"].FirstOrDefault();
        string? key = headers["Koji-Session-Key"].FirstOrDefault();
        string? callnum = headers["Koji-Session-Callnum"].FirstOrDefault() ?? headers["Koji-Callnum"].FirstOrDefault();
        var badQuery = false;
        if (id is null && key is null && http.Request.QueryString.HasValue && !hub.Config.Auth.DisableURLSessions)
        {
            var q = http.Request.Query;
            id = q["session-id"].FirstOrDefault();
            key = q["session-key"].FirstOrDefault();
            callnum ??= q["callnum"].FirstOrDefault();
            badQuery = id is null || key is null;
        }
        var remote = http.Connection.RemoteIpAddress?.ToString() ?? "-";
        var server = hub.Config.Server;
        if (_trustedProxies.Contains(remote))
        {
            // A trusted TLS terminator vouches for the client certificate and address.
            if (headers["X-Forwarded-For"].FirstOrDefault() is { Length: > 0 } forwarded)
            {
                remote = forwarded.Split(',')[^1].Trim();
            }
            var verify = headers[server.ProxyClientVerifyHeader].FirstOrDefault();
            var dn = headers[server.ProxyClientDNHeader].FirstOrDefault();
            var proxied = verify == "SUCCESS" && !string.IsNullOrEmpty(dn);
            return new RequestInfo
            {
                RemoteAddress = remote,
                SessionId = id,
                SessionKey = key,
                CallNum = callnum,
                BadQuerySession = badQuery,
                ClientDn = proxied ? dn : null,
                ClientDnComponents = proxied ? ClientCertificates.ParseDn(dn!) : new Dictionary<string, string>(StringComparer.Ordinal),
                ClientVerifyError = proxied ? null : verify ?? "NONE",
            };
        }
        var identity = http.Connection.ClientCertificate is { } cert ? ClientCertificates.Identity(cert) : null;
        return new RequestInfo
        {
            RemoteAddress = remote,
            SessionId = id,
            SessionKey = key,
            CallNum = callnum,
            BadQuerySession = badQuery,
            ClientDn = identity?.Dn,
            ClientDnComponents = identity?.Components ?? NoComponents,
        };
    }
}

/// <summary>Reading identities out of verified client certificates.</summary>
internal static class ClientCertificates
{
    // A TLS connection keeps its certificate object for its lifetime; every request on a
    // keep-alive connection would otherwise parse the same subject again.
    private static readonly ConditionalWeakTable<X509Certificate2, CertificateIdentity> Identities = [];

    /// <summary>A verified certificate's subject DN and components.</summary>
    public sealed record CertificateIdentity(string Dn, IReadOnlyDictionary<string, string> Components);

    /// <summary>The subject of <paramref name="cert"/>, parsed once per certificate object.</summary>
    public static CertificateIdentity Identity(X509Certificate2 cert) =>
        Identities.GetValue(cert, c => new CertificateIdentity(Rfc4514(c), Components(c)));

    /// <summary>The subject DN in RFC 4514 order and form (<c>CN=x,OU=y,O=z</c>), as mod_ssl's <c>SSL_CLIENT_S_DN</c>.</summary>
    public static string Rfc4514(X509Certificate2 cert) =>
        string.Join(',', cert.SubjectName.EnumerateRelativeDistinguishedNames().Reverse()
            .Select(r => $"{ShortName(r.GetSingleElementType().FriendlyName, r.GetSingleElementType().Value)}={Escape(r.GetSingleElementValue() ?? "")}"));

    /// <summary>Each subject component by its short name (first value wins), for <c>DNUsernameComponent</c>.</summary>
    public static IReadOnlyDictionary<string, string> Components(X509Certificate2 cert)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var rdn in cert.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            var oid = rdn.GetSingleElementType();
            d.TryAdd(ShortName(oid.FriendlyName, oid.Value), rdn.GetSingleElementValue() ?? "");
        }
        return d;
    }

    /// <summary>
    /// Components of an RFC 4514 DN string as a proxy passes it (<c>CN=alice,OU=users,O=Example</c>);
    /// backslash escapes are honoured; the first value of a repeated component wins.
    /// </summary>
    public static IReadOnlyDictionary<string, string> ParseDn(string dn)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var part = new System.Text.StringBuilder();
        var parts = new List<string>();
        for (var i = 0; i < dn.Length; i++)
        {
            if (dn[i] == '\\' && i + 1 < dn.Length)
            {
                part.Append(dn[++i]);
            }
            else if (dn[i] is ',' or '+')
            {
                parts.Add(part.ToString());
                part.Clear();
            }
            else
            {
                part.Append(dn[i]);
            }
        }
        parts.Add(part.ToString());
        foreach (var p in parts)
        {
            var eq = p.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                d.TryAdd(p[..eq].Trim(), p[(eq + 1)..].Trim());
            }
        }
        return d;
    }

    private static string ShortName(string? friendly, string? oid) => oid switch
    {
        "2.5.4.3" => "CN",
        "2.5.4.11" => "OU",
        "2.5.4.10" => "O",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "0.9.2342.19200300.100.1.1" => "UID",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "0.9.2342.19200300.100.1.25" => "DC",
        _ => friendly ?? oid ?? "?",
    };

    private static string Escape(string value)
    {
        var sb = new System.Text.StringBuilder(value.Length);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is ',' or '+' or '"' or '\\' or '<' or '>' or ';' || (i == 0 && c is '#' or ' ') || (i == value.Length - 1 && c == ' '))
            {
                sb.Append('\\');
            }
            sb.Append(c);
        }
        return sb.ToString();
    }
}
