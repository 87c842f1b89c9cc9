using KojiNet.Builder.Daemon;
using KojiNet.TestSupport;

namespace KojiNet.Builder.Tests.Tasks;

public class TaskDocumentsTests
{
    [Fact]
    public void RequestKeywordArgumentsAreSplitOff()
    {
        var request = new List<object?> { "src", "target", new Dictionary<string, object?>(StringComparer.Ordinal) { ["__starstar"] = true, ["opts"] = 1 } };
        var (args, kwargs) = BuilderDaemon.SplitRequest(request);
        Assert.Equal(["src", "target"], args);
        Assert.Equal(1, kwargs["opts"]);
        var (plain, none) = BuilderDaemon.SplitRequest(["a", new Dictionary<string, object?>(StringComparer.Ordinal) { ["x"] = 1 }]);
        Assert.Equal(2, plain.Count);
        Assert.Empty(none);
    }

    [Fact]
    public void ResultAndFaultDocumentsReadBackInPython()
    {
        var result = BuilderDaemon.ResponseDocument(new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["rpms"] = new List<object?> { "tasks/3/1003/a-1-1.noarch.rpm" },
            ["brootid"] = 7,
            ["none"] = null,
        });
        var fault = BuilderDaemon.FaultDocument(1005, "package foo not in list for tag <bar>");
        var dir = Directory.CreateTempSubdirectory("kojinet-docs-").FullName;
        File.WriteAllText(Path.Combine(dir, "result.xml"), result);
        File.WriteAllText(Path.Combine(dir, "fault.xml"), fault);
        var output = ExternalTool.RunChecked(ExternalTool.SystemPython, ["-c", """
            import sys, xmlrpc.client
            (value,), _ = xmlrpc.client.loads(open(sys.argv[1]).read(), use_builtin_types=True)
            print(sorted(value.items()))
            try:
                xmlrpc.client.loads(open(sys.argv[2]).read())
            except xmlrpc.client.Fault as f:
                print(f.faultCode, f.faultString)
            """, Path.Combine(dir, "result.xml"), Path.Combine(dir, "fault.xml")]);
        Assert.Equal("[('brootid', 7), ('none', None), ('rpms', ['tasks/3/1003/a-1-1.noarch.rpm'])]\n1005 package foo not in list for tag <bar>\n", output);
    }
}
