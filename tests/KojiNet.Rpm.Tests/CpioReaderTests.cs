using System.Globalization;
using System.Text;
using KojiNet.Rpm.Payload;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>Archives made by the real cpio tool, plus hand-made malformed ones.</summary>
public sealed class CpioReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-cpio-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A tree with the cases that matter: padding lengths, empty, symlinks, a 3 MiB file, UTF-8 names.</summary>
    internal static string MakeTree(string parent, int largeSize = 3 * 1024 * 1024 + 3)
    {
        var root = Path.Combine(parent, "tree");
        Directory.CreateDirectory(Path.Combine(root, "usr", "share", "doc"));
        Directory.CreateDirectory(Path.Combine(root, "empty-dir"));
        var rng = new Random(42);
        for (int len = 0; len <= 9; len++)
        {
            var bytes = new byte[len];
            rng.NextBytes(bytes);
            File.WriteAllBytes(Path.Combine(root, "usr", $"f{len}"), bytes);
        }
        var large = new byte[largeSize];
        rng.NextBytes(large);
        File.WriteAllBytes(Path.Combine(root, "usr", "share", "large.bin"), large);
        File.WriteAllText(Path.Combine(root, "usr", "share", "doc", "README \u00e9t\u00e9.txt"), "hello\n");
        File.WriteAllBytes(Path.Combine(root, "empty"), []);
        File.CreateSymbolicLink(Path.Combine(root, "link-rel"), "usr/f3");
        File.CreateSymbolicLink(Path.Combine(root, "usr", "link-abs"), "/etc/does/not/exist");
        File.CreateSymbolicLink(Path.Combine(root, "dangling-long"), new string('x', 200));
        File.SetUnixFileMode(Path.Combine(root, "usr", "f5"), UnixFileMode.UserRead | UnixFileMode.UserExecute);
        return root;
    }

    /// <summary>Runs <c>find . | cpio -o -H format</c> in the tree and returns the archive path.</summary>
    internal static string MakeArchive(string root, string output, string format = "newc")
    {
        ExternalTool.RunChecked("sh", ["-c", $"find . -print | LC_ALL=C sort | cpio --quiet -o -H {format} > '{output}'"],
            workingDirectory: root);
        return output;
    }

    /// <summary>What <c>stat</c> says about every path in the tree: the oracle for the headers.</summary>
    internal static Dictionary<string, string[]> StatTree(string root)
    {
        var output = ExternalTool.RunChecked("sh", ["-c", "find . -print0 | xargs -0 stat -c '%n\t%f\t%u\t%g\t%Y\t%s\t%h'"],
            workingDirectory: root);
        var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('\t');
            var name = f[0] == "." ? "." : f[0][2..];
            result[name] = f;
        }
        return result;
    }

    /// <summary>Checks every entry of the archive against the tree on disk.</summary>
    internal static void AssertMatchesTree(Stream archive, string root)
    {
        var stat = StatTree(root);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        using var reader = new CpioReader(archive, leaveOpen: true);
        while (reader.ReadNextEntry() is { } e)
        {
            Assert.True(stat.TryGetValue(e.Name, out var s), $"unexpected entry '{e.Name}'");
            Assert.True(seen.Add(e.Name), $"duplicate entry '{e.Name}'");
            Assert.Equal(uint.Parse(s[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), e.Mode);
            Assert.Equal(uint.Parse(s[2], CultureInfo.InvariantCulture), e.Uid);
            Assert.Equal(uint.Parse(s[3], CultureInfo.InvariantCulture), e.Gid);
            Assert.Equal(long.Parse(s[4], CultureInfo.InvariantCulture), e.MTime);
            Assert.Equal(uint.Parse(s[6], CultureInfo.InvariantCulture), e.NLink);
            var path = Path.Combine(root, e.Name);
            using var content = reader.OpenEntryStream();
            var bytes = ReadAll(content);
            if (e.IsSymbolicLink)
            {
                Assert.Equal(File.ResolveLinkTarget(path, returnFinalTarget: false) is null ? null : new FileInfo(path).LinkTarget, e.LinkTarget);
                Assert.Equal(Encoding.UTF8.GetBytes(e.LinkTarget!), bytes);
            }
            else if (e.IsRegularFile)
            {
                Assert.Null(e.LinkTarget);
                Assert.Equal(File.ReadAllBytes(path), bytes);
            }
            else
            {
                Assert.True(e.IsDirectory);
                Assert.Empty(bytes);
            }
            Assert.Equal(e.Size, bytes.Length);
        }
        Assert.Equal(stat.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Null(reader.ReadNextEntry());
    }

    internal static byte[] ReadAll(Stream s)
    {
        var ms = new MemoryStream();
        var buffer = new byte[7919]; // odd size: exercises partial reads across boundaries
        int n;
        while ((n = s.Read(buffer, 0, buffer.Length)) > 0)
        {
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    [Theory]
    [InlineData("newc", CpioFormat.NewAscii)]
    [InlineData("crc", CpioFormat.NewAsciiChecksum)]
    public void Reads_every_entry_of_a_real_cpio_archive(string format, CpioFormat expected)
    {
        var root = MakeTree(_dir);
        var archive = MakeArchive(root, Path.Combine(_dir, "a.cpio"), format);
        using (var fs = File.OpenRead(archive))
        {
            AssertMatchesTree(fs, root);
        }
        using var again = new CpioReader(File.OpenRead(archive));
        Assert.Equal(expected, again.ReadNextEntry()!.Format);
    }

    [Fact]
    public void Unread_and_partly_read_content_is_skipped()
    {
        var root = MakeTree(_dir);
        var archive = MakeArchive(root, Path.Combine(_dir, "a.cpio"));
        var names = new List<string>();
        using var reader = new CpioReader(File.OpenRead(archive));
        int k = 0;
        while (reader.ReadNextEntry() is { } e)
        {
            names.Add(e.Name);
            if (k++ % 2 == 0 && e.Size > 1)
            {
                var s = reader.OpenEntryStream();
                Assert.Equal(1, s.Read(new byte[1], 0, 1));
            }
        }
        Assert.Contains("usr/share/large.bin", names);
        Assert.Equal(StatTree(root).Count, names.Count);
    }

    [Fact]
    public void Entry_stream_is_bounded_read_only_and_invalid_after_moving_on()
    {
        var root = MakeTree(_dir);
        var archive = MakeArchive(root, Path.Combine(_dir, "a.cpio"));
        using var reader = new CpioReader(File.OpenRead(archive));
        CpioEntry? e;
        while ((e = reader.ReadNextEntry()) is not null && e.Name != "usr/f5")
        {
        }
        Assert.NotNull(e);
        Assert.Equal(5, e.Size);
        var s = reader.OpenEntryStream();
        Assert.False(s.CanSeek);
        Assert.False(s.CanWrite);
        Assert.Throws<NotSupportedException>(() => s.Write(new byte[1], 0, 1));
        Assert.Equal(5, ReadAll(s).Length);
        Assert.Equal(0, s.Read(new byte[10], 0, 10));
        Assert.NotNull(reader.ReadNextEntry());
        Assert.Throws<InvalidOperationException>(() => s.Read(new byte[1], 0, 1));
    }

    [Fact]
    public void Rejects_a_checksum_mismatch_in_crc_format()
    {
        var root = MakeTree(_dir);
        var bytes = File.ReadAllBytes(MakeArchive(root, Path.Combine(_dir, "a.cpio"), "crc"));
        // Find the entry usr/f9 and flip one content byte.
        int nameAt = IndexOf(bytes, "usr/f9\0"u8);
        Assert.True(nameAt > 0);
        int content = Align4(nameAt + "usr/f9\0".Length);
        bytes[content] ^= 0x55;
        var ex = Assert.Throws<RpmFormatException>(() => ReadAllEntries(bytes));
        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> MalformedArchives() => new()
    {
        { "bad magic", "bad cpio magic" },
        { "odc magic", "odc" },
        { "non-hex field", "not hexadecimal" },
        { "zero name size", "invalid name size" },
        { "huge name size", "invalid name size" },
        { "name without NUL", "NUL-terminated" },
        { "no trailer", "without a TRAILER!!!" },
        { "truncated header", "truncated" },
        { "truncated content", "truncated" },
        { "symlink too long", "oversized target" },
        { "stripped without resolver", "stripped cpio entry" },
        { "empty", "without a TRAILER!!!" },
    };

    [Theory]
    [MemberData(nameof(MalformedArchives))]
    public void Malformed_archives_raise_RpmFormatException(string kind, string message)
    {
        byte[] archive = kind switch
        {
            "bad magic" => Concat(Header("07070Z", "f", 0x81a4, 0), Trailer()),
            "odc magic" => Encoding.ASCII.GetBytes("070707" + new string('0', 200)),
            "non-hex field" => Concat(Replace(Header("070701", "f", 0x81a4, 0), 14, "0000g1a4"), Trailer()),
            "zero name size" => Concat(Replace(Header("070701", "f", 0x81a4, 0), 94, "00000000"), Trailer()),
            "huge name size" => Concat(Replace(Header("070701", "f", 0x81a4, 0), 94, "7fffffff"), Trailer()),
            "name without NUL" => Concat(Replace(Header("070701", "abc", 0x81a4, 0), 110 + 3, "x"), Trailer()),
            "no trailer" => Header("070701", "f", 0x81a4, 0),
            "truncated header" => Header("070701", "f", 0x81a4, 0)[..60],
            "truncated content" => Concat(Header("070701", "f", 0x81a4, 100), new byte[10]),
            "symlink too long" => Concat(Header("070701", "l", 0xa1ff, 100000), new byte[100000], Trailer()),
            "stripped without resolver" => Concat(Encoding.ASCII.GetBytes("07070X00000000\0\0"), Trailer()),
            "empty" => [],
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        var ex = Assert.Throws<RpmFormatException>(() => ReadAllEntries(archive));
        Assert.Contains(message, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Hand_made_archive_fields_and_dot_slash_stripping()
    {
        var archive = Concat(
            Header("070701", "./usr/bin/tool", 0x81ed, 3, inode: 7, uid: 1000, gid: 100, nlink: 1, mtime: 0x5f5e1000,
                devMajor: 8, devMinor: 1, rdevMajor: 0, rdevMinor: 0),
            "abc\0"u8.ToArray(),
            Header("070701", "./dev/null", 0x21b6, 0, rdevMajor: 1, rdevMinor: 3),
            Trailer());
        using var reader = new CpioReader(new MemoryStream(archive));
        var e = reader.ReadNextEntry()!;
        Assert.Equal("usr/bin/tool", e.Name);
        Assert.Equal((7u, 0x81edu, 1000u, 100u, 1u, 0x5f5e1000L, 3L, 8u, 1u), (e.Inode, e.Mode, e.Uid, e.Gid, e.NLink, e.MTime, e.Size, e.DevMajor, e.DevMinor));
        Assert.True(e.IsRegularFile);
        Assert.Equal("abc"u8.ToArray(), ReadAll(reader.OpenEntryStream()));
        var dev = reader.ReadNextEntry()!;
        Assert.Equal(("dev/null", 1u, 3u, 0x2000u), (dev.Name, dev.RDevMajor, dev.RDevMinor, dev.FileType));
        Assert.Null(reader.ReadNextEntry());
        Assert.Null(reader.ReadNextEntry());
    }

    /// <summary>rpm's stripped large-file entries: 07070X + 8 hex file index, padded to 4; size from the header.</summary>
    [Fact]
    public void Stripped_entries_take_their_size_from_the_resolver()
    {
        var archive = Concat(
            Encoding.ASCII.GetBytes("07070X00000000\0\0"), "hello\0\0\0"u8.ToArray(),
            Encoding.ASCII.GetBytes("07070X00000002\0\0"), "abcd"u8.ToArray(),
            Encoding.ASCII.GetBytes("07070X00000001\0\0"),
            Trailer());
        var sizes = new Dictionary<int, long> { [0] = 5, [1] = 0, [2] = 4 };
        using var reader = new CpioReader(new MemoryStream(archive), strippedEntrySize: i => sizes[i]);
        var got = new List<(int?, string)>();
        while (reader.ReadNextEntry() is { } e)
        {
            Assert.Equal(CpioFormat.Stripped, e.Format);
            got.Add((e.FileIndex, Encoding.ASCII.GetString(ReadAll(reader.OpenEntryStream()))));
        }
        Assert.Equal([(0, "hello"), (2, "abcd"), (1, "")], got);
    }

    private static void ReadAllEntries(byte[] archive)
    {
        using var reader = new CpioReader(new MemoryStream(archive));
        while (reader.ReadNextEntry() is not null)
        {
            ReadAll(reader.OpenEntryStream());
        }
    }

    internal static byte[] Header(string magic, string name, uint mode, uint size, uint inode = 1, uint uid = 0,
        uint gid = 0, uint nlink = 1, uint mtime = 0, uint devMajor = 0, uint devMinor = 0, uint rdevMajor = 0,
        uint rdevMinor = 0)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var sb = new StringBuilder(magic);
        foreach (uint v in new[] { inode, mode, uid, gid, nlink, mtime, size, devMajor, devMinor, rdevMajor, rdevMinor, (uint)nameBytes.Length + 1, 0u })
        {
            sb.Append(v.ToString("x8", CultureInfo.InvariantCulture));
        }
        var header = Encoding.ASCII.GetBytes(sb.ToString()).Concat(nameBytes).Append((byte)0).ToList();
        while (header.Count % 4 != 0)
        {
            header.Add(0);
        }
        return [.. header];
    }

    private static byte[] Trailer() => Header("070701", "TRAILER!!!", 0, 0, inode: 0, nlink: 1);

    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    private static byte[] Replace(byte[] data, int offset, string ascii)
    {
        Encoding.ASCII.GetBytes(ascii).CopyTo(data, offset);
        return data;
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);

    private static int Align4(int n) => (n + 3) & ~3;
}
