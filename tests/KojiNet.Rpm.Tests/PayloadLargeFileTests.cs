using System.Globalization;
using System.Text;
using KojiNet.Rpm.Payload;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>
/// rpm 4.18 writes every payload entry of a package holding a file of 4 GiB or more as a
/// stripped <c>07070X</c> header (file index only; metadata in the RPM header). Builds such a
/// package (a sparse 4 GiB + 4 byte file, fast zstd) and reads its payload.
/// </summary>
public sealed class PayloadLargeFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-bigrpm-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Stripped_large_file_payload_from_rpmbuild_is_read_with_header_sizes()
    {
        const long hugeSize = 4_294_967_300;
        var spec = Path.Combine(_dir, "kn-big.spec");
        File.WriteAllText(spec, $"""
            Name: kn-big
            Version: 1
            Release: 1
            Summary: large file payload
            License: MIT
            BuildArch: noarch
            %define _binary_payload w1T.zstdio
            %define __os_install_post %{"{nil}"}
            %description
            A package with a file over 4 GiB.
            %install
            mkdir -p %{"{buildroot}"}/data
            echo small > %{"{buildroot}"}/data/a.txt
            truncate -s {hugeSize} %{"{buildroot}"}/data/huge.bin
            ln -s a.txt %{"{buildroot}"}/data/link
            %files
            /data
            """);
        ExternalTool.RunChecked("rpmbuild", ["--nodeps", "--define", $"_topdir {_dir}", "-bb", spec]);
        var rpmPath = Directory.GetFiles(_dir, "*.rpm", SearchOption.AllDirectories).Single();

        // Header file order = the stripped entries' file indexes.
        var info = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", """
            import sys, os, rpm
            ts = rpm.TransactionSet(); ts.setVSFlags(-1)
            fd = os.open(sys.argv[1], os.O_RDONLY); h = ts.hdrFromFdno(fd)
            print(os.lseek(fd, 0, os.SEEK_CUR), h[rpm.RPMTAG_PAYLOADCOMPRESSOR])
            for f in rpm.files(h): print(f.name, f.size)
            """, rpmPath]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var head = info[0].Split(' ');
        var files = info.Skip(1).Select(l => l.Split(' ')).Select(f => (Name: f[0], Size: long.Parse(f[1], CultureInfo.InvariantCulture))).ToList();
        Assert.Contains(files, f => f.Size == hugeSize);

        var file = File.OpenRead(rpmPath);
        file.Seek(long.Parse(head[0], CultureInfo.InvariantCulture), SeekOrigin.Begin);
        using var payload = PayloadDecompression.Open(file, head[1]);
        using var reader = new CpioReader(payload, strippedEntrySize: i => files[i].Size);
        var seen = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        while (reader.ReadNextEntry() is { } e)
        {
            Assert.Equal(CpioFormat.Stripped, e.Format);
            var name = files[e.FileIndex!.Value].Name;
            Assert.Equal(files[e.FileIndex.Value].Size, e.Size);
            // The huge file is skipped by the reader; the others are read.
            seen[name] = name.EndsWith("huge.bin", StringComparison.Ordinal) ? [] : CpioReaderTests.ReadAll(reader.OpenEntryStream());
        }
        Assert.Equal(files.Select(f => f.Name).Order(StringComparer.Ordinal), seen.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("small\n", Encoding.ASCII.GetString(seen["/data/a.txt"]));
        Assert.Equal("a.txt", Encoding.ASCII.GetString(seen["/data/link"]));

        // Without the header sizes the reader says why it cannot go on.
        var again = File.OpenRead(rpmPath);
        again.Seek(long.Parse(head[0], CultureInfo.InvariantCulture), SeekOrigin.Begin);
        using var plain = new CpioReader(PayloadDecompression.Open(again, head[1]));
        var ex = Assert.Throws<RpmFormatException>(() => plain.ReadNextEntry());
        Assert.Contains("07070X", ex.Message, StringComparison.Ordinal);
    }
}
