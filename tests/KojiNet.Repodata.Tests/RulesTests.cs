using KojiNet.Repodata.Xml;

namespace KojiNet.Repodata.Tests;

/// <summary>Table tests of createrepo_c's small rules and libxml2's escaping.</summary>
public sealed class RulesTests
{
    [Theory]
    [InlineData("1.0", "0", "1.0", null)]
    [InlineData("1.0-2", "0", "1.0", "2")]
    [InlineData("3:1.0-2.fc40", "3", "1.0", "2.fc40")]
    [InlineData("1.0-", "0", "1.0", null)]
    [InlineData(":1.0", "0", "1.0", null)]
    [InlineData("1.0-2-3", "0", "1.0", "2-3")]
    [InlineData("", null, null, null)]
    public void Splits_evr_like_createrepo_c(string evr, string? epoch, string? version, string? release)
    {
        Assert.True(RepodataRules.TrySplitEvr(evr, out var e, out var v, out var r));
        Assert.Equal((epoch, version, release), (e, v, r));
    }

    [Theory]
    [InlineData("x:1.0")]
    [InlineData("1x:1.0")]
    [InlineData(" :1.0")]
    public void Refuses_a_non_numeric_epoch(string evr) =>
        Assert.False(RepodataRules.TrySplitEvr(evr, out _, out _, out _));

    [Theory]
    [InlineData("libc.so.6(GLIBC_2.34)(64bit)", "libc.so.6(GLIBC_2.2.5)(64bit)", 1)]
    [InlineData("libc.so.6(GLIBC_2.2.5)(64bit)", "libc.so.6(GLIBC_2.34)(64bit)", 2)]
    [InlineData("libc.so.6()(64bit)", "libc.so.6(GLIBC_2.2.5)(64bit)", 2)]
    [InlineData("libc.so.6", "libc.so.6(GLIBC_2.2.5)", 2)]
    [InlineData("libc.so.6(GLIBC_2.3)", "libc.so.6(GLIBC_2.3)", 0)]
    public void Orders_libc_requires_by_symbol_version(string a, string b, int expected) =>
        Assert.Equal(expected, RepodataRules.CompareLibcDependency(a, b));

    [Theory]
    [InlineData("/etc/x", true)]
    [InlineData("/usr/bin/x", true)]
    [InlineData("/opt/sbin/x", true)]
    [InlineData("/usr/lib/sendmail", true)]
    [InlineData("/usr/lib/sendmail.d", false)]
    [InlineData("/usr/share/bin", false)]
    [InlineData("/etc", false)]
    public void Knows_primary_files(string path, bool primary) =>
        Assert.Equal(primary, RepodataRules.IsPrimaryFile(path));

    [Theory]
    [InlineData("a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d\"e'f")]
    [InlineData("line\r\nnext\ttab", "line&#13;\nnext\ttab")]
    [InlineData("ünï 日本 😀", "ünï 日本 😀")]
    public void Escapes_text_like_libxml2(string text, string expected)
    {
        var b = new Utf8XmlBuffer(4);
        b.Text(text);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(b.WrittenSpan));
    }

    [Theory]
    [InlineData("a&b<c>d\"e'f", "a&amp;b&lt;c&gt;d&quot;e'f")]
    [InlineData("line\r\nnext\ttab", "line&#13;&#10;next&#9;tab")]
    [InlineData("Jöhn Dœ 日 😀", "J&#xF6;hn D&#x153; &#x65E5; &#x1F600;")]
    public void Escapes_attributes_like_libxml2(string value, string expected)
    {
        var b = new Utf8XmlBuffer(4);
        b.Attribute(value);
        Assert.Equal(expected, System.Text.Encoding.UTF8.GetString(b.WrittenSpan));
    }

    [Fact]
    public void Equal_changelog_dates_become_unique_like_createrepo_c()
    {
        var entries = new[] { 300L, 200, 200, 200, 100, 100 }.Select(d => new RepoChangelogEntry { Date = d }).ToList();

        Assert.Equal([300, 202, 201, 200, 101, 100], RepodataChangelog.AdjustedDates(entries, entries.Count));
        Assert.Equal([300, 201, 200], RepodataChangelog.AdjustedDates(entries, 3));
    }
}
