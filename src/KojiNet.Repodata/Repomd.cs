using System.Globalization;
using System.Text;
using System.Xml;
using KojiNet.Repodata.Xml;

namespace KojiNet.Repodata;

/// <summary>The index of a repository's metadata files: <c>repodata/repomd.xml</c>.</summary>
public sealed class Repomd
{
    /// <summary>The repository revision (createrepo_c: the generation time in Unix seconds).</summary>
    public string? Revision { get; set; }

    /// <summary>One record per metadata file, in document order.</summary>
    public List<RepomdRecord> Records { get; set; } = [];

    /// <summary>The record of the given type (<c>primary</c>, <c>filelists</c>, <c>other</c>, <c>group</c>...), or null.</summary>
    public RepomdRecord? Find(string type) =>
        Records.FirstOrDefault(r => string.Equals(r.Type, type, StringComparison.Ordinal));

    /// <summary>Parses repomd.xml.</summary>
    /// <exception cref="RepodataException">The document is not a repomd.xml.</exception>
    public static Repomd Parse(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var repomd = new Repomd();
        try
        {
            using var reader = XmlReader.Create(stream, RepodataReader.XmlSettings);
            reader.MoveToContent();
            if (reader.LocalName != "repomd")
            {
                throw new RepodataException($"repomd.xml: root element is <{reader.LocalName}>, expected <repomd>");
            }
            if (reader.IsEmptyElement)
            {
                return repomd;
            }
            reader.Read();
            while (reader.MoveToContent() == XmlNodeType.Element)
            {
                switch (reader.LocalName)
                {
                    case "revision":
                        repomd.Revision = reader.ReadElementContentAsString();
                        break;
                    case "data":
                        repomd.Records.Add(ReadRecord(reader));
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }
        }
        catch (XmlException e)
        {
            throw new RepodataException($"repomd.xml: {e.Message}", e);
        }
        return repomd;
    }

    /// <summary>Reads <c>repodata/repomd.xml</c> of the repository at <paramref name="repositoryDirectory"/>.</summary>
    /// <exception cref="RepodataException">The file is missing or malformed.</exception>
    public static Repomd Load(string repositoryDirectory)
    {
        var path = Path.Combine(repositoryDirectory, "repodata", "repomd.xml");
        if (!File.Exists(path))
        {
            throw new RepodataException($"{path} does not exist");
        }
        using var stream = File.OpenRead(path);
        return Parse(stream);
    }

    private static RepomdRecord ReadRecord(XmlReader reader)
    {
        var record = new RepomdRecord { Type = reader.GetAttribute("type") ?? string.Empty };
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return record;
        }
        reader.Read();
        while (reader.MoveToContent() == XmlNodeType.Element)
        {
            switch (reader.LocalName)
            {
                case "checksum":
                    record.ChecksumType = reader.GetAttribute("type") ?? string.Empty;
                    record.Checksum = reader.ReadElementContentAsString().Trim();
                    break;
                case "open-checksum":
                    record.OpenChecksumType = reader.GetAttribute("type");
                    record.OpenChecksum = reader.ReadElementContentAsString().Trim();
                    break;
                case "location":
                    record.LocationHref = reader.GetAttribute("href") ?? string.Empty;
                    record.LocationBase = reader.GetAttribute("base", "http://www.w3.org/XML/1998/namespace");
                    reader.Skip();
                    break;
                case "timestamp":
                    record.Timestamp = ReadLong(reader);
                    break;
                case "size":
                    record.Size = ReadLong(reader);
                    break;
                case "open-size":
                    record.OpenSize = ReadLong(reader);
                    break;
                case "database_version":
                    record.DatabaseVersion = (int?)ReadLong(reader);
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }
        reader.ReadEndElement();
        return record;
    }

    private static long? ReadLong(XmlReader reader)
    {
        var text = reader.ReadElementContentAsString().Trim();
        // createrepo_c writes integers; some tools write a float timestamp.
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? (long)d : null;
    }

    /// <summary>Serialises as createrepo_c does.</summary>
    public byte[] ToBytes()
    {
        var b = new Utf8XmlBuffer(2048);
        b.Raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<repomd xmlns=\"http://linux.duke.edu/metadata/repo\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\">\n"u8);
        if (Revision is not null)
        {
            b.Raw("  <revision>"u8);
            b.Text(Revision);
            b.Raw("</revision>\n"u8);
        }
        foreach (var r in Records)
        {
            b.Raw("  <data type=\""u8);
            b.Attribute(r.Type);
            b.Raw("\">\n    <checksum type=\""u8);
            b.Attribute(r.ChecksumType);
            b.Raw("\">"u8);
            b.Text(r.Checksum);
            b.Raw("</checksum>\n"u8);
            if (r.OpenChecksum is not null)
            {
                b.Raw("    <open-checksum type=\""u8);
                b.Attribute(r.OpenChecksumType ?? r.ChecksumType);
                b.Raw("\">"u8);
                b.Text(r.OpenChecksum);
                b.Raw("</open-checksum>\n"u8);
            }
            b.Raw("    <location "u8);
            if (!string.IsNullOrEmpty(r.LocationBase))
            {
                b.Raw("xml:base=\""u8);
                b.Attribute(r.LocationBase);
                b.Raw("\" "u8);
            }
            b.Raw("href=\""u8);
            b.Attribute(r.LocationHref);
            b.Raw("\"/>\n"u8);
            if (r.Timestamp is { } ts)
            {
                b.Raw("    <timestamp>"u8);
                b.Number(ts);
                b.Raw("</timestamp>\n"u8);
            }
            if (r.Size is { } size)
            {
                b.Raw("    <size>"u8);
                b.Number(size);
                b.Raw("</size>\n"u8);
            }
            if (r.OpenSize is { } openSize)
            {
                b.Raw("    <open-size>"u8);
                b.Number(openSize);
                b.Raw("</open-size>\n"u8);
            }
            if (r.DatabaseVersion is { } dbVersion)
            {
                b.Raw("    <database_version>"u8);
                b.Number(dbVersion);
                b.Raw("</database_version>\n"u8);
            }
            b.Raw("  </data>\n"u8);
        }
        b.Raw("</repomd>\n"u8);
        return b.ToArray();
    }

