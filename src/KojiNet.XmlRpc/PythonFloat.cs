using System.Globalization;

namespace KojiNet.XmlRpc;

/// <summary>
/// Doubles as Python's <c>repr(float)</c> writes them (what the Koji hub puts in
/// <c>&lt;double&gt;</c>) and as Python's <c>float()</c> reads them.
/// </summary>
public static class PythonFloat
{
    /// <summary>Longest text <see cref="TryFormat"/> can produce.</summary>
    public const int MaxLength = 32;

    /// <summary>
    /// Python's <c>repr</c> of <paramref name="value"/>: the shortest text that round-trips;
    /// plain notation with at least one fractional digit (<c>1.0</c>) when the decimal exponent
    /// is in [-4, 16), otherwise exponent notation (<c>1e+16</c>, <c>1.5e-05</c>);
    /// <c>inf</c>, <c>-inf</c>, <c>nan</c>.
    /// </summary>
    public static string Format(double value)
    {
        Span<char> buf = stackalloc char[MaxLength];
        TryFormat(value, buf, out var n);
        return new string(buf[..n]);
    }

    /// <summary>Writes <see cref="Format"/>'s text into <paramref name="destination"/> (needs <see cref="MaxLength"/> chars).</summary>
    public static bool TryFormat(double value, Span<char> destination, out int charsWritten)
    {
        charsWritten = 0;
        if (destination.Length < MaxLength)
        {
            return false;
        }
        if (double.IsNaN(value))
        {
            "nan".CopyTo(destination);
            charsWritten = 3;
            return true;
        }
        if (double.IsInfinity(value))
        {
            var s = value > 0 ? "inf" : "-inf";
            s.CopyTo(destination);
            charsWritten = s.Length;
            return true;
        }
        var pos = 0;
        if (double.IsNegative(value))
        {
            destination[pos++] = '-';
            value = -value;
        }
        if (value == 0)
        {
            "0.0".CopyTo(destination[pos..]);
            charsWritten = pos + 3;
            return true;
        }

        // .NET's "R" gives the shortest round-trip digits; only the layout differs from Python.
        Span<char> r = stackalloc char[40];
        value.TryFormat(r, out var rn, "R", CultureInfo.InvariantCulture);
        r = r[..rn];
        var exp = 0;
        var e = r.IndexOfAny('E', 'e');
        if (e >= 0)
        {
            exp = int.Parse(r[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..e];
        }
        Span<char> digits = stackalloc char[24];
        var nd = 0;
        var intDigits = -1;
        foreach (var c in r)
        {
            if (c == '.')
            {
                intDigits = nd;
            }
            else
            {
                digits[nd++] = c;
            }
        }
        if (intDigits < 0)
        {
            intDigits = nd;
        }
        // value = 0.DIGITS * 10^decpt
        var decpt = intDigits + exp;
        var lead = 0;
        while (lead < nd - 1 && digits[lead] == '0')
        {
            lead++;
            decpt--;
        }
        digits = digits[lead..nd];
        nd = digits.Length;
        while (nd > 1 && digits[nd - 1] == '0')
        {
            nd--;
        }
        digits = digits[..nd];

        if (decpt > -4 && decpt <= 16)
        {
            if (decpt <= 0)
            {
                destination[pos++] = '0';
                destination[pos++] = '.';
                for (var i = 0; i < -decpt; i++)
                {
                    destination[pos++] = '0';
                }
                digits.CopyTo(destination[pos..]);
                pos += nd;
            }
            else if (decpt >= nd)
            {
                digits.CopyTo(destination[pos..]);
                pos += nd;
                for (var i = nd; i < decpt; i++)
                {
                    destination[pos++] = '0';
                }
                destination[pos++] = '.';
                destination[pos++] = '0';
            }
            else
            {
                digits[..decpt].CopyTo(destination[pos..]);
                pos += decpt;
                destination[pos++] = '.';
                digits[decpt..].CopyTo(destination[pos..]);
                pos += nd - decpt;
            }
        }
        else
        {
            destination[pos++] = digits[0];
            if (nd > 1)
            {
                destination[pos++] = '.';
                digits[1..].CopyTo(destination[pos..]);
                pos += nd - 1;
            }
            destination[pos++] = 'e';
            var x = decpt - 1;
            destination[pos++] = x < 0 ? '-' : '+';
            x = Math.Abs(x);
            if (x < 10)
            {
                destination[pos++] = '0';
            }
            x.TryFormat(destination[pos..], out var xn, default, CultureInfo.InvariantCulture);
            pos += xn;
        }
        charsWritten = pos;
        return true;
    }

    /// <summary>
    /// Parses like Python's <c>float()</c>: surrounding whitespace, a sign, decimal or exponent
    /// notation, and <c>inf</c>/<c>infinity</c>/<c>nan</c> in any case.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out double value)
    {
        text = text.Trim();
        var body = text;
        var negative = false;
        if (body.Length > 0 && (body[0] == '+' || body[0] == '-'))
        {
            negative = body[0] == '-';
            body = body[1..];
        }
        if (body.Equals("inf", StringComparison.OrdinalIgnoreCase)
            || body.Equals("infinity", StringComparison.OrdinalIgnoreCase))
        {
            value = negative ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (body.Equals("nan", StringComparison.OrdinalIgnoreCase))
        {
            value = double.NaN;
            return true;
        }
        // Reject the spellings .NET accepts and Python does not ("Infinity" is handled above).
        if (body.Length == 0 || !(char.IsAsciiDigit(body[0]) || body[0] == '.'))
        {
            value = 0;
            return false;
        }
        return double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint
            | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value);
    }
}
