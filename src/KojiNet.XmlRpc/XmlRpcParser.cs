using System.Buffers;
using System.Globalization;
using System.Xml;

namespace KojiNet.XmlRpc;

/// <summary>
/// Recursive-descent reader of one XML-RPC document. Element names are compared by reference
/// against strings atomised in the reader's name table; text is read in chunks into a pooled
/// buffer so numbers and member names do not allocate.
/// </summary>
internal sealed class XmlRpcParser : IDisposable
{
    private const NumberStyles IntStyle = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite
        | NumberStyles.AllowLeadingSign;

    private const int SmallIntMin = -16;
    private const int SmallIntMax = 1023;

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;
    private static readonly object[] SmallInts = CreateSmallInts();
    private static readonly string[] DateFormats = ["yyyyMMdd'T'HH':'mm':'ss", "yyyy'-'MM'-'dd'T'HH':'mm':'ss"];

    private readonly XmlReader _r;
    private readonly NameTable _nt = new();
    private readonly int _maxDepth;
    private readonly string _value, _string, _int, _i4, _i8, _i1, _i2, _biginteger, _boolean, _double, _float,
        _bigdecimal, _dateTime, _base64, _nil, _struct, _member, _name, _array, _data, _methodCall,
        _methodName, _params, _param, _methodResponse, _fault;
    private readonly int[] _structSizeHints;
    private char[] _buf = ArrayPool<char>.Shared.Rent(1024);
    private int _len;

