using System.IO.Compression;

namespace KojiNet.Repodata.Tests;

/// <summary>Reads the decompressed primary, filelists and other of a repository, for byte comparisons.</summary>
internal static class Metadata
{
    public static Repomd Repomd(string repo) => Repodata.Repomd.Load(repo);

    public static byte[] Open(string repo, string type)
    {
        var record = Repomd(repo).Find(type) ?? throw new InvalidOperationException($"{repo} has no {type}");
        using var stream = RepodataReader.OpenRecord(repo, record);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    public static string Text(string repo, string type) => System.Text.Encoding.UTF8.GetString(Open(repo, type));

    /// <summary>Asserts that both repositories carry the same primary, filelists and other, byte for byte.</summary>
    public static void AssertSameContent(string expectedRepo, string actualRepo)
    {
        foreach (var type in new[] { "primary", "filelists", "other" })
        {
            var expected = Text(expectedRepo, type);
            var actual = Text(actualRepo, type);
            if (!string.Equals(expected, actual, StringComparison.Ordinal))
            {
                Assert.Fail($"{type} differs; first difference:\n{FirstDifference(expected, actual)}");
            }
            var e = Repomd(expectedRepo).Find(type)!;
            var a = Repomd(actualRepo).Find(type)!;
            Assert.Equal(e.OpenChecksum, a.OpenChecksum);
            Assert.Equal(e.OpenSize, a.OpenSize);
        }
    }

    private static string FirstDifference(string expected, string actual)
    {
        var e = expected.Split('\n');
        var a = actual.Split('\n');
        for (var i = 0; i < Math.Max(e.Length, a.Length); i++)
        {
            var el = i < e.Length ? e[i] : "<end>";
            var al = i < a.Length ? a[i] : "<end>";
            if (!string.Equals(el, al, StringComparison.Ordinal))
            {
                var from = Math.Max(0, i - 3);
                return $"line {i + 1}\nexpected: {el}\nactual:   {al}\ncontext (expected):\n{string.Join('\n', e.Skip(from).Take(8))}";
            }
        }
        return "(none)";
    }

    public static GZipStream Gunzip(string path) => new(File.OpenRead(path), CompressionMode.Decompress);
}
