using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Unicode;

namespace KojiNet.XmlRpc;

/// <summary>
/// Recursive-descent reader of one XML-RPC document held in memory as UTF-8. It tokenises exactly
/// the XML that XML-RPC needs: an XML declaration, comments and processing instructions (skipped),
/// elements (attributes are checked for form and ignored; a namespace prefix is ignored), text
/// with the five predefined entities and character references, and CDATA sections. DTDs and any
/// other entity reference are refused. The whole document is checked once up front for UTF-8
/// validity and characters XML 1.0 forbids, so text decodes without further checks; line ends in
/// text are normalised (CR LF and CR become LF) as XML requires.
/// </summary>
internal ref struct XmlRpcParser
{
    private const NumberStyles IntStyle = NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite
        | NumberStyles.AllowLeadingSign;

    private const int SmallIntMin = -16;
    private const int SmallIntMax = 1023;

    private static readonly object BoxedTrue = true;
    private static readonly object BoxedFalse = false;
    private static readonly object[] SmallInts = CreateSmallInts();
    private static readonly string[] DateFormats = ["yyyyMMdd'T'HH':'mm':'ss", "yyyy'-'MM'-'dd'T'HH':'mm':'ss"];

    // Bytes that end a run of plain text: markup, references, CR (normalised) and ']' (for "]]>").
    private static readonly SearchValues<byte> TextStop = SearchValues.Create("<&\r]"u8);

    // Bytes the up-front check looks at: C0 controls XML forbids and every non-ASCII byte.
    private static readonly SearchValues<byte> CheckBytes = SearchValues.Create(BuildCheckBytes());
    private static readonly SearchValues<byte> ForbiddenControls = SearchValues.Create(BuildForbiddenControls());

    private static readonly byte[] NonCharacterPrefix = [0xEF, 0xBF];

    private const byte NameClass = 1;
    private const byte NameStartClass = 2;
    private const byte ColonClass = NameClass | NameStartClass | 4;
    private const byte SpaceClass = 8;
    private const byte TextStopClass = 16;

    // Byte classes for names, whitespace and the ends of plain text.
    private static readonly byte[] Classes = BuildClasses();

    [ThreadStatic]
    private static ParserState? _threadState;

    private readonly ReadOnlySpan<byte> _s;
    private readonly int _maxDepth;
    private readonly ParserState _st;
    private int _pos;

    // The tag read last: its kind, qualified name and local name (offsets into _s).
    private TagKind _kind;
    private Tag _tag;
    private int _nameStart;
    private int _nameLen;
    private int _localStart;

    // Open elements, as (name offset, name length) pairs.
    private int _depth;

    private XmlRpcParser(ReadOnlySpan<byte> document, int maxDepth)
    {
        _s = document;
        _maxDepth = maxDepth;
        _st = _threadState ??= new ParserState();
        _st.EnsureDepth(maxDepth);
        _pos = 0;
    }

    public static XmlRpcMethodCall ParseMethodCall(ReadOnlySpan<byte> document, int maxDepth)
    {
        var p = new XmlRpcParser(document, maxDepth);
        try
        {
            return p.MethodCall();
        }
        finally
        {
            p._st.ReleaseScratch();
        }
    }

    public static XmlRpcResponse ParseResponse(ReadOnlySpan<byte> document, int maxDepth)
    {
        var p = new XmlRpcParser(document, maxDepth);
        try
        {
            return p.Response();
        }
        finally
        {
            p._st.ReleaseScratch();
        }
    }

    private enum TagKind : byte
    {
        Start,
        Empty,
        End,
    }

    private enum Tag : byte
    {
        Other,
        Value,
        String,
        Int,
        I4,
        I8,
        I1,
        I2,
        BigInteger,
        Boolean,
        Double,
        Float,
        BigDecimal,
        DateTime,
        Base64,
        Nil,
        Struct,
        Member,
        Name,
        Array,
        Data,
        MethodCall,
        MethodName,
        Params,
        Param,
        MethodResponse,
        Fault,
    }

    private XmlRpcMethodCall MethodCall()
    {
        Prolog();
        Root(Tag.MethodCall, "methodCall");
        if (_kind == TagKind.Empty || NextTag() != TagKind.Start || _tag != Tag.MethodName)
        {
            throw Error("missing <methodName>");
        }
        var methodName = MakeString(LeafText());
        var parameters = new List<object?>();
        if (NextTag() != TagKind.End)
        {
            if (_tag != Tag.Params)
            {
                throw Unexpected("<params>");
            }
            if (_kind == TagKind.Start)
            {
                while (NextTag() != TagKind.End)
                {
                    if (_tag != Tag.Param)
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

    private XmlRpcResponse Response()
    {
        Prolog();
        Root(Tag.MethodResponse, "methodResponse");
        if (_kind == TagKind.Empty || NextTag() == TagKind.End)
        {
            throw Error("<methodResponse> holds neither <params> nor <fault>");
        }
        XmlRpcResponse response;
        if (_tag == Tag.Params)
        {
            if (_kind == TagKind.Empty || NextTag() == TagKind.End || _tag != Tag.Param)
            {
                throw Error("a response needs exactly one <param>");
            }
            response = XmlRpcResponse.Success(ParamValue());
            if (NextTag() != TagKind.End)
            {
                throw Error("a response needs exactly one <param>");
            }
        }
        else if (_tag == Tag.Fault)
        {
            if (_kind == TagKind.Empty)
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
            try
            {
                response = XmlRpcResponse.FromFault(XmlRpcMulticall.FaultFromStruct(st));
            }
            catch (OverflowException e)
            {
                throw new XmlRpcFormatException("faultCode out of range", e);
            }
        }
        else
        {
            throw Unexpected("<params> or <fault>");
        }
        ExpectEnd();
        Finish();
        return response;
    }

    /// <summary>Checks the characters of the whole document, then skips the BOM, the declaration and misc.</summary>
    private void Prolog()
    {
        CheckCharacters();
        if (_s.StartsWith("\uFEFF"u8))
        {
            _pos = 3;
        }
        else if (_s.Length >= 2 && ((_s[0] == 0xFE && _s[1] == 0xFF) || (_s[0] == 0xFF && _s[1] == 0xFE)))
        {
            throw Error("UTF-16 documents are not supported; send UTF-8");
        }
        if (_s[_pos..].StartsWith("<?xml"u8) && _pos + 5 < _s.Length && IsSpace(_s[_pos + 5]))
        {
            Declaration();
        }
        while (true)
        {
            SkipSpace();
            if (_pos >= _s.Length)
            {
                throw Error("Root element is missing.");
            }
            if (_s[_pos] != '<')
            {
                throw Error("Data at the root level is invalid.");
            }
            if (!SkipMarkup(root: true))
            {
                return;
            }
        }
    }

    /// <summary>The XML declaration: only UTF-8 (or its ASCII subset) is accepted as encoding.</summary>
    private void Declaration()
    {
        var end = _s[_pos..].IndexOf("?>"u8);
        if (end < 0)
        {
            throw EndOfFile();
        }
        var decl = _s.Slice(_pos + 5, end - 5);
        var enc = decl.IndexOf("encoding"u8);
        if (enc >= 0)
        {
            var rest = decl[(enc + 8)..].TrimStart(" \t\r\n"u8);
            if (rest.IsEmpty || rest[0] != '=')
            {
                throw Error("malformed XML declaration");
            }
            rest = rest[1..].TrimStart(" \t\r\n"u8);
            var close = rest.IsEmpty ? -1 : rest[1..].IndexOf(rest[0]);
            if (close < 0 || rest[0] is not ((byte)'"' or (byte)'\''))
            {
                throw Error("malformed XML declaration");
            }
            var name = Encoding.ASCII.GetString(rest.Slice(1, close));
            if (!name.Equals("utf-8", StringComparison.OrdinalIgnoreCase) && !name.Equals("utf8", StringComparison.OrdinalIgnoreCase)
                && !name.Equals("us-ascii", StringComparison.OrdinalIgnoreCase) && !name.Equals("ascii", StringComparison.OrdinalIgnoreCase))
            {
                throw Error($"unsupported encoding '{name}': only UTF-8 is accepted");
            }
        }
        _pos += end + 2;
    }

    private void Root(Tag expected, string expectedName)
    {
        ReadTag();
        if (_kind == TagKind.End)
        {
            throw Error("Data at the root level is invalid.");
        }
        if (_tag != expected)
        {
            throw Error($"root element is <{QName()}>, expected <{expectedName}>");
        }
    }

    /// <summary>After the root element only whitespace, comments and processing instructions may follow.</summary>
    private void Finish()
    {
        while (true)
        {
            SkipSpace();
            if (_pos >= _s.Length)
            {
                return;
            }
            if (_s[_pos] != '<')
            {
                throw Error("Data at the root level is invalid.");
            }
            if (!SkipMarkup(root: true))
            {
                throw Error("There are multiple root elements.");
            }
        }
    }

    /// <summary>Current tag is &lt;param&gt;: reads its single value and its end tag.</summary>
    private object? ParamValue()
    {
        if (_kind == TagKind.Empty)
        {
            throw Error("<param> without <value>");
        }
        ExpectStartValue();
        var v = Value(1);
        ExpectEnd();
        return v;
    }

    private void ExpectEnd()
    {
        if (NextTag() != TagKind.End)
        {
            throw Error($"unexpected <{QName()}>");
        }
    }

    private void ExpectStartValue()
    {
        if (NextTag() == TagKind.End || _tag != Tag.Value)
        {
            throw Unexpected("<value>");
        }
    }

    /// <summary>Current tag is &lt;value&gt;: reads the value and its end tag.</summary>
    private object? Value(int depth)
    {
        if (_kind == TagKind.Empty)
        {
            return string.Empty;
        }
        var text = TextUntilTag();
        ReadTag();
        if (_kind == TagKind.End)
        {
            return MakeString(text);
        }
        if (!IsWhiteSpace(text))
        {
            throw Error("text mixed with a typed value");
        }
        var v = Typed(depth);
        if (NextTag() != TagKind.End)
        {
            throw Error("more than one value in <value>");
        }
        return v;
    }

    private object? Typed(int depth)
    {
        switch (_tag)
        {
            case Tag.String:
                return MakeString(LeafText());
            case Tag.Int:
            case Tag.I4:
            case Tag.I1:
            case Tag.I2:
                {
                    var local = LocalName();
                    var text = LeafText();
                    if (TryParseInt(text, out var i))
                    {
                        return i is >= SmallIntMin and <= SmallIntMax ? SmallInts[i - SmallIntMin] : i;
                    }
                    throw Error(long.TryParse(text, IntStyle, CultureInfo.InvariantCulture, out _)
                        ? $"integer out of range for <{local}>: {Decode(text)}"
                        : $"bad integer: {Shorten(text)}");
                }
            case Tag.Struct:
                return Struct(depth);
            case Tag.Nil:
                if (!IsWhiteSpace(LeafText()))
                {
                    throw Error("<nil> with content");
                }
                return null;
            case Tag.Boolean:
                {
                    var text = LeafText();
                    if (text.Length == 1 && text[0] == '1')
                    {
                        return BoxedTrue;
                    }
                    if (text.Length == 1 && text[0] == '0')
                    {
                        return BoxedFalse;
                    }
                    throw Error($"bad boolean value: {Shorten(text)}");
                }
            case Tag.Double:
            case Tag.Float:
                {
                    var text = LeafText();
                    return TryParseDouble(text, out var d) ? d : throw Error($"bad double: {Shorten(text)}");
                }
            case Tag.Array:
                return Array(depth);
            case Tag.I8:
            case Tag.BigInteger:
                {
                    var text = LeafText();
                    return TryParseLong(text, out var l)
                        ? l
                        : throw Error($"bad or out of range 64-bit integer: {Shorten(text)}");
                }
            case Tag.Base64:
                return Base64(LeafText());
            case Tag.DateTime:
                {
                    var text = Decode(LeafText()).AsSpan().Trim();
                    foreach (var format in DateFormats)
                    {
                        if (System.DateTime.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt))
                        {
                            return dt;
                        }
                    }
                    throw Error($"bad dateTime.iso8601: {Shorten(text)}");
                }
            case Tag.BigDecimal:
                {
                    var text = LeafText();
                    return decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)
                        ? m
                        : throw Error($"bad bigdecimal: {Shorten(text)}");
                }
            default:
                throw Error($"unknown value type <{QName()}>");
        }
    }

    private OrderedDictionary<string, object?> Struct(int depth)
    {
        CheckDepth(depth);
        var hints = _st.StructSizeHints;
        var d = new OrderedDictionary<string, object?>(hints[depth], StringComparer.Ordinal);
        if (_kind == TagKind.Empty)
        {
            return d;
        }
        while (NextTag() != TagKind.End)
        {
            if (_tag != Tag.Member)
            {
                throw Unexpected("<member>");
            }
            if (_kind == TagKind.Empty || NextTag() == TagKind.End || _tag != Tag.Name)
            {
                throw Error("<member> without <name>");
            }
            // Interning member names makes the repeated keys of a list of structs share one string.
            var key = _st.Key(depth, d.Count, LeafText());
            ExpectStartValue();
            d[key] = Value(depth + 1);
            ExpectEnd();
        }
        hints[depth] = Math.Min(d.Count, 256);
        return d;
    }

    private List<object?> Array(int depth)
    {
        CheckDepth(depth);
        var list = new List<object?>();
        if (_kind == TagKind.Empty)
        {
            return list;
        }
        if (NextTag() == TagKind.End || _tag != Tag.Data)
        {
            throw Unexpected("<data>");
        }
        if (_kind == TagKind.Start)
        {
            while (NextTag() != TagKind.End)
            {
                if (_tag != Tag.Value)
                {
                    throw Unexpected("<value>");
                }
                list.Add(Value(depth + 1));
            }
        }
        ExpectEnd();
        return list;
    }

    private readonly void CheckDepth(int depth)
    {
        if (depth > _maxDepth)
        {
            throw Error(string.Create(CultureInfo.InvariantCulture, $"values nested deeper than {_maxDepth} levels"));
        }
    }

    /// <summary>Current tag is a leaf element: returns its text and reads its end tag, refusing child elements.</summary>
    private ReadOnlySpan<byte> LeafText()
    {
        if (_kind == TagKind.Empty)
        {
            return default;
        }
        var parentStart = _localStart;
        var parentLen = _nameStart + _nameLen - _localStart;
        var text = TextUntilTag();
        ReadTag();
        if (_kind != TagKind.End)
        {
            throw Error($"unexpected <{QName()}> inside <{Decode(_s.Slice(parentStart, parentLen))}>");
        }
        return text;
    }

    // ---- Tokenizer ----

    /// <summary>
    /// Moves to the next start or end tag, skipping whitespace, comments and processing
    /// instructions; refuses other text.
    /// </summary>
    private TagKind NextTag()
    {
        var s = _s;
        var pos = _pos;
        while (true)
        {
            while (pos < s.Length && IsSpace(s[pos]))
            {
                pos++;
            }
            if (pos >= s.Length)
            {
                _pos = pos;
                throw EndOfFile();
            }
            if (s[pos] != '<')
            {
                _pos = pos;
                throw Error("text outside a value");
            }
            _pos = pos;
            if (pos + 1 < s.Length && s[pos + 1] is (byte)'!' or (byte)'?')
            {
                if (pos + 2 < s.Length && s[pos + 2] == '[')
                {
                    throw Error("text outside a value");
                }
                SkipMarkup(root: false);
                pos = _pos;
                continue;
            }
            ReadTag();
            return _kind;
        }
    }

    /// <summary>
    /// At '&lt;': skips a comment, processing instruction or (refused) DTD and returns true, or
    /// returns false for a tag (left unread).
    /// </summary>
    private bool SkipMarkup(bool root)
    {
        var rest = _s[_pos..];
        if (rest.StartsWith("<!--"u8))
        {
            var end = rest[4..].IndexOf("--"u8);
            if (end < 0)
            {
                throw EndOfFile();
            }
            if (4 + end + 2 >= rest.Length || rest[4 + end + 2] != '>')
            {
                throw Error("An XML comment cannot contain '--'.");
            }
            _pos += 4 + end + 3;
            return true;
        }
        if (rest.StartsWith("<?"u8))
        {
            var end = rest.IndexOf("?>"u8);
            if (end < 0)
            {
                throw EndOfFile();
            }
            var target = rest[2..end];
            var nameEnd = target.IndexOfAny(" \t\r\n"u8);
            target = nameEnd < 0 ? target : target[..nameEnd];
            if (target.IsEmpty)
            {
                throw Error("processing instruction without a target");
            }
            if (target.Length == 3 && (target[0] | 0x20) == 'x' && (target[1] | 0x20) == 'm' && (target[2] | 0x20) == 'l')
            {
                throw Error("Unexpected XML declaration.");
            }
            _pos += end + 2;
            return true;
        }
        if (rest.StartsWith("<!DOCTYPE"u8))
        {
            throw Error("For security reasons DTD is prohibited in this XML document.");
        }
        if (rest.StartsWith("<!"u8))
        {
            throw Error(root ? "Data at the root level is invalid." : "unexpected markup declaration");
        }
        return false;
    }

    /// <summary>At '&lt;' of a start or end tag: reads it, keeping the element stack and checking end tags.</summary>
    private void ReadTag()
    {
        var s = _s;
        var pos = _pos + 1;
        if (pos < s.Length && s[pos] == '/')
        {
            EndTag(pos + 1);
            return;
        }
        if (pos + 8 <= s.Length && FastStartTag(pos))
        {
            return;
        }
        var nameStart = pos;
        if (pos >= s.Length)
        {
            throw EndOfFile();
        }
        var classes = Classes;
        if ((classes[s[pos]] & NameStartClass) == 0)
        {
            _pos = pos;
            throw Error("Name cannot begin with this character.");
        }
        var localStart = pos;
        pos++;
        while (pos < s.Length)
        {
            var cls = classes[s[pos]];
            if ((cls & NameClass) == 0)
            {
                break;
            }
            if (cls == ColonClass)
            {
                localStart = pos + 1;
            }
            pos++;
        }
        _nameStart = nameStart;
        _nameLen = pos - nameStart;
        _localStart = localStart == pos ? nameStart : localStart;
        _tag = Classify(s[_localStart..pos]);
        while (true)
        {
            var afterName = pos;
            if (pos < s.Length && (classes[s[pos]] & SpaceClass) != 0)
            {
                pos = SkipSpace(pos);
            }
            if (pos >= s.Length)
            {
                throw EndOfFile();
            }
            var c = s[pos];
            if (c == '>')
            {
                _pos = pos + 1;
                _kind = TagKind.Start;
                PushElement();
                return;
            }
            if (c == '/')
            {
                if (pos + 1 >= s.Length)
                {
                    throw EndOfFile();
                }
                if (s[pos + 1] != '>')
                {
                    _pos = pos;
                    throw Error("expected '>' after '/' in a tag");
                }
                _pos = pos + 2;
                _kind = TagKind.Empty;
                return;
            }
            if (pos == afterName || (classes[c] & NameStartClass) == 0)
            {
                _pos = pos;
                throw Error("malformed attribute in a start tag");
            }
            pos = SkipAttribute(pos);
        }
    }

    /// <summary>
    /// The tags XML-RPC writers emit, without prefix, attributes or spaces, recognised from one
    /// 8-byte load: "name&gt;" or "name/&gt;".
    /// </summary>
    private bool FastStartTag(int pos)
    {
        var w = BinaryPrimitives.ReadUInt64LittleEndian(_s[pos..]);
        Tag tag;
        int len;
        switch ((byte)w)
        {
            case (byte)'v' when (w & Mask6) == ValueGt:
                tag = Tag.Value;
                len = 5;
                break;
            case (byte)'m' when (w & Mask7) == MemberGt:
                tag = Tag.Member;
                len = 6;
                break;
            case (byte)'n' when (w & Mask5) == NameGt:
                tag = Tag.Name;
                len = 4;
                break;
            case (byte)'n' when (w & Mask5) == NilEmpty:
                _nameStart = _localStart = pos;
                _nameLen = 3;
                _tag = Tag.Nil;
                _kind = TagKind.Empty;
                _pos = pos + 5;
                return true;
            case (byte)'s' when (w & Mask7) == StringGt:
                tag = Tag.String;
                len = 6;
                break;
            case (byte)'s' when (w & Mask7) == StructGt:
                tag = Tag.Struct;
                len = 6;
                break;
            case (byte)'i' when (w & Mask4) == IntGt:
                tag = Tag.Int;
                len = 3;
                break;
            case (byte)'i' when (w & Mask3) == I8Gt:
                tag = Tag.I8;
                len = 2;
                break;
            case (byte)'d' when (w & Mask7) == DoubleGt:
                tag = Tag.Double;
                len = 6;
                break;
            case (byte)'d' when (w & Mask5) == DataGt:
                tag = Tag.Data;
                len = 4;
                break;
            case (byte)'a' when (w & Mask6) == ArrayGt:
                tag = Tag.Array;
                len = 5;
                break;
            case (byte)'b' when w == BooleanGt:
                tag = Tag.Boolean;
                len = 7;
                break;
            default:
                return false;
        }
        _nameStart = _localStart = pos;
        _nameLen = len;
        _tag = tag;
        _kind = TagKind.Start;
        _pos = pos + len + 1;
        PushElement();
        return true;
    }

    private const ulong Mask3 = (1UL << 24) - 1;
    private const ulong Mask4 = (1UL << 32) - 1;
    private const ulong Mask5 = (1UL << 40) - 1;
    private const ulong Mask6 = (1UL << 48) - 1;
    private const ulong Mask7 = (1UL << 56) - 1;
    private static readonly ulong ValueGt = Word("value>"u8);
    private static readonly ulong MemberGt = Word("member>"u8);
    private static readonly ulong NameGt = Word("name>"u8);
    private static readonly ulong NilEmpty = Word("nil/>"u8);
    private static readonly ulong StringGt = Word("string>"u8);
    private static readonly ulong StructGt = Word("struct>"u8);
    private static readonly ulong IntGt = Word("int>"u8);
    private static readonly ulong I8Gt = Word("i8>"u8);
    private static readonly ulong DoubleGt = Word("double>"u8);
    private static readonly ulong DataGt = Word("data>"u8);
    private static readonly ulong ArrayGt = Word("array>"u8);
    private static readonly ulong BooleanGt = Word("boolean>"u8);

    private static ulong Word(ReadOnlySpan<byte> text)
    {
        Span<byte> b = stackalloc byte[8];
        b.Clear();
        text.CopyTo(b);
        return BinaryPrimitives.ReadUInt64LittleEndian(b);
    }

    /// <summary>After '&lt;/': the name must be the innermost open element's.</summary>
    private void EndTag(int pos)
    {
        var s = _s;
        if (_depth == 0)
        {
            _pos = pos;
            throw Error("Data at the root level is invalid.");
        }
        var stack = _st.Elements;
        var start = stack[_depth * 2 - 2];
        var len = stack[_depth * 2 - 1];
        _kind = TagKind.End;
        _tag = Tag.Other;
        _nameStart = pos;
        _nameLen = len;
        _localStart = pos;
        if (len < 8 && pos + 8 <= s.Length && start + 8 <= s.Length)
        {
            // One 8-byte compare: the open element's name followed by '>'.
            var mask = len == 7 ? ulong.MaxValue : (1UL << (8 * (len + 1))) - 1;
            var expected = (BinaryPrimitives.ReadUInt64LittleEndian(s[start..]) & (mask >> 8)) | ((ulong)'>' << (8 * len));
            if ((BinaryPrimitives.ReadUInt64LittleEndian(s[pos..]) & mask) == expected)
            {
                _pos = pos + len + 1;
                _depth--;
                return;
            }
        }
        else if (pos + len < s.Length && s[pos + len] == '>' && s.Slice(pos, len).SequenceEqual(s.Slice(start, len)))
        {
            _pos = pos + len + 1;
            _depth--;
            return;
        }
        // Slow path: whitespace before '>', or a mismatch to report.
        var end = pos;
        while (end < s.Length && (Classes[s[end]] & NameClass) != 0)
        {
            end++;
        }
        _nameLen = end - pos;
        var close = SkipSpace(end);
        if (close >= s.Length)
        {
            _pos = close;
            throw EndOfFile();
        }
        if (end - pos != len || !s.Slice(pos, len).SequenceEqual(s.Slice(start, len)))
        {
            _pos = pos;
            var (line, col) = LineInfo(start);
            throw Error(string.Create(CultureInfo.InvariantCulture,
                $"The '{Decode(s.Slice(start, len))}' start tag on line {line} position {col} does not match the end tag of '{QName()}'."));
        }
        if (s[close] != '>')
        {
            _pos = close;
            throw Error("expected '>' to close an end tag");
        }
        _pos = close + 1;
        _depth--;
    }

    /// <summary>Checks one attribute (name = quoted value) for form; its value is ignored.</summary>
    private int SkipAttribute(int pos)
    {
        var s = _s;
        while (pos < s.Length && (Classes[s[pos]] & NameClass) != 0)
        {
            pos++;
        }
        pos = SkipSpace(pos);
        if (pos >= s.Length || s[pos] != '=')
        {
            _pos = pos;
            throw pos >= s.Length ? EndOfFile() : Error("expected '=' after an attribute name");
        }
        pos = SkipSpace(pos + 1);
        if (pos >= s.Length || s[pos] is not ((byte)'"' or (byte)'\''))
        {
            _pos = pos;
            throw pos >= s.Length ? EndOfFile() : Error("attribute value not quoted");
        }
        var quote = s[pos];
        var close = s[(pos + 1)..].IndexOf(quote);
        if (close < 0)
        {
            throw EndOfFile();
        }
        var value = s.Slice(pos + 1, close);
        if (value.Contains((byte)'<'))
        {
            _pos = pos;
            throw Error("'<' is not allowed in an attribute value");
        }
        var amp = value.IndexOf((byte)'&');
        while (amp >= 0)
        {
            _pos = pos + 1 + amp;
            Reference(append: false);
            var next = value[(_pos - pos - 1)..].IndexOf((byte)'&');
            amp = next < 0 ? -1 : _pos - pos - 1 + next;
        }
        return pos + 1 + close + 1;
    }

    private void PushElement()
    {
        var stack = _st.Elements;
        if (_depth * 2 + 2 > stack.Length)
        {
            System.Array.Resize(ref stack, stack.Length * 2);
            _st.Elements = stack;
        }
        stack[_depth * 2] = _nameStart;
        stack[_depth * 2 + 1] = _nameLen;
        _depth++;
    }

    /// <summary>
    /// Reads character data up to the next start or end tag, leaving the position on its '&lt;'.
    /// Plain text is returned as a slice of the document; text with references, CDATA, CRs,
    /// comments or processing instructions is assembled in the scratch buffer.
    /// </summary>
    private ReadOnlySpan<byte> TextUntilTag()
    {
        var s = _s;
        var start = _pos;
        // Most text is short: a table lookup per byte before the vectorised search.
        var classes = Classes;
        var stop = start;
        var limit = Math.Min(s.Length, start + 32);
        while (stop < limit && (classes[s[stop]] & TextStopClass) == 0)
        {
            stop++;
        }
        if (stop == limit)
        {
            var i = s[stop..].IndexOfAny(TextStop);
            if (i < 0)
            {
                _pos = s.Length;
                throw EndOfFile();
            }
            stop += i;
        }
        var i0 = stop - start;
        if (s[stop] == '<' && stop + 1 < s.Length && s[stop + 1] is not ((byte)'!' or (byte)'?'))
        {
            _pos = stop;
            return s.Slice(start, i0);
        }
        return SlowText(start, stop);
    }

    private ReadOnlySpan<byte> SlowText(int start, int stop)
    {
        var s = _s;
        var scratch = _st.Scratch;
        scratch.Clear();
        scratch.Append(s[start..stop]);
        var pos = stop;
        while (true)
        {
            if (pos >= s.Length)
            {
                _pos = pos;
                throw EndOfFile();
            }
            switch (s[pos])
            {
                case (byte)'<':
                    _pos = pos;
                    if (pos + 8 < s.Length && s.Slice(pos, 9).SequenceEqual("<![CDATA["u8))
                    {
                        var end = s[(pos + 9)..].IndexOf("]]>"u8);
                        if (end < 0)
                        {
                            throw EndOfFile();
                        }
                        AppendNormalised(scratch, s.Slice(pos + 9, end));
                        pos += 9 + end + 3;
                        break;
                    }
                    if (SkipMarkup(root: false))
                    {
                        pos = _pos;
                        break;
                    }
                    return scratch.Span;
                case (byte)'&':
                    _pos = pos;
                    Reference(append: true);
                    pos = _pos;
                    break;
                case (byte)'\r':
                    scratch.Append((byte)'\n');
                    pos++;
                    if (pos < s.Length && s[pos] == '\n')
                    {
                        pos++;
                    }
                    break;
                default: // ']'
                    if (pos + 2 < s.Length && s[pos + 1] == ']' && s[pos + 2] == '>')
                    {
                        _pos = pos;
                        throw Error("']]>' is not allowed in character data");
                    }
                    scratch.Append((byte)']');
                    pos++;
                    break;
            }
            var run = s[pos..].IndexOfAny(TextStop);
            var runEnd = run < 0 ? s.Length : pos + run;
            scratch.Append(s[pos..runEnd]);
            pos = runEnd;
        }
    }

    private static void AppendNormalised(Scratch scratch, ReadOnlySpan<byte> text)
    {
        while (true)
        {
            var cr = text.IndexOf((byte)'\r');
            if (cr < 0)
            {
                scratch.Append(text);
                return;
            }
            scratch.Append(text[..cr]);
            scratch.Append((byte)'\n');
            text = text[(cr + 1)..];
            if (!text.IsEmpty && text[0] == '\n')
            {
                text = text[1..];
            }
        }
    }

    /// <summary>At '&amp;': decodes a predefined entity or a character reference (appending it to the scratch buffer).</summary>
    private void Reference(bool append)
    {
        var s = _s;
        var start = _pos;
        var semi = s[start..Math.Min(s.Length, start + 40)].IndexOf((byte)';');
        if (semi < 0)
        {
            throw Error("An error occurred while parsing an entity reference.");
        }
        var body = s.Slice(start + 1, semi - 1);
        _pos = start + semi + 1;
        byte single;
        if (body.SequenceEqual("lt"u8))
        {
            single = (byte)'<';
        }
        else if (body.SequenceEqual("gt"u8))
        {
            single = (byte)'>';
        }
        else if (body.SequenceEqual("amp"u8))
        {
            single = (byte)'&';
        }
        else if (body.SequenceEqual("quot"u8))
        {
            single = (byte)'"';
        }
        else if (body.SequenceEqual("apos"u8))
        {
            single = (byte)'\'';
        }
        else if (!body.IsEmpty && body[0] == '#')
        {
            var cp = CharacterReference(body[1..], start);
            if (append)
            {
                Span<byte> utf8 = stackalloc byte[4];
                new Rune(cp).EncodeToUtf8(utf8);
                _st.Scratch.Append(utf8[..new Rune(cp).Utf8SequenceLength]);
            }
            return;
        }
        else
        {
            _pos = start;
            if (body.IsEmpty || !IsNameStart(body[0]))
            {
                throw Error("An error occurred while parsing an entity reference.");
            }
            throw Error($"Reference to undeclared entity '{Decode(body)}'.");
        }
        if (append)
        {
            _st.Scratch.Append(single);
        }
    }

    private int CharacterReference(ReadOnlySpan<byte> digits, int start)
    {
        var hex = !digits.IsEmpty && digits[0] == 'x';
        if (hex)
        {
            digits = digits[1..];
        }
        long cp = 0;
        foreach (var c in digits)
        {
            int d;
            if (c is >= (byte)'0' and <= (byte)'9')
            {
                d = c - '0';
            }
            else if (hex && (c | 0x20) is >= 'a' and <= 'f')
            {
                d = (c | 0x20) - 'a' + 10;
            }
            else
            {
                _pos = start;
                throw Error("Invalid syntax for a character reference.");
            }
            cp = cp * (hex ? 16 : 10) + d;
            if (cp > 0x10FFFF)
            {
                break;
            }
        }
        if (digits.IsEmpty)
        {
            _pos = start;
            throw Error("Invalid syntax for a character reference.");
        }
        if (!IsXmlChar(cp))
        {
            _pos = start;
            throw Error(cp > 0x10FFFF
                ? "character reference beyond U+10FFFF is an invalid character"
                : string.Create(CultureInfo.InvariantCulture, $"hexadecimal value 0x{cp:X2}, is an invalid character."));
        }
        return (int)cp;
    }

    private static bool IsXmlChar(long cp) =>
        cp is 0x9 or 0xA or 0xD or (>= 0x20 and <= 0xD7FF) or (>= 0xE000 and <= 0xFFFD) or (>= 0x10000 and <= 0x10FFFF);

    /// <summary>
    /// One pass over the document: valid UTF-8, no C0 controls other than TAB/LF/CR, no
    /// U+FFFE/U+FFFF. A pure-ASCII document costs one vectorised scan.
    /// </summary>
    private void CheckCharacters()
    {
        var s = _s;
        var first = s.IndexOfAny(CheckBytes);
        if (first < 0)
        {
            return;
        }
        var rest = s[first..];
        var control = rest.IndexOfAny(ForbiddenControls);
        var limit = control < 0 ? rest.Length : control;
        if (!Utf8.IsValid(rest[..limit]))
        {
            _pos = first + FirstInvalidUtf8(rest[..limit]);
            throw Error("invalid UTF-8 byte sequence");
        }
        var nonChar = IndexOfNonCharacter(rest[..limit]);
        if (nonChar >= 0)
        {
            _pos = first + nonChar;
            throw Error(string.Create(CultureInfo.InvariantCulture,
                $"hexadecimal value 0x{(rest[nonChar + 2] == 0xBE ? 0xFFFE : 0xFFFF):X4}, is an invalid character."));
        }
        if (control >= 0)
        {
            _pos = first + control;
            throw Error(string.Create(CultureInfo.InvariantCulture,
                $"hexadecimal value 0x{rest[control]:X2}, is an invalid character."));
        }
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        var offset = 0;
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out _, out var consumed) != OperationStatus.Done)
            {
                return offset;
            }
            offset += consumed;
            bytes = bytes[consumed..];
        }
        return offset;
    }

    private static int IndexOfNonCharacter(ReadOnlySpan<byte> bytes)
    {
        // U+FFFE and U+FFFF are EF BF BE and EF BF BF.
        var offset = 0;
        while (true)
        {
            var i = bytes.IndexOf(NonCharacterPrefix);
            if (i < 0 || i + 2 >= bytes.Length)
            {
                return -1;
            }
            if (bytes[i + 2] is 0xBE or 0xBF)
            {
                return offset + i;
            }
            offset += i + 2;
            bytes = bytes[(i + 2)..];
        }
    }

    // ---- Helpers ----

    private void SkipSpace() => _pos = SkipSpace(_pos);

    private readonly int SkipSpace(int pos)
    {
        var s = _s;
        while (pos < s.Length && IsSpace(s[pos]))
        {
            pos++;
        }
        return pos;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsSpace(byte c) => c is (byte)' ' or (byte)'\n' or (byte)'\t' or (byte)'\r';

    private static bool IsNameStart(byte c) => (Classes[c] & NameStartClass) != 0;

    private static byte[] BuildClasses()
    {
        var t = new byte[256];
        for (var c = 0; c < 256; c++)
        {
            var letter = (uint)((c | 0x20) - 'a') <= 'z' - 'a' || c is '_' || c >= 0x80;
            if (letter)
            {
                t[c] = NameStartClass | NameClass;
            }
            else if ((uint)(c - '0') <= 9 || c is '-' or '.')
            {
                t[c] = NameClass;
            }
            else if (c is ' ' or '\t' or '\n' or '\r')
            {
                t[c] = SpaceClass;
            }
        }
        t[':'] = ColonClass;
        foreach (var c in "<&\r]"u8)
        {
            t[c] |= TextStopClass;
        }
        return t;
    }

    private static Tag Classify(ReadOnlySpan<byte> n)
    {
        switch (n.Length)
        {
            case 2:
                if (n[0] == 'i')
                {
                    return n[1] switch
                    {
                        (byte)'4' => Tag.I4,
                        (byte)'8' => Tag.I8,
                        (byte)'1' => Tag.I1,
                        (byte)'2' => Tag.I2,
                        _ => Tag.Other,
                    };
                }
                return Tag.Other;
            case 3:
                return n.SequenceEqual("int"u8) ? Tag.Int : n.SequenceEqual("nil"u8) ? Tag.Nil : Tag.Other;
            case 4:
                return n.SequenceEqual("name"u8) ? Tag.Name : n.SequenceEqual("data"u8) ? Tag.Data : Tag.Other;
            case 5:
                return n[0] switch
                {
                    (byte)'v' when n.SequenceEqual("value"u8) => Tag.Value,
                    (byte)'p' when n.SequenceEqual("param"u8) => Tag.Param,
                    (byte)'a' when n.SequenceEqual("array"u8) => Tag.Array,
                    (byte)'f' when n.SequenceEqual("float"u8) => Tag.Float,
                    (byte)'f' when n.SequenceEqual("fault"u8) => Tag.Fault,
                    _ => Tag.Other,
                };
            case 6:
                return n[0] switch
                {
                    (byte)'s' when n.SequenceEqual("string"u8) => Tag.String,
                    (byte)'s' when n.SequenceEqual("struct"u8) => Tag.Struct,
                    (byte)'m' when n.SequenceEqual("member"u8) => Tag.Member,
                    (byte)'d' when n.SequenceEqual("double"u8) => Tag.Double,
                    (byte)'p' when n.SequenceEqual("params"u8) => Tag.Params,
                    (byte)'b' when n.SequenceEqual("base64"u8) => Tag.Base64,
                    _ => Tag.Other,
                };
            case 7:
                return n.SequenceEqual("boolean"u8) ? Tag.Boolean : Tag.Other;
            case 10:
                return n[0] switch
                {
                    (byte)'m' when n.SequenceEqual("methodCall"u8) => Tag.MethodCall,
                    (byte)'m' when n.SequenceEqual("methodName"u8) => Tag.MethodName,
                    (byte)'b' when n.SequenceEqual("biginteger"u8) => Tag.BigInteger,
                    (byte)'b' when n.SequenceEqual("bigdecimal"u8) => Tag.BigDecimal,
                    _ => Tag.Other,
                };
            case 14:
                return n.SequenceEqual("methodResponse"u8) ? Tag.MethodResponse : Tag.Other;
            case 16:
                return n.SequenceEqual("dateTime.iso8601"u8) ? Tag.DateTime : Tag.Other;
            default:
                return Tag.Other;
        }
    }

    private static bool IsWhiteSpace(ReadOnlySpan<byte> text)
    {
        var i = text.IndexOfAnyExcept(" \t\n\r"u8);
        return i < 0 || (text[i] >= 0x80 && string.IsNullOrWhiteSpace(Decode(text)));
    }

    private static string MakeString(ReadOnlySpan<byte> text) => text.IsEmpty ? string.Empty : Encoding.UTF8.GetString(text);

    private static string Decode(ReadOnlySpan<byte> text) => Encoding.UTF8.GetString(text);

    private static bool TryParseInt(ReadOnlySpan<byte> text, out int value)
    {
        if (TryParseDigits(text, 10, out var l) && l is >= int.MinValue and <= int.MaxValue)
        {
            value = (int)l;
            return true;
        }
        return int.TryParse(text, IntStyle, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryParseLong(ReadOnlySpan<byte> text, out long value) =>
        TryParseDigits(text, 18, out value) || long.TryParse(text, IntStyle, CultureInfo.InvariantCulture, out value);

    /// <summary>The common form: an optional '-' and 1 to <paramref name="maxDigits"/> digits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryParseDigits(ReadOnlySpan<byte> text, int maxDigits, out long value)
    {
        value = 0;
        var negative = !text.IsEmpty && text[0] == '-';
        var digits = negative ? text[1..] : text;
        if (digits.IsEmpty || digits.Length > maxDigits)
        {
            return false;
        }
        long v = 0;
        foreach (var c in digits)
        {
            var d = (uint)(c - '0');
            if (d > 9)
            {
                return false;
            }
            v = v * 10 + d;
        }
        value = negative ? -v : v;
        return true;
    }

    private static bool TryParseDouble(ReadOnlySpan<byte> text, out double value)
    {
        if (text.Length > 128)
        {
            return PythonFloat.TryParse(Decode(text), out value);
        }
        Span<char> chars = stackalloc char[text.Length];
        var n = Encoding.UTF8.GetChars(text, chars);
        return PythonFloat.TryParse(chars[..n], out value);
    }

    private byte[] Base64(ReadOnlySpan<byte> text)
    {
        var chars = Decode(text);
        var bytes = new byte[chars.Length / 4 * 3 + 3];
        if (!Convert.TryFromBase64Chars(chars, bytes, out var written))
        {
            throw Error("bad base64 data");
        }
        return written == bytes.Length ? bytes : bytes.AsSpan(0, written).ToArray();
    }

    private static string Shorten(ReadOnlySpan<byte> text) => Shorten(Decode(text));

    private static string Shorten(ReadOnlySpan<char> text) =>
        text.Length <= 40 ? text.ToString() : string.Concat(text[..40], "...");

    private readonly string QName() => Decode(_s.Slice(_nameStart, _nameLen));

    private readonly string LocalName() => Decode(_s.Slice(_localStart, _nameStart + _nameLen - _localStart));

    private readonly XmlRpcFormatException Unexpected(string expected)
    {
        var found = _kind == TagKind.End ? $"</{QName()}>" : $"<{QName()}>";
        return Error($"expected {expected}, found {found}");
    }

    private readonly XmlRpcFormatException EndOfFile()
    {
        var open = new StringBuilder();
        var stack = _st.Elements;
        for (var i = 0; i < _depth; i++)
        {
            open.Append(i == 0 ? "" : ", ").Append(Decode(_s.Slice(stack[i * 2], stack[i * 2 + 1])));
        }
        return Error(_depth == 0
            ? "Unexpected end of file has occurred."
            : $"Unexpected end of file has occurred. The following elements are not closed: {open}.");
    }

    private readonly XmlRpcFormatException Error(string reason)
    {
        var (line, col) = LineInfo(Math.Min(_pos, _s.Length));
        return new XmlRpcFormatException(string.Create(CultureInfo.InvariantCulture, $"{reason} (line {line}, position {col})"));
    }

    private readonly (int Line, int Column) LineInfo(int offset)
    {
        var before = _s[..offset];
        var line = before.Count((byte)'\n') + 1;
        var lineStart = before.LastIndexOf((byte)'\n') + 1;
        return (line, Encoding.UTF8.GetCharCount(before[lineStart..]) + 1);
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

    private static byte[] BuildForbiddenControls()
    {
        var list = new List<byte>();
        for (var c = 0; c < 0x20; c++)
        {
            if (c is not ('\t' or '\n' or '\r'))
            {
                list.Add((byte)c);
            }
        }
        return [.. list];
    }

    private static byte[] BuildCheckBytes()
    {
        var list = new List<byte>(BuildForbiddenControls());
        for (var c = 0x80; c <= 0xFF; c++)
        {
            list.Add((byte)c);
        }
        return [.. list];
    }
}

/// <summary>Per-thread reusable parser state: element stack, struct size hints, member-name cache, scratch text.</summary>
internal sealed class ParserState
{
    public int[] Elements = new int[64];
    public int[] StructSizeHints = new int[XmlRpcReaderOptions.DefaultMaxDepth + 2];
    public readonly NameCache Names = new();
    public readonly Scratch Scratch = new();

    public void EnsureDepth(int maxDepth)
    {
        var needed = Math.Clamp(maxDepth + 2, 2, 1 << 20);
        if (StructSizeHints.Length < needed)
        {
            StructSizeHints = new int[needed];
        }
    }

    public void ReleaseScratch() => Scratch.Release();

    // The name of the n-th member of the last struct read at each depth: the structs of a list
    // usually repeat their keys in the same order, so one comparison finds the string.
    private const int PredictedMembers = 64;
    private byte[]?[] _predictedBytes = new byte[(XmlRpcReaderOptions.DefaultMaxDepth + 2) * PredictedMembers][];
    private string[] _predictedNames = new string[(XmlRpcReaderOptions.DefaultMaxDepth + 2) * PredictedMembers];

    public string Key(int depth, int index, ReadOnlySpan<byte> name)
    {
        if (index >= PredictedMembers)
        {
            return Names.Get(name);
        }
        var slot = depth * PredictedMembers + index;
        if (slot >= _predictedBytes.Length)
        {
            if (depth > 1024)
            {
                return Names.Get(name);
            }
            System.Array.Resize(ref _predictedBytes, (depth + 1) * PredictedMembers);
            System.Array.Resize(ref _predictedNames, (depth + 1) * PredictedMembers);
        }
        var known = _predictedBytes[slot];
        if (known is not null && name.SequenceEqual(known))
        {
            return _predictedNames[slot];
        }
        var value = Names.Get(name);
        _predictedBytes[slot] = name.ToArray();
        _predictedNames[slot] = value;
        return value;
    }
}

/// <summary>A growable byte buffer on pooled arrays for text that cannot be sliced from the document.</summary>
internal sealed class Scratch
{
    private const int KeepLimit = 64 * 1024;
    private byte[] _buf = [];
    private int _len;

    public ReadOnlySpan<byte> Span => _buf.AsSpan(0, _len);

    public void Clear() => _len = 0;

    public void Append(byte b)
    {
        if (_len == _buf.Length)
        {
            Grow(1);
        }
        _buf[_len++] = b;
    }

    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_buf.Length - _len < bytes.Length)
        {
            Grow(bytes.Length);
        }
        bytes.CopyTo(_buf.AsSpan(_len));
        _len += bytes.Length;
    }

    private void Grow(int extra)
    {
        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(Math.Max(_buf.Length * 2, 1024), _len + extra));
        _buf.AsSpan(0, _len).CopyTo(bigger);
        if (_buf.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buf);
        }
        _buf = bigger;
    }

    /// <summary>Gives a large buffer back to the pool so one huge text does not stay with the thread.</summary>
    public void Release()
    {
        _len = 0;
        if (_buf.Length > KeepLimit)
        {
            ArrayPool<byte>.Shared.Return(_buf);
            _buf = [];
        }
    }
}

