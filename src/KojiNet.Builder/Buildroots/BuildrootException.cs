using KojiNet.XmlRpc;

namespace KojiNet.Builder.Buildroots;

/// <summary>
/// A buildroot or build failure, carrying the Koji fault code the task fails with:
/// <see cref="KojiFaultCode.BuildrootError"/> when the buildroot itself cannot be set up (tool
/// missing, init failed), <see cref="KojiFaultCode.BuildError"/> when the build in it fails.
/// The message names the log to read, as kojid's does.
/// </summary>
public sealed class BuildrootException : XmlRpcFaultException
{
    /// <summary>A <see cref="KojiFaultCode.BuildError"/> with the given message.</summary>
    public BuildrootException(string message)
        : base(KojiFaultCode.BuildError, message)
    {
    }

    /// <summary>A failure with the given fault code and message.</summary>
    public BuildrootException(int faultCode, string message)
        : base(faultCode, message)
    {
    }

    /// <summary>A failure with the given fault code, message and cause.</summary>
    public BuildrootException(int faultCode, string message, Exception? innerException)
        : base(faultCode, message, innerException)
    {
    }

    /// <summary>A <see cref="KojiFaultCode.BuildError"/> with the given message and cause.</summary>
    public BuildrootException(string message, Exception? innerException)
        : base(KojiFaultCode.BuildError, message, innerException)
    {
    }

    /// <summary>A <see cref="KojiFaultCode.BuildError"/> with a generic message.</summary>
    public BuildrootException()
        : base(KojiFaultCode.BuildError, "build failed")
    {
    }

    internal static BuildrootException Setup(string message, Exception? inner = null) =>
        new(KojiFaultCode.BuildrootError, message, inner);
}
