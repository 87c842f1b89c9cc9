using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using KojiNet.Rpm;
using KojiNet.Rpm.Format;
using KojiNet.Rpm.Versions;

namespace KojiNet.Repodata;

public sealed partial class RepoPackage
{
    // Header tags of rpm's legacy weak dependencies, not in RpmTag.
    private const int OldSuggestsName = 1156;
    private const int OldSuggestsVersion = 1157;
    private const int OldSuggestsFlags = 1158;
    private const int OldEnhancesName = 1159;
    private const int OldEnhancesVersion = 1160;
    private const int OldEnhancesFlags = 1161;

    // RPMSENSE_STRONG: a legacy weak dependency that is a Recommends/Supplements.
    private const uint SenseStrong = 1u << 27;

    /// <summary>
    /// Reads the package file at <paramref name="path"/>: its headers and the SHA-256 of the whole
    /// file (the package id), its size and modification time.
    /// </summary>
    /// <param name="path">The .rpm file.</param>
    /// <param name="locationHref">The package's path relative to the repository, e.g. <c>toplink/packages/…/x.rpm</c>.</param>
    /// <param name="locationBase">Optional base URL (<c>xml:base</c>).</param>
    /// <exception cref="RepodataException">The file is not a well-formed RPM; the message names it.</exception>
    public static RepoPackage FromRpmFile(string path, string locationHref, string? locationBase = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(locationHref);
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.SequentialScan);
        var length = RandomAccess.GetLength(handle);
        var mtime = new DateTimeOffset(File.GetLastWriteTimeUtc(handle)).ToUnixTimeSeconds();
        if (length > int.MaxValue)
        {
            return FromLargeRpmFile(path, length, mtime, locationHref, locationBase);
        }
        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var read = 0;
            while (read < length)
            {
                var n = RandomAccess.Read(handle, buffer.AsSpan(read, (int)length - read), read);
                if (n == 0)
                {
                    throw new RepodataException($"{path}: file shrank while being read");
                }
                read += n;
            }
            return FromRpmBytes(buffer.AsSpan(0, (int)length), mtime, locationHref, locationBase, path);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static RepoPackage FromLargeRpmFile(string path, long length, long mtime, string locationHref, string? locationBase)
    {
        RpmPackage rpm;
        string pkgId;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            try
            {
                rpm = RpmPackage.Read(stream);
            }
            catch (RpmFormatException e)
            {
                throw new RepodataException($"{path}: not a valid RPM: {e.Message}", e);
            }
            stream.Position = 0;
            pkgId = Convert.ToHexStringLower(SHA256.HashData(stream));
        }
        return FromRpm(rpm, pkgId, length, mtime, locationHref, locationBase);
    }

    /// <summary>
    /// Builds the metadata of a package from the complete bytes of its file, hashing them with
    /// SHA-256 for the package id.
    /// </summary>
    /// <param name="file">The whole .rpm file.</param>
    /// <param name="fileTime">Modification time of the file, seconds since the Unix epoch.</param>
    /// <param name="locationHref">The package's path relative to the repository.</param>
    /// <param name="locationBase">Optional base URL (<c>xml:base</c>).</param>
    /// <param name="displayName">How errors name the package; defaults to <paramref name="locationHref"/>.</param>
    /// <exception cref="RepodataException">The data is not a well-formed RPM.</exception>
    public static RepoPackage FromRpmBytes(ReadOnlySpan<byte> file, long fileTime, string locationHref,
        string? locationBase = null, string? displayName = null)
    {
        RpmPackage rpm;
        try
        {
            rpm = RpmPackage.Parse(file);
        }
        catch (RpmFormatException e)
        {
            throw new RepodataException($"{displayName ?? locationHref}: not a valid RPM: {e.Message}", e);
        }
        var pkgId = Convert.ToHexStringLower(SHA256.HashData(file));
        return FromRpm(rpm, pkgId, file.Length, fileTime, locationHref, locationBase, displayName);
    }

    /// <summary>
    /// Builds the metadata of a package from its parsed headers, applying createrepo_c's rules:
    /// <c>src</c> as the arch of source packages, epoch 0 when unset, the file list with
    /// directory and ghost types, and dependencies filtered and marked as in primary.xml.
    /// </summary>
    /// <param name="rpm">The package headers.</param>
    /// <param name="pkgId">Lowercase hex SHA-256 of the whole package file.</param>
    /// <param name="packageSize">Size of the package file in bytes.</param>
    /// <param name="fileTime">Modification time of the package file, seconds since the Unix epoch.</param>
    /// <param name="locationHref">The package's path relative to the repository.</param>
    /// <param name="locationBase">Optional base URL (<c>xml:base</c>).</param>
    /// <exception cref="RepodataException">A header entry is malformed; the message names the package.</exception>
    public static RepoPackage FromRpm(RpmPackage rpm, string pkgId, long packageSize, long fileTime,
        string locationHref, string? locationBase = null) =>
        FromRpm(rpm, pkgId, packageSize, fileTime, locationHref, locationBase, displayName: null);

    private static RepoPackage FromRpm(RpmPackage rpm, string pkgId, long packageSize, long fileTime,
        string locationHref, string? locationBase, string? displayName)
    {
        ArgumentNullException.ThrowIfNull(rpm);
        ArgumentNullException.ThrowIfNull(pkgId);
        ArgumentNullException.ThrowIfNull(locationHref);
        try
        {
            return Map(rpm, pkgId, packageSize, fileTime, locationHref, locationBase);
        }
        catch (Exception e) when (e is RpmFormatException or OverflowException)
        {
            throw new RepodataException($"{displayName ?? locationHref}: malformed RPM header: {e.Message}", e);
        }
    }

    /// <summary>
    /// Builds the metadata of a package from its stored main header alone (no signature header, no
    /// package file): what a hub that kept each RPM's header at import serves. The sizes the
    /// signature header may hold are taken from <paramref name="archiveSize"/> when the main header
    /// has none.
    /// </summary>
    /// <param name="header">The package's main header.</param>
    /// <param name="headerStart">File offset of the main header in the package file.</param>
    /// <param name="pkgId">Lowercase hex SHA-256 of the whole package file.</param>
    /// <param name="packageSize">Size of the package file in bytes.</param>
    /// <param name="fileTime">Modification time of the package file, seconds since the Unix epoch.</param>
    /// <param name="archiveSize">Uncompressed payload size as recorded with the package, or null.</param>
    /// <param name="locationHref">The package's path relative to the repository.</param>
    /// <param name="locationBase">Optional base URL (<c>xml:base</c>).</param>
    /// <exception cref="RepodataException">A header entry is malformed; the message names the package.</exception>
    public static RepoPackage FromHeader(RpmHeader header, long headerStart, string pkgId, long packageSize, long fileTime,
        long? archiveSize, string locationHref, string? locationBase = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(pkgId);
        ArgumentNullException.ThrowIfNull(locationHref);
        try
        {
            return Map(header, headerStart, headerStart + header.Length, () => archiveSize is { } a ? checked((ulong)a) : null, () => null,
                pkgId, packageSize, fileTime, locationHref, locationBase);
        }
        catch (Exception e) when (e is RpmFormatException or OverflowException)
        {
            throw new RepodataException($"{locationHref}: malformed RPM header: {e.Message}", e);
        }
    }

    private static RepoPackage Map(RpmPackage rpm, string pkgId, long packageSize, long fileTime,
        string locationHref, string? locationBase)
    {
        var sig = rpm.Signature;
        return Map(rpm.Header, rpm.HeaderStart, rpm.HeaderEnd,
            () => sig.GetUInt64(RpmSignatureTag.LongArchiveSize), () => sig.GetUInt64(RpmSignatureTag.PayloadSize),
            pkgId, packageSize, fileTime, locationHref, locationBase);
    }

    private static RepoPackage Map(RpmHeader h, long headerStart, long headerEnd, Func<ulong?> signatureArchiveSize,
        Func<ulong?> signaturePayloadSize, string pkgId, long packageSize, long fileTime, string locationHref, string? locationBase)
    {
        var isSource = h.GetUInt32(RpmTag.SourcePackage) is { } sp && sp != 0;
        var package = new RepoPackage
        {
            Name = HeaderText.GetString(h, RpmTag.Name) ?? string.Empty,
            Arch = isSource ? "src" : HeaderText.GetString(h, RpmTag.Arch) ?? string.Empty,
            Epoch = (h.GetUInt32(RpmTag.Epoch) ?? 0).ToString(CultureInfo.InvariantCulture),
            Version = HeaderText.GetString(h, RpmTag.Version) ?? string.Empty,
            Release = HeaderText.GetString(h, RpmTag.Release) ?? string.Empty,
            PkgId = pkgId,
            ChecksumType = "sha256",
            Summary = HeaderText.GetString(h, RpmTag.Summary) ?? string.Empty,
            Description = HeaderText.GetString(h, RpmTag.Description) ?? string.Empty,
            Packager = HeaderText.GetString(h, RpmTag.Packager) ?? string.Empty,
            Url = HeaderText.GetString(h, RpmTag.Url) ?? string.Empty,
            FileTime = fileTime,
            BuildTime = h.GetUInt32(RpmTag.BuildTime) ?? 0,
            PackageSize = packageSize,
            InstalledSize = checked((long)(h.GetUInt64(RpmTag.LongSize) ?? h.GetUInt64(RpmTag.Size) ?? 0)),
            // rpm merges the signature header's sizes into the main header only where it has none.
            ArchiveSize = checked((long)(h.GetUInt64(RpmTag.LongArchiveSize)
                ?? signatureArchiveSize()
                ?? h.GetUInt64(RpmTag.ArchiveSize)
                ?? signaturePayloadSize()
                ?? 0)),
            LocationHref = locationHref,
            LocationBase = locationBase,
            License = HeaderText.GetString(h, RpmTag.License) ?? string.Empty,
            Vendor = HeaderText.GetString(h, RpmTag.Vendor) ?? string.Empty,
            Group = HeaderText.GetString(h, RpmTag.Group) ?? string.Empty,
            BuildHost = HeaderText.GetString(h, RpmTag.BuildHost) ?? string.Empty,
            SourceRpm = HeaderText.GetString(h, RpmTag.SourceRpm) ?? string.Empty,
            HeaderStart = headerStart,
            HeaderEnd = headerEnd,
        };
        var fileNames = ReadFiles(h, package.Files);
        ReadDependencies(h, package, fileNames);
        ReadChangelog(h, package.Changelog);
        return package;
    }

    // The file list needs names, directory indexes, flags and modes; createrepo_c lists no files
    // when any of them is missing.
    private static HashSet<string> ReadFiles(RpmHeader h, List<RepoFile> files)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var baseNames = HeaderText.GetStringArray(h, RpmTag.BaseNames);
        var dirNames = HeaderText.GetStringArray(h, RpmTag.DirNames);
        var dirIndexes = h.GetUInt32Array(RpmTag.DirIndexes);
        var flags = h.GetUInt32Array(RpmTag.FileFlags);
        var modes = h.GetUInt32Array(RpmTag.FileModes);
        if (baseNames is null || dirNames is null || dirIndexes is null || flags is null || modes is null)
        {
            return names;
        }
        var n = Math.Min(Math.Min(baseNames.Length, dirIndexes.Length), Math.Min(flags.Length, modes.Length));
        files.Capacity = n;
        for (var i = 0; i < n; i++)
        {
            if (dirIndexes[i] >= (uint)dirNames.Length)
            {
                throw new RpmFormatException($"file {i} has directory index {dirIndexes[i]}, but only {dirNames.Length} directories");
            }
            var path = string.Concat(dirNames[dirIndexes[i]], baseNames[i]);
            var type = (modes[i] & 0xF000) == 0x4000 ? RepoFileType.Dir
                : ((RpmFileFlags)flags[i] & RpmFileFlags.Ghost) != 0 ? RepoFileType.Ghost
                : RepoFileType.File;
            files.Add(new RepoFile { Path = path, Type = type });
            names.Add(path);
        }
        return names;
    }

    private enum DepKind
    {
        Provides,
        Conflicts,
        Obsoletes,
        Requires,
        Suggests,
        Enhances,
        Recommends,
        Supplements,
        OldSuggests,
        OldEnhances,
    }

    // In the order createrepo_c reads them: provides first, so requires can be checked against them.
    private static readonly (DepKind Kind, int Name, int Flags, int Version)[] DependencyTags =
    [
        (DepKind.Provides, RpmTag.ProvideName, RpmTag.ProvideFlags, RpmTag.ProvideVersion),
        (DepKind.Conflicts, RpmTag.ConflictName, RpmTag.ConflictFlags, RpmTag.ConflictVersion),
        (DepKind.Obsoletes, RpmTag.ObsoleteName, RpmTag.ObsoleteFlags, RpmTag.ObsoleteVersion),
        (DepKind.Requires, RpmTag.RequireName, RpmTag.RequireFlags, RpmTag.RequireVersion),
        (DepKind.Suggests, RpmTag.SuggestName, RpmTag.SuggestFlags, RpmTag.SuggestVersion),
        (DepKind.Enhances, RpmTag.EnhanceName, RpmTag.EnhanceFlags, RpmTag.EnhanceVersion),
        (DepKind.Recommends, RpmTag.RecommendName, RpmTag.RecommendFlags, RpmTag.RecommendVersion),
        (DepKind.Supplements, RpmTag.SupplementName, RpmTag.SupplementFlags, RpmTag.SupplementVersion),
        (DepKind.OldSuggests, OldSuggestsName, OldSuggestsFlags, OldSuggestsVersion),
        (DepKind.OldEnhances, OldEnhancesName, OldEnhancesFlags, OldEnhancesVersion),
    ];

    private static void ReadDependencies(RpmHeader h, RepoPackage package, HashSet<string> fileNames)
    {
        // name + flags + version of every provide: a require spelled exactly like one is dropped.
        var provided = new HashSet<string>(StringComparer.Ordinal);
        // The last require written per name: an identical one right after it is dropped.
        var lastRequire = new Dictionary<string, (string? Flags, string Version, bool Pre)>(StringComparer.Ordinal);
        foreach (var (kind, nameTag, flagsTag, versionTag) in DependencyTags)
        {
            var names = HeaderText.GetStringArray(h, nameTag);
            var flagValues = h.GetUInt32Array(flagsTag);
            var versions = HeaderText.GetStringArray(h, versionTag);
            if (names is null || flagValues is null || versions is null)
            {
                continue;
            }
            RepoDependency? libcHighest = null;
            var n = Math.Min(names.Length, Math.Min(flagValues.Length, versions.Length));
            for (var i = 0; i < n; i++)
            {
                var name = names[i];
                var rawFlags = flagValues[i];
                var flags = FlagsName(rawFlags);
                var version = versions[i];
                var pre = false;
                if (kind == DepKind.Requires)
                {
                    if (name.StartsWith("rpmlib(", StringComparison.Ordinal))
                    {
                        continue;
                    }
                    if (name.StartsWith('/') && fileNames.Contains(name) && RepodataRules.IsPrimaryFile(name))
                    {
                        continue;
                    }
                    if (provided.Contains(string.Concat(name, flags, version)))
                    {
                        continue;
                    }
                    const RpmDependencyFlags preFlags = RpmDependencyFlags.PreReq | RpmDependencyFlags.ScriptPre | RpmDependencyFlags.ScriptPost;
                    pre = ((RpmDependencyFlags)rawFlags & preFlags) != 0;
                    if (lastRequire.TryGetValue(name, out var last)
                        && string.Equals(last.Flags, flags, StringComparison.Ordinal)
                        && string.Equals(last.Version, version, StringComparison.Ordinal)
                        && last.Pre == pre)
                    {
                        continue;
                    }
                }
                if (!RepodataRules.TrySplitEvr(version, out var epoch, out var ver, out var rel))
                {
                    // A non-numeric epoch: createrepo_c warns and leaves the dependency out.
                    continue;
                }
                var dep = new RepoDependency { Name = name, Flags = flags, Epoch = epoch, Version = ver, Release = rel };
                switch (kind)
                {
                    case DepKind.Provides:
                        provided.Add(string.Concat(name, flags, version));
                        package.Provides.Add(dep);
                        break;
                    case DepKind.Conflicts:
                        package.Conflicts.Add(dep);
                        break;
                    case DepKind.Obsoletes:
                        package.Obsoletes.Add(dep);
                        break;
                    case DepKind.Requires:
                        if (((RpmDependencyFlags)rawFlags & RpmDependencyFlags.MissingOk) != 0)
                        {
                            // createrepo_c built with legacy weak dependencies reads these as Recommends.
                            package.Recommends.Add(dep);
                            break;
                        }
                        dep.Pre = pre;
                        if (name.StartsWith("libc.so.6", StringComparison.Ordinal))
                        {
                            // Only the highest libc.so.6 symbol version is kept, listed last.
                            if (libcHighest is null || RepodataRules.CompareLibcDependency(libcHighest.Name, name) == 2)
                            {
                                libcHighest = dep;
                            }
                            break;
                        }
                        package.Requires.Add(dep);
                        lastRequire[name] = (flags, version, pre);
                        break;
                    case DepKind.Suggests:
                        package.Suggests.Add(dep);
                        break;
                    case DepKind.Enhances:
                        package.Enhances.Add(dep);
                        break;
                    case DepKind.Recommends:
                        package.Recommends.Add(dep);
                        break;
                    case DepKind.Supplements:
                        package.Supplements.Add(dep);
                        break;
                    case DepKind.OldSuggests:
                        ((rawFlags & SenseStrong) != 0 ? package.Recommends : package.Suggests).Add(dep);
                        break;
                    case DepKind.OldEnhances:
                        ((rawFlags & SenseStrong) != 0 ? package.Supplements : package.Enhances).Add(dep);
                        break;
                }
            }
            if (libcHighest is not null)
            {
                package.Requires.Add(libcHighest);
            }
        }
    }

    private static string? FlagsName(uint flags) => (flags & 0xF) switch
    {
        2 => "LT",
        4 => "GT",
        8 => "EQ",
        10 => "LE",
        12 => "GE",
        _ => null,
    };

    private static void ReadChangelog(RpmHeader h, List<RepoChangelogEntry> changelog)
    {
        var times = h.GetUInt32Array(RpmTag.ChangelogTime);
        var names = HeaderText.GetStringArray(h, RpmTag.ChangelogName);
        var texts = HeaderText.GetStringArray(h, RpmTag.ChangelogText);
        if (times is null || names is null || texts is null)
        {
            return;
        }
        var n = Math.Min(times.Length, Math.Min(names.Length, texts.Length));
        changelog.Capacity = n;
        for (var i = 0; i < n; i++)
        {
            // Trailing spaces of the author are dropped (never its first character).
            var author = names[i];
            var end = author.Length;
            while (end > 1 && author[end - 1] == ' ')
            {
                end--;
            }
            changelog.Add(new RepoChangelogEntry { Author = author[..end], Date = times[i], Text = texts[i] });
        }
    }
}
