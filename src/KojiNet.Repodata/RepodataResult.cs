namespace KojiNet.Repodata;

/// <summary>What <see cref="RepodataWriter"/> published.</summary>
public sealed class RepodataResult
{
    /// <summary>The published <c>repodata</c> directory.</summary>
    public required string RepodataDirectory { get; init; }

    /// <summary>The repomd.xml written.</summary>
    public required Repomd Repomd { get; init; }

    /// <summary>Packages in the metadata.</summary>
    public int PackageCount { get; init; }

    /// <summary>Packages whose XML was rendered in this run.</summary>
    public int RenderedPackages { get; init; }

    /// <summary>Packages whose XML was taken from the cache.</summary>
    public int ReusedPackages { get; init; }

    /// <summary>Chunks (runs of packages with about 512 KiB of XML) compressed in this run.</summary>
    public int CompressedChunks { get; init; }

    /// <summary>Chunks whose compressed XML was taken from the cache.</summary>
    public int ReusedChunks { get; init; }

    /// <summary>True when a usable cache from a previous run was found.</summary>
    public bool CacheLoaded { get; init; }

    /// <summary>Full paths of the files written to <see cref="RepodataDirectory"/>, repomd.xml last.</summary>
    public required IReadOnlyList<string> Files { get; init; }
}
