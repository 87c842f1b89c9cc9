using BenchmarkDotNet.Running;
using KojiNet.Benchmarks;
using KojiNet.XmlRpc;

// `--write-listtagged <file>` writes the XML-RPC document the XmlRpc benchmarks use, for
// benchmarks/xmlrpc-python.py; `rpm-scan DIR [WORKERS] [ROUNDS]` times metadata reading of a
// package directory (benchmarks/scripts/rpm-benchmarks.sh); `repodata DIR [WORKERS] [ROUNDS]` times repodata
// generation (benchmarks/scripts/repodata-benchmarks.sh); everything else goes to BenchmarkDotNet.
if (args is ["--write-listtagged", var path])
{
    await File.WriteAllBytesAsync(path, XmlRpcWriter.ResponseToBytes(ListTaggedData.Create(200)));
    return 0;
}
if (args is ["rpm-scan", .. var scanArgs])
{
    return RpmDirectoryScan.Run(scanArgs);
}
if (args is ["repodata", .. var repodataArgs])
{
    return await RepodataBenchmark.RunAsync(repodataArgs);
}
BenchmarkSwitcher.FromAssembly(typeof(XmlRpcBenchmarks).Assembly).Run(args);
return 0;