/// <summary>
/// Member names decoded once and reused: a direct-mapped cache keyed by the UTF-8 bytes, so the
/// keys of a list of structs share one string each and decoding them allocates nothing.
/// </summary>
internal sealed class NameCache
{
    private const int Size = 512;
    private const int MaxNameBytes = 64;
    private readonly byte[]?[] _keys = new byte[Size][];
    private readonly string[] _values = new string[Size];

    public string Get(ReadOnlySpan<byte> name)
    {
        if (name.IsEmpty)
        {
            return string.Empty;
        }
        if (name.Length > MaxNameBytes)
        {
            return Encoding.UTF8.GetString(name);
        }
        ulong w;
        if (name.Length >= 8)
        {
            w = BinaryPrimitives.ReadUInt64LittleEndian(name) ^ BinaryPrimitives.ReadUInt64LittleEndian(name[^8..]) * 31;
        }
        else
        {
            Span<byte> b = stackalloc byte[8];
            b.Clear();
            name.CopyTo(b);
            w = BinaryPrimitives.ReadUInt64LittleEndian(b);
        }
        w = (w ^ (ulong)name.Length) * 0x9E3779B97F4A7C15UL;
        var slot = (int)(w >> 55) & (Size - 1);
        var key = _keys[slot];
        if (key is not null && name.SequenceEqual(key))
        {
            return _values[slot];
        }
        var value = Encoding.UTF8.GetString(name);
        _keys[slot] = name.ToArray();
        _values[slot] = value;
        return value;
    }
}
