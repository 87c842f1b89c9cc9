namespace KojiNet.Hub.Auth;

/// <summary>A validated session of the current call, with its user.</summary>
internal sealed class SessionState
{
    public int Id { get; init; }

    public int UserId { get; init; }

    public required string UserName { get; init; }

    public int UserType { get; init; }

    public int UserStatus { get; init; }

    public required string Key { get; init; }

    public int AuthType { get; init; }

    public required string HostIp { get; init; }

    public int? CallNum { get; init; }

    /// <summary>The top-level session of a subsession, else null.</summary>
    public int? Master { get; init; }

    /// <summary>Whether this session (or its master) is the user's exclusive session.</summary>
    public bool Exclusive { get; init; }

    public double StartTime { get; init; }

    public double UpdateTime { get; init; }

    public double? RenewTime { get; init; }

    public bool Expired { get; init; }

    /// <summary>The call number the request carried, stored when the call writes.</summary>
    public int? ReceivedCallNum { get; init; }

    /// <summary>Whether validation already stored <see cref="ReceivedCallNum"/> in the call's transaction.</summary>
    public bool CallNumStored { get; init; }

    /// <summary>The session a login call made (or renewed) in this request.</summary>
    public bool CreatedByThisCall { get; init; }
}

/// <summary>Koji's user, user status and authentication type numbers.</summary>
internal static class UserTypes
{
    public const int Normal = 0;
    public const int Host = 1;
    public const int Group = 2;

    public const int StatusNormal = 0;
    public const int StatusBlocked = 1;

    public const int AuthNormal = 0;
    public const int AuthKerberos = 1;
    public const int AuthSsl = 2;
    public const int AuthGssapi = 3;
}
