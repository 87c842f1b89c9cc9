namespace KojiNet.Rpm.Format;

/// <summary>Which of the two headers of a package is read; they differ in region tag and size limits.</summary>
public enum RpmHeaderKind
{
    /// <summary>The main header (region tag HEADERIMMUTABLE, up to 65535 entries and 256 MiB of data).</summary>
    Main,

    /// <summary>The signature header (region tag HEADERSIGNATURES, up to 32 entries and 64 MiB of data).</summary>
    Signature,
}
