using System.Globalization;

namespace KojiNet.Hub;

/// <summary>
/// Times as the hub stores and returns them: stored as epoch seconds (double); returned as
/// Koji's <c>*_time</c> strings (<c>YYYY-MM-DD HH:MM:SS[.ffffff]+00:00</c>) next to the
/// <c>*_ts</c> floats.
/// </summary>
public static class KojiTime
{
    /// <summary>Epoch seconds with microsecond precision.</summary>
    public static double ToTs(DateTimeOffset time) => Math.Round((time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10.0) / 1e6;

    /// <summary>The Koji string form of an epoch time; null stays null.</summary>
    public static string? Format(double? ts)
    {
        if (ts is not { } t)
        {
            return null;
        }
        var micros = (long)Math.Round(t * 1e6);
        var time = DateTimeOffset.UnixEpoch.AddTicks(micros * 10);
        return time.Ticks % TimeSpan.TicksPerSecond == 0
            ? time.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + "+00:00"
            : time.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture) + "+00:00";
    }

    /// <summary>
    /// Parses a time filter argument: an epoch number, or an ISO string
    /// (<c>YYYY-MM-DD[ HH:MM[:SS[.ffffff]]][+HH:MM]</c>, UTC when no offset is given).
    /// </summary>
    public static double? ParseFilter(object? value) => value switch
    {
        null => null,
        int i => i,
        long l => l,
        double d => d,
        string s when DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out var dt) => ToTs(dt),
        DateTime dt => ToTs(new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc))),
        _ => throw Api.KojiErrors.Generic($"Invalid time: {value}"),
    };
}
