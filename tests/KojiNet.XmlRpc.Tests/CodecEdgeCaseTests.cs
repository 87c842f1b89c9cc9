using System.Text;

namespace KojiNet.XmlRpc.Tests;

/// <summary>Edge cases of the UTF-8 parser and the writer's fast paths.</summary>
public sealed class CodecEdgeCaseTests
{
    private const string Head = "<?xml version='1.0'?>";

    private static object? Decode(byte[] document) => XmlRpcReader.ReadResponse(new MemoryStream(document)).Value;

    private static object? Decode(string document) => Decode(Encoding.UTF8.GetBytes(document));

    private static string Response(string value) =>
        Head + "<methodResponse><params><param>" + value + "</param></params></methodResponse>";

    private static XmlRpcFormatException Refused(byte[] document) =>
        Assert.Throws<XmlRpcFormatException>(() => XmlRpcReader.ReadResponse(new MemoryStream(document)));

    private static XmlRpcFormatException Refused(string document) => Refused(Encoding.UTF8.GetBytes(document));

    public static TheoryData<string, string> Texts() => new()
    {
        { "<value><![CDATA[a<b>&c]]></value>", "a<b>&c" },
        { "<value><string>x<![CDATA[]]>y<![CDATA[]]]]>z</string></value>", "xy]]z" },
        { "<value>&#65;&#x42;&#x00e9;&#128512;&lt;&gt;&amp;&quot;&apos;</value>", "AB\u00e9\U0001F600<>&\"'" },
        { "<value>a\r\nb\rc\n\rd</value>", "a\nb\nc\n\nd" },
        { "<value><![CDATA[a\r\nb\rc]]></value>", "a\nb\nc" },
        { "<value>a&#13;&#10;b</value>", "a\r\nb" },
        { "<value>a<!-- note -->b<?pi data?>c</value>", "abc" },
        { "<value><string>a]b]]c</string></value>", "a]b]]c" },
        { "<value>\u00e9\u65e5\U0001F600 \u0085\u2028\uFEFF</value>", "\u00e9\u65e5\U0001F600 \u0085\u2028\uFEFF" },
        { "<value><string>" + new string('x', 100) + "&amp;" + new string('y', 100) + "</string></value>", new string('x', 100) + "&" + new string('y', 100) },
        { "<value>\n  <!-- c -->\n  <?pi?>\n  <string>s</string>\n  <!-- d -->\n</value>", "s" },
    };

    [Theory]
    [MemberData(nameof(Texts))]
    public void Text_is_decoded_like_xml(string value, string expected) =>
        Assert.Equal(expected, Decode(Response(value)));

