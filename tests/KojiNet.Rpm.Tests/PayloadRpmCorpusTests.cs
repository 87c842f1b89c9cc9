using System.Security.Cryptography;
using System.Text.Json;
using KojiNet.Rpm.Payload;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>
/// Payloads of real RPMs built by rpmbuild: python3-rpm gives the payload offset, compressor and
/// file list; rpm2cpio gives the decompressed payload to compare byte for byte.
/// </summary>
public sealed class PayloadRpmCorpusTests(RpmCorpus corpus) : IClassFixture<RpmCorpus>
{
    private const string Script = """
        import sys, os, json, rpm
        ts = rpm.TransactionSet()
        ts.setVSFlags(-1)
        out = {}
        for path in sys.argv[1:]:
            fd = os.open(path, os.O_RDONLY)
            h = ts.hdrFromFdno(fd)
            offset = os.lseek(fd, 0, os.SEEK_CUR)
            os.close(fd)
            files = []
            for f in rpm.files(h):
                if f.fflags & rpm.RPMFILE_GHOST:
                    continue
                files.append({"name": f.name, "mode": f.mode, "size": f.size, "link": f.linkto,
                              "digest": f.digest, "mtime": f.mtime, "nlink": f.nlink})
            out[path] = {"offset": offset, "compressor": h[rpm.RPMTAG_PAYLOADCOMPRESSOR],
                         "digestalgo": h[rpm.RPMTAG_FILEDIGESTALGO], "files": files}
        json.dump(out, sys.stdout)
        """;

    private Dictionary<string, JsonElement> Info()
    {
        var json = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", Script, .. corpus.Packages]);
        return JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
    }

    [Fact]
    public void Corpus_covers_every_rpm_compressor()
    {
        var compressors = Info().Values.Select(v => v.GetProperty("compressor").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "gzip", "xz", "zstd", "bzip2" }, compressors);
    }

    [Fact]
    public void Decoded_payloads_match_rpm2cpio_byte_for_byte()
    {
        foreach (var (path, info) in Info())
        {
            var expectedFile = Path.Combine(corpus.TopDir, Path.GetFileName(path) + ".cpio");
            ExternalTool.RunChecked("sh", ["-c", $"rpm2cpio '{path}' > '{expectedFile}'"]);
            using var payload = OpenPayload(path, info);
            byte[] actual = CpioReaderTests.ReadAll(payload);
            byte[] expected = File.ReadAllBytes(expectedFile);
            Assert.True(expected.Length > 0, path);
            Assert.True(expected.AsSpan().SequenceEqual(actual), $"{Path.GetFileName(path)}: decoded {actual.Length} bytes, rpm2cpio {expected.Length}");
        }
    }

    [Fact]
    public void Payload_entries_match_the_header_file_list()
    {
        foreach (var (path, info) in Info())
        {
            string pkg = Path.GetFileName(path);
            Assert.Equal(8, info.GetProperty("digestalgo").GetInt32()); // sha256
            var files = info.GetProperty("files").EnumerateArray()
                .ToDictionary(f => f.GetProperty("name").GetString()!.TrimStart('/'), StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            using var payload = OpenPayload(path, info);
            using var reader = new CpioReader(payload);
            while (reader.ReadNextEntry() is { } e)
            {
                Assert.True(files.TryGetValue(e.Name, out var f), $"{pkg}: '{e.Name}' is not in the header");
                Assert.True(seen.Add(e.Name), $"{pkg}: '{e.Name}' twice");
                Assert.Equal(f.GetProperty("mode").GetInt32() & 0xFFFF, (int)e.Mode);
                Assert.Equal(f.GetProperty("mtime").GetInt64(), e.MTime);
                var content = CpioReaderTests.ReadAll(reader.OpenEntryStream());
                if (e.IsSymbolicLink)
                {
                    Assert.Equal(f.GetProperty("link").GetString(), e.LinkTarget);
                }
                else if (e.IsRegularFile && content.Length > 0)
                {
                    Assert.Equal(f.GetProperty("size").GetInt64(), e.Size);
                    Assert.Equal(f.GetProperty("digest").GetString(), Convert.ToHexStringLower(SHA256.HashData(content)));
                }
            }
            Assert.Equal(files.Keys.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        }
    }

    private static Stream OpenPayload(string path, JsonElement info)
    {
        var file = File.OpenRead(path);
        file.Seek(info.GetProperty("offset").GetInt64(), SeekOrigin.Begin);
        return PayloadDecompression.Open(file, info.GetProperty("compressor").GetString());
    }
}
