using System.Diagnostics;
using System.Text;

namespace KojiNet.XmlRpc.Tests;

public sealed class MalformedInputTests
{
    private const string Head = "<?xml version='1.0'?>";

    /// <summary>Each case: a methodCall document and a fragment the reason must contain.</summary>
    public static TheoryData<string, string, string> BadCalls() => new()
    {
        { "empty", "", "Root element is missing" },
        { "not xml", "hello", "root level" },
        { "unclosed tags", Head + "<methodCall><methodName>x</methodName><params><param><value><int>1</int>", "end of file" },
        { "mismatched tags", Head + "<methodCall><methodName>x</methodName></params></methodCall>", "does not match" },
        { "unknown value type", Xml.CallWith("<value><integer>1</integer></value>"), "unknown value type <integer>" },
        { "bad int", Xml.CallWith("<value><int>12a</int></value>"), "bad integer" },
        { "empty int", Xml.CallWith("<value><int></int></value>"), "bad integer" },
        { "float in int", Xml.CallWith("<value><int>1.0</int></value>"), "bad integer" },
        { "i4 overflow", Xml.CallWith("<value><i4>2147483648</i4></value>"), "out of range for <i4>" },
        { "int underflow", Xml.CallWith("<value><int>-2147483649</int></value>"), "out of range for <int>" },
        { "i8 overflow", Xml.CallWith("<value><i8>9223372036854775808</i8></value>"), "64-bit" },
        { "bad base64", Xml.CallWith("<value><base64>@@@@</base64></value>"), "bad base64" },
        { "truncated base64", Xml.CallWith("<value><base64>abc</base64></value>"), "bad base64" },
        { "bad boolean word", Xml.CallWith("<value><boolean>true</boolean></value>"), "bad boolean" },
        { "bad boolean digit", Xml.CallWith("<value><boolean>2</boolean></value>"), "bad boolean" },
        { "padded boolean", Xml.CallWith("<value><boolean> 1</boolean></value>"), "bad boolean" },
        { "bad double", Xml.CallWith("<value><double>1,5</double></value>"), "bad double" },
        { "empty double", Xml.CallWith("<value><double/></value>"), "bad double" },
        { "bad date", Xml.CallWith("<value><dateTime.iso8601>yesterday</dateTime.iso8601></value>"), "bad dateTime" },
        { "nil with content", Xml.CallWith("<value><nil>x</nil></value>"), "<nil> with content" },
        { "missing methodName", Head + "<methodCall><params></params></methodCall>", "missing <methodName>" },
        { "empty methodCall", Head + "<methodCall/>", "missing <methodName>" },
        { "wrong root", Head + "<methodResponse><params/></methodResponse>", "expected <methodCall>" },
        { "text outside values", Head + "<methodCall><methodName>x</methodName><params>junk<param><value>1</value></param></params></methodCall>", "text outside a value" },
        { "text in struct", Xml.CallWith("<value><struct>junk</struct></value>"), "text outside a value" },
        { "text after typed value", Xml.CallWith("<value><int>1</int>junk</value>"), "text outside a value" },
        { "text before typed value", Xml.CallWith("<value>junk<int>1</int></value>"), "text mixed with a typed value" },
        { "two values in value", Xml.CallWith("<value><int>1</int><int>2</int></value>"), "more than one value" },
        { "element inside string", Xml.CallWith("<value><string><b>x</b></string></value>"), "unexpected <b> inside <string>" },
        { "param without value", Xml.CallWith(""), "expected <value>, found </param>" },
        { "param with two values", Xml.CallWith("<value>1</value><value>2</value>"), "unexpected <value>" },
        { "member without name", Xml.CallWith("<value><struct><member><value>1</value></member></struct></value>"), "without <name>" },
        { "member without value", Xml.CallWith("<value><struct><member><name>a</name></member></struct></value>"), "expected <value>" },
        { "struct with stray element", Xml.CallWith("<value><struct><value>1</value></struct></value>"), "expected <member>" },
        { "array without data", Xml.CallWith("<value><array><value>1</value></array></value>"), "expected <data>" },
        { "data with stray element", Xml.CallWith("<value><array><data><int>1</int></data></array></value>"), "expected <value>" },
        { "params with stray element", Head + "<methodCall><methodName>x</methodName><params><value>1</value></params></methodCall>", "expected <param>" },
        { "second root", Head + "<methodCall><methodName>x</methodName></methodCall><methodCall/>", "multiple root" },
        { "trailing text", Head + "<methodCall><methodName>x</methodName></methodCall>junk", "root level" },
        { "undefined entity", Xml.CallWith("<value>&foo;</value>"), "foo" },
        { "invalid character reference", Xml.CallWith("<value>&#1;</value>"), "invalid character" },
        { "doctype", Head + "<!DOCTYPE methodCall><methodCall><methodName>x</methodName></methodCall>", "DTD" },
        { "internal entity", Head + "<!DOCTYPE m [<!ENTITY a \"b\">]><methodCall><methodName>&a;</methodName></methodCall>", "DTD" },
        { "external entity", Head + "<!DOCTYPE m [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]><methodCall><methodName>&xxe;</methodName></methodCall>", "DTD" },
        { "external dtd", Head + "<!DOCTYPE methodCall SYSTEM \"http://127.0.0.1:9/x.dtd\"><methodCall><methodName>x</methodName></methodCall>", "DTD" },
    };

