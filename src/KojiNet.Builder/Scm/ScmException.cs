using KojiNet.XmlRpc;

namespace KojiNet.Builder.Scm;

/// <summary>
/// A failure in the builder's source handling (SCM URL, allowed_scms, checkout, spec selection,
/// lookaside). It is an XML-RPC fault with Koji's code: <see cref="KojiFaultCode.GenericError"/>
/// for a malformed URL (as upstream), <see cref="KojiFaultCode.BuildError"/> for everything
/// else, so a task that fails with it reports the same fault class as kojid would.
/// </summary>
public sealed class ScmException : XmlRpcFaultException
{
    /// <summary>Creates the error with the given Koji fault code and message.</summary>
    public ScmException(int faultCode, string message)
        : base(faultCode, message)
    {
    }

    /// <summary>Creates the error with the given Koji fault code, message and cause.</summary>
    public ScmException(int faultCode, string message, Exception? innerException)
        : base(faultCode, message, innerException)
    {
    }

    internal static ScmException Generic(string message) => new(KojiFaultCode.GenericError, message);

    internal static ScmException Build(string message) => new(KojiFaultCode.BuildError, message);

    internal static ScmException Build(string message, Exception innerException) =>
        new(KojiFaultCode.BuildError, message, innerException);
}
