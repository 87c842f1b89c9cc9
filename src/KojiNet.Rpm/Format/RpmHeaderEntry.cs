namespace KojiNet.Rpm.Format;

/// <summary>One index entry of a header: which tag, its type, where its data is and how long it is.</summary>
/// <param name="Tag">The tag number.</param>
/// <param name="Type">The data type.</param>
/// <param name="Offset">Offset of the data from the start of the header's data store.</param>
/// <param name="Count">Number of elements (bytes for BIN, strings for string arrays).</param>
/// <param name="Length">Length of the data in bytes, computed and checked when the header was read.</param>
public readonly record struct RpmHeaderEntry(int Tag, RpmTagType Type, int Offset, int Count, int Length);
