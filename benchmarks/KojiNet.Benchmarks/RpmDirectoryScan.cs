using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using KojiNet.Rpm;

namespace KojiNet.Benchmarks;

/// <summary>
/// Reads the metadata createrepo_c reads from every package of a directory — header fields,
/// files, dependencies, changelog, header range — and the SHA-256 of each whole file, on as
/// many workers as createrepo_c is given. Run: <c>rpm-scan DIR [WORKERS]</c>.
/// </summary>
internal static class RpmDirectoryScan
{
    public static int Run(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            Console.Error.WriteLine("usage: rpm-scan DIR [WORKERS] [ROUNDS]");
            return 2;
        }
        var files = Directory.GetFiles(args[0], "*.rpm", SearchOption.AllDirectories);
        var workers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        Scan(files, workers); // warm-up: JIT and page cache
        var best = double.MaxValue;
        long checksum = 0;
        for (var r = 0; r < rounds; r++)
        {
            var sw = Stopwatch.StartNew();
            checksum = Scan(files, workers);
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"rpm-scan: {files.Length} packages, {workers} workers, best of {rounds}: {best:F3} s = {files.Length / best:F0} packages/s (checksum {checksum})"));
        return 0;
    }

    private static long Scan(string[] files, int workers)
    {
        long total = 0;
        Parallel.ForEach(files, new ParallelOptions { MaxDegreeOfParallelism = workers }, path =>
        {
            var n = ReadOne(path);
            Interlocked.Add(ref total, n);
        });
        return total;
    }

    // Returns a number derived from everything read, so no work can be optimised away.
    private static long ReadOne(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var length = (int)stream.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            stream.ReadExactly(buffer, 0, length);
            var data = buffer.AsSpan(0, length);
            Span<byte> sha = stackalloc byte[32];
            SHA256.HashData(data, sha);
            var pkg = RpmPackage.Parse(data);
            long n = sha[0] + pkg.HeaderStart + pkg.HeaderEnd;
            n += pkg.Name.Length + pkg.Version.Length + pkg.Release.Length + pkg.Arch.Length + (pkg.Epoch ?? 0);
            n += (pkg.Summary?.Length ?? 0) + (pkg.Description?.Length ?? 0) + (pkg.Url?.Length ?? 0) + (pkg.License?.Length ?? 0);
            n += (pkg.Vendor?.Length ?? 0) + (pkg.Group?.Length ?? 0) + (pkg.BuildHost?.Length ?? 0) + (pkg.SourceRpm?.Length ?? 0);
            n += (pkg.BuildTime ?? 0) + (long)(pkg.Size ?? 0) + (long)(pkg.ArchiveSize ?? 0);
            foreach (var f in pkg.GetFiles())
            {
                n += f.Path.Length + f.Mode;
            }
            foreach (RpmDependencyKind kind in Enum.GetValues<RpmDependencyKind>())
            {
                foreach (var d in pkg.GetDependencies(kind))
                {
                    n += d.Name.Length + (int)d.Flags;
                }
            }
            foreach (var c in pkg.GetChangelog())
            {
                n += c.Text.Length;
            }
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
