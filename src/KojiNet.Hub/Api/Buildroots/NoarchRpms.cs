using System.Text;
using System.Text.Json;
using KojiNet.Rpm;
using KojiNet.Rpm.Format;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Api.Buildroots;

/// <summary>
/// Koji's <c>check_noarch_rpms</c> (spec/builder.md §10.5): when several buildArch tasks produce
/// the same noarch rpm, only the first is kept, after checking the copies were built alike —
/// by the hashes the builders reported in <c>noarch_rpmdiff.json</c>, or, when those are missing
/// or differ, by comparing the headers with rpmdiff's rules (file size, digest, mtime and link
/// count ignored).
/// </summary>
internal static class NoarchRpms
{
    /// <summary>The header tags compared besides dependencies and files.</summary>
    private static readonly (int Tag, string Name)[] ComparedTags =
    [
        (RpmTag.Name, "NAME"), (RpmTag.Summary, "SUMMARY"), (RpmTag.Description, "DESCRIPTION"), (RpmTag.Group, "GROUP"),
        (RpmTag.License, "LICENSE"), (RpmTag.Url, "URL"), (RpmTag.PreIn, "PREIN"), (RpmTag.PostIn, "POSTIN"),
        (RpmTag.PreUn, "PREUN"), (RpmTag.PostUn, "POSTUN"),
    ];

    private static readonly (RpmDependencyKind Kind, string Name)[] ComparedDeps =
    [
        (RpmDependencyKind.Requires, "REQUIRES"), (RpmDependencyKind.Provides, "PROVIDES"),
        (RpmDependencyKind.Conflicts, "CONFLICTS"), (RpmDependencyKind.Obsoletes, "OBSOLETES"),
    ];

