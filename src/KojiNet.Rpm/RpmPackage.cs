using KojiNet.Rpm.Format;
using KojiNet.Rpm.Payload;

namespace KojiNet.Rpm;

/// <summary>
/// An RPM package's lead, signature header and main header, with typed access to what Koji,
/// builders and repodata read. Opening a package reads only the lead and headers; the payload
/// starts at <see cref="PayloadOffset"/>. Values are decoded from the header on each access.
/// </summary>
public sealed class RpmPackage
{
    private RpmPackage(RpmLead lead, RpmHeader signature, long headerStart, RpmHeader header)
    {
        Lead = lead;
        Signature = signature;
        HeaderStart = headerStart;
        Header = header;
    }

    /// <summary>The 96-byte lead.</summary>
    public RpmLead Lead { get; }

    /// <summary>The signature header.</summary>
    public RpmHeader Signature { get; }

    /// <summary>The main header.</summary>
    public RpmHeader Header { get; }

    /// <summary>File offset of the signature header (right after the lead).</summary>
    public static long SignatureStart => RpmLead.Size;

    /// <summary>File offset just past the signature header, before its alignment padding.</summary>
    public long SignatureEnd => SignatureStart + Signature.Length;

    /// <summary>File offset of the main header: <c>rpm:header-range start</c> in repodata.</summary>
    public long HeaderStart { get; }

    /// <summary>File offset just past the main header: <c>rpm:header-range end</c> in repodata.</summary>
    public long HeaderEnd => HeaderStart + Header.Length;

    /// <summary>File offset of the compressed payload (equal to <see cref="HeaderEnd"/>).</summary>
    public long PayloadOffset => HeaderEnd;

    /// <summary>Bytes of zero padding after a signature header of <paramref name="signatureLength"/> bytes, aligning the main header to 8.</summary>
    public static int SignaturePadding(int signatureLength) => (8 - (signatureLength % 8)) % 8;

    /// <summary>Reads the lead and both headers of the file at <paramref name="path"/>.</summary>
    /// <exception cref="RpmFormatException">The file is not a well-formed RPM.</exception>
    public static RpmPackage Open(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
        return Read(stream);
    }

