using System.Buffers;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using KojiNet.XmlRpc;

namespace KojiNet.Benchmarks;

/// <summary>
/// Encode and decode of a 200-build <c>listTagged</c> response (build structs shaped like
/// shared/wire/06-listTagged.response.xml). Compare with benchmarks/xmlrpc-python.py, which times
/// Python's xmlrpc.client on the file written by <c>--write-listtagged</c>.
/// </summary>
[MemoryDiagnoser]
public class XmlRpcBenchmarks
{
    private readonly ArrayBufferWriter<byte> _output = new(1 << 20);
    private object? _value;
    private byte[] _xml = [];

    [Params(200)]
    public int Builds { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _value = ListTaggedData.Create(Builds);
        _xml = XmlRpcWriter.ResponseToBytes(_value);
    }

    [Benchmark]
    public int Encode()
    {
        _output.ResetWrittenCount();
        XmlRpcWriter.WriteResponse(_output, _value);
        return _output.WrittenCount;
    }

    [Benchmark]
    public object? Decode() => XmlRpcReader.ReadResponse(new MemoryStream(_xml, writable: false)).Value;
}

/// <summary>Deterministic listTagged result: build structs with the fields and types Koji returns.</summary>
public static class ListTaggedData
{
    public static List<object?> Create(int builds)
    {
        var list = new List<object?>(builds);
        var start = new DateTimeOffset(2026, 11, 20, 23, 18, 26, TimeSpan.Zero).AddTicks(714780);
        for (var i = 1; i <= builds; i++)
        {
            var name = "package-" + (i % 97).ToString(CultureInfo.InvariantCulture) + "-lib";
            var version = (i % 7).ToString(CultureInfo.InvariantCulture) + "." + (i % 13).ToString(CultureInfo.InvariantCulture);
            var release = (i % 5 + 1).ToString(CultureInfo.InvariantCulture) + ".fc40";
            var done = start.AddSeconds(i * 37.5);
            list.Add(new OrderedDictionary<string, object?>(StringComparer.Ordinal)
            {
                ["build_id"] = i,
                ["completion_time"] = done,
                ["create_event"] = 10 + i * 3,
                ["creation_event_id"] = 9 + i * 3,
                ["creation_time"] = done.AddTicks(41600),
                ["draft"] = false,
                ["epoch"] = i % 4 == 0 ? i % 3 : null,
                ["id"] = i,
                ["name"] = name,
                ["nvr"] = name + "-" + version + "-" + release,
                ["owner_id"] = 1 + i % 3,
                ["owner_name"] = i % 3 == 0 ? "kojiadmin" : "builder & <ops>",
                ["package_id"] = i % 97 + 1,
                ["package_name"] = name,
                ["promoter_id"] = null,
                ["promoter_name"] = null,
                ["promotion_time"] = null,
                ["release"] = release,
                ["start_time"] = done.AddSeconds(-300),
                ["state"] = 1,
                ["tag_id"] = 1,
                ["tag_name"] = "f40-build",
                ["task_id"] = i % 5 == 0 ? null : 100000 + i,
                ["version"] = version,
                ["volume_id"] = 0,
                ["volume_name"] = "DEFAULT",
                ["size"] = 5_000_000_000L + i,
                ["completion_ts"] = done.ToUnixTimeMilliseconds() / 1000.0 + 0.000478,
            });
        }
        return list;
    }
}
