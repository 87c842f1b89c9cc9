using System.Text.Json;
using KojiNet.Configuration;
using KojiNet.Hub.Api;
using KojiNet.Hub.Api.Builds;
using KojiNet.Hub.Api.Tagging;
using KojiNet.Hub.Api.Tags;
using KojiNet.Hub.Api.Targets;
using KojiNet.Hub.Api.Users;
using KojiNet.Hub.Auth;
using KojiNet.Hub.Configuration;
using KojiNet.Hub.Data;
using KojiNet.TestSupport;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Tests.Policies;

/// <summary>
/// A hub database of one engine, without HTTP, seeded through the hub's own API methods (and SQL
/// for what no API writes yet) with what the policy tests look at: users, a group, permissions,
/// tags with inheritance, a target, builds with RPMs, buildroots, a volume and a task. Calls run
/// in-process as a chosen user.
/// </summary>
public abstract class PolicyDatabase(DatabaseEngine engine) : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private readonly string _dir = Directory.CreateTempSubdirectory("kojinet-policy-").FullName;

    public DatabaseEngine Engine { get; } = engine;

    internal HubServices Hub { get; private set; } = null!;

    /// <summary>Ids of seeded rows, by the names the test tables use as <c>$name</c>.</summary>
    public Dictionary<string, int> Ids { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        string db;
        if (Engine == DatabaseEngine.PostgreSql)
        {
            _postgres = new PostgresServer();
            db = $"DBConnectionString = {_postgres.CreateDatabase()}";
        }
        else
        {
            db = $"DBFile = {Path.Combine(_dir, "koji.db")}";
        }
        var config = HubConfiguration.FromIni(IniFile.Parse($"[hub]\n{db}\nKojiDir = {Path.Combine(_dir, "koji")}\n", "hub.conf"), "hub.conf");
        Hub = HubServices.Create(config);
        await SchemaMigrator.MigrateAsync(Hub.Database);
        await Bootstrap.EnsureAdminAsync(Hub.Database, "kojiadmin");
        await AsUserAsync("kojiadmin", SeedAsync);
    }

    private async Task<int> SeedAsync(CallContext ctx)
    {
        Ids["alice"] = await UserApi.CreateUser(ctx, "alice");
        Ids["bob"] = await UserApi.CreateUser(ctx, "bob");
        Ids["packagers"] = await UserApi.NewGroup(ctx, "packagers");
        await UserApi.AddGroupMember(ctx, "packagers", "alice");
        await PermissionApi.GrantPermission(ctx, "alice", "tag");
        await PermissionApi.GrantPermission(ctx, "packagers", "repo");
        Ids["f40-base"] = await TagApi.CreateTag(ctx, "f40-base");
        Ids["f40-build"] = await TagApi.CreateTag(ctx, "f40-build", parent: "f40-base");
        Ids["f40-candidate"] = await TagApi.CreateTag(ctx, "f40-candidate");
        await TargetApi.CreateBuildTarget(ctx, "f40", "f40-build", "f40-candidate");
        Ids["pkg-a"] = await BuildApi.CreateEmptyBuild(ctx, "pkg-a", "1.0", "1", null, owner: "alice");
        Ids["pkg-g"] = await BuildApi.CreateEmptyBuild(ctx, "pkg-g", "1", "1", null, owner: "packagers");
        Ids["pkg-cg"] = await BuildApi.CreateEmptyBuild(ctx, "pkg-cg", "1", "1", null);
        Ids["pkg-src"] = await BuildApi.CreateEmptyBuild(ctx, "pkg-src", "1", "1", null);
        Ids["pkg-task"] = await BuildApi.CreateEmptyBuild(ctx, "pkg-task", "1", "1", null);
        Ids["draft"] = await BuildApi.CreateEmptyBuild(ctx, "pkg-d", "1", "1", null, draft: true);
        await TaggedApi.TagBuildBypass(ctx, "f40-candidate", "pkg-a-1.0-1");

        // What no API writes yet: build types, RPMs with and without buildroots, a content
        // generator buildroot, a second volume, a source, a build task.
        Ids["my-cg"] = await ctx.ExecuteScalarAsync<int>("INSERT INTO content_generator (name) VALUES ('my-cg') RETURNING id");
        Ids["br"] = await ctx.ExecuteScalarAsync<int>("INSERT INTO buildroot (br_type, cg_id) VALUES (1, @cg) RETURNING id", new { cg = Ids["my-cg"] });
        Ids["vol2"] = await ctx.ExecuteScalarAsync<int>("INSERT INTO volume (name) VALUES ('vol2') RETURNING id");
        await ctx.ExecuteAsync("INSERT INTO build_types (build_id, btype_id) SELECT @id, id FROM btype WHERE name = 'rpm'", new { id = Ids["pkg-a"] });
        const string Rpm = """
            INSERT INTO rpminfo (build_id, buildroot_id, name, version, release, arch, draft, external_repo_id, payloadhash, size, buildtime)
            VALUES (@build, @br, @name, '1', '1', 'noarch', FALSE, 0, @hash, 1, 1)
            """;
        await ctx.ExecuteAsync(Rpm, new { build = Ids["pkg-a"], br = (int?)null, name = "pkg-a", hash = "a" });
        await ctx.ExecuteAsync(Rpm, new { build = Ids["pkg-cg"], br = (int?)Ids["br"], name = "pkg-cg", hash = "b" });
        await ctx.ExecuteAsync("UPDATE build SET source = 'git+https://src.example.org/pkg-src#abc' WHERE id = @id", new { id = Ids["pkg-src"] });
        using var buffer = new MemoryStream();
        XmlRpcWriter.WriteMethodCall(buffer, new XmlRpcMethodCall("build",
            ["git+https://src.example.org/pkg-task#def", "f40", new Dictionary<string, object?>(StringComparer.Ordinal)]));
        var request = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        Ids["task"] = await ctx.ExecuteScalarAsync<int>("""
            INSERT INTO task (state, create_time, channel_id, owner, method, request, arch, priority)
            VALUES (2, 0, (SELECT id FROM channels WHERE name = 'default'), @owner, 'build', @request, 'noarch', 20) RETURNING id
            """, new { owner = Ids["alice"], request });
        await ctx.ExecuteAsync("UPDATE build SET task_id = @task WHERE id = @id", new { task = Ids["task"], id = Ids["pkg-task"] });
        Ids["createrepo"] = await ctx.ScalarAsync<int>("SELECT id FROM channels WHERE name = 'createrepo'");
        Ids["default"] = await ctx.ScalarAsync<int>("SELECT id FROM channels WHERE name = 'default'");
        Ids["disabled"] = await ctx.ExecuteScalarAsync<int>("INSERT INTO channels (name, enabled) VALUES ('off', FALSE) RETURNING id");
        return 0;
    }

    /// <summary>Runs <paramref name="body"/> as one committed call of <paramref name="user"/> (null: anonymous).</summary>
    internal async Task<T> AsUserAsync<T>(string? user, Func<CallContext, Task<T>> body)
    {
        await using var ctx = new CallContext(Hub, new RequestInfo { RemoteAddress = "127.0.0.1" }, write: true, CancellationToken.None);
        if (user is not null)
        {
            var row = await UserQueries.ByNameAsync(ctx, user) ?? throw new InvalidOperationException($"no user {user}");
            ctx.Session = new SessionState { UserId = row.Id, UserName = row.Name, Key = "test", HostIp = "127.0.0.1" };
        }
        var result = await body(ctx);
        await ctx.CommitAsync();
        return result;
    }

    /// <summary>Runs <paramref name="body"/> as one committed call of <paramref name="user"/> (null: anonymous).</summary>
    internal Task AsUserAsync(string? user, Func<CallContext, Task> body) =>
        AsUserAsync(user, async ctx =>
        {
            await body(ctx);
            return 0;
        });

    /// <summary>Policy data from JSON; a string <c>"$name"</c> stands for the seeded id of that name.</summary>
    public Dictionary<string, object?> Data(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return (Dictionary<string, object?>)Convert(doc.RootElement)!;
    }

    private object? Convert(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => Convert(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => e.EnumerateArray().Select(Convert).ToList(),
        JsonValueKind.String when e.GetString()!.StartsWith('$') => Ids[e.GetString()![1..]],
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number when e.TryGetInt32(out var i) => i,
        JsonValueKind.Number => e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    public async Task DisposeAsync()
    {
        await Hub.DisposeAsync();
        _postgres?.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

public sealed class SqlitePolicyDatabase() : PolicyDatabase(DatabaseEngine.Sqlite);

public sealed class PostgresPolicyDatabase() : PolicyDatabase(DatabaseEngine.PostgreSql);
