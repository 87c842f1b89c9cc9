using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api;

/// <summary>Creates the faults Koji raises, with upstream's fault codes.</summary>
internal static class KojiErrors
{
    public static XmlRpcFaultException Generic(string message) => new(KojiFaultCode.GenericError, message);

    public static XmlRpcFaultException Auth(string message) => new(KojiFaultCode.AuthError, message);

    public static XmlRpcFaultException AuthExpired(string message) => new(KojiFaultCode.AuthExpired, message);

    public static XmlRpcFaultException AuthLock(string message) => new(KojiFaultCode.AuthLockError, message);

    public static XmlRpcFaultException Sequence(string message) => new(KojiFaultCode.SequenceError, message);

    public static XmlRpcFaultException Retry(string message) => new(KojiFaultCode.RetryError, message);

    public static XmlRpcFaultException NotAllowed(string message) => new(KojiFaultCode.ActionNotAllowed, message);

    public static XmlRpcFaultException Parameter(string message) => new(KojiFaultCode.ParameterError, message);

    public static XmlRpcFaultException Tag(string message) => new(KojiFaultCode.TagError, message);

    public static XmlRpcFaultException Offline(string message) => new(KojiFaultCode.ServerOffline, message);

    public static XmlRpcFaultException Lock(string message) => new(KojiFaultCode.LockError, message);

    /// <summary>The fault for a call that needs a login.</summary>
    public static XmlRpcFaultException NotLoggedIn() => NotAllowed("you must be logged in for this operation");
}
