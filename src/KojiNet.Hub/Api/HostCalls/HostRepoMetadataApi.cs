using System.Globalization;
using System.IO.Compression;
using System.Text;
using KojiNet.Hub.Api.Repos;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Tasks;
using KojiNet.Hub.Data;
using KojiNet.Repodata;
using KojiNet.Rpm.Format;

namespace KojiNet.Hub.Api.HostCalls;

/// <summary>
/// Koji.NET extension (no upstream equivalent): the repodata metadata of a repo's RPMs as the hub
/// stored it when each RPM was imported, so the builder running a <c>createrepo</c> task writes
/// the repodata without reading any package file. Only the host holding that task OPEN may ask.
/// <list type="bullet">
/// <item><c>host.repoRpmIndex(repo_id, arch)</c>: every RPM of the arch's <c>pkglist</c>, in its
/// order, as <c>[rpm_id, href, file_time, size, sha256]</c> (what identifies its metadata).</item>
/// <item><c>host.repoRpmMetadata(repo_id, arch, rpm_ids)</c>: the full metadata of up to
/// <see cref="MaxPerCall"/> of them, as <c>{"count": n, "data": base64}</c>, the data being the
/// gzip of one <see cref="RepoPackageJson"/> line per RPM, in the order asked.</item>
/// </list>
/// An RPM whose stored rows are missing or disagree with <c>rpminfo</c> fails the call with a
/// GenericError naming it (NVRA and id).
/// </summary>
internal static class HostRepoMetadataApi
{
    /// <summary>Most RPMs one <c>host.repoRpmMetadata</c> call returns.</summary>
    public const int MaxPerCall = 2000;

    private const int CreaterepoOpen = TaskStates.Open;

    [KojiMethod("host.repoRpmIndex", ReadOnly = true, Doc = "Koji.NET: [rpm_id, href, file_time, size, sha256] of each rpm of a repo arch (createrepo task holder only)")]
    public static async Task<List<object?>> RepoRpmIndex(CallContext ctx, object? repo_id, string arch)
    {
        var list = await ArchListAsync(ctx, repo_id, arch).ConfigureAwait(false);
        var rows = await LoadAsync(ctx, list.Select(e => e.RpmId).ToList(), withHeader: false).ConfigureAwait(false);
        var result = new List<object?>(list.Count);
        foreach (var (rpmId, href) in list)
        {
            var row = Checked(rows, rpmId);
            result.Add(new List<object?> { rpmId, href, FileTime(row), row.File_Size!.Value, row.File_Sha256 });
        }
        return result;
    }

