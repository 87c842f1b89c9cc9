using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using KojiNet.Repodata.Cache;
using KojiNet.Repodata.Compression;
using KojiNet.Repodata.Xml;

namespace KojiNet.Repodata;

/// <summary>
/// Writes a repository's metadata — primary, filelists and other (compressed), the comps group
/// file and repomd.xml — into <c>&lt;outputDirectory&gt;/repodata</c>, with the content
/// createrepo_c 0.17 writes for the same packages.
/// </summary>
/// <remarks>
/// Packages are ordered as createrepo_c orders them (by file name, then directory). Their XML is
/// rendered in parallel in bounded batches and streamed, in order, to one compressor per file, so
/// memory stays bounded by the batch size, not the repository size. With
/// <see cref="RepodataWriterOptions.CacheFile"/> the XML of unchanged packages is reused from the
/// previous run. Everything is written to a temporary directory next to <c>repodata</c> and
/// swapped in only when complete; on any error the previous <c>repodata</c> stays untouched.
/// </remarks>
public static class RepodataWriter
{
    // Bump when the rendered XML changes, so caches of older renderers are not reused.
    private const string RenderVersion = "createrepo_c-0.17/1";
    private const int BatchSize = 256;

    /// <summary>Writes metadata for packages described by stored metadata (no package file is read).</summary>
    /// <param name="outputDirectory">The repository directory; <c>repodata/</c> is created or replaced in it.</param>
    /// <param name="packages">The packages; their <see cref="RepoPackage.LocationHref"/> is relative to the repository.</param>
    /// <param name="options">Options; null for createrepo_c's defaults.</param>
    /// <param name="cancellationToken">Cancels the run; nothing is published then.</param>
    /// <exception cref="RepodataException">A package's metadata is missing or inconsistent (the message names it), or output failed.</exception>
    public static Task<RepodataResult> WriteAsync(string outputDirectory, IEnumerable<RepoPackage> packages,
        RepodataWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputDirectory);
        ArgumentNullException.ThrowIfNull(packages);
        var sources = new List<PackageSource>();
        foreach (var p in packages)
        {
            ArgumentNullException.ThrowIfNull(p, nameof(packages));
            sources.Add(new ModelSource(p));
        }
        return WriteCoreAsync(outputDirectory, sources, options ?? new RepodataWriterOptions(), cancellationToken);
    }

    /// <summary>
    /// Writes metadata for RPM files, reading each file's headers and SHA-256 (like createrepo_c
    /// with a package list).
    /// </summary>
    /// <param name="outputDirectory">The repository directory; <c>repodata/</c> is created or replaced in it.</param>
    /// <param name="packagesDirectory">The directory the paths are relative to (Koji: the repo's arch directory).</param>
    /// <param name="relativePaths">Package paths relative to <paramref name="packagesDirectory"/>; they become the location hrefs (a leading <c>./</c> is dropped).</param>
    /// <param name="options">Options; null for createrepo_c's defaults.</param>
    /// <param name="cancellationToken">Cancels the run; nothing is published then.</param>
    /// <exception cref="RepodataException">A package cannot be read or has bad metadata (the message names it), or output failed.</exception>
    public static Task<RepodataResult> WriteFromRpmFilesAsync(string outputDirectory, string packagesDirectory,
        IEnumerable<string> relativePaths, RepodataWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputDirectory);
        ArgumentNullException.ThrowIfNull(packagesDirectory);
        ArgumentNullException.ThrowIfNull(relativePaths);
        var sources = new List<PackageSource>();
        foreach (var rel in relativePaths)
        {
            var href = rel;
            while (href.StartsWith("./", StringComparison.Ordinal))
            {
                href = href[2..];
            }
            if (href.Length == 0)
            {
                continue;
            }
            sources.Add(new FileSource(Path.Combine(packagesDirectory, href), href));
        }
        return WriteCoreAsync(outputDirectory, sources, options ?? new RepodataWriterOptions(), cancellationToken);
    }

    /// <summary>Writes metadata for every <c>*.rpm</c> below <paramref name="packagesDirectory"/>, like <c>createrepo_c -o outputDirectory packagesDirectory</c>.</summary>
    /// <exception cref="RepodataException">A package cannot be read or has bad metadata, or output failed.</exception>
    public static Task<RepodataResult> WriteFromDirectoryAsync(string outputDirectory, string packagesDirectory,
        RepodataWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(packagesDirectory);
        var root = Path.GetFullPath(packagesDirectory);
        var paths = Directory.EnumerateFiles(root, "*.rpm", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace(Path.DirectorySeparatorChar, '/'));
        return WriteFromRpmFilesAsync(outputDirectory, root, paths, options, cancellationToken);
    }

    private static string Fingerprint(RepodataWriterOptions options) =>
        $"{RenderVersion};changelog-limit={options.ChangelogLimit?.ToString(CultureInfo.InvariantCulture) ?? "all"}";

    private static async Task<RepodataResult> WriteCoreAsync(string outputDirectory, List<PackageSource> sources,
        RepodataWriterOptions options, CancellationToken cancellationToken)
    {
        if (options.MaxDegreeOfParallelism < 1)
        {
            throw new ArgumentException("MaxDegreeOfParallelism must be at least 1", nameof(options));
        }
        if (options.ChangelogLimit is < 0)
        {
            throw new ArgumentException("ChangelogLimit must not be negative", nameof(options));
        }
        if (options.GroupFile is { } groupFile && !File.Exists(groupFile))
        {
            throw new RepodataException($"group file {groupFile} does not exist");
        }
        sources.Sort(PackageSource.Order);

        var timestamp = (options.Timestamp ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var revision = options.Revision ?? timestamp.ToString(CultureInfo.InvariantCulture);
        Directory.CreateDirectory(outputDirectory);
        var target = Path.Combine(outputDirectory, "repodata");
        var runId = Guid.NewGuid().ToString("N");
        var staging = Path.Combine(outputDirectory, $".repodata.tmp-{runId}");
        Directory.CreateDirectory(staging);
        var fingerprint = Fingerprint(options);
        string? newCache = options.CacheFile is { } cacheFile ? $"{cacheFile}.tmp-{runId}" : null;
        try
        {
            if (newCache is not null)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(newCache))!);
            }
            using var cache = options.CacheFile is { } c ? FragmentCacheReader.TryOpen(c, fingerprint) : null;
            var context = new RenderContext(options.ChangelogLimit, cache);
            var records = await WriteMetadataAsync(staging, sources, options, context, newCache, fingerprint, cancellationToken)
                .ConfigureAwait(false);
            if (options.GroupFile is { } group)
            {
                records.AddRange(WriteGroup(staging, group, options));
            }
            var repomd = new Repomd { Revision = revision };
            var files = new List<string>();
            foreach (var info in records)
            {
                var name = Path.GetFileName(info.Path);
                if (options.UniqueMetadataFilenames)
                {
                    name = $"{info.Checksum}-{name}";
                    File.Move(info.Path, Path.Combine(staging, name));
                }
                files.Add(Path.Combine(target, name));
                File.SetLastWriteTimeUtc(Path.Combine(staging, name), DateTimeOffset.FromUnixTimeSeconds(timestamp).UtcDateTime);
                repomd.Records.Add(new RepomdRecord
                {
                    Type = info.Type,
                    Checksum = info.Checksum,
                    ChecksumType = "sha256",
                    OpenChecksum = info.OpenChecksum,
                    OpenChecksumType = info.OpenChecksum is null ? null : "sha256",
                    LocationHref = $"repodata/{name}",
                    Timestamp = timestamp,
                    Size = info.Size,
                    OpenSize = info.OpenSize,
                });
            }
            var repomdPath = Path.Combine(staging, "repomd.xml");
            await File.WriteAllBytesAsync(repomdPath, repomd.ToBytes(), cancellationToken).ConfigureAwait(false);
            files.Add(Path.Combine(target, "repomd.xml"));
            cancellationToken.ThrowIfCancellationRequested();
            Publish(staging, target);
            if (newCache is not null)
            {
                File.Move(newCache, options.CacheFile!, overwrite: true);
            }
            return new RepodataResult
            {
                RepodataDirectory = target,
                Repomd = repomd,
                PackageCount = sources.Count,
                RenderedPackages = context.Rendered,
                ReusedPackages = context.Reused,
                CacheLoaded = cache is not null,
                Files = files,
            };
        }
        catch
        {
            TryDeleteDirectory(staging);
            if (newCache is not null)
            {
                TryDeleteFile(newCache);
            }
            throw;
        }
    }

    /// <summary>A metadata file written to the staging directory, before its final name.</summary>
    private sealed record StagedFile(string Type, string Path, string Checksum, long Size, string? OpenChecksum, long? OpenSize);

    private static async Task<List<StagedFile>> WriteMetadataAsync(
        string staging, List<PackageSource> sources, RepodataWriterOptions options, RenderContext context,
        string? newCache, string fingerprint, CancellationToken cancellationToken)
    {
        var suffix = MetadataFileWriter.Suffix(options.Compression);
        using var primary = new MetadataFileWriter(Path.Combine(staging, "primary.xml" + suffix), options.Compression, options.CompressionLevel);
        using var filelists = new MetadataFileWriter(Path.Combine(staging, "filelists.xml" + suffix), options.Compression, options.CompressionLevel);
        using var other = new MetadataFileWriter(Path.Combine(staging, "other.xml" + suffix), options.Compression, options.CompressionLevel);
        using var cacheWriter = newCache is null ? null : new FragmentCacheWriter(newCache, fingerprint);

        var count = System.Text.Encoding.ASCII.GetBytes(sources.Count.ToString(CultureInfo.InvariantCulture));
        WriteHeader(primary, PackageXml.PrimaryHeader, count);
        WriteHeader(filelists, PackageXml.FilelistsHeader, count);
        WriteHeader(other, PackageXml.OtherHeader, count);

        using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sinks = new List<Action<PackageFragments>>
        {
            f => primary.Write(f.Primary),
            f => filelists.Write(f.Filelists),
            f => other.Write(f.Other),
        };
        if (cacheWriter is not null)
        {
            sinks.Add(cacheWriter.Add);
        }
        var channels = sinks.Select(_ => Channel.CreateBounded<PackageFragments[]>(new BoundedChannelOptions(2)
        {
            SingleReader = true,
            SingleWriter = true,
        })).ToList();
        var consumers = sinks.Select((sink, i) => Task.Run(() => ConsumeAsync(channels[i].Reader, sink, failure), CancellationToken.None)).ToList();
        var producer = Task.Run(() => ProduceAsync(sources, context, options.MaxDegreeOfParallelism, channels, failure), CancellationToken.None);
        var all = consumers.Append(producer).ToList();
        try
        {
            await Task.WhenAll(all).ConfigureAwait(false);
        }
        catch
        {
            // Report the first real failure rather than the cancellations it caused.
            var real = all.Where(t => t.IsFaulted).SelectMany(t => t.Exception!.InnerExceptions)
                .FirstOrDefault(e => e is not OperationCanceledException);
            cancellationToken.ThrowIfCancellationRequested();
            if (real is not null)
            {
                ExceptionDispatchInfo.Capture(real).Throw();
            }
            throw;
        }

        primary.Write(PackageXml.PrimaryFooter);
        filelists.Write(PackageXml.FilelistsFooter);
        other.Write(PackageXml.OtherFooter);
        var result = new List<StagedFile>();
        foreach (var (type, writer) in new[] { ("primary", primary), ("filelists", filelists), ("other", other) })
        {
            var info = writer.Complete();
            result.Add(new StagedFile(type, info.Path, info.Checksum, info.Size, info.OpenChecksum, info.OpenSize));
        }
        cacheWriter?.Complete();
        return result;
    }

    private static void WriteHeader(MetadataFileWriter writer, ReadOnlySpan<byte> header, byte[] count)
    {
        writer.Write(header);
        writer.Write(count);
        writer.Write(PackageXml.HeaderEnd);
    }

    private static async Task ProduceAsync(List<PackageSource> sources, RenderContext context, int parallelism,
        List<Channel<PackageFragments[]>> channels, CancellationTokenSource failure)
    {
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = failure.Token };
            for (var start = 0; start < sources.Count; start += BatchSize)
            {
                var batch = new PackageFragments[Math.Min(BatchSize, sources.Count - start)];
                var firstError = int.MaxValue;
                Exception? error = null;
                var errorLock = new Lock();
                Parallel.For(0, batch.Length, parallel, (i, state) =>
                {
                    try
                    {
                        batch[i] = sources[start + i].Produce(context);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        lock (errorLock)
                        {
                            if (i < firstError)
                            {
                                firstError = i;
                                error = e;
                            }
                        }
                        state.Stop();
                    }
                });
                if (error is not null)
                {
                    ExceptionDispatchInfo.Capture(error).Throw();
                }
                foreach (var channel in channels)
                {
                    await channel.Writer.WriteAsync(batch, failure.Token).ConfigureAwait(false);
                }
            }
            foreach (var channel in channels)
            {
                channel.Writer.Complete();
            }
        }
        catch (Exception e)
        {
            await failure.CancelAsync().ConfigureAwait(false);
            foreach (var channel in channels)
            {
                channel.Writer.TryComplete(e);
            }
            throw;
        }
    }

    private static async Task ConsumeAsync(ChannelReader<PackageFragments[]> reader, Action<PackageFragments> sink,
        CancellationTokenSource failure)
    {
        try
        {
            await foreach (var batch in reader.ReadAllAsync(failure.Token).ConfigureAwait(false))
            {
                foreach (var f in batch)
                {
                    sink(f);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await failure.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static List<StagedFile> WriteGroup(
        string staging, string groupFile, RepodataWriterOptions options)
    {
        var content = File.ReadAllBytes(groupFile);
        var name = Path.GetFileName(groupFile);
        var plain = Path.Combine(staging, name);
        File.WriteAllBytes(plain, content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        MetadataFileInfo compressed;
        using (var writer = new MetadataFileWriter(plain + MetadataFileWriter.Suffix(options.Compression), options.Compression, options.CompressionLevel))
        {
            writer.Write(content);
            compressed = writer.Complete();
        }
        return
        [
            new StagedFile("group", plain, sha, content.LongLength, null, null),
            new StagedFile($"group_{MetadataFileWriter.RecordSuffix(options.Compression)}", compressed.Path,
                compressed.Checksum, compressed.Size, compressed.OpenChecksum, compressed.OpenSize),
        ];
    }

    /// <summary>Replaces <paramref name="target"/> with <paramref name="staging"/> in one atomic exchange when the file system allows it.</summary>
    private static void Publish(string staging, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(staging, target);
            return;
        }
        if (LibC.RenameAt2(LibC.AtFdCwd, staging, LibC.AtFdCwd, target, LibC.RenameExchange) == 0)
        {
            TryDeleteDirectory(staging);
            return;
        }
        // No RENAME_EXCHANGE here (old kernel or file system): move the old one aside first.
        var old = $"{staging}.old";
        Directory.Move(target, old);
        Directory.Move(staging, target);
        TryDeleteDirectory(old);
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temporary file is harmless.
        }
    }

    /// <summary>Shared per-run state of the render workers.</summary>
    private sealed class RenderContext(int? changelogLimit, FragmentCacheReader? cache)
    {
        [ThreadStatic]
        private static Utf8XmlBuffer? _threadBuffer;

        private int _rendered;
        private int _reused;

        public FragmentCacheReader? Cache => cache;

        public int Rendered => _rendered;

        public int Reused => _reused;

        public PackageFragments FromCache(FragmentCacheEntry entry)
        {
            Interlocked.Increment(ref _reused);
            return cache!.Read(entry);
        }

        public PackageFragments Render(RepoPackage p)
        {
            var b = _threadBuffer ??= new Utf8XmlBuffer(64 * 1024);
            b.Clear();
            PackageXml.RenderPrimary(b, p);
            var primaryLength = b.Length;
            PackageXml.RenderFilelists(b, p);
            var filelistsLength = b.Length - primaryLength;
            PackageXml.RenderOther(b, p, changelogLimit);
            var otherLength = b.Length - primaryLength - filelistsLength;
            Interlocked.Increment(ref _rendered);
            return new PackageFragments
            {
                Href = p.LocationHref,
                Base = p.LocationBase,
                FileTime = p.FileTime,
                PackageSize = p.PackageSize,
                ChecksumType = p.ChecksumType,
                PkgId = p.PkgId,
                Data = b.ToArray(),
                PrimaryLength = primaryLength,
                FilelistsLength = filelistsLength,
                OtherLength = otherLength,
            };
        }
    }

    /// <summary>One package to write, in createrepo_c's order: by file name, then directory.</summary>
    private abstract class PackageSource
    {
        protected PackageSource(string? href)
        {
            href ??= string.Empty;
            Href = href;
            var slash = href.LastIndexOf('/');
            FileName = href[(slash + 1)..];
            Directory = slash >= 0 ? href[..slash] : string.Empty;
        }

        public string Href { get; }

        public string FileName { get; }

        public string Directory { get; }

        public static int Order(PackageSource a, PackageSource b)
        {
            var c = string.CompareOrdinal(a.FileName, b.FileName);
            return c != 0 ? c : string.CompareOrdinal(a.Directory, b.Directory);
        }

        public abstract PackageFragments Produce(RenderContext context);
    }

    private sealed class ModelSource(RepoPackage package) : PackageSource(package.LocationHref)
    {
        public override PackageFragments Produce(RenderContext context)
        {
            RepoPackageValidation.Validate(package);
            return context.Cache?.Find(package) is { } entry ? context.FromCache(entry) : context.Render(package);
        }
    }

    private sealed class FileSource(string path, string location) : PackageSource(location)
    {
        public override PackageFragments Produce(RenderContext context)
        {
            try
            {
                if (context.Cache is { } cache)
                {
                    var info = new FileInfo(path);
                    if (!info.Exists)
                    {
                        throw new RepodataException($"{Href}: package file {path} does not exist");
                    }
                    var mtime = new DateTimeOffset(info.LastWriteTimeUtc).ToUnixTimeSeconds();
                    if (cache.Find(Href, null, mtime, info.Length) is { } entry)
                    {
                        return context.FromCache(entry);
                    }
                }
                var package = RepoPackage.FromRpmFile(path, Href);
                RepoPackageValidation.Validate(package);
                return context.Render(package);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new RepodataException($"{Href}: cannot read {path}: {e.Message}", e);
            }
        }
    }
}
