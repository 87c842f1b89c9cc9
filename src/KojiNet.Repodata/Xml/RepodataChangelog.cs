namespace KojiNet.Repodata.Xml;

/// <summary>Changelog dates as createrepo_c writes them.</summary>
internal static class RepodataChangelog
{
    /// <summary>
    /// Dates of the first <paramref name="count"/> entries (newest first). Walking from the newest
    /// entry, an entry dated like the one before it bumps the newer entries of that run by one
    /// second each, so that dates in other.xml are unique (createrepo_c's rule, kept for
    /// identical output).
    /// </summary>
    public static long[] AdjustedDates(List<RepoChangelogEntry> entries, int count)
    {
        var dates = new long[count];
        long lastTime = 0;
        for (var i = 0; i < count; i++)
        {
            var time = entries[i].Date;
            dates[i] = time;
            if (lastTime == time)
            {
                var run = time;
                for (var j = i - 1; j >= 0 && dates[j] == run; j--)
                {
                    dates[j]++;
                    run++;
                }
            }
            else
            {
                lastTime = time;
            }
        }
        return dates;
    }
}
