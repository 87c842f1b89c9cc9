namespace KojiNet.Repodata.Xml;

/// <summary>
/// Renders one package's <c>&lt;package&gt;</c> element of primary.xml, filelists.xml and
/// other.xml byte for byte as createrepo_c 0.17 does (libxml2 formatting, two-space indent,
/// a newline after the element).
/// </summary>
internal static class PackageXml
{
    public static ReadOnlySpan<byte> PrimaryHeader => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\""u8;

    public static ReadOnlySpan<byte> PrimaryFooter => "</metadata>"u8;

    public static ReadOnlySpan<byte> FilelistsHeader => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<filelists xmlns=\"http://linux.duke.edu/metadata/filelists\" packages=\""u8;

    public static ReadOnlySpan<byte> FilelistsFooter => "</filelists>"u8;

    public static ReadOnlySpan<byte> OtherHeader => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<otherdata xmlns=\"http://linux.duke.edu/metadata/other\" packages=\""u8;

    public static ReadOnlySpan<byte> OtherFooter => "</otherdata>"u8;

    /// <summary>Ends the root start tag after the package count.</summary>
    public static ReadOnlySpan<byte> HeaderEnd => "\">\n"u8;

    public static void RenderPrimary(Utf8XmlBuffer b, RepoPackage p)
    {
        b.Raw("<package type=\"rpm\">\n  <name>"u8);
        b.Text(p.Name);
        b.Raw("</name>\n  <arch>"u8);
        b.Text(p.Arch);
        b.Raw("</arch>\n  "u8);
        Version(b, p);
        b.Raw("\n  <checksum type=\""u8);
        b.Attribute(p.ChecksumType);
        b.Raw("\" pkgid=\"YES\">"u8);
        b.Text(p.PkgId);
        b.Raw("</checksum>\n  <summary>"u8);
        b.Text(p.Summary);
        b.Raw("</summary>\n  <description>"u8);
        b.Text(p.Description);
        b.Raw("</description>\n  <packager>"u8);
        b.Text(p.Packager);
        b.Raw("</packager>\n  <url>"u8);
        b.Text(p.Url);
        b.Raw("</url>\n  <time file=\""u8);
        b.Number(p.FileTime);
        b.Raw("\" build=\""u8);
        b.Number(p.BuildTime);
        b.Raw("\"/>\n  <size package=\""u8);
        b.Number(p.PackageSize);
        b.Raw("\" installed=\""u8);
        b.Number(p.InstalledSize);
        b.Raw("\" archive=\""u8);
        b.Number(p.ArchiveSize);
        b.Raw("\"/>\n  <location "u8);
        if (!string.IsNullOrEmpty(p.LocationBase))
        {
            b.Raw("xml:base=\""u8);
            b.Attribute(p.LocationBase);
            b.Raw("\" "u8);
        }
        b.Raw("href=\""u8);
        b.Attribute(p.LocationHref);
        b.Raw("\"/>\n  <format>\n    <rpm:license>"u8);
        b.Text(p.License);
        b.Raw("</rpm:license>\n    <rpm:vendor>"u8);
        b.Text(p.Vendor);
        b.Raw("</rpm:vendor>\n    <rpm:group>"u8);
        b.Text(p.Group);
        b.Raw("</rpm:group>\n    <rpm:buildhost>"u8);
        b.Text(p.BuildHost);
        b.Raw("</rpm:buildhost>\n    <rpm:sourcerpm>"u8);
        b.Text(p.SourceRpm);
        b.Raw("</rpm:sourcerpm>\n    <rpm:header-range start=\""u8);
        b.Number(p.HeaderStart);
        b.Raw("\" end=\""u8);
        b.Number(p.HeaderEnd);
        b.Raw("\"/>\n"u8);
        Dependencies(b, "provides"u8, p.Provides, requires: false);
        Dependencies(b, "requires"u8, p.Requires, requires: true);
        Dependencies(b, "conflicts"u8, p.Conflicts, requires: false);
        Dependencies(b, "obsoletes"u8, p.Obsoletes, requires: false);
        Dependencies(b, "suggests"u8, p.Suggests, requires: false);
        Dependencies(b, "enhances"u8, p.Enhances, requires: false);
        Dependencies(b, "recommends"u8, p.Recommends, requires: false);
        Dependencies(b, "supplements"u8, p.Supplements, requires: false);
        if (p.Files is { } files)
        {
            foreach (var f in files)
            {
                if (RepodataRules.IsPrimaryFile(f.Path))
                {
                    File(b, f, "    "u8);
                }
            }
        }
        b.Raw("  </format>\n</package>\n"u8);
    }

