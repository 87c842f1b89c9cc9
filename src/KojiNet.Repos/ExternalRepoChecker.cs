using System.Globalization;
using System.Xml;
using KojiNet.Client;
using KojiNet.XmlRpc;
using Microsoft.Extensions.Logging;

namespace KojiNet.Repos;

/// <summary>
/// kojira's <c>check_external</c> pass (spec/kojira.md §3): for every external repo linked to a
/// tag, reads <c>repodata/repomd.xml</c> (with <c>$arch</c> expanded to each arch of the tags using
/// it, limited by the link's own <c>arches</c>), takes the newest <c>&lt;timestamp&gt;</c>, and when
/// it is newer than the <c>max_ts</c> the hub has (<c>repo.getExternalRepoData</c>) records it with
/// <c>repo.setExternalRepoData(id, {'max_ts': ts})</c>. That write is an event of every tag using the
/// repo, so their current repos stop being current and the next request makes a new one.
/// </summary>
public sealed partial class ExternalRepoChecker : IDisposable
{
    private const string RepoNamespace = "http://linux.duke.edu/metadata/repo";

    private readonly ILogger _logger;
    private readonly HttpClient _http;

    // The last failure per URL: a repeated one is logged at debug level only.
    private readonly Dictionary<string, string> _failures = new(StringComparer.Ordinal);

    /// <summary>A checker fetching http(s) URLs with a 5 s timeout (as kojira does); <c>file://</c> URLs are read directly.</summary>
    public ExternalRepoChecker(ILogger logger, HttpMessageHandler? handler = null)
    {
        _logger = logger;
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.Timeout = TimeSpan.FromSeconds(5);
    }

    /// <summary>One pass; returns the ids of the external repos whose <c>max_ts</c> was raised.</summary>
    public async Task<IReadOnlyList<int>> CheckAsync(KojiSession session, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(session);
        var links = (await session.CallAsync("getTagExternalRepos", [], null, ct).ConfigureAwait(false) as IReadOnlyList<object?> ?? [])
            .OfType<IReadOnlyDictionary<string, object?>>().ToList();
        var tagArches = new Dictionary<int, string[]>();
        var repos = new SortedDictionary<int, (string Url, SortedSet<string> Arches)>();
        foreach (var link in links)
        {
            var repoId = Convert.ToInt32(link["external_repo_id"], CultureInfo.InvariantCulture);
            var tagId = Convert.ToInt32(link["tag_id"], CultureInfo.InvariantCulture);
            if (!tagArches.TryGetValue(tagId, out var arches))
            {
                var tag = await session.CallAsync("getTag", [tagId], null, ct).ConfigureAwait(false) as IReadOnlyDictionary<string, object?>;
                arches = SplitArches(tag?.GetValueOrDefault("arches") as string);
                tagArches[tagId] = arches;
            }
            // A link limited to some arches uses the repo only for those.
            var linkArches = SplitArches(link.GetValueOrDefault("arches") as string);
            if (linkArches.Length > 0)
            {
                arches = arches.Where(a => linkArches.Contains(a, StringComparer.Ordinal)).ToArray();
            }
            if (!repos.TryGetValue(repoId, out var entry))
            {
                entry = ((string)link["url"]!, new SortedSet<string>(StringComparer.Ordinal));
                repos[repoId] = entry;
            }
            entry.Arches.UnionWith(arches);
        }

        var changed = new List<int>();
        foreach (var (repoId, (url, arches)) in repos)
        {
            var urls = url.Contains("$arch", StringComparison.Ordinal) ? arches.Select(a => url.Replace("$arch", a, StringComparison.Ordinal)).ToList() : [url];
            double? newest = null;
            foreach (var u in urls)
            {
                var ts = await ReadMaxTimestampAsync(u, ct).ConfigureAwait(false);
                if (ts is { } t && (newest is null || t > newest))
                {
                    newest = t;
                }
            }
            if (newest is not { } max)
            {
                continue;
            }
            var data = await session.CallAsync("repo.getExternalRepoData", [repoId], null, ct).ConfigureAwait(false) as IReadOnlyDictionary<string, object?>;
            var stored = data?.GetValueOrDefault("max_ts") is { } s ? Convert.ToDouble(s, CultureInfo.InvariantCulture) : (double?)null;
            if (stored is { } old && max <= old)
            {
                continue;
            }
            object value = max == Math.Floor(max) && max <= int.MaxValue ? (int)max : max;
            LogChanged(repoId, url, Convert.ToString(value, CultureInfo.InvariantCulture)!);
            await session.CallAsync("repo.setExternalRepoData", [repoId, new Dictionary<string, object?>(StringComparer.Ordinal) { ["max_ts"] = value }], null, ct)
                .ConfigureAwait(false);
            changed.Add(repoId);
        }
        return changed;
    }

