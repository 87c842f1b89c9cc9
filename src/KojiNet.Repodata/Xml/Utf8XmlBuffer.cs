using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace KojiNet.Repodata.Xml;

/// <summary>
/// A growable UTF-8 buffer with the escaping libxml2 applies when createrepo_c serialises a node
/// without a document: in text, <c>&amp; &lt; &gt;</c> and CR become references and everything
/// else stays UTF-8; in attribute values also <c>"</c>, tab and LF, and every non-ASCII
/// character becomes a hexadecimal character reference (<c>&amp;#xF6;</c>).
/// </summary>
internal sealed class Utf8XmlBuffer
{
    private static readonly SearchValues<char> TextSpecial = SearchValues.Create("&<>\r");

    private byte[] _buffer;
    private int _length;

    public Utf8XmlBuffer(int capacity = 4096)
    {
        _buffer = new byte[capacity];
    }

    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Clear() => _length = 0;

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            var size = Math.Max(_buffer.Length * 2, _length + count);
            Array.Resize(ref _buffer, size);
        }
        return _buffer.AsSpan(_length);
    }

    /// <summary>Appends bytes as they are (markup).</summary>
    public void Raw(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(Reserve(bytes.Length));
        _length += bytes.Length;
    }

    /// <summary>Appends a decimal number.</summary>
    public void Number(long value)
    {
        var span = Reserve(20);
        if (!Utf8Formatter.TryFormat(value, span, out var written))
        {
            throw new InvalidOperationException("number does not fit");
        }
        _length += written;
    }

    private void Utf8(ReadOnlySpan<char> chars)
    {
        if (chars.IsEmpty)
        {
            return;
        }
        var span = Reserve(Encoding.UTF8.GetMaxByteCount(chars.Length));
        _length += Encoding.UTF8.GetBytes(chars, span);
    }

    /// <summary>Appends element text content.</summary>
    public void Text(string? value)
    {
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            var i = rest.IndexOfAny(TextSpecial);
            if (i < 0)
            {
                Utf8(rest);
                return;
            }
            Utf8(rest[..i]);
            Raw(rest[i] switch
            {
                '&' => "&amp;"u8,
                '<' => "&lt;"u8,
                '>' => "&gt;"u8,
                _ => "&#13;"u8,
            });
            rest = rest[(i + 1)..];
        }
    }

    /// <summary>Appends an attribute value (without the quotes).</summary>
    public void Attribute(string? value)
    {
        var rest = value.AsSpan();
        while (!rest.IsEmpty)
        {
            var i = IndexOfAttributeSpecial(rest);
            if (i < 0)
            {
                Utf8(rest);
                return;
            }
            Utf8(rest[..i]);
            var c = rest[i];
            var consumed = 1;
            switch (c)
            {
                case '\n':
                    Raw("&#10;"u8);
                    break;
                case '\r':
                    Raw("&#13;"u8);
                    break;
                case '\t':
                    Raw("&#9;"u8);
                    break;
                case '"':
                    Raw("&quot;"u8);
                    break;
                case '<':
                    Raw("&lt;"u8);
                    break;
                case '>':
                    Raw("&gt;"u8);
                    break;
                case '&':
                    Raw("&amp;"u8);
                    break;
                default:
                    if (Rune.DecodeFromUtf16(rest[i..], out var rune, out consumed) != OperationStatus.Done)
                    {
                        rune = Rune.ReplacementChar;
                    }
                    Raw("&#x"u8);
                    var span = Reserve(8);
                    if (!Utf8Formatter.TryFormat(rune.Value, span, out var written, new StandardFormat('X')))
                    {
                        throw new InvalidOperationException("character reference does not fit");
                    }
                    _length += written;
                    Raw(";"u8);
                    break;
            }
            rest = rest[(i + consumed)..];
        }
    }

    private static int IndexOfAttributeSpecial(ReadOnlySpan<char> s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c >= 0x80 || c is '\n' or '\r' or '\t' or '"' or '<' or '>' or '&')
            {
                return i;
            }
        }
        return -1;
    }
}
