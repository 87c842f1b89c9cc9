using System.Buffers.Binary;
using System.Globalization;

namespace KojiNet.Rpm;

/// <summary>
/// The facts rpm and Koji read from an OpenPGP signature packet stored in a signature header
/// (RSAHEADER, DSAHEADER, PGP or GPG): version 3 or 4, algorithms, issuer key id and creation time.
/// The signature itself is not verified.
/// </summary>
public sealed class RpmPgpSignature
{
    private RpmPgpSignature(int version, byte signatureType, byte publicKeyAlgorithm, byte hashAlgorithm, ulong? keyId, DateTimeOffset? created)
    {
        Version = version;
        SignatureType = signatureType;
        PublicKeyAlgorithm = publicKeyAlgorithm;
        HashAlgorithm = hashAlgorithm;
        KeyIdValue = keyId;
        Created = created;
    }

    /// <summary>Signature packet version (3 or 4).</summary>
    public int Version { get; }

    /// <summary>OpenPGP signature type (0 = binary document).</summary>
    public byte SignatureType { get; }

    /// <summary>OpenPGP public-key algorithm number: 1 RSA, 17 DSA, 19 ECDSA, 22 EdDSA.</summary>
    public byte PublicKeyAlgorithm { get; }

    /// <summary>OpenPGP hash algorithm number: 1 MD5, 2 SHA1, 8 SHA256, 9 SHA384, 10 SHA512, 11 SHA224.</summary>
    public byte HashAlgorithm { get; }

    /// <summary>The issuer key id as a number, or null when the packet names no issuer.</summary>
    public ulong? KeyIdValue { get; }

    /// <summary>The issuer key id as 16 lowercase hex digits (as rpm prints it), or null when the packet names no issuer.</summary>
    public string? KeyId => KeyIdValue?.ToString("x16", CultureInfo.InvariantCulture);

    /// <summary>The last 8 hex digits of the key id: Koji's <c>sigkey</c>.</summary>
    public string? ShortKeyId => KeyId?[8..];

    /// <summary>Signature creation time, or null when the packet has none.</summary>
    public DateTimeOffset? Created { get; }

    /// <summary>rpm's name for <see cref="PublicKeyAlgorithm"/> (e.g. RSA, DSA, EdDSA).</summary>
    public string PublicKeyAlgorithmName => PublicKeyAlgorithm switch
    {
        1 => "RSA",
        2 => "RSA(Encrypt-Only)",
        3 => "RSA(Sign-Only)",
        16 => "Elgamal(Encrypt-Only)",
        17 => "DSA",
        18 => "Elliptic Curve",
        19 => "ECDSA",
        20 => "Elgamal",
        21 => "Diffie-Hellman (X9.42)",
        22 => "EdDSA",
        _ => "Unknown public key algorithm",
    };

    /// <summary>rpm's name for <see cref="HashAlgorithm"/> (e.g. SHA256).</summary>
    public string HashAlgorithmName => HashAlgorithm switch
    {
        1 => "MD5",
        2 => "SHA1",
        3 => "RIPEMD160",
        5 => "MD2",
        6 => "TIGER192",
        7 => "HAVAL-5-160",
        8 => "SHA256",
        9 => "SHA384",
        10 => "SHA512",
        11 => "SHA224",
        _ => "Unknown hash algorithm",
    };

