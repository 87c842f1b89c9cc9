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
/// rendered in parallel, in bounded batches. Consecutive packages form chunks whose boundaries
/// follow the package checksums (about 512 KiB of XML each); each chunk is compressed on its own, in
/// parallel, into a piece of a standard gzip stream (or a zstd frame), and the pieces are streamed
/// in order into the files, so memory stays bounded by the batch size, not the repository size.
/// With <see cref="RepodataWriterOptions.CacheFile"/> the XML of unchanged packages and the
/// compressed pieces of unchanged chunks are reused from the previous run: adding one package
/// renders one package and compresses one chunk. Everything is written to a temporary directory
/// next to <c>repodata</c> and swapped in only when complete; on any error the previous
/// <c>repodata</c> stays untouched.
/// </remarks>
public static class RepodataWriter
{
    // Bump when the rendered XML changes, so caches of older renderers are not reused.
    private const string RenderVersion = "createrepo_c-0.17/1";
    private const int BatchSize = 2048;
    private const long ChunkMaxBytes = 16 * 1024 * 1024;

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
        return WriteCoreAsync(outputDirectory, (_, _) => Task.FromResult(sources), options ?? new RepodataWriterOptions(), cancellationToken);
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
        return WriteCoreAsync(outputDirectory, (_, _) => Task.FromResult(sources), options ?? new RepodataWriterOptions(), cancellationToken);
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

    /// <summary>
    /// Writes metadata for packages known first by their identity only, fetching the full metadata
    /// of just those whose XML the <see cref="RepodataWriterOptions.CacheFile"/> does not hold: with
    /// a cache from the previous run, a repository that gained one package fetches and renders one.
    /// </summary>
    /// <param name="outputDirectory">The repository directory; <c>repodata/</c> is created or replaced in it.</param>
    /// <param name="packages">Every package of the repository, by identity (locations must be distinct).</param>
    /// <param name="fetchMissing">
    /// Called once, before anything is rendered, with the packages the cache cannot serve (possibly
    /// none), in the order given; returns their metadata in the same order. Each package returned
    /// must have the identity it was asked for.
    /// </param>
    /// <param name="options">Options; null for createrepo_c's defaults.</param>
    /// <param name="cancellationToken">Cancels the run; nothing is published then.</param>
    /// <exception cref="RepodataException">A package's metadata is missing, does not match its identity or is inconsistent (the message names it), or output failed.</exception>
    public static Task<RepodataResult> WriteAsync(string outputDirectory, IReadOnlyList<RepoPackageKey> packages,
        Func<IReadOnlyList<RepoPackageKey>, CancellationToken, Task<IReadOnlyList<RepoPackage>>> fetchMissing,
        RepodataWriterOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(outputDirectory);
        ArgumentNullException.ThrowIfNull(packages);
        ArgumentNullException.ThrowIfNull(fetchMissing);
        return WriteCoreAsync(outputDirectory, async (cache, ct) =>
        {
            var sources = new List<PackageSource>(packages.Count);
            var missing = new List<RepoPackageKey>();
            var hrefs = new HashSet<(string, string?)>();
            foreach (var key in packages)
            {
                ArgumentNullException.ThrowIfNull(key, nameof(packages));
                if (!hrefs.Add((key.LocationHref, key.LocationBase)))
                {
                    throw new RepodataException($"{key.LocationHref}: listed twice");
                }
                if (cache?.Find(key.Identity) is { } cached)
                {
                    sources.Add(new CachedSource(cached));
                }
                else
                {
                    missing.Add(key);
                }
            }
            var fetched = missing.Count == 0 ? [] : await fetchMissing(missing, ct).ConfigureAwait(false);
            if (fetched.Count != missing.Count)
            {
                throw new RepodataException($"asked for the metadata of {missing.Count} packages, got {fetched.Count}");
            }
            for (var i = 0; i < missing.Count; i++)
            {
                var p = fetched[i] ?? throw new RepodataException($"{missing[i].LocationHref}: no metadata");
                if (PackageIdentity.Of(p) != missing[i].Identity)
                {
                    throw new RepodataException(
                        $"{p}: metadata (checksum {p.PkgId}, {p.PackageSize} bytes, time {p.FileTime}) does not match the package listed at {missing[i].LocationHref} (checksum {missing[i].PkgId}, {missing[i].PackageSize} bytes, time {missing[i].FileTime})");
                }
                sources.Add(new ModelSource(p));
            }
            return sources;
        }, options ?? new RepodataWriterOptions(), cancellationToken);
    }

