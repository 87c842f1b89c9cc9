namespace KojiNet.Client;

/// <summary>
/// An upload the hub accepted did not arrive intact: a size or checksum the hub reported does not
/// match what was sent, or the legacy <c>uploadFile</c> call kept answering <c>false</c>.
/// </summary>
public sealed class KojiUploadException : IOException
{
    /// <summary>Creates the exception with a message.</summary>
    public KojiUploadException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public KojiUploadException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a generic message.</summary>
    public KojiUploadException()
        : base("upload failed")
    {
    }
}
