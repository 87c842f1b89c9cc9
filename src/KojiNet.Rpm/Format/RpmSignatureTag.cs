namespace KojiNet.Rpm.Format;

/// <summary>
/// Tag numbers used in the signature header. Numbers below 1000 are shared with the main header
/// (rpm merges them into it when it loads a package); 1000 and above have signature-only meanings.
/// </summary>
public static class RpmSignatureTag
{
    /// <summary>Region tag of the signature header's immutable region.</summary>
    public const int HeaderSignatures = 62;

    /// <summary>OpenPGP DSA (or ECDSA) signature of the main header (BIN).</summary>
    public const int Dsa = 267;

    /// <summary>OpenPGP RSA (or EdDSA) signature of the main header (BIN).</summary>
    public const int Rsa = 268;

    /// <summary>SHA-1 of the main header, as lowercase hex (STRING).</summary>
    public const int Sha1 = 269;

    /// <summary>Size of main header plus payload when it exceeds 32 bits (INT64).</summary>
    public const int LongSize = 270;

    /// <summary>Uncompressed payload size when it exceeds 32 bits (INT64).</summary>
    public const int LongArchiveSize = 271;

    /// <summary>SHA-256 of the main header, as lowercase hex (STRING).</summary>
    public const int Sha256 = 273;

    /// <summary>Size of main header plus payload (INT32).</summary>
    public const int Size = 1000;

    /// <summary>Legacy OpenPGP RSA signature of header plus payload (BIN).</summary>
    public const int Pgp = 1002;

    /// <summary>MD5 of main header plus payload (BIN, 16 bytes); rpm shows it as SIGMD5.</summary>
    public const int Md5 = 1004;

    /// <summary>Legacy OpenPGP DSA signature of header plus payload (BIN).</summary>
    public const int Gpg = 1005;

    /// <summary>Uncompressed payload size (INT32).</summary>
    public const int PayloadSize = 1007;

    /// <summary>Zero bytes reserved so a signature can be added in place (BIN).</summary>
    public const int ReservedSpace = 1008;
}
