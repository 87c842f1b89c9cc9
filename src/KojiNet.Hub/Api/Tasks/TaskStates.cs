namespace KojiNet.Hub.Api.Tasks;

/// <summary>Koji's <c>TASK_STATES</c> (spec/api-host.md §4.1).</summary>
internal static class TaskStates
{
    public const int Free = 0;
    public const int Open = 1;
    public const int Closed = 2;
    public const int Canceled = 3;
    public const int Assigned = 4;
    public const int Failed = 5;

    private static readonly string[] Names = ["FREE", "OPEN", "CLOSED", "CANCELED", "ASSIGNED", "FAILED"];

    /// <summary>The state's name, e.g. <c>OPEN</c>.</summary>
    public static string Name(int state) => state >= 0 && state < Names.Length ? Names[state] : state.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The state for a name or number as callers pass it (<c>'OPEN'</c> or <c>1</c>); null when unknown.</summary>
    public static int? Parse(object? value) => value switch
    {
        int i when i >= 0 && i < Names.Length => i,
        string s => Array.FindIndex(Names, n => string.Equals(n, s, StringComparison.OrdinalIgnoreCase)) is var i && i >= 0 ? i : null,
        _ => null,
    };

    /// <summary>CLOSED, CANCELED or FAILED.</summary>
    public static bool IsFinished(int state) => state is Closed or Canceled or Failed;
}

/// <summary>Koji's <c>BR_STATES</c> and <c>BR_TYPES</c> for buildroots (spec/model.md §1).</summary>
internal static class BuildrootStates
{
    public const int Init = 0;
    public const int Waiting = 1;
    public const int Building = 2;
    public const int Expired = 3;

    public const int TypeStandard = 0;
    public const int TypeExternal = 1;

    private static readonly string[] Names = ["INIT", "WAITING", "BUILDING", "EXPIRED"];

    public static string Name(int state) => state >= 0 && state < Names.Length ? Names[state] : state.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static int? Parse(object? value) => value switch
    {
        int i when i >= 0 && i < Names.Length => i,
        string s => Array.FindIndex(Names, n => string.Equals(n, s, StringComparison.OrdinalIgnoreCase)) is var i && i >= 0 ? i : null,
        _ => null,
    };
}

/// <summary>Koji's <c>REPO_STATES</c> (spec/model.md §1).</summary>
internal static class RepoStates
{
    public const int Init = 0;
    public const int Ready = 1;
    public const int Expired = 2;
    public const int Deleted = 3;
    public const int Problem = 4;
}
