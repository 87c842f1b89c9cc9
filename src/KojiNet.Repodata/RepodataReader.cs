using System.Globalization;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Xml;
using KojiNet.Rpm;
using KojiNet.Rpm.Payload;

namespace KojiNet.Repodata;

/// <summary>
/// Reads repository metadata (repomd.xml, primary, filelists, other; uncompressed, gzip, xz,
/// zstd or bzip2) into <see cref="RepoPackage"/> objects.
/// </summary>
public static class RepodataReader
{
    internal static readonly XmlReaderSettings XmlSettings = new()
    {
        DtdProcessing = DtdProcessing.Ignore,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };

    private const string XmlNamespace = "http://www.w3.org/XML/1998/namespace";

    /// <summary>
    /// Reads every package of the repository at <paramref name="repositoryDirectory"/> (the
    /// directory holding <c>repodata/</c>): primary joined with filelists (the full file list) and
    /// other (changelogs) by package id, in primary's order.
    /// </summary>
    /// <param name="repositoryDirectory">The repository directory.</param>
    /// <param name="verifyChecksums">Check each file against the checksum repomd.xml lists for it.</param>
    /// <exception cref="RepodataException">A file is missing, damaged or malformed.</exception>
    public static IReadOnlyList<RepoPackage> ReadRepository(string repositoryDirectory, bool verifyChecksums = true)
    {
        ArgumentNullException.ThrowIfNull(repositoryDirectory);
        var repomd = Repomd.Load(repositoryDirectory);
        var primaryRecord = repomd.Find("primary")
            ?? throw new RepodataException($"{repositoryDirectory}: repomd.xml lists no primary metadata");
        List<RepoPackage> packages;
        using (var primary = OpenRecord(repositoryDirectory, primaryRecord, verifyChecksums))
        {
            packages = [.. ReadPrimary(primary)];
        }
        var byId = new Dictionary<string, List<RepoPackage>>(StringComparer.Ordinal);
        foreach (var p in packages)
        {
            if (!byId.TryGetValue(p.PkgId, out var list))
            {
                byId[p.PkgId] = list = [];
            }
            list.Add(p);
        }
        if (repomd.Find("filelists") is { } filelistsRecord)
        {
            using var filelists = OpenRecord(repositoryDirectory, filelistsRecord, verifyChecksums);
            Join(byId, ReadFilelists(filelists), (target, source) => target.Files = source.Files);
        }
        if (repomd.Find("other") is { } otherRecord)
        {
            using var other = OpenRecord(repositoryDirectory, otherRecord, verifyChecksums);
            Join(byId, ReadOther(other), (target, source) => target.Changelog = source.Changelog);
        }
        return packages;
    }