    /// <summary>
    /// Returns <paramref name="rpms"/> with repeated noarch file names dropped (the first kept);
    /// BuildError when a repeated one was built differently.
    /// </summary>
    /// <param name="resolve">Maps a path relative to <c>work/</c> to the file.</param>
    /// <param name="logs">The build's logs (arch → relative paths), where the <c>noarch_rpmdiff.json</c> files are.</param>
    public static IReadOnlyList<string> Dedupe(IReadOnlyList<string> rpms, IReadOnlyDictionary<string, IReadOnlyList<string>> logs, Func<string, string> resolve)
    {
        var result = new List<string>();
        var groups = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var relpath in rpms)
        {
            if (!relpath.EndsWith(".noarch.rpm", StringComparison.Ordinal))
            {
                result.Add(relpath);
                continue;
            }
            var name = Path.GetFileName(relpath);
            if (groups.TryGetValue(name, out var group))
            {
                group.Add(relpath);
            }
            else
            {
                groups[name] = [relpath];
                result.Add(relpath);
            }
        }
        if (groups.Values.All(g => g.Count < 2))
        {
            return result;
        }
        var hashes = LoadHashes(logs, resolve);
        foreach (var group in groups.Values.Where(g => g.Count > 1))
        {
            var first = group[0];
            var firstHash = HashOf(hashes, first);
            foreach (var other in group.Skip(1))
            {
                if (firstHash is not null && firstHash == HashOf(hashes, other))
                {
                    continue;
                }
                var diff = Compare(Open(resolve(first)), Open(resolve(other)));
                if (diff.Count > 0)
                {
                    throw new XmlRpcFaultException(KojiFaultCode.BuildError,
                        $"The following noarch package built differently on different architectures: {Path.GetFileName(first)}\nrpmdiff output was:\n{string.Join("\n", diff)}");
                }
            }
        }
        return result;
    }

    private static RpmPackage Open(string file)
    {
        try
        {
            return RpmPackage.Open(file);
        }
        catch (RpmFormatException e)
        {
            throw KojiErrors.Generic($"Invalid rpm {Path.GetFileName(file)}: {e.Message}");
        }
    }

    /// <summary>task id (as text) → rpm file name → hash, merged from every <c>noarch_rpmdiff.json</c> of the logs.</summary>
    private static Dictionary<string, Dictionary<string, string>> LoadHashes(IReadOnlyDictionary<string, IReadOnlyList<string>> logs, Func<string, string> resolve)
    {
        var hashes = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var relpath in logs.Values.SelectMany(l => l).Where(l => Path.GetFileName(l) == "noarch_rpmdiff.json"))
        {
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(File.ReadAllBytes(resolve(relpath)));
            }
            catch (Exception e) when (e is JsonException or IOException)
            {
                throw KojiErrors.Generic($"Invalid noarch_rpmdiff.json {relpath}: {e.Message}");
            }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw KojiErrors.Generic($"Invalid noarch_rpmdiff.json {relpath}: not an object");
                }
                foreach (var task in doc.RootElement.EnumerateObject())
                {
                    if (task.Value.ValueKind != JsonValueKind.Object)
                    {
                        throw KojiErrors.Generic($"Invalid noarch_rpmdiff.json {relpath}: entry {task.Name} is not an object");
                    }
                    var files = new Dictionary<string, string>(StringComparer.Ordinal);
                    foreach (var f in task.Value.EnumerateObject())
                    {
                        files[f.Name] = f.Value.ToString();
                    }
                    hashes[task.Name] = files;
                }
            }
        }
        return hashes;
    }

    /// <summary>The reported hash of <c>tasks/N/&lt;task id&gt;/&lt;file&gt;</c>, or null.</summary>
    private static string? HashOf(Dictionary<string, Dictionary<string, string>> hashes, string relpath)
    {
        var parts = relpath.Split('/');
        return parts.Length >= 2 && hashes.TryGetValue(parts[^2], out var files) && files.TryGetValue(parts[^1], out var hash) ? hash : null;
    }

    /// <summary>
    /// The differences between two packages that rpmdiff reports with <c>S5TN</c> ignored: the
    /// compared tags, the dependency lists, and the file list with mode, device, state, verify
    /// flags, owner, group and file flags. Empty when they are alike.
    /// </summary>
    public static IReadOnlyList<string> Compare(RpmPackage a, RpmPackage b)
    {
        var diff = new List<string>();
        foreach (var (tag, name) in ComparedTags)
        {
            if (!SameEntry(a.Header, b.Header, tag))
            {
                diff.Add($"S.5........ {name}");
            }
        }
        foreach (var (kind, name) in ComparedDeps)
        {
            var left = a.GetDependencies(kind).Select(d => d.ToString()).ToHashSet(StringComparer.Ordinal);
            var right = b.GetDependencies(kind).Select(d => d.ToString()).ToHashSet(StringComparer.Ordinal);
            diff.AddRange(left.Except(right).Order(StringComparer.Ordinal).Select(d => $"removed     {name} {d}"));
            diff.AddRange(right.Except(left).Order(StringComparer.Ordinal).Select(d => $"added       {name} {d}"));
        }
        var filesA = a.GetFiles();
        var filesB = b.GetFiles();
        var statesA = FileStates(a.Header, filesA.Count);
        var statesB = FileStates(b.Header, filesB.Count);
        var indexB = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < filesB.Count; i++)
        {
            indexB[filesB[i].Path] = i;
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < filesA.Count; i++)
        {
            var fa = filesA[i];
            seen.Add(fa.Path);
            if (!indexB.TryGetValue(fa.Path, out var j))
            {
                diff.Add($"removed     {fa.Path}");
                continue;
            }
            var fb = filesB[j];
            var flags = new StringBuilder();
            flags.Append(fa.Mode != fb.Mode ? 'M' : '.');
            flags.Append(fa.RDev != fb.RDev ? 'D' : '.');
            flags.Append(fa.User != fb.User ? 'U' : '.');
            flags.Append(fa.Group != fb.Group ? 'G' : '.');
            flags.Append(fa.Flags != fb.Flags ? 'F' : '.');
            flags.Append(fa.VerifyFlags != fb.VerifyFlags ? 'V' : '.');
            flags.Append(statesA[i] != statesB[j] ? 'T' : '.');
            flags.Append(fa.LinkTarget != fb.LinkTarget ? 'L' : '.');
            var text = flags.ToString();
            if (text.Any(c => c != '.'))
            {
                diff.Add($"{text} {fa.Path}");
            }
        }
        diff.AddRange(filesB.Where(f => !seen.Contains(f.Path)).Select(f => $"added       {f.Path}"));
        return diff;
    }

    private static bool SameEntry(RpmHeader a, RpmHeader b, int tag)
    {
        var hasA = a.TryGetEntry(tag, out var ea);
        var hasB = b.TryGetEntry(tag, out var eb);
        if (hasA != hasB)
        {
            return false;
        }
        return !hasA || (ea.Type == eb.Type && ea.Count == eb.Count && a.GetData(ea).SequenceEqual(b.GetData(eb)));
    }

    /// <summary>The per-file FILESTATES bytes, or zeros when the header has none.</summary>
    private static byte[] FileStates(RpmHeader header, int count)
    {
        if (header.TryGetEntry(RpmTag.FileStates, out var e) && e.Count == count && e.Length >= count)
        {
            return header.GetData(e)[..count].ToArray();
        }
        return new byte[count];
    }
}