    [Theory]
    [MemberData(nameof(BadCalls))]
    public void Malformed_calls_raise_XmlRpcFormatException(string name, string xml, string reason)
    {
        var e = Assert.Throws<XmlRpcFormatException>(() => Xml.Call(xml));
        Assert.True(e.Message.Contains(reason, StringComparison.OrdinalIgnoreCase), $"{name}: '{e.Message}' lacks '{reason}'");
    }

    public static TheoryData<string, string> BadResponses() => new()
    {
        { "empty response", Head + "<methodResponse/>" },
        { "no param", Head + "<methodResponse><params></params></methodResponse>" },
        { "two params", Head + "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>" },
        { "fault not struct", Head + "<methodResponse><fault><value><int>1</int></value></fault></methodResponse>" },
        { "fault without code", Head + "<methodResponse><fault><value><struct><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>" },
        { "fault with string code", Head + "<methodResponse><fault><value><struct><member><name>faultCode</name><value>1</value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>" },
        { "fault code beyond int", Head + "<methodResponse><fault><value><struct><member><name>faultCode</name><value><i8>9999999999</i8></value></member><member><name>faultString</name><value>x</value></member></struct></value></fault></methodResponse>" },
        { "unknown child", Head + "<methodResponse><result/></methodResponse>" },
        { "call instead of response", Head + "<methodCall><methodName>x</methodName></methodCall>" },
    };

    [Theory]
    [MemberData(nameof(BadResponses))]
    public void Malformed_responses_raise_XmlRpcFormatException(string name, string xml)
    {
        Assert.NotNull(name);
        Assert.Throws<XmlRpcFormatException>(() => Xml.Response(xml));
    }