    private static void Join(Dictionary<string, List<RepoPackage>> byId, IEnumerable<RepoPackage> entries, Action<RepoPackage, RepoPackage> apply)
    {
        // Each package id is matched in order, so duplicates (one file at two locations) pair up.
        var used = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (!byId.TryGetValue(entry.PkgId, out var list))
            {
                continue;
            }
            used.TryGetValue(entry.PkgId, out var index);
            if (index < list.Count)
            {
                apply(list[index], entry);
                used[entry.PkgId] = index + 1;
            }
        }
    }

    /// <summary>Opens the file of a repomd record for reading, decompressed.</summary>
    /// <exception cref="RepodataException">The file is missing or its checksum differs.</exception>
    public static Stream OpenRecord(string repositoryDirectory, RepomdRecord record, bool verifyChecksum = true)
    {
        ArgumentNullException.ThrowIfNull(repositoryDirectory);
        ArgumentNullException.ThrowIfNull(record);
        var path = Path.Combine(repositoryDirectory, record.LocationHref);
        if (!File.Exists(path))
        {
            throw new RepodataException($"{path} ({record.Type} metadata listed in repomd.xml) does not exist");
        }
        if (verifyChecksum && HashFor(record.ChecksumType) is { } algorithm && record.Checksum.Length > 0)
        {
            using var stream = File.OpenRead(path);
            using var hash = IncrementalHash.CreateHash(algorithm);
            var buffer = new byte[1 << 16];
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, n);
            }
            var actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!string.Equals(actual, record.Checksum, StringComparison.OrdinalIgnoreCase))
            {
                throw new RepodataException($"{path}: {record.ChecksumType} is {actual}, repomd.xml says {record.Checksum}");
            }
        }
        return OpenMetadata(path);
    }

    private static HashAlgorithmName? HashFor(string type) => type switch
    {
        "sha256" => HashAlgorithmName.SHA256,
        "sha" or "sha1" => HashAlgorithmName.SHA1,
        "sha384" => HashAlgorithmName.SHA384,
        "sha512" => HashAlgorithmName.SHA512,
        "md5" => HashAlgorithmName.MD5,
        _ => null,
    };

    /// <summary>Opens a metadata file, decompressing gzip, xz, zstd or bzip2 as its first bytes say.</summary>
    /// <exception cref="RepodataException">The file uses another compression.</exception>
    public static Stream OpenMetadata(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            Span<byte> magic = stackalloc byte[6];
            var n = file.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
            file.Position = 0;
            magic = magic[..n];
            if (magic.StartsWith((ReadOnlySpan<byte>)[0x1F, 0x8B]))
            {
                return new GZipStream(file, CompressionMode.Decompress);
            }
            if (magic.StartsWith((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0]))
            {
                return PayloadDecompression.Open(file, "xz");
            }
            if (magic.StartsWith((ReadOnlySpan<byte>)[0x28, 0xB5, 0x2F, 0xFD]))
            {
                return PayloadDecompression.Open(file, "zstd");
            }
            if (magic.StartsWith("BZh"u8))
            {
                return PayloadDecompression.Open(file, "bzip2");
            }
            if (magic.IsEmpty || magic[0] == (byte)'<' || magic.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) || char.IsWhiteSpace((char)magic[0]))
            {
                return file;
            }
            throw new RepodataException($"{path}: unknown compression (first bytes {Convert.ToHexString(magic)})");
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads the packages of a primary.xml stream, in document order. File lists hold only primary's subset.</summary>
    /// <exception cref="RepodataException">The document is malformed.</exception>
    public static IEnumerable<RepoPackage> ReadPrimary(Stream xml) => ReadPackages(xml, "metadata", ReadPrimaryPackage);

    /// <summary>Reads a filelists.xml stream: packages with id, name, arch, EVR and file list only.</summary>
    /// <exception cref="RepodataException">The document is malformed.</exception>
    public static IEnumerable<RepoPackage> ReadFilelists(Stream xml) => ReadPackages(xml, "filelists", ReadFilelistsPackage);

    /// <summary>Reads an other.xml stream: packages with id, name, arch, EVR and changelog (newest first) only.</summary>
    /// <exception cref="RepodataException">The document is malformed.</exception>
    public static IEnumerable<RepoPackage> ReadOther(Stream xml) => ReadPackages(xml, "otherdata", ReadOtherPackage);

    private static IEnumerable<RepoPackage> ReadPackages(Stream xml, string root, Func<XmlReader, RepoPackage> readPackage)
    {
        ArgumentNullException.ThrowIfNull(xml);
        using var reader = XmlReader.Create(xml, XmlSettings);
        try
        {
            reader.MoveToContent();
            if (reader.LocalName != root)
            {
                throw new RepodataException($"root element is <{reader.LocalName}>, expected <{root}>");
            }
            if (reader.IsEmptyElement)
            {
                yield break;
            }
            reader.Read();
        }
        catch (XmlException e)
        {
            throw new RepodataException($"<{root}>: {e.Message}", e);
        }
        while (true)
        {
            RepoPackage? package = null;
            try
            {
                if (reader.MoveToContent() != XmlNodeType.Element)
                {
                    break;
                }
                if (reader.LocalName == "package")
                {
                    package = readPackage(reader);
                }
                else
                {
                    reader.Skip();
                }
            }
            catch (Exception e) when (e is XmlException or FormatException or OverflowException or RpmFormatException or InvalidDataException)
            {
                throw new RepodataException($"<{root}>: {e.Message}", e);
            }
            if (package is not null)
            {
                yield return package;
            }
        }
    }

    private static RepoPackage ReadPrimaryPackage(XmlReader r)
    {
        var p = new RepoPackage();
        ForEachChild(r, () =>
        {
            switch (r.LocalName)
            {
                case "name":
                    p.Name = r.ReadElementContentAsString();
                    break;
                case "arch":
                    p.Arch = r.ReadElementContentAsString();
                    break;
                case "version":
                    ReadVersion(r, p);
                    break;
                case "checksum":
                    p.ChecksumType = r.GetAttribute("type") ?? string.Empty;
                    p.PkgId = r.ReadElementContentAsString().Trim();
                    break;
                case "summary":
                    p.Summary = r.ReadElementContentAsString();
                    break;
                case "description":
                    p.Description = r.ReadElementContentAsString();
                    break;
                case "packager":
                    p.Packager = r.ReadElementContentAsString();
                    break;
                case "url":
                    p.Url = r.ReadElementContentAsString();
                    break;
                case "time":
                    p.FileTime = Long(r.GetAttribute("file"));
                    p.BuildTime = Long(r.GetAttribute("build"));
                    r.Skip();
                    break;
                case "size":
                    p.PackageSize = Long(r.GetAttribute("package"));
                    p.InstalledSize = Long(r.GetAttribute("installed"));
                    p.ArchiveSize = Long(r.GetAttribute("archive"));
                    r.Skip();
                    break;
                case "location":
                    p.LocationHref = r.GetAttribute("href") ?? string.Empty;
                    p.LocationBase = r.GetAttribute("base", XmlNamespace);
                    r.Skip();
                    break;
                case "format":
                    ReadFormat(r, p);
                    break;
                default:
                    r.Skip();
                    break;
            }
        });
        return p;
    }

    private static void ReadFormat(XmlReader r, RepoPackage p)
    {
        ForEachChild(r, () =>
        {
            switch (r.LocalName)
            {
                case "license":
                    p.License = r.ReadElementContentAsString();
                    break;
                case "vendor":
                    p.Vendor = r.ReadElementContentAsString();
                    break;
                case "group":
                    p.Group = r.ReadElementContentAsString();
                    break;
                case "buildhost":
                    p.BuildHost = r.ReadElementContentAsString();
                    break;
                case "sourcerpm":
                    p.SourceRpm = r.ReadElementContentAsString();
                    break;
                case "header-range":
                    p.HeaderStart = Long(r.GetAttribute("start"));
                    p.HeaderEnd = Long(r.GetAttribute("end"));
                    r.Skip();
                    break;
                case "provides":
                    p.Provides = ReadEntries(r);
                    break;
                case "requires":
                    p.Requires = ReadEntries(r);
                    break;
                case "conflicts":
                    p.Conflicts = ReadEntries(r);
                    break;
                case "obsoletes":
                    p.Obsoletes = ReadEntries(r);
                    break;
                case "recommends":
                    p.Recommends = ReadEntries(r);
                    break;
                case "suggests":
                    p.Suggests = ReadEntries(r);
                    break;
                case "supplements":
                    p.Supplements = ReadEntries(r);
                    break;
                case "enhances":
                    p.Enhances = ReadEntries(r);
                    break;
                case "file":
                    p.Files.Add(ReadFile(r));
                    break;
                default:
                    r.Skip();
                    break;
            }
        });
    }

    private static List<RepoDependency> ReadEntries(XmlReader r)
    {
        var list = new List<RepoDependency>();
        ForEachChild(r, () =>
        {
            if (r.LocalName == "entry")
            {
                var pre = r.GetAttribute("pre");
                list.Add(new RepoDependency
                {
                    Name = r.GetAttribute("name") ?? string.Empty,
                    Flags = r.GetAttribute("flags"),
                    Epoch = r.GetAttribute("epoch"),
                    Version = r.GetAttribute("ver"),
                    Release = r.GetAttribute("rel"),
                    Pre = pre is "1" or "true" or "TRUE" or "True",
                });
            }
            r.Skip();
        });
        return list;
    }

    private static RepoFile ReadFile(XmlReader r)
    {
        var type = r.GetAttribute("type") switch
        {
            "dir" => RepoFileType.Dir,
            "ghost" => RepoFileType.Ghost,
            _ => RepoFileType.File,
        };
        return new RepoFile { Type = type, Path = r.ReadElementContentAsString() };
    }

    private static RepoPackage ReadFilelistsPackage(XmlReader r)
    {
        var p = PackageIdentity(r);
        ForEachChild(r, () =>
        {
            switch (r.LocalName)
            {
                case "version":
                    ReadVersion(r, p);
                    break;
                case "file":
                    p.Files.Add(ReadFile(r));
                    break;
                default:
                    r.Skip();
                    break;
            }
        });
        return p;
    }

    private static RepoPackage ReadOtherPackage(XmlReader r)
    {
        var p = PackageIdentity(r);
        ForEachChild(r, () =>
        {
            switch (r.LocalName)
            {
                case "version":
                    ReadVersion(r, p);
                    break;
                case "changelog":
                    p.Changelog.Add(new RepoChangelogEntry
                    {
                        Author = r.GetAttribute("author") ?? string.Empty,
                        Date = Long(r.GetAttribute("date")),
                        Text = r.ReadElementContentAsString(),
                    });
                    break;
                default:
                    r.Skip();
                    break;
            }
        });
        // other.xml lists the oldest entry first; the model holds the newest first.
        p.Changelog.Reverse();
        return p;
    }

    private static RepoPackage PackageIdentity(XmlReader r) => new()
    {
        PkgId = r.GetAttribute("pkgid") ?? string.Empty,
        Name = r.GetAttribute("name") ?? string.Empty,
        Arch = r.GetAttribute("arch") ?? string.Empty,
    };

    private static void ReadVersion(XmlReader r, RepoPackage p)
    {
        p.Epoch = r.GetAttribute("epoch") ?? "0";
        p.Version = r.GetAttribute("ver") ?? string.Empty;
        p.Release = r.GetAttribute("rel") ?? string.Empty;
        r.Skip();
    }

    /// <summary>Calls <paramref name="onChild"/> on each child element of the current element, which must consume it; leaves the reader after the end tag.</summary>
    private static void ForEachChild(XmlReader r, Action onChild)
    {
        if (r.IsEmptyElement)
        {
            r.Read();
            return;
        }
        r.Read();
        while (r.MoveToContent() == XmlNodeType.Element)
        {
            onChild();
        }
        r.ReadEndElement();
    }

    private static long Long(string? value) =>
        string.IsNullOrEmpty(value) ? 0 : long.Parse(value, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
