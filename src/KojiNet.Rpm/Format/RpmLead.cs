using System.Buffers.Binary;
using System.Text;

namespace KojiNet.Rpm.Format;

/// <summary>
/// The 96-byte lead at the start of every RPM file. Only its magic, version and signature type
/// matter to rpm today; the name and arch number are informational.
/// </summary>
public sealed class RpmLead
{
    /// <summary>Size of the lead in bytes.</summary>
    public const int Size = 96;

    /// <summary>Signature type of every package rpm accepts: a signature header follows the lead.</summary>
    public const short HeaderSignatureType = 5;

    private readonly byte[] _bytes;

    private RpmLead(byte[] bytes) => _bytes = bytes;

    /// <summary>Major format version (3 for packages written by rpm 3.x and 4.x).</summary>
    public byte Major => _bytes[4];

    /// <summary>Minor format version.</summary>
    public byte Minor => _bytes[5];

    /// <summary>True when the lead marks a source package (type 1). rpm itself trusts the header, not this.</summary>
    public bool IsSource => BinaryPrimitives.ReadInt16BigEndian(_bytes.AsSpan(6)) == 1;

    /// <summary>Architecture number (legacy, informational).</summary>
    public short ArchNumber => BinaryPrimitives.ReadInt16BigEndian(_bytes.AsSpan(8));

    /// <summary>The NEVR string stored in the lead (up to 65 bytes, informational).</summary>
    public string Name
    {
        get
        {
            var name = _bytes.AsSpan(10, 66);
            var nul = name.IndexOf((byte)0);
            return Encoding.UTF8.GetString(nul < 0 ? name : name[..nul]);
        }
    }

    /// <summary>Operating system number (legacy, 1 = Linux).</summary>
    public short OsNumber => BinaryPrimitives.ReadInt16BigEndian(_bytes.AsSpan(76));

    /// <summary>Signature type; always <see cref="HeaderSignatureType"/> for a valid package.</summary>
    public short SignatureType => BinaryPrimitives.ReadInt16BigEndian(_bytes.AsSpan(78));

    /// <summary>The 96 bytes of the lead as read.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Parses and checks a lead the way rpm does: magic ED AB EE DB, major version 3 or 4, header signature type.</summary>
    /// <exception cref="RpmFormatException">The bytes are not a valid lead.</exception>
    public static RpmLead Parse(ReadOnlySpan<byte> data)
    {
        if (data.Length < Size)
        {
            throw new RpmFormatException($"truncated RPM lead: {data.Length} of {Size} bytes");
        }
        if (data[0] != 0xED || data[1] != 0xAB || data[2] != 0xEE || data[3] != 0xDB)
        {
            throw new RpmFormatException(
                $"not an RPM file: lead magic is {Convert.ToHexString(data[..4])}, expected EDABEEDB");
        }
        var lead = new RpmLead(data[..Size].ToArray());
        if (lead.Major is < 3 or > 4)
        {
            throw new RpmFormatException($"unsupported RPM lead version {lead.Major}.{lead.Minor}");
        }
        if (lead.SignatureType != HeaderSignatureType)
        {
            throw new RpmFormatException($"unsupported RPM signature type {lead.SignatureType} in lead, expected {HeaderSignatureType}");
        }
        return lead;
    }
}
