namespace KojiNet.XmlRpc;

/// <summary>Limits applied while reading a document.</summary>
public sealed class XmlRpcReaderOptions
{
    /// <summary>Koji's default <c>MaxRequestLength</c>: 4 MiB.</summary>
    public const long DefaultMaxRequestLength = 4194304;

    /// <summary>The default nesting limit of arrays and structs.</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>The shared instance holding the defaults.</summary>
    public static XmlRpcReaderOptions Default { get; } = new();

    /// <summary>
    /// Most bytes read from the stream (Koji's <c>MaxRequestLength</c>); more raises
    /// <see cref="XmlRpcRequestTooLargeException"/>. Zero or negative means no limit.
    /// </summary>
    public long MaxRequestLength { get; init; } = DefaultMaxRequestLength;

    /// <summary>
    /// Deepest nesting of arrays and structs inside one parameter (the parameter itself is 1);
    /// deeper raises <see cref="XmlRpcFormatException"/>.
    /// </summary>
    public int MaxDepth { get; init; } = DefaultMaxDepth;
}

/// <summary>Choices for writing values.</summary>
public sealed class XmlRpcWriterOptions
{
    /// <summary>The shared instance holding the defaults (client behaviour for <see cref="DateTime"/>).</summary>
    public static XmlRpcWriterOptions Default { get; } = new();

    /// <summary>The options a Koji hub uses: <see cref="DateTime"/> values go out as Koji strings.</summary>
    public static XmlRpcWriterOptions Hub { get; } = new() { DateTimeAsString = true };

    /// <summary>
    /// When <see langword="true"/>, <see cref="DateTime"/> values are written as strings in Koji's
    /// form (<c>YYYY-MM-DD HH:MM:SS[.ffffff][+HH:MM]</c>, offset only for UTC or local kinds), as
    /// the Koji hub does. When <see langword="false"/> (default) they are written as
    /// <c>dateTime.iso8601</c> (<c>YYYYMMDDTHH:MM:SS</c>), as the Koji client does.
    /// <see cref="DateTimeOffset"/> values are always written as Koji strings.
    /// </summary>
    public bool DateTimeAsString { get; init; }
}
