using System.Collections.Concurrent;
using KojiNet.Hub.Tests;
using Microsoft.Extensions.Logging;

namespace KojiNet.Client.Tests.Support;

/// <summary>Options and waiting helpers shared by the client tests.</summary>
internal static class ClientTestKit
{
    /// <summary>Options for the fixture's hub with short retry pauses (tests wait on conditions, never on these).</summary>
    public static KojiClientOptions Options(HubFixture hub, string? certFile = null, string? server = null) => new()
    {
        Server = server ?? hub.Url,
        ServerCaFile = hub.CaFile,
        CertFile = certFile,
        RetryInterval = TimeSpan.FromMilliseconds(20),
        MaxRetries = 3,
        OfflineRetryInterval = TimeSpan.FromMilliseconds(20),
        Timeout = TimeSpan.FromSeconds(60),
    };

    /// <summary>A session logged in with the admin certificate.</summary>
    public static async Task<KojiSession> AdminAsync(HubFixture hub, ILogger? logger = null, string? server = null)
    {
        var session = new KojiSession(Options(hub, hub.AdminPem, server), logger);
        await session.SslLoginAsync();
        return session;
    }

    /// <summary>A session logged in as a user of its own (a fresh certificate), so exclusivity cannot leak between tests.</summary>
    public static async Task<KojiSession> FreshUserAsync(HubFixture hub, string name, ILogger? logger = null)
    {
        var pem = hub.Ca.Issue(KojiNet.Hub.Certificates.CertificateKind.User, name);
        var session = new KojiSession(Options(hub, pem), logger);
        await session.SslLoginAsync();
        return session;
    }

    public static string UniqueName(string prefix) => prefix + "-" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"timed out waiting until {what}");
            }
            await Task.Delay(10);
        }
    }

    /// <summary>The bytes of a file, or null while it is missing or locked by a writer.</summary>
    public static byte[]? TryRead(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (IOException)
        {
            return null;
        }
    }

    public static IReadOnlyDictionary<string, object?> Struct(object? value) =>
        Assert.IsAssignableFrom<IReadOnlyDictionary<string, object?>>(value);
}

/// <summary>A logger that keeps every entry, for tests that wait on what the client reports.</summary>
internal sealed class CapturingLogger : ILogger
{
    private readonly ConcurrentQueue<(EventId Id, string Message)> _entries = new();

    public IReadOnlyList<(EventId Id, string Message)> Entries => [.. _entries];

    public int Count(int eventId) => _entries.Count(e => e.Id.Id == eventId);

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue((eventId, formatter(state, exception)));
}
