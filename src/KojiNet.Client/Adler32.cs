using System.Globalization;

namespace KojiNet.Client;

/// <summary>Adler-32 (RFC 1950), the checksum Koji's fast upload verifies chunks with.</summary>
internal sealed class Adler32
{
    private const uint Modulus = 65521;

    // The largest n with 255 n (n + 1) / 2 + (n + 1) (Modulus - 1) < 2^32: sums cannot overflow.
    private const int MaxRun = 5552;

    private uint _a = 1;
    private uint _b;

    public uint Value => (_b << 16) | _a;

    /// <summary>The checksum as Koji prints it: eight lowercase hex digits.</summary>
    public string HexDigest => Value.ToString("x8", CultureInfo.InvariantCulture);

    public static string Hex(ReadOnlySpan<byte> data)
    {
        var a = new Adler32();
        a.Append(data);
        return a.HexDigest;
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        var a = _a;
        var b = _b;
        while (data.Length > 0)
        {
            var run = Math.Min(data.Length, MaxRun);
            foreach (var d in data[..run])
            {
                a += d;
                b += a;
            }
            a %= Modulus;
            b %= Modulus;
            data = data[run..];
        }
        _a = a;
        _b = b;
    }
}
