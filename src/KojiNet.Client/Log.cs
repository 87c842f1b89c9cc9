using Microsoft.Extensions.Logging;

namespace KojiNet.Client;

/// <summary>The client's log messages (event ids 1–99). Session keys are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning,
        Message = "Call {Method} to {Url} failed (attempt {Attempt} of {MaxAttempts}): {Error}; retrying in {DelaySeconds} s")]
    public static partial void CallRetry(ILogger logger, string method, string url, int attempt, int maxAttempts, string error, double delaySeconds);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning,
        Message = "Hub is offline ({Reason}); retrying {Method} in {DelaySeconds} s")]
    public static partial void ServerOffline(ILogger logger, string method, string reason, double delaySeconds);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Session {SessionId} has expired; renewing it")]
    public static partial void Renewing(ILogger logger, int sessionId);

    [LoggerMessage(EventId = 4, Level = LogLevel.Debug, Message = "Logged in to {Url}: session {SessionId}")]
    public static partial void LoggedIn(ILogger logger, string url, int sessionId);

    [LoggerMessage(EventId = 5, Level = LogLevel.Debug, Message = "Logged out of session {SessionId}")]
    public static partial void LoggedOut(ILogger logger, int sessionId);

    [LoggerMessage(EventId = 10, Level = LogLevel.Warning,
        Message = "Uploading {File} at offset {Offset} failed (attempt {Attempt} of {MaxAttempts}): {Error}")]
    public static partial void LogChunkFailed(ILogger logger, string file, long offset, int attempt, int maxAttempts, string error);

    [LoggerMessage(EventId = 11, Level = LogLevel.Information, Message = "{File} shrank from {Offset} to {Length} bytes; uploading it again from the start")]
    public static partial void LogRestarted(ILogger logger, string file, long offset, long length);

    [LoggerMessage(EventId = 12, Level = LogLevel.Warning, Message = "Streaming logs to {RemoteDir} failed: {Error}")]
    public static partial void LogPassFailed(ILogger logger, string remoteDir, string error);
}