    private static string Fingerprint(RepodataWriterOptions options) =>
        string.Create(CultureInfo.InvariantCulture,
            $"{RenderVersion};changelog-limit={options.ChangelogLimit?.ToString(CultureInfo.InvariantCulture) ?? "all"};{options.Compression};{options.CompressionLevel};{options.ChunkTargetBytes}");

    private static async Task<RepodataResult> WriteCoreAsync(string outputDirectory,
        Func<ChunkCacheReader?, CancellationToken, Task<List<PackageSource>>> prepare,
        RepodataWriterOptions options, CancellationToken cancellationToken)
    {
        if (options.MaxDegreeOfParallelism < 1)
        {
            throw new ArgumentException("MaxDegreeOfParallelism must be at least 1", nameof(options));
        }
        if (options.ChunkTargetBytes < 1)
        {
            throw new ArgumentException("ChunkTargetBytes must be positive", nameof(options));
        }
        if (options.ChangelogLimit is < 0)
        {
            throw new ArgumentException("ChangelogLimit must not be negative", nameof(options));
        }
        if (options.GroupFile is { } groupFile && !File.Exists(groupFile))
        {
            throw new RepodataException($"group file {groupFile} does not exist");
        }

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
            using var cache = options.CacheFile is { } c ? ChunkCacheReader.TryOpen(c, fingerprint) : null;
            var sources = await prepare(cache, cancellationToken).ConfigureAwait(false);
            sources.Sort(PackageSource.Order);
            var context = new RenderContext(options, cache);
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
                ReusedPackages = sources.Count - context.Rendered,
                CompressedChunks = context.CompressedChunks,
                ReusedChunks = context.ReusedChunks,
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

    private static async Task<List<StagedFile>> WriteMetadataAsync(string staging, List<PackageSource> sources,
        RepodataWriterOptions options, RenderContext context, string? newCache, string fingerprint, CancellationToken cancellationToken)
    {
        var suffix = Pieces.Suffix(options.Compression);
        var writers = new[] { "primary", "filelists", "other" }
            .Select(type => new MetadataFileWriter(Path.Combine(staging, $"{type}.xml{suffix}"), options.Compression, options.CompressionLevel))
            .ToArray();
        try
        {
            using var cacheWriter = newCache is null ? null : new ChunkCacheWriter(newCache, fingerprint);
            var count = System.Text.Encoding.ASCII.GetBytes(sources.Count.ToString(CultureInfo.InvariantCulture));
            writers[Part.Primary].Write([.. PackageXml.PrimaryHeader, .. count, .. PackageXml.HeaderEnd]);
            writers[Part.Filelists].Write([.. PackageXml.FilelistsHeader, .. count, .. PackageXml.HeaderEnd]);
            writers[Part.Other].Write([.. PackageXml.OtherHeader, .. count, .. PackageXml.HeaderEnd]);

            using var failure = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var sinks = new List<Action<ChunkData>>();
            foreach (var part in new[] { Part.Primary, Part.Filelists, Part.Other })
            {
                var writer = writers[part];
                sinks.Add(chunk => writer.WritePiece(chunk.Uncompressed(part), chunk.Compressed(part), chunk.Crcs[part]));
            }
            if (cacheWriter is not null)
            {
                sinks.Add(cacheWriter.Add);
            }
            var channels = sinks.Select(_ => Channel.CreateBounded<ChunkData[]>(new BoundedChannelOptions(2)
            {
                SingleReader = true,
                SingleWriter = true,
            })).ToList();
            var consumers = sinks.Select((sink, i) => Task.Run(() => ConsumeAsync(channels[i].Reader, sink, failure), CancellationToken.None)).ToList();
            var producer = Task.Run(() => ProduceAsync(sources, context, channels, failure), CancellationToken.None);
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

            writers[Part.Primary].Write(PackageXml.PrimaryFooter);
            writers[Part.Filelists].Write(PackageXml.FilelistsFooter);
            writers[Part.Other].Write(PackageXml.OtherFooter);
            var result = new List<StagedFile>();
            foreach (var (type, writer) in new[] { "primary", "filelists", "other" }.Zip(writers))
            {
                var info = writer.Complete();
                result.Add(new StagedFile(type, info.Path, info.Checksum, info.Size, info.OpenChecksum, info.OpenSize));
            }
            cacheWriter?.Complete();
            return result;
        }
        finally
        {
            foreach (var writer in writers)
            {
                writer.Dispose();
            }
        }
    }

    private static async Task ProduceAsync(List<PackageSource> sources, RenderContext context,
        List<Channel<ChunkData[]>> channels, CancellationTokenSource failure)
    {
        try
        {
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = context.Options.MaxDegreeOfParallelism, CancellationToken = failure.Token };
            var open = new List<ProducedPackage>();
            long openBytes = 0;
            for (var start = 0; start < sources.Count; start += BatchSize)
            {
                var batch = new ProducedPackage[Math.Min(BatchSize, sources.Count - start)];
                ParallelInOrder(batch.Length, parallel, i => batch[i] = sources[start + i].Produce(context));

                // Chunk boundaries follow the packages' checksums, so they stay put when packages come and go.
                var chunks = new List<ProducedPackage[]>();
                foreach (var p in batch)
                {
                    open.Add(p);
                    openBytes += p.Size;
                    if (IsChunkEnd(p, context.Options.ChunkTargetBytes) || openBytes >= ChunkMaxBytes)
                    {
                        chunks.Add([.. open]);
                        open.Clear();
                        openBytes = 0;
                    }
                }
                if (start + batch.Length == sources.Count && open.Count > 0)
                {
                    chunks.Add([.. open]);
                }
                if (chunks.Count == 0)
                {
                    continue;
                }
                var built = new ChunkData[chunks.Count];
                ParallelInOrder(chunks.Count, parallel, i => built[i] = context.BuildChunk(chunks[i]));
                foreach (var channel in channels)
                {
                    await channel.Writer.WriteAsync(built, failure.Token).ConfigureAwait(false);
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

    /// <summary>Runs <paramref name="body"/> for 0..count-1 in parallel; if any fail, rethrows the failure of the lowest index.</summary>
    private static void ParallelInOrder(int count, ParallelOptions parallel, Action<int> body)
    {
        var firstError = int.MaxValue;
        Exception? error = null;
        var errorLock = new Lock();
        Parallel.For(0, count, parallel, (i, state) =>
        {
            try
            {
                body(i);
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
    }

    /// <summary>
    /// Whether a chunk ends after this package: with a probability of its XML size over the
    /// target chunk size, decided by its checksum. A package's own data decides, so chunk
    /// boundaries stay put when other packages come and go.
    /// </summary>
    private static bool IsChunkEnd(ProducedPackage p, long targetBytes)
    {
        var id = p.Identity.PkgId;
        if (id.Length < 8 || !uint.TryParse(id.AsSpan(0, 8), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var draw))
        {
            return false;
        }
        return draw < (ulong)p.Size * (1UL << 32) / (ulong)targetBytes;
    }

    private static async Task ConsumeAsync(ChannelReader<ChunkData[]> reader, Action<ChunkData> sink, CancellationTokenSource failure)
    {
        try
        {
            await foreach (var batch in reader.ReadAllAsync(failure.Token).ConfigureAwait(false))
            {
                foreach (var chunk in batch)
                {
                    sink(chunk);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await failure.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static List<StagedFile> WriteGroup(string staging, string groupFile, RepodataWriterOptions options)
    {
        var content = File.ReadAllBytes(groupFile);
        var name = Path.GetFileName(groupFile);
        var plain = Path.Combine(staging, name);
        File.WriteAllBytes(plain, content);
        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var compressed = MetadataFileWriter.WriteWhole(plain + Pieces.Suffix(options.Compression), content, options.Compression, options.CompressionLevel);
        return
        [
            new StagedFile("group", plain, sha, content.LongLength, null, null),
            new StagedFile($"group_{Pieces.RecordSuffix(options.Compression)}", compressed.Path,
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

    /// <summary>One package after the render step: its fragments, rendered now or still in the cache.</summary>
    private sealed class ProducedPackage
    {
        public required PackageIdentity Identity { get; init; }

        /// <summary>Rendered primary, filelists and other fragments back to back; null when cached.</summary>
        public byte[]? Data { get; init; }

        public required int[] Lengths { get; init; }

        public CachedPackage? Cached { get; init; }

        public long Size => (long)Lengths[0] + Lengths[1] + Lengths[2];
    }

    /// <summary>Shared per-run state of the workers.</summary>
    private sealed class RenderContext(RepodataWriterOptions options, ChunkCacheReader? cache)
    {
        [ThreadStatic]
        private static Utf8XmlBuffer? _threadBuffer;

        private int _rendered;
        private int _compressedChunks;
        private int _reusedChunks;

        public RepodataWriterOptions Options => options;

        public ChunkCacheReader? Cache => cache;

        public int Rendered => _rendered;

        public int CompressedChunks => _compressedChunks;

        public int ReusedChunks => _reusedChunks;

        public static ProducedPackage FromCache(CachedPackage cached) =>
            new() { Identity = cached.Identity, Lengths = cached.Lengths, Cached = cached };

        public ProducedPackage Render(RepoPackage p)
        {
            var b = _threadBuffer ??= new Utf8XmlBuffer(64 * 1024);
            b.Clear();
            PackageXml.RenderPrimary(b, p);
            var primaryLength = b.Length;
            PackageXml.RenderFilelists(b, p);
            var filelistsLength = b.Length - primaryLength;
            PackageXml.RenderOther(b, p, options.ChangelogLimit);
            var otherLength = b.Length - primaryLength - filelistsLength;
            Interlocked.Increment(ref _rendered);
            return new ProducedPackage
            {
                Identity = PackageIdentity.Of(p),
                Data = b.ToArray(),
                Lengths = [primaryLength, filelistsLength, otherLength],
            };
        }

        /// <summary>The chunk's blob: taken whole from the cache when the same packages formed a chunk last time, else assembled and compressed.</summary>
        public ChunkData BuildChunk(ProducedPackage[] packages)
        {
            var identities = packages.Select(p => p.Identity).ToArray();
            var fragmentLengths = packages.SelectMany(p => p.Lengths).ToArray();
            if (cache is not null && cache.FindChunk(ChunkData.Key(identities)) is { } cached)
            {
                Interlocked.Increment(ref _reusedChunks);
                return new ChunkData
                {
                    Packages = identities,
                    FragmentLengths = fragmentLengths,
                    Blob = cache.ReadBlob(cached),
                    Lengths = cached.Lengths,
                    Crcs = cached.Crcs,
                };
            }
            var uncompressedLengths = new int[Part.Count];
            foreach (var p in packages)
            {
                for (var part = 0; part < Part.Count; part++)
                {
                    uncompressedLengths[part] += p.Lengths[part];
                }
            }
            var uncompressed = new byte[uncompressedLengths.Sum()];
            var partStart = new[] { 0, uncompressedLengths[0], uncompressedLengths[0] + uncompressedLengths[1] };
            var position = (int[])partStart.Clone();
            foreach (var p in packages)
            {
                var dataOffset = 0;
                for (var part = 0; part < Part.Count; part++)
                {
                    var destination = uncompressed.AsSpan(position[part], p.Lengths[part]);
                    if (p.Data is not null)
                    {
                        p.Data.AsSpan(dataOffset, p.Lengths[part]).CopyTo(destination);
                        dataOffset += p.Lengths[part];
                    }
                    else
                    {
                        cache!.ReadFragment(p.Cached!, part, destination);
                    }
                    position[part] += p.Lengths[part];
                }
            }
            var compressed = new byte[Part.Count][];
            var crcs = new uint[Part.Count];
            for (var part = 0; part < Part.Count; part++)
            {
                var content = uncompressed.AsSpan(partStart[part], uncompressedLengths[part]);
                compressed[part] = Pieces.Compress(content, options.Compression, options.CompressionLevel);
                crcs[part] = options.Compression == RepodataCompression.Gzip ? Pieces.Crc32(content) : 0;
            }
            var blob = new byte[uncompressed.Length + compressed.Sum(c => c.Length)];
            uncompressed.CopyTo(blob, 0);
            var offset = uncompressed.Length;
            foreach (var c in compressed)
            {
                c.CopyTo(blob, offset);
                offset += c.Length;
            }
            Interlocked.Increment(ref _compressedChunks);
            return new ChunkData
            {
                Packages = identities,
                FragmentLengths = fragmentLengths,
                Blob = blob,
                Lengths = [.. uncompressedLengths, .. compressed.Select(c => c.Length)],
                Crcs = crcs,
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

        public abstract ProducedPackage Produce(RenderContext context);
    }

    private sealed class ModelSource(RepoPackage package) : PackageSource(package.LocationHref)
    {
        public override ProducedPackage Produce(RenderContext context)
        {
            RepoPackageValidation.Validate(package);
            return context.Cache?.Find(PackageIdentity.Of(package)) is { } cached ? RenderContext.FromCache(cached) : context.Render(package);
        }
    }

    private sealed class CachedSource(CachedPackage cached) : PackageSource(cached.Identity.Href)
    {
        public override ProducedPackage Produce(RenderContext context) => RenderContext.FromCache(cached);
    }

    private sealed class FileSource(string path, string location) : PackageSource(location)
    {
        public override ProducedPackage Produce(RenderContext context)
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
                    if (cache.Find(Href, null, mtime, info.Length) is { } cached)
                    {
                        return RenderContext.FromCache(cached);
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