    [Fact]
    public void Bom_declaration_comments_and_pis_around_the_root_are_skipped()
    {
        var doc = "\uFEFF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<!-- a --><?pi x?>\n"
            + "<methodResponse ><params>\r\n<param><value><int >7</int ></value></param></params></methodResponse >\n<!-- z -->\n";
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(doc[1..])).ToArray();
        Assert.Equal(7, Decode(bytes));
        Assert.Equal(7, XmlRpcReader.ReadResponse(bytes.AsSpan()).Value);
    }

    [Fact]
    public void Attributes_and_prefixes_are_ignored()
    {
        Assert.Equal(5, Decode(Head + "<methodResponse a='1' b = \"x&amp;y\"><params><param><ex:value xmlns:ex='u'><ex:int>5</ex:int></ex:value></param></params></methodResponse>"));
    }

    public static TheoryData<string, string, string> BadDocuments() => new()
    {
        { "unterminated comment", Response("<value><!-- x</value>"), "end of file" },
        { "double dash in comment", Response("<value><!-- a -- b --></value>"), "--" },
        { "unterminated cdata", Response("<value><![CDATA[abc</value>"), "end of file" },
        { "unterminated pi", Response("<value><?pi </value>"), "end of file" },
        { "unterminated tag", Head + "<methodResponse><params><param><value", "end of file" },
        { "unterminated attribute", Head + "<methodResponse a='1><params/></methodResponse>", "end of file" },
        { "attribute without quotes", Head + "<methodResponse a=1><params/></methodResponse>", "quoted" },
        { "attribute with lt", Head + "<methodResponse a='<'><params/></methodResponse>", "'<'" },
        { "attribute with bad entity", Head + "<methodResponse a='&x;'><params/></methodResponse>", "undeclared entity 'x'" },
        { "unterminated entity", Response("<value>&amp</value>"), "entity" },
        { "bad char ref", Response("<value>&#xZZ;</value>"), "character reference" },
        { "empty char ref", Response("<value>&#;</value>"), "character reference" },
        { "char ref too big", Response("<value>&#x110000;</value>"), "invalid character" },
        { "char ref to surrogate", Response("<value>&#xD800;</value>"), "invalid character" },
        { "char ref to FFFE", Response("<value>&#xFFFE;</value>"), "invalid character" },
        { "control character", Response("<value>a\u0001b</value>"), "invalid character" },
        { "escape character", Response("<value>\u001b[0m</value>"), "invalid character" },
        { "FFFF", Response("<value>\uFFFF</value>"), "invalid character" },
        { "cdata end in text", Response("<value>a]]>b</value>"), "]]>" },
        { "cdata between elements", Response("<value><![CDATA[x]]><int>1</int></value>"), "text mixed" },
        { "cdata outside value", Head + "<methodResponse><![CDATA[x]]><params/></methodResponse>", "text outside a value" },
        { "doctype inside", Response("<value><!DOCTYPE x></value>"), "DTD" },
        { "xml declaration later", Head + "<methodResponse><?xml version='1.0'?><params/></methodResponse>", "XML declaration" },
        { "other encoding", "<?xml version='1.0' encoding='ISO-8859-1'?><methodResponse/>", "encoding" },
        { "end tag at root", "</methodResponse>", "root level" },
        { "end tag with junk", Response("<value><int>1</int junk></value>"), "expected '>'" },
        { "mismatched end tag", Response("<value><int>1</i4></value>"), "does not match" },
        { "end tag one letter short", Response("<value><boolean>1</boolea></value>"), "does not match" },
        { "end tag one letter long", Response("<value><boolean>1</booleans></value>"), "does not match" },
        { "end tag of eight letters", Response("<value><dateTime.iso8601>x</dateTime.iso8602></value>"), "does not match" },
        { "name without close", Response("<value><name></value>"), "unknown value type <name>" },
        { "name starting with digit", Response("<value><1a/></value>"), "Name cannot begin" },
        { "huge int", Response("<value><int>" + new string('9', 5000) + "</int></value>"), "bad integer" },
        { "huge i8", Response("<value><i8>" + new string('9', 30) + "</i8></value>"), "64-bit" },
        { "i8 with letters", Response("<value><i8>12x</i8></value>"), "64-bit" },
    };

    [Theory]
    [MemberData(nameof(BadDocuments))]
    public void Malformed_documents_are_refused(string name, string document, string reason)
    {
        var e = Refused(document);
        Assert.True(e.Message.Contains(reason, StringComparison.OrdinalIgnoreCase), $"{name}: '{e.Message}' lacks '{reason}'");
        Assert.Contains("(line ", e.Message, StringComparison.Ordinal);
    }

    public static TheoryData<byte[]> BadUtf8() => new()
    {
        new byte[] { 0xFF },
        new byte[] { 0xC3 },
        new byte[] { 0xC0, 0xAF },
        new byte[] { 0xED, 0xA0, 0x80 },
        new byte[] { 0xF4, 0x90, 0x80, 0x80 },
        new byte[] { 0x80 },
    };

    [Theory]
    [MemberData(nameof(BadUtf8))]
    public void Invalid_utf8_is_refused(byte[] bad)
    {
        var before = Encoding.UTF8.GetBytes(Head + "<methodResponse><params><param><value>ok \u00e9 ");
        var after = Encoding.UTF8.GetBytes("</value></param></params></methodResponse>");
        var e = Refused([.. before, .. bad, .. after]);
        Assert.Contains("invalid UTF-8", e.Message, StringComparison.Ordinal);
        var column = Encoding.UTF8.GetCharCount(before) + 1;
        Assert.Contains($"(line 1, position {column})", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Huge_numbers_parse_or_fail_cleanly()
    {
        Assert.Equal(long.MaxValue, Decode(Response("<value><i8>9223372036854775807</i8></value>")));
        Assert.Equal(long.MinValue, Decode(Response("<value><i8>-9223372036854775808</i8></value>")));
        Assert.Equal(-2147483648, Decode(Response("<value><int>-2147483648</int></value>")));
        Assert.Equal(5, Decode(Response("<value><int>+000000000000000005</int></value>")));
        Assert.Equal(1e308, Decode(Response("<value><double>1e308</double></value>")));
        Assert.Equal(double.PositiveInfinity, Decode(Response("<value><double>1e999</double></value>")));
        Assert.Equal(0.5, Decode(Response("<value><double>" + "0." + "5" + new string('0', 3000) + "</double></value>")));
    }

    [Fact]
    public void Deep_nesting_is_limited_for_structs_and_unclosed_elements()
    {
        var sb = new StringBuilder(Head + "<methodResponse><params><param>");
        for (var i = 0; i < 100_000; i++)
        {
            sb.Append("<value><struct><member><name>a</name>");
        }
        var e = Refused(sb.ToString());
        Assert.Contains("nested deeper than 64", e.Message, StringComparison.Ordinal);
        var open = new StringBuilder(Head + "<methodResponse>");
        for (var i = 0; i < 100_000; i++)
        {
            open.Append("<x>");
        }
        Assert.Contains("expected <params> or <fault>", Refused(open.ToString()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_member_names_share_one_string()
    {
        var list = (IReadOnlyList<object?>)XmlRpcReader.ReadResponse(XmlRpcWriter.ResponseToBytes(new[]
        {
            new Dictionary<string, object?> { ["build_id"] = 1 },
            new Dictionary<string, object?> { ["build_id"] = 2 },
        })).Value!;
        var a = ((IReadOnlyDictionary<string, object?>)list[0]!).Keys.Single();
        var b = ((IReadOnlyDictionary<string, object?>)list[1]!).Keys.Single();
        Assert.Equal("build_id", a);
        Assert.Same(a, b);
    }

    [Fact]
    public void Doubles_written_on_the_fast_path_match_python_repr()
    {
        var rng = new Random(99);
        var values = new List<double> { 1e16, 9999999999999998, 1e15, 123456789012345.6, 1e-4, 1.5e-4, 9.99e-5, 1e-5, 0.001, -0.0, 0.0, 1.0, -1.0, 0.1, 100.0, 1795735106.714780 };
        for (var i = 0; i < 5000; i++)
        {
            values.Add(BitConverter.Int64BitsToDouble(rng.NextInt64()));
            values.Add(Math.Round(rng.NextDouble() * Math.Pow(10, rng.Next(-8, 20)), rng.Next(0, 10)));
        }
        foreach (var d in values)
        {
            var xml = Encoding.UTF8.GetString(XmlRpcWriter.ResponseToBytes(d));
            Assert.Contains("<double>" + PythonFloat.Format(d) + "</double>", xml, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Times_are_written_like_python_isoformat()
    {
        var t = new DateTime(987, 1, 2, 3, 4, 5).AddTicks(60);
        Assert.Contains("<dateTime.iso8601>09870102T03:04:05</dateTime.iso8601>", Xml.ResponseText(t, XmlRpcWriterOptions.Default), StringComparison.Ordinal);
        Assert.Contains("<string>0987-01-02 03:04:05.000006</string>", Xml.ResponseText(t), StringComparison.Ordinal);
        var o = new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.FromMinutes(-345)).AddTicks(9_999_990);
        Assert.Contains("<string>2026-12-31 23:59:59.999999-05:45</string>", Xml.ResponseText(o), StringComparison.Ordinal);
    }

    [Fact]
    public void Writing_into_small_buffers_gives_the_same_bytes()
    {
        var rng = new Random(5);
        var value = Enumerable.Range(0, 300).Select(_ => RoundTripTests.RandomValue(rng, 0)).ToList();
        var expected = XmlRpcWriter.ResponseToBytes(value);
        var ms = new MemoryStream();
        XmlRpcWriter.WriteResponse(ms, value);
        Assert.Equal(expected, ms.ToArray());
        var small = new TinyBufferWriter();
        XmlRpcWriter.WriteResponse(small, value);
        Assert.Equal(expected, small.Written.ToArray());
    }

    /// <summary>Hands out spans barely larger than asked for, to exercise every refill.</summary>
    private sealed class TinyBufferWriter : System.Buffers.IBufferWriter<byte>
    {
        private byte[] _current = [];

        public MemoryStream Written { get; } = new();

        public void Advance(int count) => Written.Write(_current, 0, count);

        public Memory<byte> GetMemory(int sizeHint = 0) => _current = new byte[Math.Max(sizeHint, 1) + 3];

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
