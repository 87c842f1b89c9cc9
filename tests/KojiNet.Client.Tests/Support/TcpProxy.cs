using System.Net;
using System.Net.Sockets;

namespace KojiNet.Client.Tests.Support;

/// <summary>What the proxy does with new connections.</summary>
internal enum ProxyMode
{
    /// <summary>Pass bytes both ways.</summary>
    Forward,

    /// <summary>Accept and close at once (a hub that resets connections).</summary>
    Reject,

    /// <summary>Accept and never answer (a hung hub).</summary>
    Blackhole,
}

/// <summary>
/// A loopback TCP relay in front of the hub that can fail in the ways a network does: it can
/// be stopped (connection refused), reject or hang connections, and swallow the next response
/// after the hub has processed the request (a lost reply). TLS passes through untouched.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly List<TcpClient> _open = [];
    private readonly Lock _lock = new();
    private TcpListener? _listener;
    private int _connections;
    private int _dropNextResponse;

    public TcpProxy(string targetUrl)
    {
        _targetPort = new Uri(targetUrl).Port;
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        Start();
    }

    public int Port { get; }

    public string Url => $"https://localhost:{Port}/kojihub";

    public ProxyMode Mode { get; set; } = ProxyMode.Forward;

    /// <summary>Connections accepted so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Makes the next bytes the hub sends on any connection disappear, and that connection drop.</summary>
    public void DropNextResponse() => Volatile.Write(ref _dropNextResponse, 1);

    public bool ResponseDropPending => Volatile.Read(ref _dropNextResponse) == 1;

    /// <summary>Listens again on the same port.</summary>
    public void Start()
    {
        var listener = new TcpListener(IPAddress.Loopback, Port);
        listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        listener.Start();
        _listener = listener;
        _ = AcceptAsync(listener);
    }

    /// <summary>Stops listening and cuts every open connection (new ones are refused).</summary>
    public void Stop()
    {
        _listener?.Stop();
        _listener = null;
        CutConnections();
    }

    /// <summary>Cuts every open connection; the client has to connect again.</summary>
    public void CutConnections()
    {
        lock (_lock)
        {
            foreach (var c in _open)
            {
                c.Dispose();
            }
            _open.Clear();
        }
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptAsync(TcpListener listener)
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync();
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            switch (Mode)
            {
                case ProxyMode.Reject:
                    client.Client.LingerState = new LingerOption(true, 0);
                    client.Dispose();
                    break;
                case ProxyMode.Blackhole:
                    Track(client);
                    break;
                default:
                    _ = RelayAsync(client);
                    break;
            }
        }
    }

    private void Track(TcpClient c)
    {
        lock (_lock)
        {
            _open.Add(c);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var server = new TcpClient();
        Track(client);
        Track(server);
        try
        {
            await server.ConnectAsync(IPAddress.Loopback, _targetPort);
            var up = PumpAsync(client.GetStream(), server.GetStream(), mayDrop: false);
            var down = PumpAsync(server.GetStream(), client.GetStream(), mayDrop: true);
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is SocketException or IOException or ObjectDisposedException)
        {
        }
        finally
        {
            client.Dispose();
            server.Dispose();
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, bool mayDrop)
    {
        var buffer = new byte[65536];
        try
        {
            int n;
            while ((n = await from.ReadAsync(buffer)) > 0)
            {
                if (mayDrop && Interlocked.Exchange(ref _dropNextResponse, 0) == 1)
                {
                    // The hub has answered; the client never hears of it.
                    return;
                }
                await to.WriteAsync(buffer.AsMemory(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or SocketException)
        {
        }
    }
}
