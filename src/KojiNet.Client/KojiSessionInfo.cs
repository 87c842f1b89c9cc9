namespace KojiNet.Client;

/// <summary>
/// The credentials of a hub session, as a login or <c>subsession</c> call returns them
/// (<c>session-id</c>, <c>session-key</c>, <c>header-auth</c>).
/// </summary>
/// <param name="SessionId">The session id.</param>
/// <param name="SessionKey">The secret key; never log it.</param>
/// <param name="HeaderAuth">Whether the hub takes the credentials in <c>Koji-Session-*</c>
/// headers (all hubs since Koji 1.30) rather than in the query string.</param>
public sealed record KojiSessionInfo(int SessionId, string SessionKey, bool HeaderAuth = true)
{
    /// <summary>The session id only; the key stays out of logs and messages.</summary>
    public override string ToString() => $"session {SessionId.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
}
