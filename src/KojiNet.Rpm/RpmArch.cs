namespace KojiNet.Rpm;

/// <summary>Arch names as Koji treats them.</summary>
public static class RpmArch
{
    /// <summary>
    /// Koji's <c>canonArch</c>: i?86 and athlon are i386, ia32e is x86_64, ppc64* (but ppc64le)
    /// is ppc64, sparc64* sparc64, sparc* sparc, alpha* alpha, arm*h* armhfp, arm* arm; any other
    /// arch is itself.
    /// </summary>
    /// <param name="arch">An arch as rpm names it.</param>
    /// <returns>The canonical arch.</returns>
    public static string Canon(string arch)
    {
        ArgumentNullException.ThrowIfNull(arch);
        if ((arch.Length == 4 && arch[0] == 'i' && arch.EndsWith("86", StringComparison.Ordinal)) || arch == "athlon")
        {
            return "i386";
        }
        return arch switch
        {
            "ia32e" => "x86_64",
            "ppc64le" => "ppc64le",
            _ when arch.StartsWith("ppc64", StringComparison.Ordinal) => "ppc64",
            _ when arch.StartsWith("sparc64", StringComparison.Ordinal) => "sparc64",
            _ when arch.StartsWith("sparc", StringComparison.Ordinal) => "sparc",
            _ when arch.StartsWith("alpha", StringComparison.Ordinal) => "alpha",
            _ when arch.StartsWith("arm", StringComparison.Ordinal) => arch.IndexOf('h', 3) >= 0 ? "armhfp" : "arm",
            _ => arch,
        };
    }
}
