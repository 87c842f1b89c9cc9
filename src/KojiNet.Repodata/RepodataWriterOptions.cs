using System.IO.Compression;

namespace KojiNet.Repodata;

/// <summary>How <see cref="RepodataWriter"/> writes a repository's metadata.</summary>
public sealed class RepodataWriterOptions
{
    /// <summary>
    /// Changelog entries kept per package, newest first (createrepo_c's <c>--changelog-limit</c>);
    /// null keeps all. Default 10, createrepo_c's default.
    /// </summary>
    public int? ChangelogLimit { get; set; } = 10;

    /// <summary>Compression of primary, filelists and other. Default gzip.</summary>
    public RepodataCompression Compression { get; set; } = RepodataCompression.Gzip;

    /// <summary>Compression level. Default <see cref="CompressionLevel.Optimal"/>.</summary>
    public CompressionLevel CompressionLevel { get; set; } = CompressionLevel.Optimal;

    /// <summary>A comps.xml to publish as the <c>group</c> and compressed <c>group_gz</c> records, or null.</summary>
    public string? GroupFile { get; set; }

    /// <summary>The repomd.xml revision; default the generation time in Unix seconds, as createrepo_c.</summary>
    public string? Revision { get; set; }

    /// <summary>Generation time written as record timestamps (and the default revision); default now.</summary>
    public DateTimeOffset? Timestamp { get; set; }

    /// <summary>Packages read and rendered at once; default the processor count.</summary>
    public int MaxDegreeOfParallelism { get; set; } = Environment.ProcessorCount;

    /// <summary>Name metadata files <c>&lt;checksum&gt;-primary.xml.gz</c> (createrepo_c's default); false gives <c>primary.xml.gz</c>.</summary>
    public bool UniqueMetadataFilenames { get; set; } = true;

    /// <summary>
    /// A cache file of the rendered and compressed XML: when it exists and was written with the same
    /// settings, the XML of every package found in it unchanged (same package checksum, location,
    /// file time and size; for RPM file input the same location, file time and size, like
    /// <c>createrepo_c --update</c>) is reused instead of rendered, and runs of unchanged packages
    /// reuse their compressed data. After a successful run it holds exactly the packages of the
    /// new metadata. Null disables caching.
    /// </summary>
    public string? CacheFile { get; set; }

    /// <summary>
    /// Uncompressed XML per independently compressed chunk, on average: enough that compressing
    /// chunks apart costs little, small enough that a changed package recompresses little.
    /// </summary>
    internal long ChunkTargetBytes { get; set; } = 512 * 1024;
}