    public XmlRpcParser(Stream stream, int maxDepth)
    {
        _maxDepth = maxDepth;
        _structSizeHints = new int[Math.Clamp(maxDepth + 2, 2, 1024)];
        _value = _nt.Add("value");
        _string = _nt.Add("string");
        _int = _nt.Add("int");
        _i4 = _nt.Add("i4");
        _i8 = _nt.Add("i8");
        _i1 = _nt.Add("i1");
        _i2 = _nt.Add("i2");
        _biginteger = _nt.Add("biginteger");
        _boolean = _nt.Add("boolean");
        _double = _nt.Add("double");
        _float = _nt.Add("float");
        _bigdecimal = _nt.Add("bigdecimal");
        _dateTime = _nt.Add("dateTime.iso8601");
        _base64 = _nt.Add("base64");
        _nil = _nt.Add("nil");
        _struct = _nt.Add("struct");
        _member = _nt.Add("member");
        _name = _nt.Add("name");
        _array = _nt.Add("array");
        _data = _nt.Add("data");
        _methodCall = _nt.Add("methodCall");
        _methodName = _nt.Add("methodName");
        _params = _nt.Add("params");
        _param = _nt.Add("param");
        _methodResponse = _nt.Add("methodResponse");
        _fault = _nt.Add("fault");
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
            IgnoreWhitespace = false,
            CheckCharacters = true,
            CloseInput = false,
            NameTable = _nt,
            MaxCharactersFromEntities = 1024,
        };
        _r = XmlReader.Create(stream, settings);
    }

    public void Dispose()
    {
        _r.Dispose();
        ArrayPool<char>.Shared.Return(_buf);
        _buf = [];
    }

    public XmlRpcMethodCall MethodCall()
    {
        try
        {
            Root(_methodCall);
            if (_r.IsEmptyElement)
            {
                throw Error("missing <methodName>");
            }
            if (Next() != XmlNodeType.Element || !ReferenceEquals(_r.LocalName, _methodName))
            {
                throw Error("missing <methodName>");
            }
            ReadLeafText();
            var methodName = MakeString();
            var parameters = new List<object?>();
            if (Next() == XmlNodeType.Element)
            {
                if (!ReferenceEquals(_r.LocalName, _params))
                {
                    throw Unexpected("<params>");
                }
                if (!_r.IsEmptyElement)
                {
                    while (Next() == XmlNodeType.Element)
                    {
                        if (!ReferenceEquals(_r.LocalName, _param))
                        {
                            throw Unexpected("<param>");
                        }
                        parameters.Add(ParamValue());
                    }
                }
                ExpectEnd();
            }
            Finish();
            return XmlRpcMethodCall.FromParams(methodName, parameters);
        }
        catch (XmlException e)
        {
            throw new XmlRpcFormatException(e.Message, e);
        }
    }

    public XmlRpcResponse Response()
    {
        try
        {
            Root(_methodResponse);
            if (_r.IsEmptyElement || Next() != XmlNodeType.Element)
            {
                throw Error("<methodResponse> holds neither <params> nor <fault>");
            }
            XmlRpcResponse response;
            if (ReferenceEquals(_r.LocalName, _params))
            {
                if (_r.IsEmptyElement || Next() != XmlNodeType.Element || !ReferenceEquals(_r.LocalName, _param))
                {
                    throw Error("a response needs exactly one <param>");
                }
                response = XmlRpcResponse.Success(ParamValue());
                if (Next() != XmlNodeType.EndElement)
                {
                    throw Error("a response needs exactly one <param>");
                }
            }
            else if (ReferenceEquals(_r.LocalName, _fault))
            {
                if (_r.IsEmptyElement)
                {
                    throw Error("empty <fault>");
                }
                ExpectStartValue();
                var v = Value(1);
                ExpectEnd();
                if (v is not IReadOnlyDictionary<string, object?> st)
                {
                    throw Error("<fault> does not hold a struct");
                }
                response = XmlRpcResponse.FromFault(XmlRpcMulticall.FaultFromStruct(st));
            }
            else
            {
                throw Unexpected("<params> or <fault>");
            }
            ExpectEnd();
            Finish();
            return response;
        }
        catch (XmlException e)
        {
            throw new XmlRpcFormatException(e.Message, e);
        }
        catch (OverflowException e)
        {
            throw new XmlRpcFormatException("faultCode out of range", e);
        }
    }

    private void Root(string expected)
    {
        if (_r.MoveToContent() != XmlNodeType.Element)
        {
            throw Error("no root element");
        }
        if (!ReferenceEquals(_r.LocalName, expected))
        {
            throw Error($"root element is <{_r.Name}>, expected <{expected}>");
        }
    }

    private void Finish()
    {
        // Let the reader check the rest of the document (a second root, trailing text...).
        while (_r.Read())
        {
        }
    }

    /// <summary>Positioned on &lt;param&gt;: reads its single value and its end tag.</summary>
    private object? ParamValue()
    {
        if (_r.IsEmptyElement)
        {
            throw Error("<param> without <value>");
        }
        ExpectStartValue();
        var v = Value(1);
        ExpectEnd();
        return v;
    }

    /// <summary>Moves to the next start or end tag, skipping whitespace; refuses other text.</summary>
    private XmlNodeType Next()
    {
        while (_r.Read())
        {
            switch (_r.NodeType)
            {
                case XmlNodeType.Element:
                case XmlNodeType.EndElement:
                    return _r.NodeType;
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                    throw Error("text outside a value");
                default:
                    continue;
            }
        }
        throw Error("unexpected end of document");
    }

    private void ExpectEnd()
    {
        if (Next() != XmlNodeType.EndElement)
        {
            throw Error($"unexpected <{_r.Name}>");
        }
    }

    private void ExpectStartValue()
    {
        if (Next() != XmlNodeType.Element || !ReferenceEquals(_r.LocalName, _value))
        {
            throw Unexpected("<value>");
        }
    }

    /// <summary>Positioned on &lt;value&gt;: reads the value and the end tag.</summary>
    private object? Value(int depth)
    {
        if (_r.IsEmptyElement)
        {
            return string.Empty;
        }
        _len = 0;
        while (_r.Read())
        {
            switch (_r.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    AppendNodeText();
                    continue;
                case XmlNodeType.EndElement:
                    return MakeString();
                case XmlNodeType.Element:
                    if (!_buf.AsSpan(0, _len).IsWhiteSpace())
                    {
                        throw Error("text mixed with a typed value");
                    }
                    var v = Typed(depth);
                    if (Next() != XmlNodeType.EndElement)
                    {
                        throw Error("more than one value in <value>");
                    }
                    return v;
                default:
                    continue;
            }
        }
        throw Error("unexpected end of document");
    }

    private object? Typed(int depth)
    {
        var name = _r.LocalName;
        if (ReferenceEquals(name, _string))
        {
            ReadLeafText();
            return MakeString();
        }
        if (ReferenceEquals(name, _int) || ReferenceEquals(name, _i4) || ReferenceEquals(name, _i1) || ReferenceEquals(name, _i2))
        {
            ReadLeafText();
            var text = _buf.AsSpan(0, _len);
            if (int.TryParse(text, IntStyle, CultureInfo.InvariantCulture, out var i))
            {
                return i is >= SmallIntMin and <= SmallIntMax ? SmallInts[i - SmallIntMin] : i;
            }
            throw Error(long.TryParse(text, IntStyle, CultureInfo.InvariantCulture, out _)
                ? $"integer out of range for <{name}>: {text}"
                : $"bad integer: {Shorten(text)}");
        }
        if (ReferenceEquals(name, _struct))
        {
            return Struct(depth);
        }
        if (ReferenceEquals(name, _nil))
        {
            ReadLeafText();
            if (!_buf.AsSpan(0, _len).IsWhiteSpace())
            {
                throw Error("<nil> with content");
            }
            return null;
        }
        if (ReferenceEquals(name, _boolean))
        {
            ReadLeafText();
            if (_len == 1 && _buf[0] == '1')
            {
                return BoxedTrue;
            }
            if (_len == 1 && _buf[0] == '0')
            {
                return BoxedFalse;
            }
            throw Error($"bad boolean value: {Shorten(_buf.AsSpan(0, _len))}");
        }
        if (ReferenceEquals(name, _double) || ReferenceEquals(name, _float))
        {
            ReadLeafText();
            return PythonFloat.TryParse(_buf.AsSpan(0, _len), out var d)
                ? d
                : throw Error($"bad double: {Shorten(_buf.AsSpan(0, _len))}");
        }
        if (ReferenceEquals(name, _array))
        {
            return Array(depth);
        }
        if (ReferenceEquals(name, _i8) || ReferenceEquals(name, _biginteger))
        {
            ReadLeafText();
            var text = _buf.AsSpan(0, _len);
            return long.TryParse(text, IntStyle, CultureInfo.InvariantCulture, out var l)
                ? l
                : throw Error($"bad or out of range 64-bit integer: {Shorten(text)}");
        }
        if (ReferenceEquals(name, _base64))
        {
            ReadLeafText();
            var bytes = new byte[_len / 4 * 3 + 3];
            if (!Convert.TryFromBase64Chars(_buf.AsSpan(0, _len), bytes, out var written))
            {
                throw Error("bad base64 data");
            }
            return written == bytes.Length ? bytes : bytes.AsSpan(0, written).ToArray();
        }
        if (ReferenceEquals(name, _dateTime))
        {
            ReadLeafText();
            var text = _buf.AsSpan(0, _len).Trim();
            foreach (var format in DateFormats)
            {
                if (DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt))
                {
                    return dt;
                }
            }
            throw Error($"bad dateTime.iso8601: {Shorten(text)}");
        }
        if (ReferenceEquals(name, _bigdecimal))
        {
            ReadLeafText();
            return decimal.TryParse(_buf.AsSpan(0, _len), NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                ? m
                : throw Error($"bad bigdecimal: {Shorten(_buf.AsSpan(0, _len))}");
        }
        throw Error($"unknown value type <{_r.Name}>");
    }

    private OrderedDictionary<string, object?> Struct(int depth)
    {
        CheckDepth(depth);
        var hint = _structSizeHints[depth];
        var d = new OrderedDictionary<string, object?>(hint, StringComparer.Ordinal);
        if (_r.IsEmptyElement)
        {
            return d;
        }
        while (Next() == XmlNodeType.Element)
        {
            if (!ReferenceEquals(_r.LocalName, _member))
            {
                throw Unexpected("<member>");
            }
            if (_r.IsEmptyElement || Next() != XmlNodeType.Element || !ReferenceEquals(_r.LocalName, _name))
            {
                throw Error("<member> without <name>");
            }
            ReadLeafText();
            // Atomising member names makes the repeated keys of a list of structs share one string.
            var key = _len == 0 ? string.Empty : _nt.Add(_buf, 0, _len);
            ExpectStartValue();
            d[key] = Value(depth + 1);
            ExpectEnd();
        }
        _structSizeHints[depth] = Math.Min(d.Count, 256);
        return d;
    }

    private List<object?> Array(int depth)
    {
        CheckDepth(depth);
        var list = new List<object?>();
        if (_r.IsEmptyElement)
        {
            return list;
        }
        if (Next() != XmlNodeType.Element || !ReferenceEquals(_r.LocalName, _data))
        {
            throw Unexpected("<data>");
        }
        if (!_r.IsEmptyElement)
        {
            while (Next() == XmlNodeType.Element)
            {
                if (!ReferenceEquals(_r.LocalName, _value))
                {
                    throw Unexpected("<value>");
                }
                list.Add(Value(depth + 1));
            }
        }
        ExpectEnd();
        return list;
    }

    private void CheckDepth(int depth)
    {
        if (depth > _maxDepth)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"values nested deeper than {_maxDepth} levels"));
        }
    }

    /// <summary>Positioned on a leaf element: collects its text into the buffer, refusing child elements.</summary>
    private void ReadLeafText()
    {
        _len = 0;
        if (_r.IsEmptyElement)
        {
            return;
        }
        var parent = _r.LocalName;
        while (_r.Read())
        {
            switch (_r.NodeType)
            {
                case XmlNodeType.Text:
                case XmlNodeType.CDATA:
                case XmlNodeType.Whitespace:
                case XmlNodeType.SignificantWhitespace:
                    AppendNodeText();
                    continue;
                case XmlNodeType.EndElement:
                    return;
                case XmlNodeType.Element:
                    throw Error($"unexpected <{_r.Name}> inside <{parent}>");
                default:
                    continue;
            }
        }
        throw Error("unexpected end of document");
    }

    private void AppendNodeText()
    {
        while (true)
        {
            if (_buf.Length - _len < 256)
            {
                var bigger = ArrayPool<char>.Shared.Rent(_buf.Length * 2);
                _buf.AsSpan(0, _len).CopyTo(bigger);
                ArrayPool<char>.Shared.Return(_buf);
                _buf = bigger;
            }
            var n = _r.ReadValueChunk(_buf, _len, _buf.Length - _len);
            if (n == 0)
            {
                return;
            }
            _len += n;
        }
    }

    private string MakeString() => _len == 0 ? string.Empty : new string(_buf, 0, _len);

    private static string Shorten(ReadOnlySpan<char> text) =>
        text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "...");

    private XmlRpcFormatException Unexpected(string expected)
    {
        var found = _r.NodeType switch
        {
            XmlNodeType.Element => $"<{_r.Name}>",
            XmlNodeType.EndElement => $"</{_r.Name}>",
            _ => _r.NodeType.ToString(),
        };
        return Error($"expected {expected}, found {found}");
    }

    private XmlRpcFormatException Error(string reason)
    {
        if (_r is IXmlLineInfo li && li.HasLineInfo())
        {
            reason = string.Create(CultureInfo.InvariantCulture, $"{reason} (line {li.LineNumber}, position {li.LinePosition})");
        }
        return new XmlRpcFormatException(reason);
    }

    private static object[] CreateSmallInts()
    {
        var a = new object[SmallIntMax - SmallIntMin + 1];
        for (var i = 0; i < a.Length; i++)
        {
            a[i] = i + SmallIntMin;
        }
        return a;
    }
}
