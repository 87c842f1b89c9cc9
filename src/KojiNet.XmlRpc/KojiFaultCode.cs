namespace KojiNet.XmlRpc;

/// <summary>
/// The fault codes Koji puts in <c>faultCode</c>, one per exception class of the Koji client
/// library (<c>koji.GenericError</c> and its subclasses). Clients map a fault back to the class
/// by this number, so the values must match Koji exactly.
/// </summary>
public static class KojiFaultCode
{
    /// <summary>Any failure that is not a Koji error (Python's non-Koji exceptions).</summary>
    public const int Unexpected = 1;

    /// <summary><c>GenericError</c>: the base of all Koji errors.</summary>
    public const int GenericError = 1000;

    /// <summary><c>LockError</c> (a GenericError).</summary>
    public const int LockError = 1001;

    /// <summary><c>AuthError</c> (a GenericError).</summary>
    public const int AuthError = 1002;

    /// <summary><c>TagError</c> (a GenericError).</summary>
    public const int TagError = 1003;

    /// <summary><c>ActionNotAllowed</c> (a GenericError).</summary>
    public const int ActionNotAllowed = 1004;

    /// <summary><c>BuildError</c> (a GenericError).</summary>
    public const int BuildError = 1005;

    /// <summary><c>AuthLockError</c> (an AuthError).</summary>
    public const int AuthLockError = 1006;

    /// <summary><c>AuthExpired</c> (an AuthError); clients re-login and repeat the call.</summary>
    public const int AuthExpired = 1007;

    /// <summary><c>SequenceError</c> (an AuthError): call number went backwards.</summary>
    public const int SequenceError = 1008;

    /// <summary><c>RetryError</c> (an AuthError): a non-idempotent call was replayed.</summary>
    public const int RetryError = 1009;

    /// <summary><c>PreBuildError</c> (a BuildError).</summary>
    public const int PreBuildError = 1010;

    /// <summary><c>PostBuildError</c> (a BuildError).</summary>
    public const int PostBuildError = 1011;

    /// <summary><c>BuildrootError</c> (a BuildError).</summary>
    public const int BuildrootError = 1012;

    /// <summary><c>FunctionDeprecated</c> (a GenericError).</summary>
    public const int FunctionDeprecated = 1013;

    /// <summary><c>ServerOffline</c> (a GenericError).</summary>
    public const int ServerOffline = 1014;

    /// <summary><c>LiveCDError</c> (a GenericError).</summary>
    public const int LiveCDError = 1015;

    /// <summary><c>PluginError</c> (a GenericError).</summary>
    public const int PluginError = 1016;

    /// <summary><c>CallbackError</c> (a PluginError).</summary>
    public const int CallbackError = 1017;

    /// <summary><c>ApplianceError</c> (a GenericError).</summary>
    public const int ApplianceError = 1018;

    /// <summary><c>ParameterError</c> (a GenericError): bad arguments for the method.</summary>
    public const int ParameterError = 1019;

    /// <summary><c>ImportError</c> (a GenericError).</summary>
    public const int ImportError = 1020;

    /// <summary><c>ConfigurationError</c> (a GenericError).</summary>
    public const int ConfigurationError = 1021;

    /// <summary><c>LiveMediaError</c> (a GenericError).</summary>
    public const int LiveMediaError = 1022;

    /// <summary><c>GSSAPIAuthError</c> (an AuthError).</summary>
    public const int GssapiAuthError = 1023;

    /// <summary><c>NameValidationError</c> (a GenericError; defined but unused by the hub).</summary>
    public const int NameValidationError = 1024;

    /// <summary>
    /// The Koji exception class name for a fault code (<c>"GenericError"</c> for 1000...), or
    /// <see langword="null"/> for a code Koji does not define.
    /// </summary>
    public static string? GetName(int faultCode) => faultCode switch
    {
        GenericError => "GenericError",
        LockError => "LockError",
        AuthError => "AuthError",
        TagError => "TagError",
        ActionNotAllowed => "ActionNotAllowed",
        BuildError => "BuildError",
        AuthLockError => "AuthLockError",
        AuthExpired => "AuthExpired",
        SequenceError => "SequenceError",
        RetryError => "RetryError",
        PreBuildError => "PreBuildError",
        PostBuildError => "PostBuildError",
        BuildrootError => "BuildrootError",
        FunctionDeprecated => "FunctionDeprecated",
        ServerOffline => "ServerOffline",
        LiveCDError => "LiveCDError",
        PluginError => "PluginError",
        CallbackError => "CallbackError",
        ApplianceError => "ApplianceError",
        ParameterError => "ParameterError",
        ImportError => "ImportError",
        ConfigurationError => "ConfigurationError",
        LiveMediaError => "LiveMediaError",
        GssapiAuthError => "GSSAPIAuthError",
        NameValidationError => "NameValidationError",
        _ => null,
    };
}
