using KojiNet.Hub.Api.Tasks;

namespace KojiNet.Hub.Api.Repos;

/// <summary>
/// The two query views of the repo API (kojira.md §5, api-core.md §7): repos and repo requests,
/// with upstream's field names, the <c>**</c> structs every repo and request result uses, and
/// typed reads of their rows for the hub's own logic.
/// </summary>
internal static class RepoViews
{
    public static readonly QueryView Repos = new(
        """
        repo
        JOIN tag ON tag.id = repo.tag_id
        JOIN events create_ev ON create_ev.id = repo.create_event
        LEFT JOIN events begin_ev ON begin_ev.id = repo.begin_event
        LEFT JOIN events end_ev ON end_ev.id = repo.end_event
        LEFT JOIN task ON task.id = repo.task_id
        """,
        new Dictionary<string, ViewField>(StringComparer.Ordinal)
        {
            ["id"] = new("repo.id", FieldKind.Int),
            ["tag_id"] = new("repo.tag_id", FieldKind.Int),
            ["creation_time"] = new("repo.creation_time", FieldKind.Time),
            ["creation_ts"] = new("repo.creation_time", FieldKind.Ts),
            ["state_time"] = new("repo.state_time", FieldKind.Time),
            ["state_ts"] = new("repo.state_time", FieldKind.Ts),
            ["create_event"] = new("repo.create_event", FieldKind.Int),
            ["create_ts"] = new("create_ev.time", FieldKind.Ts, Joined: true),
            ["begin_event"] = new("repo.begin_event", FieldKind.Int),
            ["begin_ts"] = new("begin_ev.time", FieldKind.Ts, Joined: true),
            ["end_event"] = new("repo.end_event", FieldKind.Int),
            ["end_ts"] = new("end_ev.time", FieldKind.Ts, Joined: true),
            ["state"] = new("repo.state", FieldKind.Int),
            ["dist"] = new("repo.dist", FieldKind.Bool),
            ["opts"] = new("repo.opts", FieldKind.Json),
            ["custom_opts"] = new("repo.custom_opts", FieldKind.Json),
            ["task_id"] = new("repo.task_id", FieldKind.Int),
            ["task_state"] = new("task.state", FieldKind.Int, Joined: true),
            ["tag_name"] = new("tag.name", FieldKind.String, Joined: true),
        },
        ["id", "tag_id", "create_event", "state", "dist", "task_id", "opts", "custom_opts"]);

    public static readonly QueryView Queue = new(
        """
        repo_queue
        JOIN tag ON tag.id = repo_queue.tag_id
        JOIN users ON users.id = repo_queue.owner
        LEFT JOIN task ON task.id = repo_queue.task_id
        """,
        new Dictionary<string, ViewField>(StringComparer.Ordinal)
        {
            ["id"] = new("repo_queue.id", FieldKind.Int),
            ["create_time"] = new("repo_queue.create_time", FieldKind.Time),
            ["create_ts"] = new("repo_queue.create_time", FieldKind.Ts),
            ["owner"] = new("repo_queue.owner", FieldKind.Int),
            ["owner_name"] = new("users.name", FieldKind.String, Joined: true),
            ["priority"] = new("repo_queue.priority", FieldKind.Int),
            ["tag_id"] = new("repo_queue.tag_id", FieldKind.Int),
            ["tag_name"] = new("tag.name", FieldKind.String, Joined: true),
            ["at_event"] = new("repo_queue.at_event", FieldKind.Int),
            ["min_event"] = new("repo_queue.min_event", FieldKind.Int),
            ["opts"] = new("repo_queue.opts", FieldKind.Json),
            ["update_time"] = new("repo_queue.update_time", FieldKind.Time),
            ["update_ts"] = new("repo_queue.update_time", FieldKind.Ts),
            ["active"] = new("repo_queue.active", FieldKind.Bool),
            ["task_id"] = new("repo_queue.task_id", FieldKind.Int),
            ["task_state"] = new("task.state", FieldKind.Int, Joined: true),
            ["tries"] = new("repo_queue.tries", FieldKind.Int),
            ["repo_id"] = new("repo_queue.repo_id", FieldKind.Int),
        },
        ["id", "tag_id", "at_event", "min_event", "create_ts", "task_id", "tries", "repo_id", "opts", "active", "update_ts"]);

    /// <summary>The full repo struct (<c>**</c>) of one repo, or null.</summary>
    public static async Task<Dictionary<string, object?>?> RepoAsync(CallContext ctx, int repoId) =>
        (await Repos.RowsAsync(ctx, [new QueryView.Clause("id", "=", repoId)]).ConfigureAwait(false)).FirstOrDefault();

    /// <summary>The full request struct (<c>**</c>) of one request, or null.</summary>
    public static async Task<Dictionary<string, object?>?> RequestAsync(CallContext ctx, int requestId) =>
        (await Queue.RowsAsync(ctx, [new QueryView.Clause("id", "=", requestId)]).ConfigureAwait(false)).FirstOrDefault();

    public static int Int(Dictionary<string, object?> row, string field) => (int)row[field]!;

    public static int? IntOrNull(Dictionary<string, object?> row, string field) => (int?)row[field];

    /// <summary>An options field as a map of booleans (null when the column is null).</summary>
    public static Dictionary<string, bool>? Opts(Dictionary<string, object?> row, string field) =>
        row[field] is IReadOnlyDictionary<string, object?> d ? d.ToDictionary(kv => kv.Key, kv => ArgumentBinder.Truthy(kv.Value), StringComparer.Ordinal)
        : row[field] is null ? null : [];

    /// <summary>Whether a request's task ended without a result (FAILED or CANCELED).</summary>
    public static bool TaskFailed(int? state) => state is TaskStates.Failed or TaskStates.Canceled;
}