    /// <summary>The newest <c>&lt;timestamp&gt;</c> of <c>&lt;url&gt;/repodata/repomd.xml</c>; null (logged) when it cannot be read.</summary>
    private async Task<double?> ReadMaxTimestampAsync(string url, CancellationToken ct)
    {
        var repomd = url.TrimEnd('/') + "/repodata/repomd.xml";
        try
        {
            if (!Uri.TryCreate(repomd, UriKind.Absolute, out var uri))
            {
                throw new FormatException("not an absolute URL");
            }
            if (uri.IsFile)
            {
                await using var file = File.OpenRead(uri.LocalPath);
                var fromFile = MaxTimestamp(file);
                _failures.Remove(repomd);
                return fromFile;
            }
            if (uri.Scheme is not ("http" or "https"))
            {
                throw new FormatException($"unsupported URL scheme '{uri.Scheme}'");
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await _http.GetAsync(uri, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            response.EnsureSuccessStatusCode();
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            var ts = MaxTimestamp(stream);
            _failures.Remove(repomd);
            return ts;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException or OperationCanceledException or XmlException or FormatException
            or ArgumentException or NotSupportedException or InvalidOperationException)
        {
            if (_failures.TryGetValue(repomd, out var last) && string.Equals(last, ex.Message, StringComparison.Ordinal))
            {
                LogStillUnreadable(repomd, ex.Message);
            }
            else
            {
                _failures[repomd] = ex.Message;
                LogUnreadable(repomd, ex.Message);
            }
            return null;
        }
    }

    /// <summary>The largest <c>{http://linux.duke.edu/metadata/repo}timestamp</c> value of a repomd.xml; null when it has none.</summary>
    /// <exception cref="XmlException">Not well-formed XML.</exception>
    /// <exception cref="FormatException">A timestamp that is not a number.</exception>
    public static double? MaxTimestamp(Stream repomd)
    {
        double? max = null;
        using var reader = XmlReader.Create(repomd, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null });
        reader.Read();
        while (!reader.EOF)
        {
            if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "timestamp" || reader.NamespaceURI != RepoNamespace)
            {
                reader.Read();
            }
            else
            {
                var text = reader.ReadElementContentAsString().Trim();
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var ts))
                {
                    throw new FormatException($"bad timestamp '{text}' in repomd.xml");
                }
                max = max is { } m ? Math.Max(m, ts) : ts;
            }
        }
        return max;
    }

    private static string[] SplitArches(string? arches) =>
        (arches ?? "").Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <inheritdoc/>
    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "External repo {RepoId} ({Url}) changed: max_ts {Timestamp}")]
    private partial void LogChanged(int repoId, string url, string timestamp);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Warning, Message = "Cannot read external repo metadata {Url}: {Message}")]
    private partial void LogUnreadable(string url, string message);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Debug, Message = "Still cannot read external repo metadata {Url}: {Message}")]
    private partial void LogStillUnreadable(string url, string message);
}
