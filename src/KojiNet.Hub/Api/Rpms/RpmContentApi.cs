using System.Globalization;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Common;
using KojiNet.Rpm;
using KojiNet.Rpm.Format;

namespace KojiNet.Hub.Api.Rpms;

internal sealed class RpmFileRow
{
    public string Name { get; init; } = "";

    public string Digest { get; init; } = "";

    public long Size { get; init; }

    public int Flags { get; init; }

    public string Username { get; init; } = "";

    public string Groupname { get; init; } = "";

    public long Mtime { get; init; }

    public int Mode { get; init; }
}

internal sealed class RpmDepRow
{
    public string Name { get; init; } = "";

    public string Version { get; init; } = "";

    public int Flags { get; init; }

    public int Dep_Type { get; init; }
}

/// <summary>
/// getRPMHeaders (read from the package file, as upstream does), getRPMDeps, listRPMFiles,
/// getRPMFile (answered from the data stored at import: <c>rpm_files</c>, <c>rpm_deps</c>) as long
/// as the package file is there (upstream reads the file; a deleted build has none).
/// </summary>
internal static class RpmContentApi
{
    /// <summary>The rpm and whether its stored data may be served (internal rpm, build not deleted, file present).</summary>
    private static async Task<RpmRow?> AvailableAsync(CallContext ctx, object? rpmID, bool strict)
    {
        var rpm = await RpmQueries.FindAsync(ctx, rpmID).ConfigureAwait(false);
        if (rpm is null)
        {
            return strict ? throw KojiErrors.Generic($"No such rpm: {BuildQueries.Str(rpmID)}") : null;
        }
        var path = await RpmQueries.FilePathAsync(ctx, rpm).ConfigureAwait(false);
        if (path is null || !File.Exists(path))
        {
            return strict ? throw KojiErrors.Generic($"RPM file of {rpm.Nvra} not found") : null;
        }
        return rpm;
    }

