namespace KojiNet.TestSupport;

/// <summary>
/// Locates the shared reference directory (<c>shared/</c>: spec, wire captures, vectors):
/// <c>KOJINET_SHARED</c> if set, else the first ancestor of the test assembly's directory that
/// has a <c>shared/wire</c> child (the checkout's sibling <c>&lt;repo&gt;/../shared</c>).
/// </summary>
public static class SharedFiles
{
    private static readonly Lazy<string> Root = new(Find);

    /// <summary>The shared directory.</summary>
    public static string Directory => Root.Value;

    /// <summary>The directory of captured Koji wire traffic.</summary>
    public static string WireDirectory => Path.Combine(Directory, "wire");

    /// <summary>A path inside the shared directory.</summary>
    public static string PathOf(params string[] parts) => Path.Combine([Directory, .. parts]);

    private static string Find()
    {
        var fromEnv = Environment.GetEnvironmentVariable("KOJINET_SHARED");
        if (!string.IsNullOrEmpty(fromEnv))
        {
            return System.IO.Directory.Exists(fromEnv)
                ? Path.GetFullPath(fromEnv)
                : throw new DirectoryNotFoundException($"KOJINET_SHARED={fromEnv} does not exist");
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (System.IO.Directory.Exists(Path.Combine(candidate, "wire")))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException(
            $"no shared/wire directory above {AppContext.BaseDirectory}; set KOJINET_SHARED");
    }
}
