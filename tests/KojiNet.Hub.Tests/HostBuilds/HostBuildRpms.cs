using System.Collections.Concurrent;
using KojiNet.TestSupport;

namespace KojiNet.Hub.Tests.HostBuilds;

/// <summary>
/// What one buildArch run would produce for the package <c>kn-hb</c>: the SRPM, an arch rpm for
/// the host arch and a noarch subpackage, built with rpmbuild. Each release is built once per
/// test run (tests use their own release so their builds do not collide); the
/// <c>variant</c> flavour gives a noarch subpackage of the same file name with a different header,
/// as a builder of another arch would produce if the build were not reproducible.
/// </summary>
public static class HostBuildRpms
{
    public sealed record Set(string Srpm, string ArchRpm, string NoarchRpm, string Release);

    private const string Spec = """
        Name: kn-hb
        Version: 1.0
        Release: %{kn_release}
        Summary: Host build test package
        License: MIT
        URL: https://example.org/kn-hb
        Vendor: Koji.NET Tests
        Packager: Koji.NET Tests <tests@example.org>
        %global debug_package %{nil}
        %define _build_id_links none

        %description
        Arch package of the host build tests.

        %package data
        Summary: Noarch data of kn-hb
        BuildArch: noarch
        %if 0%{?kn_variant}
        Requires: kn-hb-variant
        %endif

        %description data
        Noarch data of the host build tests.

        %install
        mkdir -p %{buildroot}/usr/lib/kn-hb %{buildroot}/usr/share/kn-hb
        echo arch > %{buildroot}/usr/lib/kn-hb/arch.txt
        echo data > %{buildroot}/usr/share/kn-hb/data.txt

        %files
        /usr/lib/kn-hb

        %files data
        /usr/share/kn-hb

        %changelog
        * Thu Mar 07 2024 Koji.NET Tests <tests@example.org> - 1.0-1
        - host build test package
        """;

    private static readonly string Root = Directory.CreateTempSubdirectory("kojinet-hostbuild-rpms-").FullName;

    private static readonly ConcurrentDictionary<(string, bool), Lazy<Set>> Built = new();

    static HostBuildRpms() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    };

    /// <summary>The host arch (what rpmbuild builds the arch package for).</summary>
    public static string Arch { get; } = ExternalTool.RunChecked("rpm", ["--eval", "%{_arch}"]).Trim();

    /// <summary>kn-hb-1.0-<paramref name="release"/>, built once.</summary>
    public static Set Get(string release, bool variant = false) =>
        Built.GetOrAdd((release, variant), key => new Lazy<Set>(() => Build(key.Item1, key.Item2))).Value;

    private static Set Build(string release, bool variant)
    {
        var top = Path.Combine(Root, release + (variant ? "-variant" : ""));
        Directory.CreateDirectory(top);
        var spec = Path.Combine(top, "kn-hb.spec");
        File.WriteAllText(spec, Spec);
        List<string> args = ["--nodeps", "--define", $"_topdir {top}", "--define", $"kn_release {release}"];
        if (variant)
        {
            args.AddRange(["--define", "kn_variant 1"]);
        }
        ExternalTool.RunChecked("rpmbuild", [.. args, "-ba", spec]);
        string Find(string pattern) => Directory.GetFiles(top, pattern, SearchOption.AllDirectories).Single();
        return new Set(
            Find($"kn-hb-1.0-{release}.src.rpm"),
            Find($"kn-hb-1.0-{release}.{Arch}.rpm"),
            Find($"kn-hb-data-1.0-{release}.noarch.rpm"),
            release);
    }
}