    [KojiMethod("host.repoRpmMetadata", ReadOnly = true, Doc = "Koji.NET: stored repodata metadata of rpms of a repo arch, gzipped JSON lines (createrepo task holder only)")]
    public static async Task<Dictionary<string, object?>> RepoRpmMetadata(CallContext ctx, object? repo_id, string arch, object? rpm_ids)
    {
        if (rpm_ids is not IReadOnlyList<object?> idValues)
        {
            throw KojiErrors.Parameter($"rpm_ids must be a list, not {ArgumentBinder.PythonTypeName(rpm_ids)}");
        }
        if (idValues.Count > MaxPerCall)
        {
            throw KojiErrors.Parameter($"at most {MaxPerCall} rpm ids per call, got {idValues.Count}");
        }
        var ids = idValues.Select(v => v switch
        {
            int i => i,
            long l when l is >= 0 and <= int.MaxValue => (int)l,
            _ => throw KojiErrors.Parameter($"invalid rpm id: {v}"),
        }).ToList();
        var list = await ArchListAsync(ctx, repo_id, arch).ConfigureAwait(false);
        var hrefs = new Dictionary<int, string>();
        foreach (var (rpmId, href) in list)
        {
            hrefs.TryAdd(rpmId, href);
        }
        foreach (var id in ids)
        {
            if (!hrefs.ContainsKey(id))
            {
                throw KojiErrors.Generic($"rpm {id} is not in repo {RepoApi.RepoId(repo_id)} for {arch}");
            }
        }
        var rows = await LoadAsync(ctx, ids, withHeader: true).ConfigureAwait(false);
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true))
        {
            foreach (var id in ids)
            {
                var row = Checked(rows, id);
                var package = Package(row, hrefs[id]);
                gzip.Write(Encoding.UTF8.GetBytes(RepoPackageJson.Serialize(package)));
                gzip.WriteByte((byte)'\n');
            }
        }
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["count"] = ids.Count,
            ["data"] = buffer.ToArray(),
        };
    }

    /// <summary>
    /// Checks the caller holds an OPEN <c>createrepo</c> task for this repo and arch, then reads the
    /// arch's <c>pkglist</c> and <c>rpmlist.jsonl</c> (written by repoInit, line for line): (rpm id, href).
    /// </summary>
    private static async Task<List<(int RpmId, string Href)>> ArchListAsync(CallContext ctx, object? repoIdValue, string arch)
    {
        var host = await HostCallerChecks.VerifyAsync(ctx).ConfigureAwait(false);
        var repoId = RepoApi.RepoId(repoIdValue);
        var requests = await ctx.QueryAsync<string>(
            "SELECT request FROM task WHERE host_id = @host AND state = @open AND method = 'createrepo'",
            new { host = host.HostId, open = CreaterepoOpen }).ConfigureAwait(false);
        var holds = requests.Select(TaskQueries.DecodeRequest).Any(args =>
            args.Count >= 2 && args[0] is int r && r == repoId && args[1] is string a && a == arch);
        if (!holds)
        {
            throw KojiErrors.NotAllowed($"host {host.HostId} holds no open createrepo task for repo {repoId} ({arch})");
        }
        var repo = await RepoViews.RepoAsync(ctx, repoId).ConfigureAwait(false) ?? throw KojiErrors.Generic($"No such repo: {repoId}");
        if (arch.Length == 0 || arch.Contains('/', StringComparison.Ordinal) || arch is "." or "..")
        {
            throw KojiErrors.Parameter($"invalid arch: {arch}");
        }
        var archDir = Path.Combine(RepoInit.TagRepoDir(ctx.Hub.Storage.TopDir, (string)repo["tag_name"]!),
            repoId.ToString(CultureInfo.InvariantCulture), arch);
        var pkglist = Path.Combine(archDir, "pkglist");
        var rpmlist = Path.Combine(archDir, "rpmlist.jsonl");
        if (!File.Exists(pkglist) || !File.Exists(rpmlist))
        {
            throw KojiErrors.Generic($"Repo arch directory incomplete: {archDir}");
        }
        var paths = (await File.ReadAllLinesAsync(pkglist).ConfigureAwait(false)).Where(l => l.Length > 0).ToList();
        var infos = (await File.ReadAllLinesAsync(rpmlist).ConfigureAwait(false)).Where(l => l.Length > 0).ToList();
        if (paths.Count != infos.Count)
        {
            throw KojiErrors.Generic($"{pkglist} has {paths.Count} entries, {rpmlist} {infos.Count}");
        }
        var result = new List<(int, string)>(paths.Count);
        for (var i = 0; i < paths.Count; i++)
        {
            if (PyJson.Decode(infos[i]) is not Dictionary<string, object?> info || info.GetValueOrDefault("id") is not (int or long))
            {
                throw KojiErrors.Generic($"{rpmlist} line {i + 1}: no rpm id");
            }
            result.Add((Convert.ToInt32(info["id"], CultureInfo.InvariantCulture), paths[i]));
        }
        return result;
    }

    private sealed class StoredRow
    {
        public int Id { get; init; }

        public string Name { get; init; } = "";

        public string Version { get; init; } = "";

        public string Release { get; init; } = "";

        public int? Epoch { get; init; }

        public string Arch { get; init; } = "";

        public long Size { get; init; }

        public long Buildtime { get; init; }

        public int? Header_Rpm_Id { get; init; }

        public long? Header_Start { get; init; }

        public long? Header_End { get; init; }

        public long? File_Size { get; init; }

        public string? File_Sha256 { get; init; }

        public long? File_Mtime { get; init; }

        public long? Archive_Size { get; init; }

        public string? Header { get; init; }

        public string Nvra => $"{Name}-{Version}-{Release}.{Arch}";
    }

    private static async Task<Dictionary<int, StoredRow>> LoadAsync(CallContext ctx, IReadOnlyList<int> ids, bool withHeader)
    {
        var select = $"""
            SELECT r.id, r.name, r.version, r.release, r.epoch, r.arch, r.size, r.buildtime,
                   h.rpm_id AS header_rpm_id, h.header_start, h.header_end, h.file_size, h.file_sha256, h.file_mtime,
                   h.archive_size{(withHeader ? ", h.header" : "")}
            FROM rpminfo r LEFT JOIN rpm_header_data h ON h.rpm_id = r.id
            """;
        var result = new Dictionary<int, StoredRow>();
        var distinct = ids.Distinct().ToList();
        for (var start = 0; start < distinct.Count; start += 500)
        {
            var chunk = distinct.Skip(start).Take(500).ToList();
            IEnumerable<StoredRow> rows;
            if (ctx.Engine == DatabaseEngine.Sqlite)
            {
                var json = "[" + string.Join(",", chunk.Select(i => i.ToString(CultureInfo.InvariantCulture))) + "]";
                rows = await ctx.QueryAsync<StoredRow>(select + " WHERE r.id IN (SELECT value FROM json_each(@json))", new { json }).ConfigureAwait(false);
            }
            else
            {
                rows = await ctx.QueryAsync<StoredRow>(select + " WHERE r.id = ANY(@ids)", new { ids = chunk.ToArray() }).ConfigureAwait(false);
            }
            foreach (var row in rows)
            {
                result[row.Id] = row;
            }
        }
        return result;
    }

    private static XmlRpc.XmlRpcFaultException Bad(StoredRow row, string problem) =>
        KojiErrors.Generic($"stored metadata of rpm {row.Nvra} (id {row.Id}) is unusable for repodata: {problem}");

    /// <summary>The row of an rpm after the checks that need no header: present, sizes and checksum consistent.</summary>
    private static StoredRow Checked(Dictionary<int, StoredRow> rows, int rpmId)
    {
        if (!rows.TryGetValue(rpmId, out var row))
        {
            throw KojiErrors.Generic($"stored metadata of rpm id {rpmId} is unusable for repodata: no such rpm");
        }
        if (row.Header_Rpm_Id is null || row.File_Size is null || row.Header_Start is null || row.Header_End is null)
        {
            throw Bad(row, "no header data stored (rpm_header_data)");
        }
        if (row.File_Size != row.Size)
        {
            throw Bad(row, $"stored file size {row.File_Size} differs from rpminfo size {row.Size}");
        }
        if (row.File_Sha256 is not { Length: 64 } sha || !sha.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f'))
        {
            throw Bad(row, $"stored sha256 '{row.File_Sha256}' is not a SHA-256 digest");
        }
        if (row.Header_Start <= 0 || row.Header_End <= row.Header_Start || row.Header_End > row.File_Size)
        {
            throw Bad(row, $"header range {row.Header_Start}-{row.Header_End} does not fit a {row.File_Size}-byte file");
        }
        return row;
    }

    /// <summary>createrepo_c's <c>time file</c>: the mtime recorded at import, else (rows from before 0009) the build time.</summary>
    private static long FileTime(StoredRow row) => row.File_Mtime ?? row.Buildtime;

    /// <summary>The package's metadata from its stored main header, after checking the header is the rpm's.</summary>
    private static RepoPackage Package(StoredRow row, string href)
    {
        if (string.IsNullOrEmpty(row.Header))
        {
            throw Bad(row, "no header stored");
        }
        RpmHeader header;
        try
        {
            header = RpmHeader.Parse(Convert.FromBase64String(row.Header), RpmHeaderKind.Main);
        }
        catch (Exception e) when (e is FormatException or KojiNet.Rpm.RpmFormatException)
        {
            throw Bad(row, $"stored header does not parse: {e.Message}");
        }
        if (header.Length != row.Header_End - row.Header_Start)
        {
            throw Bad(row, $"stored header is {header.Length} bytes, its range {row.Header_Start}-{row.Header_End} says {row.Header_End - row.Header_Start}");
        }
        RepoPackage package;
        try
        {
            package = RepoPackage.FromHeader(header, row.Header_Start!.Value, row.File_Sha256!, row.File_Size!.Value, FileTime(row),
                row.Archive_Size, href);
        }
        catch (RepodataException e)
        {
            throw Bad(row, e.Message);
        }
        var epoch = (row.Epoch ?? 0).ToString(CultureInfo.InvariantCulture);
        if (package.Name != row.Name || package.Version != row.Version || package.Release != row.Release
            || package.Arch != row.Arch || package.Epoch != epoch)
        {
            throw Bad(row, $"stored header is of {package.Nevra}, not of {row.Nvra} (epoch {epoch})");
        }
        return package;
    }
}
