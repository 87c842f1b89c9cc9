using KojiNet.Builder.Buildroots;
using KojiNet.Builder.Configuration;
using KojiNet.Client;
using Microsoft.Extensions.Logging;

namespace KojiNet.Builder.Tasks;

/// <summary>What every task of one builder shares: its configuration, identity on the hub and main session.</summary>
public sealed class BuilderHost
{
    internal BuilderHost(KojidOptions options, KojiSession session, int hostId, string name, IReadOnlyList<string> arches, ILogger logger, HttpClient http,
        IBuildrootBackend buildroots)
    {
        Buildroots = buildroots;
        Options = options;
        Session = session;
        HostId = hostId;
        Name = name;
        Arches = arches;
        Logger = logger;
        Http = http;
    }

    /// <summary>The builder's configuration.</summary>
    public KojidOptions Options { get; }

    /// <summary>The builder's exclusive main session.</summary>
    public KojiSession Session { get; }

    /// <summary>The host id on the hub.</summary>
    public int HostId { get; }

    /// <summary>The host name on the hub.</summary>
    public string Name { get; }

    /// <summary>The host's arches as the hub has them (<c>host.getHost</c>).</summary>
    public IReadOnlyList<string> Arches { get; internal set; }

    /// <summary>The builder's logger.</summary>
    public ILogger Logger { get; }

    /// <summary>The buildroot backend of this host (<c>buildroot_backend</c>).</summary>
    public IBuildrootBackend Buildroots { get; }

    /// <summary>HTTP client for topurl downloads and the lookaside (trusts the configured CA).</summary>
    public HttpClient Http { get; }
}
