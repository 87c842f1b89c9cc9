namespace KojiNet.Repodata;

/// <summary>Compression of the primary, filelists and other files (and the compressed comps copy).</summary>
public enum RepodataCompression
{
    /// <summary>gzip (<c>.gz</c>), what createrepo_c writes by default and every client reads.</summary>
    Gzip,

    /// <summary>zstd (<c>.zst</c>) through the system libzstd; needs a dnf/libsolv built with zstd.</summary>
    Zstd,
}