    /// <summary>The serialised document as a string.</summary>
    public override string ToString() => Encoding.UTF8.GetString(ToBytes());
}

/// <summary>One <c>&lt;data&gt;</c> record of repomd.xml.</summary>
public sealed class RepomdRecord
{
    /// <summary>Record type: <c>primary</c>, <c>filelists</c>, <c>other</c>, <c>group</c>, <c>group_gz</c>...</summary>
    public string Type { get; set; } = string.Empty;

    /// <summary>Checksum of the file as stored (compressed).</summary>
    public string Checksum { get; set; } = string.Empty;

    /// <summary>Algorithm of <see cref="Checksum"/> (<c>sha256</c>).</summary>
    public string ChecksumType { get; set; } = "sha256";

    /// <summary>Checksum of the uncompressed content, or null for an uncompressed file.</summary>
    public string? OpenChecksum { get; set; }

    /// <summary>Algorithm of <see cref="OpenChecksum"/>.</summary>
    public string? OpenChecksumType { get; set; }

    /// <summary>Path of the file relative to the repository, e.g. <c>repodata/…-primary.xml.gz</c>.</summary>
    public string LocationHref { get; set; } = string.Empty;

    /// <summary>Base URL of <see cref="LocationHref"/> (<c>xml:base</c>), or null.</summary>
    public string? LocationBase { get; set; }

    /// <summary>Modification time of the file, Unix seconds.</summary>
    public long? Timestamp { get; set; }

    /// <summary>Size of the file as stored.</summary>
    public long? Size { get; set; }

    /// <summary>Size of the uncompressed content.</summary>
    public long? OpenSize { get; set; }

    /// <summary>SQLite schema version of a <c>*_db</c> record.</summary>
    public int? DatabaseVersion { get; set; }
}