    /// <summary>
    /// Reads the lead and both headers from <paramref name="stream"/>, leaving it positioned at the
    /// start of the payload. The payload is not read.
    /// </summary>
    /// <exception cref="RpmFormatException">The data is not a well-formed RPM.</exception>
    public static RpmPackage Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var leadBytes = new byte[RpmLead.Size];
        RpmHeader.ReadFully(stream, leadBytes, "RPM lead");
        var lead = RpmLead.Parse(leadBytes);
        var signature = RpmHeader.Read(stream, RpmHeaderKind.Signature);
        Span<byte> pad = stackalloc byte[8];
        var padding = SignaturePadding(signature.Length);
        RpmHeader.ReadFully(stream, pad[..padding], "signature header padding");
        var headerStart = RpmLead.Size + signature.Length + padding;
        var header = RpmHeader.Read(stream, RpmHeaderKind.Main);
        return new RpmPackage(lead, signature, headerStart, header);
    }

    /// <summary>Parses a package from bytes holding at least its lead and headers.</summary>
    /// <exception cref="RpmFormatException">The data is not a well-formed RPM.</exception>
    public static RpmPackage Parse(ReadOnlySpan<byte> data)
    {
        var lead = RpmLead.Parse(data);
        var signature = RpmHeader.Parse(data[RpmLead.Size..], RpmHeaderKind.Signature);
        var headerStart = RpmLead.Size + signature.Length + SignaturePadding(signature.Length);
        if (headerStart > data.Length)
        {
            throw new RpmFormatException($"truncated RPM: main header expected at {headerStart}, data ends at {data.Length}");
        }
        var header = RpmHeader.Parse(data[headerStart..], RpmHeaderKind.Main);
        return new RpmPackage(lead, signature, headerStart, header);
    }

    /// <summary>
    /// The decompressed payload (a cpio archive) of this package, read from <paramref name="packageStream"/>:
    /// a seekable stream is positioned at <see cref="PayloadOffset"/> first; a non-seekable one must
    /// already be there, as <see cref="Read"/> leaves it.
    /// </summary>
    /// <param name="packageStream">The package file this object was read from.</param>
    /// <param name="leaveOpen">Keep <paramref name="packageStream"/> open when the result is disposed.</param>
    /// <exception cref="RpmFormatException">The compressor is not supported.</exception>
    public Stream OpenPayload(Stream packageStream, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(packageStream);
        if (packageStream.CanSeek)
        {
            packageStream.Position = PayloadOffset;
        }
        if (PayloadFormat is not (null or "cpio"))
        {
            throw new RpmFormatException($"unsupported payload format '{PayloadFormat}'");
        }
        return PayloadDecompression.Open(packageStream, PayloadCompressor, leaveOpen);
    }

    /// <summary>
    /// A cpio reader over the decompressed payload (see <see cref="OpenPayload"/>), resolving the
    /// sizes of rpm's stripped entries from the header's file list.
    /// </summary>
    public CpioReader OpenPayloadArchive(Stream packageStream, bool leaveOpen = false)
    {
        var payload = OpenPayload(packageStream, leaveOpen);
        var sizes = Header.GetUInt64Array(RpmTag.LongFileSizes) ?? Header.GetUInt64Array(RpmTag.FileSizes) ?? [];
        return new CpioReader(payload, leaveOpen: false, index =>
            index >= 0 && index < sizes.Length
                ? checked((long)sizes[index])
                : throw new RpmFormatException($"payload entry refers to file index {index}, header lists {sizes.Length} files"));
    }

    /// <summary>The spec file of a source package (the file flagged %specfile, else the only *.spec), or null.</summary>
    public string? SpecFileName
    {
        get
        {
            var files = GetFiles();
            return files.FirstOrDefault(f => (f.Flags & RpmFileFlags.SpecFile) != 0)?.Path
                ?? (IsSource ? files.SingleOrDefault(f => f.Path.EndsWith(".spec", StringComparison.Ordinal))?.Path : null);
        }
    }

    /// <summary>
    /// Reads the content of one file of the package at <paramref name="packagePath"/> from its payload,
    /// e.g. the spec of a source package. <paramref name="fileName"/> is the path as listed in the
    /// header (<c>/usr/bin/x</c>, or <c>x.spec</c> in a source package). Null when the payload has no such regular file.
    /// </summary>
    /// <exception cref="RpmFormatException">The package or its payload is malformed.</exception>
    public static byte[]? ExtractFile(string packagePath, string fileName)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        using var stream = new FileStream(packagePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var package = Read(stream);
        using var archive = package.OpenPayloadArchive(stream, leaveOpen: true);
        var wanted = fileName.TrimStart('/');
        while (archive.ReadNextEntry() is { } entry)
        {
            var name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name.TrimStart('/');
            if (entry.IsRegularFile && string.Equals(name, wanted, StringComparison.Ordinal))
            {
                using var content = archive.OpenEntryStream();
                using var buffer = new MemoryStream();
                content.CopyTo(buffer);
                return buffer.ToArray();
            }
        }
        return null;
    }

    private string RequiredString(int tag, string name) =>
        Header.GetString(tag) ?? throw new RpmFormatException($"header has no {name} tag ({tag})");

    /// <summary>Package name (NAME).</summary>
    public string Name => RequiredString(RpmTag.Name, "NAME");

    /// <summary>Epoch, or null when the package sets none (an explicit 0 stays 0).</summary>
    public uint? Epoch => Header.GetUInt32(RpmTag.Epoch);

    /// <summary>Version (VERSION).</summary>
    public string Version => RequiredString(RpmTag.Version, "VERSION");

    /// <summary>Release (RELEASE).</summary>
    public string Release => RequiredString(RpmTag.Release, "RELEASE");

    /// <summary>Architecture (ARCH). Source packages carry their build arch here; Koji calls them <c>src</c>.</summary>
    public string Arch => RequiredString(RpmTag.Arch, "ARCH");

    /// <summary>name-version-release.</summary>
    public string Nvr => $"{Name}-{Version}-{Release}";

    /// <summary>True for a source package: like rpm, a package without a SOURCERPM tag.</summary>
    public bool IsSource => !Header.Contains(RpmTag.SourceRpm);

    /// <summary>True when the SOURCEPACKAGE tag is set (source packages written by rpm 4.x).</summary>
    public bool HasSourcePackageTag => Header.Contains(RpmTag.SourcePackage);

    /// <summary>File name of the source package a binary package was built from; null for source packages.</summary>
    public string? SourceRpm => Header.GetString(RpmTag.SourceRpm);

    /// <summary>Summary (C locale).</summary>
    public string? Summary => Header.GetString(RpmTag.Summary);

    /// <summary>Description (C locale).</summary>
    public string? Description => Header.GetString(RpmTag.Description);

    /// <summary>License.</summary>
    public string? License => Header.GetString(RpmTag.License);

    /// <summary>Upstream URL.</summary>
    public string? Url => Header.GetString(RpmTag.Url);

    /// <summary>Vendor.</summary>
    public string? Vendor => Header.GetString(RpmTag.Vendor);

    /// <summary>Packager.</summary>
    public string? Packager => Header.GetString(RpmTag.Packager);

    /// <summary>Group (C locale).</summary>
    public string? Group => Header.GetString(RpmTag.Group);

    /// <summary>Build time, seconds since the Unix epoch.</summary>
    public long? BuildTime => Header.GetUInt32(RpmTag.BuildTime);

    /// <summary>Build host.</summary>
    public string? BuildHost => Header.GetString(RpmTag.BuildHost);

    /// <summary>Installed size: LONGSIZE when present, else SIZE.</summary>
    public ulong? Size => Header.GetUInt64(RpmTag.LongSize) ?? Header.GetUInt64(RpmTag.Size);

    /// <summary>
    /// Uncompressed payload size: from the signature header (LONGARCHIVESIZE, then PAYLOADSIZE),
    /// else from the main header (LONGARCHIVESIZE, then ARCHIVESIZE).
    /// </summary>
    public ulong? ArchiveSize =>
        Signature.GetUInt64(RpmSignatureTag.LongArchiveSize)
        ?? Signature.GetUInt64(RpmSignatureTag.PayloadSize)
        ?? Header.GetUInt64(RpmTag.LongArchiveSize)
        ?? Header.GetUInt64(RpmTag.ArchiveSize);

    /// <summary>Payload archive format (<c>cpio</c>, or null on very old packages).</summary>
    public string? PayloadFormat => Header.GetString(RpmTag.PayloadFormat);

    /// <summary>Payload compressor (<c>gzip</c>, <c>xz</c>, <c>zstd</c>, <c>bzip2</c>...).</summary>
    public string? PayloadCompressor => Header.GetString(RpmTag.PayloadCompressor);

    /// <summary>Payload compression flags (level).</summary>
    public string? PayloadFlags => Header.GetString(RpmTag.PayloadFlags);

    /// <summary>Build cookie.</summary>
    public string? Cookie => Header.GetString(RpmTag.Cookie);

    /// <summary>MD5 of header plus payload from the signature header, lowercase hex (rpm's SIGMD5, Koji's payloadhash).</summary>
    public string? SigMd5 => Signature.GetBinary(RpmSignatureTag.Md5) is { } md5 ? Convert.ToHexStringLower(md5) : null;

    /// <summary>SHA-1 of the main header from the signature header (SHA1HEADER).</summary>
    public string? Sha1Header => Signature.GetString(RpmSignatureTag.Sha1);

    /// <summary>SHA-256 of the main header from the signature header (SHA256HEADER).</summary>
    public string? Sha256Header => Signature.GetString(RpmSignatureTag.Sha256);

    /// <summary>Algorithm of the file digests: FILEDIGESTALGO, or 1 (MD5) when unset; 8 is SHA-256.</summary>
    public uint FileDigestAlgorithm => Header.GetUInt32(RpmTag.FileDigestAlgo) ?? 1;

    /// <summary>ExclusiveArch list (empty when unset).</summary>
    public IReadOnlyList<string> ExclusiveArch => Header.GetStringArray(RpmTag.ExclusiveArch) ?? [];

    /// <summary>ExcludeArch list (empty when unset).</summary>
    public IReadOnlyList<string> ExcludeArch => Header.GetStringArray(RpmTag.ExcludeArch) ?? [];

    /// <summary>BuildArch list of a source package (empty when unset).</summary>
    public IReadOnlyList<string> BuildArchs => Header.GetStringArray(RpmTag.BuildArchs) ?? [];

    /// <summary>
    /// The first OpenPGP signature present, in rpm's order of preference: RSAHEADER, DSAHEADER,
    /// then the legacy header-plus-payload PGP and GPG. Null for an unsigned package.
    /// </summary>
    /// <exception cref="RpmFormatException">The signature packet is malformed.</exception>
    public RpmPgpSignature? PgpSignature =>
        GetPgpSignature(RpmSignatureTag.Rsa) ?? GetPgpSignature(RpmSignatureTag.Dsa)
        ?? GetPgpSignature(RpmSignatureTag.Pgp) ?? GetPgpSignature(RpmSignatureTag.Gpg);

    /// <summary>The OpenPGP signature stored under <paramref name="signatureTag"/> (e.g. <see cref="RpmSignatureTag.Rsa"/>), or null.</summary>
    /// <exception cref="RpmFormatException">The signature packet is malformed.</exception>
    public RpmPgpSignature? GetPgpSignature(int signatureTag) =>
        Signature.GetBinary(signatureTag) is { } packet ? RpmPgpSignature.Parse(packet) : null;

    /// <summary>Full paths of all files, in header order.</summary>
    /// <exception cref="RpmFormatException">The file name arrays are inconsistent.</exception>
    public string[] GetFileNames()
    {
        var baseNames = Header.GetStringArray(RpmTag.BaseNames);
        if (baseNames is null)
        {
            return Header.GetStringArray(RpmTag.OldFileNames) ?? [];
        }
        var dirNames = Header.GetStringArray(RpmTag.DirNames)
            ?? throw new RpmFormatException("header has BASENAMES but no DIRNAMES");
        var dirIndexes = Header.GetUInt32Array(RpmTag.DirIndexes)
            ?? throw new RpmFormatException("header has BASENAMES but no DIRINDEXES");
        CheckCount(RpmTag.DirIndexes, dirIndexes.Length, baseNames.Length);
        var result = new string[baseNames.Length];
        for (var i = 0; i < result.Length; i++)
        {
            var d = dirIndexes[i];
            if (d >= (uint)dirNames.Length)
            {
                throw new RpmFormatException($"file {i} has directory index {d}, but only {dirNames.Length} directories");
            }
            result[i] = string.Concat(dirNames[d], baseNames[i]);
        }
        return result;
    }

    /// <summary>The file list with every per-file attribute.</summary>
    /// <exception cref="RpmFormatException">The per-file arrays disagree in length.</exception>
    public IReadOnlyList<RpmFileEntry> GetFiles()
    {
        var names = GetFileNames();
        var n = names.Length;
        var modes = PerFile(Header.GetUInt32Array(RpmTag.FileModes), RpmTag.FileModes, n);
        var sizes = Header.GetUInt64Array(RpmTag.LongFileSizes) is { } longSizes
            ? PerFile(longSizes, RpmTag.LongFileSizes, n)
            : PerFile(Header.GetUInt64Array(RpmTag.FileSizes), RpmTag.FileSizes, n);
        var digests = PerFile(Header.GetStringArray(RpmTag.FileDigests), RpmTag.FileDigests, n);
        var flags = PerFile(Header.GetUInt32Array(RpmTag.FileFlags), RpmTag.FileFlags, n);
        var links = PerFile(Header.GetStringArray(RpmTag.FileLinkTos), RpmTag.FileLinkTos, n);
        var users = PerFile(Header.GetStringArray(RpmTag.FileUserName), RpmTag.FileUserName, n);
        var groups = PerFile(Header.GetStringArray(RpmTag.FileGroupName), RpmTag.FileGroupName, n);
        var mtimes = PerFile(Header.GetUInt32Array(RpmTag.FileMTimes), RpmTag.FileMTimes, n);
        var rdevs = PerFile(Header.GetUInt32Array(RpmTag.FileRDevs), RpmTag.FileRDevs, n);
        var inodes = PerFile(Header.GetUInt32Array(RpmTag.FileInodes), RpmTag.FileInodes, n);
        var devices = PerFile(Header.GetUInt32Array(RpmTag.FileDevices), RpmTag.FileDevices, n);
        var langs = PerFile(Header.GetStringArray(RpmTag.FileLangs), RpmTag.FileLangs, n);
        var verify = PerFile(Header.GetUInt32Array(RpmTag.FileVerifyFlags), RpmTag.FileVerifyFlags, n);
        var files = new RpmFileEntry[n];
        for (var i = 0; i < n; i++)
        {
            files[i] = new RpmFileEntry
            {
                Path = names[i],
                Mode = (ushort)(modes?[i] ?? 0),
                Size = sizes?[i] ?? 0,
                Digest = digests?[i] ?? string.Empty,
                Flags = (RpmFileFlags)(flags?[i] ?? 0),
                LinkTarget = links?[i] ?? string.Empty,
                User = users?[i] ?? string.Empty,
                Group = groups?[i] ?? string.Empty,
                MTime = mtimes?[i] ?? 0,
                RDev = (ushort)(rdevs?[i] ?? 0),
                Inode = inodes?[i] ?? 0,
                Device = devices?[i] ?? 0,
                Language = langs?[i] ?? string.Empty,
                VerifyFlags = verify?[i] ?? 0,
            };
        }
        return files;
    }

    private static T[]? PerFile<T>(T[]? values, int tag, int fileCount)
    {
        if (values is not null)
        {
            CheckCount(tag, values.Length, fileCount);
        }
        return values;
    }

    private static void CheckCount(int tag, int actual, int expected)
    {
        if (actual != expected)
        {
            throw new RpmFormatException($"header tag {tag} has {actual} values, expected {expected}");
        }
    }

    /// <summary>Requires.</summary>
    public IReadOnlyList<RpmDependency> Requires => GetDependencies(RpmDependencyKind.Requires);

    /// <summary>Provides.</summary>
    public IReadOnlyList<RpmDependency> Provides => GetDependencies(RpmDependencyKind.Provides);

    /// <summary>Conflicts.</summary>
    public IReadOnlyList<RpmDependency> Conflicts => GetDependencies(RpmDependencyKind.Conflicts);

    /// <summary>Obsoletes.</summary>
    public IReadOnlyList<RpmDependency> Obsoletes => GetDependencies(RpmDependencyKind.Obsoletes);

    /// <summary>Recommends.</summary>
    public IReadOnlyList<RpmDependency> Recommends => GetDependencies(RpmDependencyKind.Recommends);

    /// <summary>Suggests.</summary>
    public IReadOnlyList<RpmDependency> Suggests => GetDependencies(RpmDependencyKind.Suggests);

    /// <summary>Supplements.</summary>
    public IReadOnlyList<RpmDependency> Supplements => GetDependencies(RpmDependencyKind.Supplements);

    /// <summary>Enhances.</summary>
    public IReadOnlyList<RpmDependency> Enhances => GetDependencies(RpmDependencyKind.Enhances);

    /// <summary>The dependencies of one kind, in header order; empty when the package has none.</summary>
    /// <exception cref="RpmFormatException">The name, flags and version arrays disagree in length.</exception>
    public IReadOnlyList<RpmDependency> GetDependencies(RpmDependencyKind kind)
    {
        var (nameTag, flagsTag, versionTag) = kind switch
        {
            RpmDependencyKind.Requires => (RpmTag.RequireName, RpmTag.RequireFlags, RpmTag.RequireVersion),
            RpmDependencyKind.Provides => (RpmTag.ProvideName, RpmTag.ProvideFlags, RpmTag.ProvideVersion),
            RpmDependencyKind.Conflicts => (RpmTag.ConflictName, RpmTag.ConflictFlags, RpmTag.ConflictVersion),
            RpmDependencyKind.Obsoletes => (RpmTag.ObsoleteName, RpmTag.ObsoleteFlags, RpmTag.ObsoleteVersion),
            RpmDependencyKind.Recommends => (RpmTag.RecommendName, RpmTag.RecommendFlags, RpmTag.RecommendVersion),
            RpmDependencyKind.Suggests => (RpmTag.SuggestName, RpmTag.SuggestFlags, RpmTag.SuggestVersion),
            RpmDependencyKind.Supplements => (RpmTag.SupplementName, RpmTag.SupplementFlags, RpmTag.SupplementVersion),
            RpmDependencyKind.Enhances => (RpmTag.EnhanceName, RpmTag.EnhanceFlags, RpmTag.EnhanceVersion),
            RpmDependencyKind.OrderWithRequires => (RpmTag.OrderName, RpmTag.OrderFlags, RpmTag.OrderVersion),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        var names = Header.GetStringArray(nameTag);
        if (names is null)
        {
            return [];
        }
        var flags = Header.GetUInt32Array(flagsTag);
        var versions = Header.GetStringArray(versionTag);
        if (flags is not null)
        {
            CheckCount(flagsTag, flags.Length, names.Length);
        }
        if (versions is not null)
        {
            CheckCount(versionTag, versions.Length, names.Length);
        }
        var result = new RpmDependency[names.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new RpmDependency(names[i], (RpmDependencyFlags)(flags?[i] ?? 0), versions?[i] ?? string.Empty);
        }
        return result;
    }

    /// <summary>Changelog entries, newest first as stored.</summary>
    /// <exception cref="RpmFormatException">The time, name and text arrays disagree in length.</exception>
    public IReadOnlyList<RpmChangelogEntry> GetChangelog()
    {
        var times = Header.GetUInt32Array(RpmTag.ChangelogTime);
        if (times is null)
        {
            return [];
        }
        var names = Header.GetStringArray(RpmTag.ChangelogName) ?? throw new RpmFormatException("header has CHANGELOGTIME but no CHANGELOGNAME");
        var texts = Header.GetStringArray(RpmTag.ChangelogText) ?? throw new RpmFormatException("header has CHANGELOGTIME but no CHANGELOGTEXT");
        CheckCount(RpmTag.ChangelogName, names.Length, times.Length);
        CheckCount(RpmTag.ChangelogText, texts.Length, times.Length);
        var result = new RpmChangelogEntry[times.Length];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = new RpmChangelogEntry(times[i], names[i], texts[i]);
        }
        return result;
    }
}
