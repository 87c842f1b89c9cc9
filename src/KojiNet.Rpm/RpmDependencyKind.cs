namespace KojiNet.Rpm;

/// <summary>The kinds of dependency a package header lists.</summary>
public enum RpmDependencyKind
{
    /// <summary>Requires (REQUIRENAME/REQUIREFLAGS/REQUIREVERSION).</summary>
    Requires,

    /// <summary>Provides.</summary>
    Provides,

    /// <summary>Conflicts.</summary>
    Conflicts,

    /// <summary>Obsoletes.</summary>
    Obsoletes,

    /// <summary>Recommends (weak forward).</summary>
    Recommends,

    /// <summary>Suggests (weak forward).</summary>
    Suggests,

    /// <summary>Supplements (weak reverse).</summary>
    Supplements,

    /// <summary>Enhances (weak reverse).</summary>
    Enhances,

    /// <summary>Ordering hints (OrderWithRequires).</summary>
    OrderWithRequires,
}