    public static void RenderFilelists(Utf8XmlBuffer b, RepoPackage p)
    {
        PackageStart(b, p);
        if (p.Files is { } files)
        {
            foreach (var f in files)
            {
                File(b, f, "  "u8);
            }
        }
        b.Raw("</package>\n"u8);
    }

    public static void RenderOther(Utf8XmlBuffer b, RepoPackage p, int? changelogLimit)
    {
        PackageStart(b, p);
        var entries = p.Changelog ?? [];
        var count = changelogLimit is { } limit ? Math.Clamp(limit, 0, entries.Count) : entries.Count;
        if (count > 0)
        {
            var dates = RepodataChangelog.AdjustedDates(entries, count);
            // Oldest first, as createrepo_c lists them.
            for (var i = count - 1; i >= 0; i--)
            {
                var e = entries[i];
                b.Raw("  <changelog author=\""u8);
                b.Attribute(e.Author);
                b.Raw("\" date=\""u8);
                b.Number(dates[i]);
                b.Raw("\">"u8);
                b.Text(e.Text);
                b.Raw("</changelog>\n"u8);
            }
        }
        b.Raw("</package>\n"u8);
    }

    private static void PackageStart(Utf8XmlBuffer b, RepoPackage p)
    {
        b.Raw("<package pkgid=\""u8);
        b.Attribute(p.PkgId);
        b.Raw("\" name=\""u8);
        b.Attribute(p.Name);
        b.Raw("\" arch=\""u8);
        b.Attribute(p.Arch);
        b.Raw("\">\n  "u8);
        Version(b, p);
        b.Raw("\n"u8);
    }

    private static void Version(Utf8XmlBuffer b, RepoPackage p)
    {
        b.Raw("<version epoch=\""u8);
        b.Attribute(p.Epoch);
        b.Raw("\" ver=\""u8);
        b.Attribute(p.Version);
        b.Raw("\" rel=\""u8);
        b.Attribute(p.Release);
        b.Raw("\"/>"u8);
    }

    private static void File(Utf8XmlBuffer b, RepoFile f, ReadOnlySpan<byte> indent)
    {
        b.Raw(indent);
        b.Raw(f.Type switch
        {
            RepoFileType.Dir => "<file type=\"dir\">"u8,
            RepoFileType.Ghost => "<file type=\"ghost\">"u8,
            _ => "<file>"u8,
        });
        b.Text(f.Path);
        b.Raw("</file>\n"u8);
    }

    private static void Dependencies(Utf8XmlBuffer b, ReadOnlySpan<byte> element, List<RepoDependency>? deps, bool requires)
    {
        if (deps is null || deps.Count == 0)
        {
            return;
        }
        b.Raw("    <rpm:"u8);
        b.Raw(element);
        var any = false;
        foreach (var d in deps)
        {
            if (string.IsNullOrEmpty(d.Name))
            {
                continue;
            }
            if (!any)
            {
                b.Raw(">\n"u8);
                any = true;
            }
            b.Raw("      <rpm:entry name=\""u8);
            b.Attribute(d.Name);
            b.Raw("\""u8);
            if (!string.IsNullOrEmpty(d.Flags))
            {
                b.Raw(" flags=\""u8);
                b.Attribute(d.Flags);
                b.Raw("\""u8);
                if (!string.IsNullOrEmpty(d.Epoch))
                {
                    b.Raw(" epoch=\""u8);
                    b.Attribute(d.Epoch);
                    b.Raw("\""u8);
                }
                if (!string.IsNullOrEmpty(d.Version))
                {
                    b.Raw(" ver=\""u8);
                    b.Attribute(d.Version);
                    b.Raw("\""u8);
                }
                if (!string.IsNullOrEmpty(d.Release))
                {
                    b.Raw(" rel=\""u8);
                    b.Attribute(d.Release);
                    b.Raw("\""u8);
                }
            }
            if (requires && d.Pre)
            {
                b.Raw(" pre=\"1\""u8);
            }
            b.Raw("/>\n"u8);
        }
        if (any)
        {
            b.Raw("    </rpm:"u8);
            b.Raw(element);
            b.Raw(">\n"u8);
        }
        else
        {
            // Only nameless entries: libxml2 closes the empty list element.
            b.Raw("/>\n"u8);
        }
    }
}
