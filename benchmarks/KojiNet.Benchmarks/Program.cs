using BenchmarkDotNet.Running;
using KojiNet.Benchmarks;
using KojiNet.XmlRpc;

// `--write-listtagged <file>` writes the XML-RPC document the XmlRpc benchmarks use, for
// benchmarks/xmlrpc-python.py; everything else goes to BenchmarkDotNet.
if (args is ["--write-listtagged", var path])
{
    await File.WriteAllBytesAsync(path, XmlRpcWriter.ResponseToBytes(ListTaggedData.Create(200)));
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(XmlRpcBenchmarks).Assembly).Run(args);
