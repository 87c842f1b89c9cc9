using System.Text;

namespace KojiNet.XmlRpc.Tests;

public sealed class RoundTripTests
{
    private const string Chars = "abcXYZ019 _-.:/&<>'\"\t\n\u00e9\u00fc\u00df\u65e5\u672c\u2713\u0085\u007f\u2028\uE000\uFFFD";

    private static string RandomString(Random rng)
    {
        var n = rng.Next(0, 12);
        var sb = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            if (rng.Next(10) == 0)
            {
                sb.Append(char.ConvertFromUtf32(rng.Next(0x10000, 0x10FFFE)));
            }
            else
            {
                sb.Append(Chars[rng.Next(Chars.Length)]);
            }
        }
        return sb.ToString();
    }

    /// <summary>A random decoded-form value: what the reader itself produces.</summary>
    internal static object? RandomValue(Random rng, int depth)
    {
        var kind = rng.Next(depth >= 5 ? 9 : 11);
        switch (kind)
        {
            case 0:
                return null;
            case 1:
                return rng.Next(2) == 0;
            case 2:
                return rng.Next(4) switch
                {
                    0 => rng.Next(-20, 2000),
                    1 => int.MinValue,
                    2 => int.MaxValue,
                    _ => rng.Next(int.MinValue, int.MaxValue),
                };
            case 3:
                var l = rng.NextInt64(long.MinValue, long.MaxValue);
                return l is >= int.MinValue and <= int.MaxValue ? l + (long)int.MaxValue + 1 : l;
            case 4:
                return rng.Next(3) switch
                {
                    0 => BitConverter.Int64BitsToDouble(rng.NextInt64(long.MinValue, long.MaxValue)),
                    1 => Math.Round(rng.NextDouble() * 1e10, 6),
                    _ => new[] { 0.0, -0.0, 0.1, 1e300, double.NaN, double.PositiveInfinity }[rng.Next(6)],
                };
            case 5:
            case 6:
                return RandomString(rng);
            case 7:
                var bytes = new byte[rng.Next(0, 100)];
                rng.NextBytes(bytes);
                return bytes;
            case 8:
                return new DateTime(rng.Next(1, 9999), rng.Next(1, 13), rng.Next(1, 29), rng.Next(24), rng.Next(60), rng.Next(60));
            case 9:
                var list = new List<object?>();
                for (var i = rng.Next(0, 6); i > 0; i--)
                {
                    list.Add(RandomValue(rng, depth + 1));
                }
                return list;
            default:
                var st = new OrderedDictionary<string, object?>(StringComparer.Ordinal);
                for (var i = rng.Next(0, 6); i > 0; i--)
                {
                    st[RandomString(rng)] = RandomValue(rng, depth + 1);
                }
                return st;
        }
    }

    [Fact]
    public void Random_nested_values_survive_writing_and_reading()
    {
        var rng = new Random(4711);
        for (var i = 0; i < 500; i++)
        {
            var value = RandomValue(rng, 0);
            var back = Xml.Response(XmlRpcWriter.ResponseToBytes(value, XmlRpcWriterOptions.Default)).Value;
            Canon.AssertDeepEqual(value, back, $"value {i}");
        }
    }

    [Fact]
    public void Random_calls_survive_and_python_reads_them_the_same()
    {
        var rng = new Random(815);
        var calls = new List<XmlRpcMethodCall>();
        for (var i = 0; i < 60; i++)
        {
            var args = new List<object?>();
            for (var n = rng.Next(0, 4); n > 0; n--)
            {
                args.Add(RandomValue(rng, 1));
            }
            var kwargs = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (var n = rng.Next(0, 3); n > 0; n--)
            {
                kwargs["k" + RandomString(rng)] = RandomValue(rng, 1);
            }
            calls.Add(new XmlRpcMethodCall("m" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), args, kwargs));
        }
        var docs = calls.Select(c => XmlRpcWriter.ToBytes(c)).ToList();
        var loaded = PythonPeer.Loads(docs);
        for (var i = 0; i < calls.Count; i++)
        {
            var back = Xml.Call(docs[i]);
            Assert.Equal(calls[i].MethodName, back.MethodName);
            Canon.AssertDeepEqual(calls[i].Args, back.Args, $"call {i} args");
            Canon.AssertDeepEqual(calls[i].Kwargs.Count == 0 ? null : calls[i].Kwargs.ToDictionary(), back.Kwargs.Count == 0 ? null : back.Kwargs, $"call {i} kwargs");
            Canon.AssertDocument(loaded[i], back, null, $"call {i}");
        }
    }

    [Fact]
    public void Keyword_arguments_follow_koji_rules()
    {
        var call = new XmlRpcMethodCall("getTag", ["f40"], new Dictionary<string, object?> { ["strict"] = true });
        Assert.Equal(2, call.Params.Count);
        var flagged = (IReadOnlyDictionary<string, object?>)call.Params[1]!;
        Assert.Equal(["strict", "__starstar"], flagged.Keys);
        Assert.Equal("""
            <?xml version='1.0'?>
            <methodCall>
            <methodName>getTag</methodName>
            <params>
            <param>
            <value><string>f40</string></value>
            </param>
            <param>
            <value><struct>
            <member>
            <name>strict</name>
            <value><boolean>1</boolean></value>
            </member>
            <member>
            <name>__starstar</name>
            <value><boolean>1</boolean></value>
            </member>
            </struct></value>
            </param>
            </params>
            </methodCall>

            """, Encoding.UTF8.GetString(XmlRpcWriter.ToBytes(call)));

        // A struct without a truthy flag is an ordinary positional argument.
        foreach (var flag in new object?[] { false, 0, "", null })
        {
            var st = new Dictionary<string, object?> { ["a"] = 1, ["__starstar"] = flag };
            var c = XmlRpcMethodCall.FromParams("m", [st]);
            Assert.Single(c.Args);
            Assert.Empty(c.Kwargs);
        }
        foreach (var flag in new object?[] { true, 1, "yes", 2L })
        {
            var c = XmlRpcMethodCall.FromParams("m", [1, new Dictionary<string, object?> { ["a"] = null, ["__starstar"] = flag }]);
            Assert.Equal([1], c.Args);
            Assert.Equal(["a"], c.Kwargs.Keys);
        }
        // Only the last parameter counts.
        var first = XmlRpcMethodCall.FromParams("m", [new Dictionary<string, object?> { ["__starstar"] = true }, 1]);
        Assert.Equal(2, first.Args.Count);
        Assert.Empty(first.Kwargs);
        // No kwargs: no struct is added.
        Assert.Single(new XmlRpcMethodCall("m", [1], new Dictionary<string, object?>()).Params);
    }

    [Fact]
    public void Multicall_entries_that_are_malformed_fail_only_their_slot()
    {
        Assert.Throws<XmlRpcFaultException>(() => XmlRpcMulticall.ToMethodCall(1));
        Assert.Throws<XmlRpcFaultException>(() => XmlRpcMulticall.ToMethodCall(new Dictionary<string, object?> { ["params"] = new List<object?>() }));
        Assert.Throws<XmlRpcFaultException>(() => XmlRpcMulticall.ToMethodCall(new Dictionary<string, object?> { ["methodName"] = "x" }));
        var e = Assert.Throws<XmlRpcFaultException>(() => XmlRpcMulticall.GetCalls(new XmlRpcMethodCall("multiCall", ["x"])));
        Assert.Equal(KojiFaultCode.ParameterError, e.FaultCode);

        var request = XmlRpcMulticall.CreateRequest([
            new XmlRpcMethodCall("getBuild", ["bash-5.2.26-3.fc40"]),
            new XmlRpcMethodCall("getTag", ["nosuchtag"], new Dictionary<string, object?> { ["strict"] = true }),
        ]);
        var decoded = Xml.Call(XmlRpcWriter.ToBytes(request));
        var calls = XmlRpcMulticall.GetCalls(decoded).Select(XmlRpcMulticall.ToMethodCall).ToList();
        Assert.Equal("getTag", calls[1].MethodName);
        Assert.Equal(true, calls[1].Kwargs["strict"]);

        var results = new object?[]
        {
            XmlRpcMulticall.Success(null),
            XmlRpcMulticall.Fault(KojiFaultCode.GenericError, "No such tagInfo: 'nosuchtag'", ["Traceback\n"]),
        };
        var parsed = XmlRpcMulticall.ParseResults(Xml.Response(XmlRpcWriter.ResponseToBytes(results)).Value);
        Assert.Null(parsed[0].GetValueOrThrow());
        Assert.Equal("No such tagInfo: 'nosuchtag'", parsed[1].Fault!.FaultString);
        Assert.Equal(["traceback"], parsed[1].Fault!.Extra!.Keys);
        Assert.Throws<XmlRpcFormatException>(() => XmlRpcMulticall.ParseResults(new List<object?> { 1 }));
    }

    [Fact]
    public void Fault_codes_match_the_koji_table()
    {
        var expected = new Dictionary<string, int>
        {
            ["GenericError"] = 1000,
            ["LockError"] = 1001,
            ["AuthError"] = 1002,
            ["TagError"] = 1003,
            ["ActionNotAllowed"] = 1004,
            ["BuildError"] = 1005,
            ["AuthLockError"] = 1006,
            ["AuthExpired"] = 1007,
            ["SequenceError"] = 1008,
            ["RetryError"] = 1009,
            ["PreBuildError"] = 1010,
            ["PostBuildError"] = 1011,
            ["BuildrootError"] = 1012,
            ["FunctionDeprecated"] = 1013,
            ["ServerOffline"] = 1014,
            ["LiveCDError"] = 1015,
            ["PluginError"] = 1016,
            ["CallbackError"] = 1017,
            ["ApplianceError"] = 1018,
            ["ParameterError"] = 1019,
            ["ImportError"] = 1020,
            ["ConfigurationError"] = 1021,
            ["LiveMediaError"] = 1022,
            ["GSSAPIAuthError"] = 1023,
            ["NameValidationError"] = 1024,
        };
        foreach (var (name, code) in expected)
        {
            Assert.Equal(name, KojiFaultCode.GetName(code));
        }
        Assert.Null(KojiFaultCode.GetName(KojiFaultCode.Unexpected));
        Assert.Equal(1019, KojiFaultCode.ParameterError);
        Assert.Equal(1023, KojiFaultCode.GssapiAuthError);
        var fields = typeof(KojiFaultCode).GetFields().Where(f => f.IsLiteral).ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Equal(26, fields.Count);
    }

    [Fact]
    public void Values_that_cannot_be_written_raise()
    {
        Assert.Throws<OverflowException>(() => XmlRpcWriter.ResponseToBytes(ulong.MaxValue));
        Assert.Throws<OverflowException>(() => XmlRpcWriter.ResponseToBytes(System.Numerics.BigInteger.Pow(2, 64)));
        Assert.Throws<NotSupportedException>(() => XmlRpcWriter.ResponseToBytes(new object()));
        Assert.Throws<NotSupportedException>(() => XmlRpcWriter.ResponseToBytes(new Dictionary<int, int> { [1] = 1 }));
        var cyclic = new List<object?>();
        cyclic.Add(cyclic);
        Assert.Throws<NotSupportedException>(() => XmlRpcWriter.ResponseToBytes(cyclic));
        Assert.Throws<ArgumentException>(() => XmlRpcWriter.ResponseToBytes("nul \0 char"));
        Assert.Throws<ArgumentException>(() => XmlRpcWriter.ResponseToBytes("lone \uD800 surrogate"));
        Assert.Throws<ArgumentException>(() => XmlRpcWriter.ResponseToBytes(new Dictionary<string, object?> { ["bell\a"] = 1 }));
        Assert.Throws<ArgumentException>(() => XmlRpcWriter.ResponseToBytes("non-character \uFFFE"));
        Assert.Throws<ArgumentException>(() => XmlRpcWriter.ResponseToBytes("reversed pair \uDC00\uD800"));
    }

    [Fact]
    public void Long_strings_with_surrogate_pairs_at_chunk_boundaries_survive()
    {
        foreach (var at in new[] { 4094, 4095, 4096, 8191 })
        {
            var s = new string('a', at) + "\U0001F600&<>" + new string('\u00e9', 5000) + "\U0010FFFD";
            Assert.Equal(s, Xml.Response(XmlRpcWriter.ResponseToBytes(s)).Value);
            var ms = new MemoryStream();
            XmlRpcWriter.WriteResponse(ms, new[] { s, s, s, s, s, s, s, s });
            var back = (IReadOnlyList<object?>)Xml.Response(ms.ToArray()).Value!;
            Assert.All(back, v => Assert.Equal(s, v));
        }
    }

    [Fact]
    public void Fault_documents_are_written_like_koji()
    {
        var ms = new MemoryStream();
        XmlRpcWriter.WriteFault(ms, new XmlRpcFaultException("Invalid method: noSuchMethod"));
        var expected = File.ReadAllBytes(Path.Combine(KojiNet.TestSupport.SharedFiles.WireDirectory, "10-fault-unknown-method.response.xml"));
        Assert.Equal(expected, ms.ToArray());
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        XmlRpcWriter.WriteFault(buffer, KojiFaultCode.GenericError, "Invalid method: noSuchMethod");
        Assert.Equal(expected, buffer.WrittenSpan.ToArray());
    }
}
