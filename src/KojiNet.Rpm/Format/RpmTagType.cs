namespace KojiNet.Rpm.Format;

/// <summary>The data type of a header entry, as stored in the index (rpm's <c>rpmTagType</c> numbering).</summary>
public enum RpmTagType
{
    /// <summary>No data. rpm rejects such entries in a header read from disk.</summary>
    Null = 0,

    /// <summary>Single bytes interpreted as characters.</summary>
    Char = 1,

    /// <summary>Unsigned 8-bit integers.</summary>
    Int8 = 2,

    /// <summary>Big-endian unsigned 16-bit integers, 2-byte aligned.</summary>
    Int16 = 3,

    /// <summary>Big-endian unsigned 32-bit integers, 4-byte aligned.</summary>
    Int32 = 4,

    /// <summary>Big-endian unsigned 64-bit integers, 8-byte aligned.</summary>
    Int64 = 5,

    /// <summary>One NUL-terminated string (count is always 1).</summary>
    String = 6,

    /// <summary>Opaque bytes; count is the length in bytes.</summary>
    Bin = 7,

    /// <summary>count NUL-terminated strings, back to back.</summary>
    StringArray = 8,

    /// <summary>count NUL-terminated strings, one per locale listed in HEADERI18NTABLE.</summary>
    I18NString = 9,
}
