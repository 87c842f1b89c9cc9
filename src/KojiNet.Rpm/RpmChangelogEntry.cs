namespace KojiNet.Rpm;

/// <summary>One %changelog entry.</summary>
/// <param name="Time">Entry date as seconds since the Unix epoch (CHANGELOGTIME).</param>
/// <param name="Name">Author line, e.g. <c>Jane Doe &lt;jane@example.org&gt; - 1.0-1</c> (CHANGELOGNAME).</param>
/// <param name="Text">Entry text (CHANGELOGTEXT).</param>
public sealed record RpmChangelogEntry(long Time, string Name, string Text)
{
    /// <summary><see cref="Time"/> as a UTC date.</summary>
    public DateTimeOffset Date => DateTimeOffset.FromUnixTimeSeconds(Time);
}
