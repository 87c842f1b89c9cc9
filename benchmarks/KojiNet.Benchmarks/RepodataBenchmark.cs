using System.Diagnostics;
using System.Globalization;
using KojiNet.Repodata;

namespace KojiNet.Benchmarks;

/// <summary>
/// Repodata generation for a directory of packages (benchmarks/scripts/repodata-benchmarks.sh):
/// a full run from the RPM files, a full run from in-memory metadata (as the hub writes repos),
/// and regeneration with the fragment cache after one package was added, from metadata and from
/// files. Run: <c>repodata DIR [WORKERS] [ROUNDS]</c>. Output goes to a temporary directory; DIR is
/// only read.
/// </summary>
internal static class RepodataBenchmark
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 1 || !Directory.Exists(args[0]))
        {
            await Console.Error.WriteLineAsync("usage: repodata DIR [WORKERS] [ROUNDS]");
            return 2;
        }
        var dir = Path.GetFullPath(args[0]);
        var workers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : Environment.ProcessorCount;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        var paths = Directory.GetFiles(dir, "*.rpm", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(dir, p)).Order(StringComparer.Ordinal).ToList();
        var work = Directory.CreateTempSubdirectory("kojinet-repodata-bench-").FullName;
        try
        {
            var options = new RepodataWriterOptions { MaxDegreeOfParallelism = workers };
            var n = paths.Count;
            RepodataResult? full = null;
            Report("full, from RPM files", n, workers, await BestAsync(rounds, async () =>
            {
                full = await RepodataWriter.WriteFromRpmFilesAsync(Path.Combine(work, "files"), dir, paths, options);
                Check(full, n, rendered: n);
            }));
            foreach (var record in full!.Repomd.Records)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {record.Type}: {record.Size} bytes compressed, {record.OpenSize} uncompressed"));
            }

            var load = Stopwatch.StartNew();
            var models = paths.AsParallel().AsOrdered().WithDegreeOfParallelism(workers)
                .Select(rel => RepoPackage.FromRpmFile(Path.Combine(dir, rel), rel)).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"(metadata of {n} packages read into memory in {load.Elapsed.TotalSeconds:F3} s, not counted below)"));
            Report("full, from in-memory metadata", n, workers, await BestAsync(rounds, async () =>
            {
                var result = await RepodataWriter.WriteAsync(Path.Combine(work, "models"), models, options);
                Check(result, n, rendered: n);
            }));

            // Regeneration: the previous run had every package but the last; it left its cache.
            var cached = new RepodataWriterOptions { MaxDegreeOfParallelism = workers, CacheFile = Path.Combine(work, "cache-models") };
            Report("regeneration after one added package, from metadata", n, workers, await BestAsync(rounds, async () =>
            {
                await RepodataWriter.WriteAsync(Path.Combine(work, "incr-models"), models.Take(n - 1), cached);
            }, async () =>
            {
                var result = await RepodataWriter.WriteAsync(Path.Combine(work, "incr-models"), models, cached);
                Check(result, n, rendered: 1);
            }));

            var cachedFiles = new RepodataWriterOptions { MaxDegreeOfParallelism = workers, CacheFile = Path.Combine(work, "cache-files") };
            Report("regeneration after one added package, from RPM files (stat check)", n, workers, await BestAsync(rounds, async () =>
            {
                await RepodataWriter.WriteFromRpmFilesAsync(Path.Combine(work, "incr-files"), dir, paths.Take(n - 1), cachedFiles);
            }, async () =>
            {
                var result = await RepodataWriter.WriteFromRpmFilesAsync(Path.Combine(work, "incr-files"), dir, paths, cachedFiles);
                Check(result, n, rendered: 1);
            }));
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Check(RepodataResult result, int packages, int rendered)
    {
        if (result.PackageCount != packages || result.RenderedPackages != rendered)
        {
            throw new InvalidOperationException(
                $"expected {packages} packages with {rendered} rendered, got {result.PackageCount} with {result.RenderedPackages} rendered");
        }
    }

    private static void Report(string what, int packages, int workers, double seconds) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"repodata {what}: {packages} packages, {workers} workers, best {seconds:F3} s = {packages / seconds:F0} packages/s"));

    /// <summary>Best time of <paramref name="run"/> over a warm-up and <paramref name="rounds"/> rounds, each after an untimed <paramref name="prepare"/>.</summary>
    private static async Task<double> BestAsync(int rounds, Func<Task> run) => await BestAsync(rounds, () => Task.CompletedTask, run);

    private static async Task<double> BestAsync(int rounds, Func<Task> prepare, Func<Task> run)
    {
        var best = double.MaxValue;
        for (var r = 0; r <= rounds; r++)
        {
            await prepare();
            var sw = Stopwatch.StartNew();
            await run();
            if (r > 0)
            {
                best = Math.Min(best, sw.Elapsed.TotalSeconds);
            }
        }
        return best;
    }
}
