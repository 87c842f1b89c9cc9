namespace KojiNet.Rpm;

/// <summary>One file of a package's file list, assembled from the per-file header arrays.</summary>
public sealed record RpmFileEntry
{
    /// <summary>Full path (DIRNAMES[DIRINDEXES[i]] + BASENAMES[i]).</summary>
    public required string Path { get; init; }

    /// <summary>st_mode: type and permission bits (FILEMODES).</summary>
    public ushort Mode { get; init; }

    /// <summary>Size in bytes (LONGFILESIZES or FILESIZES).</summary>
    public ulong Size { get; init; }

    /// <summary>Hex digest in the package's file digest algorithm; empty for non-regular files.</summary>
    public string Digest { get; init; } = string.Empty;

    /// <summary>File flags (%config, %doc, %ghost...).</summary>
    public RpmFileFlags Flags { get; init; }

    /// <summary>Symlink target; empty when not a link.</summary>
    public string LinkTarget { get; init; } = string.Empty;

    /// <summary>Owner user name.</summary>
    public string User { get; init; } = string.Empty;

    /// <summary>Owner group name.</summary>
    public string Group { get; init; } = string.Empty;

    /// <summary>Modification time, seconds since the Unix epoch.</summary>
    public uint MTime { get; init; }

    /// <summary>Device number for device nodes (FILERDEVS).</summary>
    public ushort RDev { get; init; }

    /// <summary>Inode number within the package (FILEINODES), used to detect hard links.</summary>
    public uint Inode { get; init; }

    /// <summary>Device id within the package (FILEDEVICES).</summary>
    public uint Device { get; init; }

    /// <summary>Language tag (FILELANGS), empty for all languages.</summary>
    public string Language { get; init; } = string.Empty;

    /// <summary>Verify flags (FILEVERIFYFLAGS).</summary>
    public uint VerifyFlags { get; init; }

    /// <summary>True for a directory (S_IFDIR).</summary>
    public bool IsDirectory => (Mode & 0xF000) == 0x4000;

    /// <summary>True for a symbolic link (S_IFLNK).</summary>
    public bool IsSymlink => (Mode & 0xF000) == 0xA000;

    /// <summary>True for a regular file (S_IFREG).</summary>
    public bool IsRegularFile => (Mode & 0xF000) == 0x8000;

    /// <summary>True for %ghost files.</summary>
    public bool IsGhost => (Flags & RpmFileFlags.Ghost) != 0;
}
