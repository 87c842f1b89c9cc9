using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using KojiNet.Repodata;

namespace KojiNet.Builder.Repos;

/// <summary>What <see cref="StoredRepodata.WriteAsync"/> did.</summary>
/// <param name="Repodata">The writer's result (packages rendered and reused).</param>
/// <param name="Listed">RPMs in the repo arch's list.</param>
/// <param name="Fetched">RPMs whose full metadata was fetched from the hub (the ones the cache lacked).</param>
/// <param name="MetadataCalls"><c>host.repoRpmMetadata</c> calls made.</param>
public sealed record StoredRepodataResult(RepodataResult Repodata, int Listed, int Fetched, int MetadataCalls);

/// <summary>
/// The <c>kojinet</c> repodata writer of <c>createrepo</c> tasks: the repodata of a repo arch made
/// from the metadata the hub stored when each RPM was imported (Koji.NET's
/// <c>host.repoRpmIndex</c> and <c>host.repoRpmMetadata</c>), never from the package files. With a
/// cache file the metadata of packages rendered by an earlier run is neither fetched nor rendered
/// again. Hrefs are the pkglist's (relative to the arch directory, through <c>toplink</c>), as
/// createrepo_c over that pkglist writes them.
/// </summary>
public static class StoredRepodata
{
    /// <summary>RPMs asked for per <c>host.repoRpmMetadata</c> call.</summary>
    public const int PageSize = 1000;

    /// <summary>
    /// Writes <c>&lt;outputDirectory&gt;/repodata</c> for repo <paramref name="repoId"/>'s
    /// <paramref name="arch"/>.
    /// </summary>
    /// <param name="call">Calls a hub method (positional arguments) as the host holding the createrepo task.</param>
    /// <param name="repoId">The repo.</param>
    /// <param name="arch">The repo arch (a directory of the repo).</param>
    /// <param name="outputDirectory">Where <c>repodata/</c> is written.</param>
    /// <param name="groupFile">The repo's comps.xml, or null.</param>
    /// <param name="cacheFile">The cache of this tag and arch, or null for none.</param>
    /// <param name="log">Progress lines, or null.</param>
    /// <param name="cancellationToken">Cancels the run; nothing is published then.</param>
    /// <exception cref="RepodataException">Metadata from the hub is malformed or inconsistent (the message names the package).</exception>
    public static async Task<StoredRepodataResult> WriteAsync(
        Func<string, IReadOnlyList<object?>, CancellationToken, Task<object?>> call,
        int repoId, string arch, string outputDirectory, string? groupFile, string? cacheFile, TextWriter? log,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(arch);
        var index = await call("host.repoRpmIndex", [repoId, arch], cancellationToken).ConfigureAwait(false) as IReadOnlyList<object?>
            ?? throw new RepodataException("host.repoRpmIndex returned no list");
        var keys = new List<RepoPackageKey>(index.Count);
        var rpmIds = new Dictionary<RepoPackageKey, int>();
        foreach (var entry in index)
        {
            if (entry is not IReadOnlyList<object?> { Count: 5 } e || e[1] is not string href || e[4] is not string sha256)
            {
                throw new RepodataException("host.repoRpmIndex returned a malformed entry");
            }
            var key = new RepoPackageKey(href, null, Long(e[2]), Long(e[3]), "sha256", sha256);
            keys.Add(key);
            rpmIds[key] = (int)Long(e[0]);
        }
        var fetched = 0;
        var calls = 0;
        async Task<IReadOnlyList<RepoPackage>> FetchAsync(IReadOnlyList<RepoPackageKey> missing, CancellationToken ct)
        {
            var result = new List<RepoPackage>(missing.Count);
            for (var start = 0; start < missing.Count; start += PageSize)
            {
                var page = missing.Skip(start).Take(PageSize).ToList();
                var ids = page.Select(k => (object?)rpmIds[k]).ToList();
                var reply = await call("host.repoRpmMetadata", [repoId, arch, ids], ct).ConfigureAwait(false) as IReadOnlyDictionary<string, object?>;
                calls++;
                if (reply?.GetValueOrDefault("data") is not byte[] data)
                {
                    throw new RepodataException("host.repoRpmMetadata returned no data");
                }
                var packages = Decode(data);
                if (packages.Count != page.Count)
                {
                    throw new RepodataException($"host.repoRpmMetadata returned {packages.Count} packages for {page.Count} rpm ids");
                }
                result.AddRange(packages);
                fetched += packages.Count;
            }
            return result;
        }

        var options = new RepodataWriterOptions { GroupFile = groupFile, CacheFile = cacheFile };
        var written = await RepodataWriter.WriteAsync(outputDirectory, keys, FetchAsync, options, cancellationToken).ConfigureAwait(false);
        if (log is not null)
        {
            await log.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"kojinet repodata for repo {repoId} {arch}: {keys.Count} packages listed, {fetched} fetched in {calls} calls, {written.RenderedPackages} rendered, {written.ReusedPackages} reused from cache{(written.CacheLoaded ? "" : " (no usable cache)")}; {written.CompressedChunks} chunks compressed, {written.ReusedChunks} reused"))
                .ConfigureAwait(false);
        }
        return new StoredRepodataResult(written, keys.Count, fetched, calls);
    }

    /// <summary>
    /// The cache file of a tag's repos for one arch: <c>tag-&lt;id&gt;-&lt;arch&gt;[-&lt;opts&gt;].cache</c>, repos
    /// with non-default options (another content selection) apart from the tag's default repos.
    /// </summary>
    public static string CacheFile(string cacheDirectory, int tagId, string arch, IReadOnlyDictionary<string, object?>? customOpts)
    {
        ArgumentNullException.ThrowIfNull(cacheDirectory);
        ArgumentNullException.ThrowIfNull(arch);
        var name = string.Create(CultureInfo.InvariantCulture, $"tag-{tagId}-{arch}");
        if (customOpts is { Count: > 0 })
        {
            var text = string.Join(";", customOpts.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={Convert.ToString(kv.Value, CultureInfo.InvariantCulture)}"));
            name += "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..12];
        }
        return Path.Combine(cacheDirectory, name + ".cache");
    }

    private static List<RepoPackage> Decode(byte[] data)
    {
        var packages = new List<RepoPackage>();
        using var gzip = new GZipStream(new MemoryStream(data), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        try
        {
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0)
                {
                    packages.Add(RepoPackageJson.Deserialize(line));
                }
            }
        }
        catch (InvalidDataException e)
        {
            throw new RepodataException($"host.repoRpmMetadata returned damaged data: {e.Message}", e);
        }
        return packages;
    }

    private static long Long(object? value) => value switch
    {
        int i => i,
        long l => l,
        double d => (long)d,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => throw new RepodataException($"host.repoRpmIndex returned a non-number: {value}"),
    };
}