    [Fact]
    public void Billion_laughs_is_refused_at_once()
    {
        var sb = new StringBuilder(Head + "<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
        for (var i = 1; i < 10; i++)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"<!ENTITY lol{i} \"");
            for (var j = 0; j < 10; j++)
            {
                sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"&lol{(i == 1 ? "" : (i - 1).ToString(System.Globalization.CultureInfo.InvariantCulture))};");
            }
            sb.Append("\">");
        }
        sb.Append("]><methodCall><methodName>&lol9;</methodName></methodCall>");
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<XmlRpcFormatException>(() => Xml.Call(sb.ToString()));
        Assert.Contains("DTD", e.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), $"took {sw.Elapsed}");
    }

    private static string Nested(int depth)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            sb.Append("<value><array><data>");
        }
        sb.Append("<value><int>1</int></value>");
        for (var i = 0; i < depth; i++)
        {
            sb.Append("</data></array></value>");
        }
        return Xml.CallWith(sb.ToString());
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_accepted_and_beyond_refused()
    {
        var ok = Xml.Call(Nested(XmlRpcReaderOptions.DefaultMaxDepth));
        var v = ok.Args[0];
        for (var i = 0; i < XmlRpcReaderOptions.DefaultMaxDepth; i++)
        {
            v = Assert.Single((IReadOnlyList<object?>)v!);
        }
        Assert.Equal(1, v);
        var e = Assert.Throws<XmlRpcFormatException>(() => Xml.Call(Nested(XmlRpcReaderOptions.DefaultMaxDepth + 1)));
        Assert.Contains("nested deeper than 64", e.Message, StringComparison.Ordinal);
        Assert.Throws<XmlRpcFormatException>(() => Xml.Call(Nested(5), new XmlRpcReaderOptions { MaxDepth = 4 }));
        var structs = Xml.CallWith("<value><struct><member><name>a</name><value><struct><member><name>b</name><value><struct/></value></member></struct></value></member></struct></value>");
        Assert.Throws<XmlRpcFormatException>(() => Xml.Call(structs, new XmlRpcReaderOptions { MaxDepth = 2 }));
        Xml.Call(structs, new XmlRpcReaderOptions { MaxDepth = 3 });
    }

    [Fact]
    public void A_depth_bomb_fails_fast_without_exhausting_the_stack()
    {
        var e = Assert.Throws<XmlRpcFormatException>(() => Xml.Call(Nested(200_000), new XmlRpcReaderOptions { MaxRequestLength = 0 }));
        Assert.Contains("nested deeper", e.Message, StringComparison.Ordinal);
    }

    private const string Prefix = Head + "<methodCall><methodName>x</methodName><params><param><value><string>";
    private const string Suffix = "</string></value></param></params></methodCall>";

    private static byte[] CallOfLength(int length) =>
        Encoding.UTF8.GetBytes(Prefix + new string('a', length - Prefix.Length - Suffix.Length) + Suffix);

    [Fact]
    public void Documents_over_MaxRequestLength_are_refused()
    {
        var atLimit = CallOfLength((int)XmlRpcReaderOptions.DefaultMaxRequestLength);
        Assert.Equal(XmlRpcReaderOptions.DefaultMaxRequestLength, atLimit.Length);
        Assert.Equal("x", XmlRpcReader.ReadMethodCall(new MemoryStream(atLimit)).MethodName);
        var over = CallOfLength((int)XmlRpcReaderOptions.DefaultMaxRequestLength + 1);
        var e = Assert.Throws<XmlRpcRequestTooLargeException>(() => XmlRpcReader.ReadMethodCall(new MemoryStream(over)));
        Assert.Equal(4194304, e.Limit);
        Assert.IsAssignableFrom<XmlRpcFormatException>(e);
        Assert.Throws<XmlRpcRequestTooLargeException>(() =>
            XmlRpcReader.ReadMethodCall(new MemoryStream(CallOfLength(2000)), new XmlRpcReaderOptions { MaxRequestLength = 1000 }));
    }

    [Fact]
    public async Task Async_reading_applies_the_same_limits()
    {
        var over = CallOfLength((int)XmlRpcReaderOptions.DefaultMaxRequestLength + 1);
        await Assert.ThrowsAsync<XmlRpcRequestTooLargeException>(() => XmlRpcReader.ReadMethodCallAsync(new MemoryStream(over)));
        await Assert.ThrowsAsync<XmlRpcFormatException>(() => XmlRpcReader.ReadMethodCallAsync(new MemoryStream(Xml.Bytes(Xml.CallWith("<value><int>x</int></value>")))));
        var ok = await XmlRpcReader.ReadMethodCallAsync(new MemoryStream(CallOfLength(100_000)));
        Assert.Equal(100_000 - Prefix.Length - Suffix.Length, ((string)ok.Args[0]!).Length);
    }

    [Fact]
    public async Task Async_reading_never_reads_synchronously()
    {
        var bytes = File.ReadAllBytes(Path.Combine(KojiNet.TestSupport.SharedFiles.WireDirectory, "09-multiCall.request.xml"));
        var call = await XmlRpcReader.ReadMethodCallAsync(new AsyncOnlyStream(bytes));
        Assert.Equal("multiCall", call.MethodName);
        var response = await XmlRpcReader.ReadResponseAsync(new AsyncOnlyStream(
            File.ReadAllBytes(Path.Combine(KojiNet.TestSupport.SharedFiles.WireDirectory, "12-logout.response.xml"))));
        Assert.Null(response.GetValueOrThrow());
        var sink = new AsyncOnlyStream([]);
        await XmlRpcWriter.WriteResponseAsync(sink, new[] { 1, 2 });
        Assert.Equal(XmlRpcWriter.ResponseToBytes(new[] { 1, 2 }), sink.Written.ToArray());
    }

    /// <summary>Like Kestrel's body streams: synchronous IO throws.</summary>
    private sealed class AsyncOnlyStream(byte[] content) : Stream
    {
        private readonly MemoryStream _inner = new(content);

        public MemoryStream Written { get; } = new();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() => throw new InvalidOperationException("synchronous IO");
        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous IO");
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new InvalidOperationException("synchronous IO");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            new(_inner.Read(buffer.Span));

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Written.Write(buffer.Span);
            return ValueTask.CompletedTask;
        }
    }

    [Fact]
    public void Values_python_accepts_are_accepted()
    {
        var call = Xml.Call(Head + """
            <!-- comment --><methodCall xmlns:ex="http://ws.apache.org/xmlrpc/namespaces/extensions">
            <methodName>m</methodName><params>
            <param><value><ex:nil/></value></param>
            <param><value><i1>-5</i1></value></param>
            <param><value><i2> +300 </i2></value></param>
            <param><value><biginteger>9000000000</biginteger></value></param>
            <param><value><float>1e5</float></value></param>
            <param><value><double> -Infinity </double></value></param>
            <param><value><bigdecimal>12.50</bigdecimal></value></param>
            <param><value/></param>
            <param><value>  bare text  </value></param>
            <param><value><![CDATA[<raw> & ]]>x&amp;&#x1F600;</value></param>
            <param><value><string/></value></param>
            <param><value><array/></value></param>
            <param><value><struct/></value></param>
            <param><value><array><data/></array></value></param>
            <param><value><dateTime.iso8601>2024-07-02T16:09:15</dateTime.iso8601></value></param>
            <param><value><base64>
            AAEC
            /w==
            </base64></value></param>
            <param><value><struct><member><name>k</name><value>1</value></member><member><name>k</name><value>2</value></member><member><name>j</name><value>3</value></member></struct></value></param>
            </params></methodCall>
            """);
        var a = call.Args;
        Assert.Null(a[0]);
        Assert.Equal(-5, a[1]);
        Assert.Equal(300, a[2]);
        Assert.Equal(9000000000L, a[3]);
        Assert.Equal(1e5, a[4]);
        Assert.Equal(double.NegativeInfinity, a[5]);
        Assert.Equal(12.50m, a[6]);
        Assert.Equal("", a[7]);
        Assert.Equal("  bare text  ", a[8]);
        Assert.Equal("<raw> & x&\U0001F600", a[9]);
        Assert.Equal("", a[10]);
        Assert.Empty((IReadOnlyList<object?>)a[11]!);
        Assert.Empty((IReadOnlyDictionary<string, object?>)a[12]!);
        Assert.Empty((IReadOnlyList<object?>)a[13]!);
        Assert.Equal(new DateTime(2024, 7, 2, 16, 9, 15), a[14]);
        Assert.Equal([0, 1, 2, 255], (byte[])a[15]!);
        var st = (IReadOnlyDictionary<string, object?>)a[16]!;
        Assert.Equal(["k", "j"], st.Keys);
        Assert.Equal("2", st["k"]);
    }
}
