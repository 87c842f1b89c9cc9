namespace KojiNet.Builder.Scm;

/// <summary>The SCM types kojid knows (its <c>scmtype</c> strings are in <see cref="ScmTypes.ToKojiName"/>).</summary>
public enum ScmType
{
    /// <summary><c>GIT</c>: <c>git://</c>, <c>git+http://</c>, <c>git+https://</c>, <c>git+rsync://</c> (and Koji.NET's <c>git+file://</c>).</summary>
    Git,

    /// <summary><c>GIT+SSH</c>: <c>git+ssh://</c>, a user is required.</summary>
    GitSsh,

    /// <summary><c>SVN</c>: <c>svn://</c>, <c>svn+http://</c>, <c>svn+https://</c>.</summary>
    Svn,

    /// <summary><c>SVN+SSH</c>: <c>svn+ssh://</c>, a user is required.</summary>
    SvnSsh,

    /// <summary><c>CVS</c>: <c>cvs://</c>.</summary>
    Cvs,

    /// <summary><c>CVS+SSH</c>: <c>cvs+ssh://</c>, a user is required.</summary>
    CvsSsh,
}

/// <summary>Koji's names and URL schemes of the <see cref="ScmType"/> values.</summary>
public static class ScmTypes
{
    /// <summary>
    /// Every accepted scheme prefix (with <c>://</c>) and its type. Upstream's list plus
    /// <c>git+file://</c> (local repositories, used by tests and <c>kojinet up</c>).
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, ScmType>> Schemes { get; } =
    [
        new("git://", ScmType.Git),
        new("git+http://", ScmType.Git),
        new("git+https://", ScmType.Git),
        new("git+rsync://", ScmType.Git),
        new("git+file://", ScmType.Git),
        new("git+ssh://", ScmType.GitSsh),
        new("svn://", ScmType.Svn),
        new("svn+http://", ScmType.Svn),
        new("svn+https://", ScmType.Svn),
        new("svn+ssh://", ScmType.SvnSsh),
        new("cvs://", ScmType.Cvs),
        new("cvs+ssh://", ScmType.CvsSsh),
    ];

    /// <summary>Koji's <c>scmtype</c> string: <c>GIT</c>, <c>GIT+SSH</c>, <c>SVN</c>, <c>SVN+SSH</c>, <c>CVS</c>, <c>CVS+SSH</c>.</summary>
    public static string ToKojiName(this ScmType type) => type switch
    {
        ScmType.Git => "GIT",
        ScmType.GitSsh => "GIT+SSH",
        ScmType.Svn => "SVN",
        ScmType.SvnSsh => "SVN+SSH",
        ScmType.Cvs => "CVS",
        ScmType.CvsSsh => "CVS+SSH",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown SCM type"),
    };

    /// <summary>Whether the type needs a user in the URL (the <c>+SSH</c> types).</summary>
    public static bool RequiresUser(this ScmType type) =>
        type is ScmType.GitSsh or ScmType.SvnSsh or ScmType.CvsSsh;

    /// <summary>Whether the type is checked out with git.</summary>
    public static bool IsGit(this ScmType type) => type is ScmType.Git or ScmType.GitSsh;
}
