namespace KojiNet.Rpm;

/// <summary>Per-file flags (FILEFLAGS), as set by %config, %doc, %ghost and friends in the spec.</summary>
[Flags]
public enum RpmFileFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,

    /// <summary>%config.</summary>
    Config = 1 << 0,

    /// <summary>%doc.</summary>
    Doc = 1 << 1,

    /// <summary>Legacy icon file.</summary>
    Icon = 1 << 2,

    /// <summary>%config(missingok).</summary>
    MissingOk = 1 << 3,

    /// <summary>%config(noreplace).</summary>
    NoReplace = 1 << 4,

    /// <summary>The spec file of a source package.</summary>
    SpecFile = 1 << 5,

    /// <summary>%ghost: owned but not in the payload.</summary>
    Ghost = 1 << 6,

    /// <summary>%license.</summary>
    License = 1 << 7,

    /// <summary>%readme.</summary>
    Readme = 1 << 8,

    /// <summary>A public key file.</summary>
    PubKey = 1 << 11,

    /// <summary>%artifact: build artifact such as build-id links.</summary>
    Artifact = 1 << 12,
}
