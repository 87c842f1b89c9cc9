using KojiNet.XmlRpc;

namespace KojiNet.Client;

/// <summary>
/// A fault the hub answered a call with. The type follows Koji's exception classes for the
/// codes clients act on (<see cref="KojiAuthException"/> and its subclasses,
/// <see cref="KojiServerOfflineException"/>, <see cref="KojiParameterException"/>...); every
/// other code, including GenericError (1000) and non-Koji errors (1), is this type itself.
/// <see cref="XmlRpcFaultException.FaultCode"/> always holds the exact code.
/// </summary>
public class KojiFaultException : XmlRpcFaultException
{
    /// <summary>Creates a fault with the given code and string.</summary>
    public KojiFaultException(int faultCode, string faultString)
        : base(faultCode, faultString)
    {
    }

    /// <summary>Creates a fault with the given code, string and local cause.</summary>
    public KojiFaultException(int faultCode, string faultString, Exception? innerException)
        : base(faultCode, faultString, innerException)
    {
    }

    /// <summary>Creates a GenericError fault.</summary>
    public KojiFaultException(string faultString)
        : base(KojiFaultCode.GenericError, faultString)
    {
    }

    /// <summary>Creates a GenericError fault with a cause.</summary>
    public KojiFaultException(string faultString, Exception? innerException)
        : base(KojiFaultCode.GenericError, faultString, innerException)
    {
    }

    /// <summary>Creates a GenericError fault with a generic string.</summary>
    public KojiFaultException()
        : base(KojiFaultCode.GenericError, "error")
    {
    }

    /// <summary>
    /// The exception for a fault code: the most specific class of this family that covers it.
    /// </summary>
    public static KojiFaultException Create(int faultCode, string faultString,
        IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(faultString);
        return faultCode switch
        {
            KojiFaultCode.LockError => new KojiLockException(faultString) { Extra = extra },
            KojiFaultCode.AuthError or KojiFaultCode.GssapiAuthError => new KojiAuthException(faultCode, faultString) { Extra = extra },
            KojiFaultCode.AuthLockError => new KojiAuthLockException(faultString) { Extra = extra },
            KojiFaultCode.AuthExpired => new KojiAuthExpiredException(faultString) { Extra = extra },
            KojiFaultCode.SequenceError => new KojiSequenceException(faultString) { Extra = extra },
            KojiFaultCode.RetryError => new KojiRetryException(faultString) { Extra = extra },
            KojiFaultCode.ActionNotAllowed => new KojiActionNotAllowedException(faultString) { Extra = extra },
            KojiFaultCode.BuildError or KojiFaultCode.PreBuildError or KojiFaultCode.PostBuildError
                or KojiFaultCode.BuildrootError => new KojiBuildException(faultCode, faultString) { Extra = extra },
            KojiFaultCode.ServerOffline => new KojiServerOfflineException(faultString) { Extra = extra },
            KojiFaultCode.ParameterError => new KojiParameterException(faultString) { Extra = extra },
            _ => new KojiFaultException(faultCode, faultString) { Extra = extra },
        };
    }

    /// <summary>The typed exception for a decoded fault (its extra members are kept).</summary>
    public static KojiFaultException From(XmlRpcFaultException fault)
    {
        ArgumentNullException.ThrowIfNull(fault);
        return fault as KojiFaultException ?? Create(fault.FaultCode, fault.FaultString, fault.Extra);
    }
}

/// <summary>AuthError (1002) and its subclasses (1006–1009, GSSAPIAuthError 1023): the session or credentials were refused.</summary>
public class KojiAuthException : KojiFaultException
{
    /// <summary>Creates an AuthError fault with the given code.</summary>
    public KojiAuthException(int faultCode, string faultString)
        : base(faultCode, faultString)
    {
    }

    /// <summary>Creates an AuthError (1002).</summary>
    public KojiAuthException(string faultString)
        : base(KojiFaultCode.AuthError, faultString)
    {
    }

    /// <summary>Creates an AuthError (1002) with a generic string.</summary>
    public KojiAuthException()
        : base(KojiFaultCode.AuthError, "authentication error")
    {
    }

    /// <summary>Creates an AuthError (1002); the cause is not sent by hubs and is kept only locally.</summary>
    public KojiAuthException(string faultString, Exception? innerException)
        : base(KojiFaultCode.AuthError, faultString, innerException)
    {
    }
}

/// <summary>AuthLockError (1006): another session of the user holds the exclusive lock.</summary>
public sealed class KojiAuthLockException(string faultString) : KojiAuthException(KojiFaultCode.AuthLockError, faultString);

/// <summary>AuthExpired (1007): the session passed its renewal time; the session renews itself on it.</summary>
public sealed class KojiAuthExpiredException(string faultString) : KojiAuthException(KojiFaultCode.AuthExpired, faultString);

/// <summary>SequenceError (1008): the call number went backwards.</summary>
public sealed class KojiSequenceException(string faultString) : KojiAuthException(KojiFaultCode.SequenceError, faultString);

/// <summary>RetryError (1009): a call that changed data was sent again with the same call number.</summary>
public sealed class KojiRetryException(string faultString) : KojiAuthException(KojiFaultCode.RetryError, faultString);

/// <summary>LockError (1001): a resource (such as an upload being written) is locked.</summary>
public sealed class KojiLockException(string faultString) : KojiFaultException(KojiFaultCode.LockError, faultString);

/// <summary>ActionNotAllowed (1004): not logged in, or missing a permission.</summary>
public sealed class KojiActionNotAllowedException(string faultString) : KojiFaultException(KojiFaultCode.ActionNotAllowed, faultString);

/// <summary>BuildError (1005) and its subclasses PreBuildError, PostBuildError, BuildrootError (1010–1012).</summary>
public sealed class KojiBuildException(int faultCode, string faultString) : KojiFaultException(faultCode, faultString);

/// <summary>ServerOffline (1014): the hub is offline or in maintenance.</summary>
public sealed class KojiServerOfflineException(string faultString) : KojiFaultException(KojiFaultCode.ServerOffline, faultString);

/// <summary>ParameterError (1019): the arguments do not fit the method's signature.</summary>
public sealed class KojiParameterException(string faultString) : KojiFaultException(KojiFaultCode.ParameterError, faultString);
