namespace KojiNet.Builder.Tasks;

/// <summary>Koji's arch rules (spec/builder.md §11): canonical arches, the build arch list and task arches.</summary>
public static class Arches
{
    /// <summary>The canonical arch (<c>i686</c> → <c>i386</c>, <c>armv7hl</c> → <c>armhfp</c>...).</summary>
    public static string Canon(string arch) => Rpm.RpmArch.Canon(arch);

    /// <summary>fnmatch-style glob match (<c>*</c>, <c>?</c>, <c>[...]</c>; case-sensitive).</summary>
    public static bool Glob(string value, string pattern)
    {
        var regex = new System.Text.StringBuilder("^");
        foreach (var c in pattern)
        {
            regex.Append(c switch
            {
                '*' => ".*",
                '?' => ".",
                '[' => "[",
                ']' => "]",
                _ => System.Text.RegularExpressions.Regex.Escape(c.ToString()),
            });
        }
        regex.Append('$');
        return System.Text.RegularExpressions.Regex.IsMatch(value, regex.ToString(),
            System.Text.RegularExpressions.RegexOptions.CultureInvariant | System.Text.RegularExpressions.RegexOptions.Singleline);
    }

    /// <summary>Splits a space-separated arch list.</summary>
    public static List<string> Split(string? arches) =>
        (arches ?? "").Split([' ', '\t', ','], StringSplitOptions.RemoveEmptyEntries).ToList();

    /// <summary>
    /// The arches to build a package for (§11.1): the tag's arches plus the package's extra arches,
    /// replaced by the spec's BuildArch list, limited by ExclusiveArch/ExcludeArch, <c>noarch</c>
    /// added when the spec allows it, an arch override for scratch builds, and only arches the tag has.
    /// </summary>
    public static List<string> BuildArchList(IReadOnlyList<string> tagArches, IReadOnlyList<string> extraArches,
        IReadOnlyList<string> buildArchs, IReadOnlyList<string> exclusiveArch, IReadOnlyList<string> excludeArch, IReadOnlyList<string>? archOverride)
    {
        if (tagArches.Count == 0)
        {
            throw new BuildErrorException("No arches for tag");
        }
        var tagCanon = tagArches.Select(Canon).ToHashSet(StringComparer.Ordinal);
        List<string> archList = [.. tagArches, .. extraArches];
        if (buildArchs.Count > 0)
        {
            archList = [.. buildArchs];
        }
        if (exclusiveArch.Count > 0)
        {
            archList = archList.Where(exclusiveArch.Contains).ToList();
        }
        if (excludeArch.Count > 0)
        {
            archList = archList.Where(a => !excludeArch.Contains(a)).ToList();
        }
        if (!excludeArch.Contains("noarch") && (buildArchs.Contains("noarch") || exclusiveArch.Contains("noarch")) && !archList.Contains("noarch"))
        {
            archList.Add("noarch");
        }
        if (archOverride is { Count: > 0 })
        {
            archList = [.. archOverride];
        }
        var result = new List<string>();
        foreach (var arch in archList)
        {
            if ((arch == "noarch" || tagCanon.Contains(Canon(arch))) && !result.Contains(arch))
            {
                result.Add(arch);
            }
        }
        return result.Count > 0 ? result : throw new BuildErrorException("No matching arches were found");
    }

    /// <summary>
    /// The arch of a subtask building <paramref name="arch"/> (§11.2): literal arches as they are,
    /// others canonical; for noarch, a tag arch allowed by <c>noarch_arches</c> and the package's
    /// arch limits, or <c>noarch</c> when any tag arch will do.
    /// </summary>
    public static string ChooseTaskArch(string arch, IReadOnlyList<string> literalGlobs, IReadOnlyList<string> tagArches,
        IReadOnlyList<string> noarchArches, IReadOnlyList<string> exclusiveArch, IReadOnlyList<string> excludeArch)
    {
        if (literalGlobs.Any(g => Glob(arch, g)))
        {
            return arch;
        }
        if (arch != "noarch")
        {
            return Canon(arch);
        }
        if (noarchArches.Count == 0 && exclusiveArch.Count == 0 && excludeArch.Count == 0)
        {
            return "noarch";
        }
        var tagCanon = tagArches.Select(Canon).Distinct(StringComparer.Ordinal).ToList();
        var candidates = noarchArches.Count > 0 ? noarchArches.Select(Canon).Where(tagCanon.Contains).Distinct(StringComparer.Ordinal).ToList() : tagCanon;
        if (exclusiveArch.Count > 0)
        {
            var exclusive = exclusiveArch.Select(Canon).ToHashSet(StringComparer.Ordinal);
            candidates = candidates.Where(exclusive.Contains).ToList();
        }
        if (excludeArch.Count > 0)
        {
            var exclude = excludeArch.Select(Canon).ToHashSet(StringComparer.Ordinal);
            candidates = candidates.Where(a => !exclude.Contains(a)).ToList();
        }
        if (candidates.Count == 0)
        {
            throw new BuildErrorException("No valid arches were found for noarch task");
        }
        return candidates.ToHashSet(StringComparer.Ordinal).SetEquals(tagCanon) ? "noarch" : candidates[Random.Shared.Next(candidates.Count)];
    }

    /// <summary>
    /// The buildroot arch for work of <paramref name="arch"/> on this host (§11.3): noarch work
    /// runs on a canonical arch both the host and the tag have, <paramref name="preferred"/> if possible.
    /// </summary>
    public static string FindArch(string arch, IReadOnlyList<string> hostArches, IReadOnlyList<string> tagArches, string? preferred = null)
    {
        if (arch != "noarch")
        {
            return arch;
        }
        var tagCanon = tagArches.Select(Canon).ToHashSet(StringComparer.Ordinal);
        var common = hostArches.Select(Canon).Where(tagCanon.Contains).Distinct(StringComparer.Ordinal).ToList();
        if (common.Count == 0)
        {
            throw new BuildErrorException($"No arch to build noarch on: host arches {string.Join(' ', hostArches)}, tag arches {string.Join(' ', tagArches)}");
        }
        return preferred is not null && common.Contains(preferred) ? preferred : common[Random.Shared.Next(common.Count)];
    }
}