    /// <summary>
    /// The signature in the form of rpm's <c>:pgpsig</c> query format, with the time in UTC:
    /// <c>RSA/SHA256, Tue Jan  2 03:04:05 2024, Key ID 0123456789abcdef</c>.
    /// </summary>
    public override string ToString()
    {
        var time = Created?.UtcDateTime.ToString("ddd MMM ", CultureInfo.InvariantCulture)
            + Created?.UtcDateTime.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2)
            + Created?.UtcDateTime.ToString(" HH:mm:ss yyyy", CultureInfo.InvariantCulture);
        return $"{PublicKeyAlgorithmName}/{HashAlgorithmName}, {time}, Key ID {KeyId}";
    }

    /// <summary>Parses one OpenPGP signature packet (old or new packet format, version 3 or 4).</summary>
    /// <exception cref="RpmFormatException">The bytes are not a well-formed signature packet.</exception>
    public static RpmPgpSignature Parse(ReadOnlySpan<byte> packet)
    {
        var body = PacketBody(packet);
        if (body.IsEmpty)
        {
            throw new RpmFormatException("empty OpenPGP signature packet");
        }
        return body[0] switch
        {
            3 => ParseV3(body),
            4 => ParseV4(body),
            _ => throw new RpmFormatException($"unsupported OpenPGP signature version {body[0]}"),
        };
    }

    private static ReadOnlySpan<byte> PacketBody(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < 2 || (packet[0] & 0x80) == 0)
        {
            throw new RpmFormatException("not an OpenPGP packet");
        }
        int tag;
        long length;
        int headerLength;
        if ((packet[0] & 0x40) != 0)
        {
            tag = packet[0] & 0x3F;
            var b1 = packet[1];
            if (b1 < 192)
            {
                (length, headerLength) = (b1, 2);
            }
            else if (b1 < 224)
            {
                Need(packet, 3);
                (length, headerLength) = (((b1 - 192) << 8) + packet[2] + 192, 3);
            }
            else if (b1 == 255)
            {
                Need(packet, 6);
                (length, headerLength) = (BinaryPrimitives.ReadUInt32BigEndian(packet[2..]), 6);
            }
            else
            {
                throw new RpmFormatException("OpenPGP partial body lengths are not allowed in a signature");
            }
        }
        else
        {
            tag = (packet[0] >> 2) & 0x0F;
            switch (packet[0] & 3)
            {
                case 0:
                    (length, headerLength) = (packet[1], 2);
                    break;
                case 1:
                    Need(packet, 3);
                    (length, headerLength) = (BinaryPrimitives.ReadUInt16BigEndian(packet[1..]), 3);
                    break;
                case 2:
                    Need(packet, 5);
                    (length, headerLength) = (BinaryPrimitives.ReadUInt32BigEndian(packet[1..]), 5);
                    break;
                default:
                    (length, headerLength) = (packet.Length - 1, 1);
                    break;
            }
        }
        if (tag != 2)
        {
            throw new RpmFormatException($"OpenPGP packet has tag {tag}, expected 2 (signature)");
        }
        if (length > packet.Length - headerLength)
        {
            throw new RpmFormatException($"truncated OpenPGP signature packet: body of {length} bytes, {packet.Length - headerLength} present");
        }
        return packet.Slice(headerLength, (int)length);
    }

    private static void Need(ReadOnlySpan<byte> data, int bytes)
    {
        if (data.Length < bytes)
        {
            throw new RpmFormatException("truncated OpenPGP signature packet");
        }
    }

    private static RpmPgpSignature ParseV3(ReadOnlySpan<byte> body)
    {
        // version, hashed length (5), type, time[4], key id[8], public-key algo, hash algo, hash prefix[2]
        Need(body, 19);
        if (body[1] != 5)
        {
            throw new RpmFormatException($"OpenPGP v3 signature hashed length {body[1]}, expected 5");
        }
        var created = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32BigEndian(body[3..]));
        return new RpmPgpSignature(3, body[2], body[15], body[16], BinaryPrimitives.ReadUInt64BigEndian(body[7..]), created);
    }

    private static RpmPgpSignature ParseV4(ReadOnlySpan<byte> body)
    {
        // version, type, public-key algo, hash algo, hashed subpackets, unhashed subpackets, hash prefix[2]
        Need(body, 6);
        var hashedLength = BinaryPrimitives.ReadUInt16BigEndian(body[4..]);
        Need(body, 6 + hashedLength + 2);
        var hashed = body.Slice(6, hashedLength);
        var unhashedLength = BinaryPrimitives.ReadUInt16BigEndian(body[(6 + hashedLength)..]);
        Need(body, 8 + hashedLength + unhashedLength + 2);
        var unhashed = body.Slice(8 + hashedLength, unhashedLength);
        ulong? issuer = null;
        ulong? fingerprintId = null;
        DateTimeOffset? created = null;
        ReadSubpackets(hashed, ref issuer, ref fingerprintId, ref created, hashedArea: true);
        ReadSubpackets(unhashed, ref issuer, ref fingerprintId, ref created, hashedArea: false);
        return new RpmPgpSignature(4, body[1], body[2], body[3], issuer ?? fingerprintId, created);
    }

    private static void ReadSubpackets(ReadOnlySpan<byte> area, ref ulong? issuer, ref ulong? fingerprintId,
        ref DateTimeOffset? created, bool hashedArea)
    {
        while (!area.IsEmpty)
        {
            int length;
            int lengthBytes;
            if (area[0] < 192)
            {
                (length, lengthBytes) = (area[0], 1);
            }
            else if (area[0] < 255)
            {
                Need(area, 2);
                (length, lengthBytes) = (((area[0] - 192) << 8) + area[1] + 192, 2);
            }
            else
            {
                Need(area, 5);
                var l = BinaryPrimitives.ReadUInt32BigEndian(area[1..]);
                (length, lengthBytes) = (l > int.MaxValue ? int.MaxValue : (int)l, 5);
            }
            if (length < 1 || length > area.Length - lengthBytes)
            {
                throw new RpmFormatException("malformed OpenPGP signature subpacket length");
            }
            var sub = area.Slice(lengthBytes, length);
            var data = sub[1..];
            switch (sub[0] & 0x7F)
            {
                case 2 when hashedArea && data.Length >= 4:
                    created = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadUInt32BigEndian(data));
                    break;
                case 16 when data.Length >= 8:
                    issuer ??= BinaryPrimitives.ReadUInt64BigEndian(data);
                    break;
                case 33 when data.Length == 21 && data[0] == 4:
                    fingerprintId ??= BinaryPrimitives.ReadUInt64BigEndian(data[13..]);
                    break;
                default:
                    break;
            }
            area = area[(lengthBytes + length)..];
        }
    }
}
