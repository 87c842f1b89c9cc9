using KojiNet.TestSupport;

namespace KojiNet.XmlRpc.Tests;

/// <summary>The captured traffic of an upstream Koji hub and client (shared/wire).</summary>
public sealed class WireCaptureTests
{
    private static string[] FileNames() =>
        [.. Directory.GetFiles(SharedFiles.WireDirectory, "*.xml").Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    public static TheoryData<string> Files() => new(FileNames());

    private static byte[] Read(string name) => File.ReadAllBytes(Path.Combine(SharedFiles.WireDirectory, name));

    private static bool IsRequest(string name) => name.EndsWith(".request.xml", StringComparison.Ordinal);

    private static byte[] ReEncode(string name, out XmlRpcMethodCall? call, out XmlRpcResponse? response)
    {
        var bytes = Read(name);
        call = null;
        response = null;
        if (IsRequest(name))
        {
            call = Xml.Call(bytes);
            return XmlRpcWriter.ToBytes(call);
        }
        response = Xml.Response(bytes);
        if (response.IsFault)
        {
            var ms = new MemoryStream();
            XmlRpcWriter.WriteFault(ms, response.Fault!);
            return ms.ToArray();
        }
        return XmlRpcWriter.ResponseToBytes(response.Value);
    }

    [Fact]
    public void All_captures_are_present()
    {
        Assert.Equal(24, FileNames().Length);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Re_encoding_reproduces_the_capture_byte_for_byte(string name)
    {
        var original = Read(name);
        var encoded = ReEncode(name, out _, out _);
        Assert.Equal(System.Text.Encoding.UTF8.GetString(original), System.Text.Encoding.UTF8.GetString(encoded));
    }

    [Fact]
    public void Decoded_values_match_what_python_decodes_from_the_captures_and_from_our_re_encoding()
    {
        var names = FileNames();
        var originals = names.Select(Read).ToArray();
        var reencoded = names.Select(n => ReEncode(n, out _, out _)).ToArray();
        var loaded = PythonPeer.Loads(originals.Concat(reencoded));
        for (var i = 0; i < names.Length; i++)
        {
            ReEncode(names[i], out var call, out var response);
            Canon.AssertDocument(loaded[i], call, response, names[i]);
            Canon.AssertDocument(loaded[names.Length + i], call, response, names[i] + " (re-encoded)");
        }
    }

    [Fact]
    public void GetAPIVersion_has_no_params_and_returns_1()
    {
        var call = Xml.Call(Read("01-getAPIVersion.request.xml"));
        Assert.Equal("getAPIVersion", call.MethodName);
        Assert.Empty(call.Params);
        Assert.Empty(call.Kwargs);
        Assert.Equal(1, Xml.Response(Read("01-getAPIVersion.response.xml")).GetValueOrThrow());
    }

    [Fact]
    public void SslLogin_sends_proxyuser_nil_as_keyword_argument()
    {
        var call = Xml.Call(Read("02-sslLogin.request.xml"));
        Assert.Equal("sslLogin", call.MethodName);
        Assert.Empty(call.Args);
        Assert.Single(call.Params);
        Assert.Equal(["proxyuser"], call.Kwargs.Keys);
        Assert.Null(call.Kwargs["proxyuser"]);
        var result = (IReadOnlyDictionary<string, object?>)Xml.Response(Read("02-sslLogin.response.xml")).Value!;
        Assert.Equal(["session-id", "session-key", "header-auth"], result.Keys);
        Assert.Equal(25, result["session-id"]);
        Assert.Equal("1-bF8t0zhRetNCy7gB9Gs", result["session-key"]);
        Assert.Equal(true, result["header-auth"]);
    }

    [Fact]
    public void GetLoggedInUser_result()
    {
        var user = (IReadOnlyDictionary<string, object?>)Xml.Response(Read("03-getLoggedInUser.response.xml")).Value!;
        Assert.Equal(1, user["id"]);
        Assert.Equal("kojiadmin", user["name"]);
        Assert.Equal(0, user["status"]);
        Assert.Equal(0, user["usertype"]);
        Assert.Empty((IReadOnlyList<object?>)user["krb_principals"]!);
        Assert.Equal(2, user["authtype"]);
        Assert.Null(user["krb_principal"]);
    }

    [Fact]
    public void ListTagged_splits_positional_and_keyword_arguments()
    {
        var call = Xml.Call(Read("06-listTagged.request.xml"));
        Assert.Equal("listTagged", call.MethodName);
        Assert.Equal(["anchor-f40-build"], call.Args);
        Assert.Equal(["inherit", "latest"], call.Kwargs.Keys);
        Assert.Equal(true, call.Kwargs["inherit"]);
        var builds = (IReadOnlyList<object?>)Xml.Response(Read("06-listTagged.response.xml")).Value!;
        var b = (IReadOnlyDictionary<string, object?>)Assert.Single(builds)!;
        Assert.Equal("2026-11-20 23:18:26.071478+00:00", b["completion_time"]);
        Assert.Equal("hello-anchor-1.0-1", b["nvr"]);
        Assert.Null(b["epoch"]);
        Assert.Equal(false, b["draft"]);
    }

    [Fact]
    public void GetBuild_timestamps_are_doubles()
    {
        var b = (IReadOnlyDictionary<string, object?>)Xml.Response(Read("05-getBuild.response.xml")).Value!;
        Assert.Equal(1795216706.071478, b["completion_ts"]);
    }

    [Fact]
    public void MultiCall_request_and_result_shapes()
    {
        var call = Xml.Call(Read("09-multiCall.request.xml"));
        Assert.True(XmlRpcMulticall.IsMulticall(call.MethodName));
        var entries = XmlRpcMulticall.GetCalls(call).Select(XmlRpcMulticall.ToMethodCall).ToList();
        Assert.Equal(["getTag", "getBuild", "getLatestBuilds", "getTag"], entries.Select(e => e.MethodName));
        Assert.Equal(["anchor-f40-build"], entries[2].Args);
        Assert.Equal("hello-anchor", entries[2].Kwargs["package"]);
        Assert.Equal(true, entries[3].Kwargs["strict"]);

        var results = XmlRpcMulticall.ParseResults(Xml.Response(Read("09-multiCall.response.xml")).Value);
        Assert.Equal(4, results.Count);
        Assert.False(results[0].IsFault);
        Assert.Equal("anchor-f40", ((IReadOnlyDictionary<string, object?>)results[0].Value!)["name"]);
        var fault = results[3].Fault!;
        Assert.Equal(KojiFaultCode.GenericError, fault.FaultCode);
        Assert.Equal("No such tagInfo: 'no-such-tag'", fault.FaultString);
        Assert.Equal(6, ((IReadOnlyList<object?>)fault.Extra!["traceback"]!).Count);

        // The hub side builds the same result slots.
        var rebuilt = new object?[]
        {
            XmlRpcMulticall.Success(results[0].Value),
            XmlRpcMulticall.Success(results[1].Value),
            XmlRpcMulticall.Success(results[2].Value),
            XmlRpcMulticall.Fault(fault),
        };
        Assert.Equal(Read("09-multiCall.response.xml"), XmlRpcWriter.ResponseToBytes(rebuilt));
    }

    [Theory]
    [InlineData("10-fault-unknown-method.response.xml", "Invalid method: noSuchMethod")]
    [InlineData("11-fault-getTag-strict.response.xml", "No such tagInfo: 'no-such-tag'")]
    public void Faults_decode_to_code_and_string(string name, string text)
    {
        var response = Xml.Response(Read(name));
        Assert.True(response.IsFault);
        Assert.Equal(KojiFaultCode.GenericError, response.Fault!.FaultCode);
        Assert.Equal("GenericError", response.Fault.KojiErrorName);
        Assert.Equal(text, response.Fault.FaultString);
        var thrown = Assert.Throws<XmlRpcFaultException>(() => response.GetValueOrThrow());
        Assert.Same(response.Fault, thrown);
    }

    [Fact]
    public void Logout_returns_nil()
    {
        var response = Xml.Response(Read("12-logout.response.xml"));
        Assert.False(response.IsFault);
        Assert.Null(response.Value);
    }
}
