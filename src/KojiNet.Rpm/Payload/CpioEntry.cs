namespace KojiNet.Rpm.Payload;

/// <summary>The header variant an entry was stored with.</summary>
public enum CpioFormat
{
    /// <summary>SVR4 "newc" (<c>070701</c>): the format rpm writes.</summary>
    NewAscii,

    /// <summary>SVR4 with checksum (<c>070702</c>): content checksum verified on reading.</summary>
    NewAsciiChecksum,

    /// <summary>
    /// rpm's stripped header (<c>07070X</c>), written for every file of a package that has files
    /// of 4 GiB or more: only the index into the header's file list is stored, all metadata
    /// (and the size) comes from the RPM header.
    /// </summary>
    Stripped,
}

/// <summary>One entry of a cpio archive.</summary>
public sealed record CpioEntry
{
    /// <summary>Header variant.</summary>
    public required CpioFormat Format { get; init; }

    /// <summary>Path with a leading <c>./</c> removed (rpm stores <c>./usr/bin/x</c>); empty for stripped entries.</summary>
    public required string Name { get; init; }

    /// <summary>Index into the RPM header's file list, for <see cref="CpioFormat.Stripped"/> entries only.</summary>
    public int? FileIndex { get; init; }

    /// <summary>Inode number (identifies hard links together with the device).</summary>
    public uint Inode { get; init; }

    /// <summary>File type and permission bits, as in <c>st_mode</c>.</summary>
    public uint Mode { get; init; }

    /// <summary>Owner user id.</summary>
    public uint Uid { get; init; }

    /// <summary>Owner group id.</summary>
    public uint Gid { get; init; }

    /// <summary>Number of links.</summary>
    public uint NLink { get; init; }

    /// <summary>Modification time, seconds since the epoch.</summary>
    public long MTime { get; init; }

    /// <summary>Content size in bytes (for symlinks: the length of the target).</summary>
    public long Size { get; init; }

    /// <summary>Major number of the device holding the file.</summary>
    public uint DevMajor { get; init; }

    /// <summary>Minor number of the device holding the file.</summary>
    public uint DevMinor { get; init; }

    /// <summary>Major number of a device special file.</summary>
    public uint RDevMajor { get; init; }

    /// <summary>Minor number of a device special file.</summary>
    public uint RDevMinor { get; init; }

    /// <summary>The header's check field (sum of content bytes for <c>070702</c>, else normally 0).</summary>
    public uint Checksum { get; init; }

    /// <summary>Target of a symbolic link (its content, decoded as UTF-8); null for other entries.</summary>
    public string? LinkTarget { get; init; }

    /// <summary>The file type bits of <see cref="Mode"/> (<c>S_IFMT</c>).</summary>
    public uint FileType => Mode & 0xF000;

    /// <summary>A regular file.</summary>
    public bool IsRegularFile => FileType == 0x8000;

    /// <summary>A directory.</summary>
    public bool IsDirectory => FileType == 0x4000;

    /// <summary>A symbolic link.</summary>
    public bool IsSymbolicLink => FileType == 0xA000;
}
