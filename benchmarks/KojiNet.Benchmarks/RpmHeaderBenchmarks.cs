using BenchmarkDotNet.Attributes;
using KojiNet.Rpm;

namespace KojiNet.Benchmarks;

/// <summary>Header parsing of one real package held in memory (set KOJINET_BENCH_RPM to choose it).</summary>
[MemoryDiagnoser]
public class RpmHeaderBenchmarks
{
    private byte[] _rpm = [];

    [GlobalSetup]
    public void Setup()
    {
        var path = Environment.GetEnvironmentVariable("KOJINET_BENCH_RPM")
            ?? throw new InvalidOperationException("set KOJINET_BENCH_RPM to an .rpm file (benchmarks/scripts/rpm-benchmarks.sh does)");
        _rpm = File.ReadAllBytes(path);
    }

    /// <summary>Lead and both headers, no field decoded.</summary>
    [Benchmark]
    public long ParseHeaders() => RpmPackage.Parse(_rpm).HeaderEnd;

    /// <summary>Headers plus the fields primary.xml needs.</summary>
    [Benchmark]
    public int ParseAndReadPrimaryFields()
    {
        var p = RpmPackage.Parse(_rpm);
        return p.Name.Length + p.Version.Length + p.Release.Length + p.Arch.Length + (p.Summary?.Length ?? 0)
            + p.Requires.Count + p.Provides.Count + p.GetFileNames().Length;
    }
}
