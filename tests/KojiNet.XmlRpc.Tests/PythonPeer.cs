using System.Globalization;
using System.Text;
using System.Text.Json;
using KojiNet.TestSupport;

namespace KojiNet.XmlRpc.Tests;

/// <summary>Runs xmlrpc_peer.py (Python's xmlrpc.client) with one JSON request.</summary>
internal static class PythonPeer
{
    private static string Script => Path.Combine(AppContext.BaseDirectory, "xmlrpc_peer.py");

    public static JsonElement Call(object request)
    {
        var stdout = ExternalTool.RunChecked(ExternalTool.SystemPython, [Script], JsonSerializer.Serialize(request));
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    /// <summary>What Python's <c>xmlrpc.client.loads</c> makes of each document.</summary>
    public static JsonElement[] Loads(IEnumerable<byte[]> docs)
    {
        var result = Call(new { op = "loads", docs = docs.Select(Convert.ToBase64String).ToArray() });
        return [.. result.EnumerateArray()];
    }

    public static string[] Reprs(IEnumerable<double> values)
    {
        var result = Call(new { op = "repr", bits = values.Select(BitConverter.DoubleToInt64Bits).ToArray() });
        return [.. result.EnumerateArray().Select(e => e.GetString()!)];
    }
}

/// <summary>
/// Compares a value decoded by the C# codec with the type-tagged canonical form the Python peer
/// produced for the same document (see xmlrpc_peer.py).
/// </summary>
internal static class Canon
{
    public static void AssertMatches(JsonElement canon, object? value, string path = "$")
    {
        var tag = canon[0].GetString();
        switch (tag)
        {
            case "nil":
                Assert.True(value is null, $"{path}: expected nil, got {Describe(value)}");
                break;
            case "bool":
                Assert.True(value is bool b && b == canon[1].GetBoolean(), $"{path}: expected bool {canon[1]}, got {Describe(value)}");
                break;
            case "int":
                var expected = canon[1].GetString();
                var actual = value switch
                {
                    int i => i.ToString(CultureInfo.InvariantCulture),
                    long l => l.ToString(CultureInfo.InvariantCulture),
                    _ => null,
                };
                Assert.True(actual == expected, $"{path}: expected int {expected}, got {Describe(value)}");
                break;
            case "double":
                var repr = canon[1].GetString()!;
                Assert.True(value is double, $"{path}: expected double {repr}, got {Describe(value)}");
                var d = (double)value!;
                Assert.Equal(repr, PythonFloat.Format(d));
                Assert.True(PythonFloat.TryParse(repr, out var parsed));
                Assert.True(BitConverter.DoubleToInt64Bits(parsed) == BitConverter.DoubleToInt64Bits(d) || double.IsNaN(d),
                    $"{path}: double bits differ for {repr}");
                break;
            case "str":
                Assert.True(value is string, $"{path}: expected string, got {Describe(value)}");
                Assert.Equal(canon[1].GetString(), (string)value!);
                break;
            case "b64":
                Assert.True(value is byte[], $"{path}: expected bytes, got {Describe(value)}");
                Assert.Equal(canon[1].GetString(), Convert.ToBase64String((byte[])value!));
                break;
            case "dt":
                Assert.True(value is DateTime, $"{path}: expected dateTime, got {Describe(value)}");
                Assert.Equal(canon[1].GetString(),
                    ((DateTime)value!).ToString("yyyyMMdd'T'HH':'mm':'ss", CultureInfo.InvariantCulture));
                break;
            case "arr":
                Assert.True(value is IReadOnlyList<object?>, $"{path}: expected array, got {Describe(value)}");
                var list = (IReadOnlyList<object?>)value!;
                var items = canon[1];
                Assert.True(items.GetArrayLength() == list.Count, $"{path}: array length {list.Count}, Python has {items.GetArrayLength()}");
                for (var i = 0; i < list.Count; i++)
                {
                    AssertMatches(items[i], list[i], $"{path}[{i}]");
                }
                break;
            case "struct":
                Assert.True(value is IReadOnlyDictionary<string, object?>, $"{path}: expected struct, got {Describe(value)}");
                var members = ((IReadOnlyDictionary<string, object?>)value!).ToList();
                var pyMembers = canon[1];
                Assert.True(pyMembers.GetArrayLength() == members.Count, $"{path}: struct has {members.Count} members, Python has {pyMembers.GetArrayLength()}");
                for (var i = 0; i < members.Count; i++)
                {
                    Assert.Equal(pyMembers[i][0].GetString(), members[i].Key);
                    AssertMatches(pyMembers[i][1], members[i].Value, $"{path}.{members[i].Key}");
                }
                break;
            default:
                Assert.Fail($"{path}: unknown canon tag {tag}");
                break;
        }
    }

