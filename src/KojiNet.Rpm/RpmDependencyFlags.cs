namespace KojiNet.Rpm;

/// <summary>Dependency sense flags (REQUIREFLAGS, PROVIDEFLAGS...): comparison bits plus context bits.</summary>
[Flags]
public enum RpmDependencyFlags : uint
{
    /// <summary>No version comparison.</summary>
    Any = 0,

    /// <summary>&lt; (combined with <see cref="Equal"/> for &lt;=).</summary>
    Less = 1 << 1,

    /// <summary>&gt; (combined with <see cref="Equal"/> for &gt;=).</summary>
    Greater = 1 << 2,

    /// <summary>=.</summary>
    Equal = 1 << 3,

    /// <summary>Legacy provides marker.</summary>
    Provides = 1 << 4,

    /// <summary>Requires(posttrans).</summary>
    PostTrans = 1 << 5,

    /// <summary>Legacy PreReq.</summary>
    PreReq = 1 << 6,

    /// <summary>Requires(pretrans).</summary>
    PreTrans = 1 << 7,

    /// <summary>A scriptlet interpreter.</summary>
    Interp = 1 << 8,

    /// <summary>Requires(pre).</summary>
    ScriptPre = 1 << 9,

    /// <summary>Requires(post).</summary>
    ScriptPost = 1 << 10,

    /// <summary>Requires(preun).</summary>
    ScriptPreUn = 1 << 11,

    /// <summary>Requires(postun).</summary>
    ScriptPostUn = 1 << 12,

    /// <summary>Requires(verify).</summary>
    ScriptVerify = 1 << 13,

    /// <summary>Found by the automatic requires generator.</summary>
    FindRequires = 1 << 14,

    /// <summary>Found by the automatic provides generator.</summary>
    FindProvides = 1 << 15,

    /// <summary>%triggerin.</summary>
    TriggerIn = 1 << 16,

    /// <summary>%triggerun.</summary>
    TriggerUn = 1 << 17,

    /// <summary>%triggerpostun.</summary>
    TriggerPostUn = 1 << 18,

    /// <summary>Missing dependency is fine (e.g. Requires(missingok)).</summary>
    MissingOk = 1 << 19,

    /// <summary>Requires(preuntrans).</summary>
    PreUnTrans = 1 << 20,

    /// <summary>Requires(postuntrans).</summary>
    PostUnTrans = 1 << 21,

    /// <summary>An rpmlib(...) feature dependency.</summary>
    RpmLib = 1 << 24,

    /// <summary>%triggerprein.</summary>
    TriggerPreIn = 1 << 25,

    /// <summary>Keyring dependency.</summary>
    Keyring = 1 << 26,

    /// <summary>A config(...) dependency.</summary>
    Config = 1 << 28,

    /// <summary>Requires(meta).</summary>
    Meta = 1 << 29,

    /// <summary>The comparison bits: <see cref="Less"/> | <see cref="Greater"/> | <see cref="Equal"/>.</summary>
    SenseMask = Less | Greater | Equal,
}