    [KojiMethod("getRPMHeaders", ReadOnly = true)]
    internal static async Task<object?> GetRpmHeaders(CallContext ctx, object? rpmID = null, int? taskID = null, string? filepath = null,
        IReadOnlyList<object?>? headers = null, bool strict = false)
    {
        var names = headers?.Select(h => h as string ?? throw KojiErrors.Parameter($"Invalid header name: {Users.UserQueries.Repr(h)}")).ToList();
        if (names is not null)
        {
            foreach (var n in names)
            {
                if (!RpmHeaderFields.TryGetTag(n, out _))
                {
                    throw KojiErrors.Generic($"No such rpm header field: {n.ToUpperInvariant()}");
                }
            }
        }
        RpmPackage package;
        if (rpmID is not null)
        {
            var rpm = await AvailableAsync(ctx, rpmID, strict).ConfigureAwait(false);
            if (rpm is null)
            {
                return Empty();
            }
            // Read from the file like upstream, so signature-header fields (SIGMD5, ARCHIVESIZE...) are there too.
            package = RpmPackage.Open((await RpmQueries.FilePathAsync(ctx, rpm).ConfigureAwait(false))!);
        }
        else if (taskID is { } task && filepath is not null)
        {
            string full;
            try
            {
                var rel = string.Create(CultureInfo.InvariantCulture, $"tasks/{task % 10000}/{task}");
                full = ctx.Hub.Storage.ResolveWorkPath(rel + "/" + filepath.TrimStart('/'));
            }
            catch (ArgumentException e)
            {
                throw KojiErrors.Generic(e.Message);
            }
            if (!File.Exists(full))
            {
                return strict ? throw KojiErrors.Generic($"No such file: {filepath}") : Empty();
            }
            package = RpmPackage.Open(full);
        }
        else
        {
            throw KojiErrors.Generic("rpmID or taskID and filepath must be specified");
        }
        var header = package.Header;
        if (names is null)
        {
            return RpmHeaderFields.All(header, package.Signature);
        }
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var n in names)
        {
            RpmHeaderFields.TryGetTag(n, out var tag);
            result[n] = RpmHeaderFields.Value(header, package.Signature, tag, n);
        }
        return result;
    }

    private static Dictionary<string, object?> Empty() => new(StringComparer.Ordinal);

    [KojiMethod("getRPMDeps", ReadOnly = true)]
    internal static async Task<object?> GetRpmDeps(CallContext ctx, object? rpmID, int? depType = null,
        IReadOnlyDictionary<string, object?>? queryOpts = null, bool strict = false)
    {
        // asList rows keep upstream's member order [name, version, flags, type], not the alphabetical one.
        var asList = queryOpts?.GetValueOrDefault("asList") is { } al && ArgumentBinder.Truthy(al);
        var opts = QueryOptions.Parse(queryOpts?.Where(kv => kv.Key != "asList").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));
        var rpm = await AvailableAsync(ctx, rpmID, strict).ConfigureAwait(false);
        if (rpm is null)
        {
            return opts.ApplyInMemory([]);
        }
        var rows = await ctx.QueryAsync<RpmDepRow>("""
            SELECT name AS Name, version AS Version, flags AS Flags, dep_type AS Dep_Type FROM rpm_deps
            WHERE rpm_id = @id
            """ + (depType is null ? "" : " AND dep_type = @depType") + " ORDER BY dep_type, idx", new { id = rpm.Id, depType }).ConfigureAwait(false);
        var result = opts.ApplyInMemory(rows.Select(r => (IReadOnlyDictionary<string, object?>)new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["name"] = r.Name,
            ["version"] = r.Version,
            ["flags"] = r.Flags,
            ["type"] = r.Dep_Type,
        }));
        if (asList && result is IEnumerable<IReadOnlyDictionary<string, object?>> deps)
        {
            return deps.Select(d => new List<object?> { d["name"], d["version"], d["flags"], d["type"] }).ToList();
        }
        return result;
    }

    private static async Task<(IReadOnlyList<RpmFileRow> Rows, string Algo)> FilesAsync(CallContext ctx, int rpmId, string? name)
    {
        var algo = await ctx.ScalarAsync<int?>("SELECT file_digest_algo FROM rpm_header_data WHERE rpm_id = @rpmId", new { rpmId }).ConfigureAwait(false) ?? 1;
        var rows = await ctx.QueryAsync<RpmFileRow>("""
            SELECT name AS Name, digest AS Digest, size AS Size, flags AS Flags, username AS Username, groupname AS Groupname,
                   mtime AS Mtime, mode AS Mode
            FROM rpm_files WHERE rpm_id = @rpmId
            """ + (name is null ? "" : " AND name = @name") + " ORDER BY idx", new { rpmId, name }).ConfigureAwait(false);
        return (rows.ToList(), RpmHeaderFields.DigestAlgoName(algo));
    }

    private static Dictionary<string, object?> FileStruct(RpmFileRow f, string algo) => new(StringComparer.Ordinal)
    {
        ["name"] = f.Name,
        ["digest"] = f.Digest,
        ["digest_algo"] = algo,
        ["md5"] = f.Digest,
        ["size"] = f.Size,
        ["flags"] = f.Flags,
        ["user"] = f.Username,
        ["group"] = f.Groupname,
        ["mtime"] = f.Mtime,
        ["mode"] = f.Mode,
    };

    [KojiMethod("listRPMFiles", ReadOnly = true)]
    internal static async Task<object?> ListRpmFiles(CallContext ctx, object? rpmID, IReadOnlyDictionary<string, object?>? queryOpts = null)
    {
        var opts = QueryOptions.Parse(queryOpts);
        var rpm = await AvailableAsync(ctx, rpmID, strict: false).ConfigureAwait(false);
        if (rpm is null)
        {
            return opts.ApplyInMemory([]);
        }
        var (rows, algo) = await FilesAsync(ctx, rpm.Id, null).ConfigureAwait(false);
        return opts.ApplyInMemory(rows.Select(r => (IReadOnlyDictionary<string, object?>)FileStruct(r, algo)));
    }

    [KojiMethod("getRPMFile", ReadOnly = true)]
    internal static async Task<object?> GetRpmFile(CallContext ctx, object? rpmID, string filename, bool strict = false)
    {
        var rpm = await AvailableAsync(ctx, rpmID, strict).ConfigureAwait(false);
        if (rpm is null)
        {
            return Empty();
        }
        var (rows, algo) = await FilesAsync(ctx, rpm.Id, filename).ConfigureAwait(false);
        if (rows.Count == 0)
        {
            return strict ? throw KojiErrors.Generic($"No such file: {filename} in rpm {rpm.Nvra}") : Empty();
        }
        var d = FileStruct(rows[0], algo);
        d["rpm_id"] = rpm.Id;
        return d;
    }
}