    /// <summary>Checks a <c>loads</c> result of the peer against a decoded C# document.</summary>
    public static void AssertDocument(JsonElement loaded, XmlRpcMethodCall? call, XmlRpcResponse? response, string name)
    {
        Assert.False(loaded.TryGetProperty("error", out var err), $"{name}: Python refused it: {err}");
        var kind = loaded.GetProperty("kind").GetString();
        if (call is not null)
        {
            Assert.Equal("call", kind);
            Assert.Equal(loaded.GetProperty("method").GetString(), call.MethodName);
            AssertMatches(loaded.GetProperty("canon"), call.Params, name);
        }
        else if (response!.IsFault)
        {
            Assert.Equal("fault", kind);
            var fault = loaded.GetProperty("fault");
            Assert.Equal(fault[0].GetInt32(), response.Fault!.FaultCode);
            Assert.Equal(fault[1].GetString(), response.Fault.FaultString);
        }
        else
        {
            Assert.Equal("response", kind);
            AssertMatches(loaded.GetProperty("canon"), new object?[] { response.Value }, name);
        }
    }

    public static string Describe(object? value) => value is null ? "nil" : $"{value.GetType().Name} {value}";

    /// <summary>Structural equality of decoded values (doubles bitwise, structs in order).</summary>
    public static void AssertDeepEqual(object? expected, object? actual, string path = "$")
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected nil, got {Describe(actual)}");
                break;
            case double d:
                Assert.True(actual is double a && BitConverter.DoubleToInt64Bits(a) == BitConverter.DoubleToInt64Bits(d),
                    $"{path}: expected {d:R}, got {Describe(actual)}");
                break;
            case byte[] bytes:
                Assert.True(actual is byte[] ab && ab.AsSpan().SequenceEqual(bytes), $"{path}: bytes differ");
                break;
            case IReadOnlyDictionary<string, object?> st:
                Assert.True(actual is IReadOnlyDictionary<string, object?>, $"{path}: expected struct, got {Describe(actual)}");
                var e = st.ToList();
                var a2 = ((IReadOnlyDictionary<string, object?>)actual!).ToList();
                Assert.Equal(e.Count, a2.Count);
                for (var i = 0; i < e.Count; i++)
                {
                    Assert.Equal(e[i].Key, a2[i].Key);
                    AssertDeepEqual(e[i].Value, a2[i].Value, $"{path}.{e[i].Key}");
                }
                break;
            case IReadOnlyList<object?> list:
                Assert.True(actual is IReadOnlyList<object?>, $"{path}: expected array, got {Describe(actual)}");
                var al = (IReadOnlyList<object?>)actual!;
                Assert.Equal(list.Count, al.Count);
                for (var i = 0; i < list.Count; i++)
                {
                    AssertDeepEqual(list[i], al[i], $"{path}[{i}]");
                }
                break;
            default:
                Assert.True(expected.GetType() == actual?.GetType() && expected.Equals(actual),
                    $"{path}: expected {Describe(expected)}, got {Describe(actual)}");
                break;
        }
    }
}

internal static class Xml
{
    public static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    public static XmlRpcMethodCall Call(string xml, XmlRpcReaderOptions? options = null) =>
        XmlRpcReader.ReadMethodCall(new MemoryStream(Bytes(xml)), options);

    public static XmlRpcResponse Response(string xml, XmlRpcReaderOptions? options = null) =>
        XmlRpcReader.ReadResponse(new MemoryStream(Bytes(xml)), options);

    public static XmlRpcMethodCall Call(byte[] xml) => XmlRpcReader.ReadMethodCall(new MemoryStream(xml));

    public static XmlRpcResponse Response(byte[] xml) => XmlRpcReader.ReadResponse(new MemoryStream(xml));

    public static string ResponseText(object? value, XmlRpcWriterOptions? options = null) =>
        Encoding.UTF8.GetString(XmlRpcWriter.ResponseToBytes(value, options));

    /// <summary>A methodCall with one parameter given as the XML inside &lt;param&gt;.</summary>
    public static string CallWith(string paramXml) =>
        $"<?xml version='1.0'?><methodCall><methodName>m</methodName><params><param>{paramXml}</param></params></methodCall>";
}
