namespace KojiNet.Rpm;

/// <summary>
/// Raised for any RPM file or payload that is not well formed: truncated data, wrong magic,
/// impossible counts or offsets, oversized headers, corrupt compression or cpio data.
/// The message names the problem and, where known, the byte offset.
/// </summary>
public sealed class RpmFormatException : Exception
{
    /// <summary>Creates the exception with a message naming the problem.</summary>
    public RpmFormatException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying error.</summary>
    public RpmFormatException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with no message (prefer the other constructors).</summary>
    public RpmFormatException() : base("malformed RPM data")
    {
    }
}
