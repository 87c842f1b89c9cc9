namespace KojiNet.Repodata;

/// <summary>
/// Repository metadata cannot be written or read: a package with missing or inconsistent
/// metadata (the message names it), a malformed repodata file, or a failed output step.
/// </summary>
public class RepodataException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public RepodataException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public RepodataException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public RepodataException()
    {
    }
}
