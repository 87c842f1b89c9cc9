using System.Text;
using KojiNet.Hub.Api;
using KojiNet.Hub.Api.Tags;
using KojiNet.XmlRpc;

namespace KojiNet.Hub.Policies;

/// <summary>The hub's policy tests (policy.md §6, second table); several read the database through the call.</summary>
internal static class HubTests
{
    public static IEnumerable<(string Name, Func<string, PolicyTest> Factory)> All =>
    [
        ("operation", t => new FieldMatchTest(t, "operation")),
        ("method", t => new FieldMatchTest(t, "method")),
        ("vm_name", t => new FieldMatchTest(t, "vm_name")),
        ("is_child_task", t => new FieldBoolTest(t, "parent")),
        ("skip_tag", t => new SkipTagTest(t)),
        ("package", t => new PackageTest(t)),
        ("version", t => new BuildFieldTest(t, "version")),
        ("release", t => new BuildFieldTest(t, "release")),
        ("is_new_package", t => new NewPackageTest(t)),
        ("tag", t => new TagTest(t, "tag")),
        ("fromtag", t => new TagTest(t, "fromtag")),
        ("hastag", t => new HasTagTest(t)),
        ("buildtag", t => new BuildTagTest(t)),
        ("buildtag_inherits_from", t => new BuildTagInheritsFromTest(t)),
        ("buildtype", t => new BuildTypeTest(t)),
        ("imported", t => new ImportedTest(t)),
        ("user", t => new UserTest(t)),
        ("user_in_group", t => new UserInGroupTest(t)),
        ("has_perm", t => new HasPermTest(t)),
        ("is_build_owner", t => new IsBuildOwnerTest(t)),
        ("is_draft", t => new IsDraftTest(t)),
        ("source", t => new SourceTest(t)),
        ("volume", t => new VolumeTest(t)),
        ("cg_match_any", t => new ContentGeneratorTest(t, all: false)),
        ("cg_match_all", t => new ContentGeneratorTest(t, all: true)),
        ("policy", t => new SubPolicyTest(t)),
    ];
}

/// <summary><c>skip_tag</c>: <c>data['skip_tag']</c> is truthy.</summary>
internal sealed class SkipTagTest(string text) : PolicyTest(text)
{
    public override ValueTask<bool> RunAsync(PolicyContext context) =>
        ValueTask.FromResult(context.Data.TryGetValue("skip_tag", out var v) && ArgumentBinder.Truthy(v));
}

/// <summary><c>package PAT...</c>: the package (from <c>package</c> or <c>build</c>) matches.</summary>
internal sealed class PackageTest(string text) : MatchTest(text, "_package")
{
    public override async ValueTask<bool> RunAsync(PolicyContext context) =>
        MatchValue(context, "_package", (await context.GetPackageAsync().ConfigureAwait(false)).Name);
}

/// <summary><c>is_new_package</c>: the package named in the data does not exist yet.</summary>
internal sealed class NewPackageTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context) =>
        (await context.GetPackageAsync().ConfigureAwait(false)).Id is null;
}

/// <summary><c>version PAT...</c> / <c>release PAT...</c>: the field from the data, else from the build, matches.</summary>
internal sealed class BuildFieldTest(string text, string field) : MatchTest(text, "_" + field)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        string? value;
        if (context.Data.TryGetValue(field, out var v))
        {
            value = v is null ? null : PolicyValues.Str(v);
        }
        else if (context.Data.ContainsKey("build"))
        {
            var build = await context.GetBuildAsync().ConfigureAwait(false);
            value = field == "version" ? build.Version : build.Release;
        }
        else
        {
            throw KojiErrors.Generic($"policy requires {field} data");
        }
        return MatchValue(context, "_" + field, value);
    }
}

/// <summary>
/// <c>tag PAT...</c> / <c>fromtag PAT...</c>: the name of the tag in <c>data['tag']</c> (or
/// <c>data['fromtag']</c>) matches; None or an unknown tag is false (an untag has no <c>tag</c>).
/// </summary>
internal sealed class TagTest(string text, string field) : MatchTest(text, "_tagname")
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        if (!context.Data.TryGetValue(field, out var info) || info is null)
        {
            return false;
        }
        var tag = await TagQueries.FindAsync(context.Db, info, null).ConfigureAwait(false);
        return tag is not null && MatchValue(context, "_tagname", tag.Name);
    }
}

/// <summary><c>hastag PAT...</c>: the build is currently tagged in a matching tag.</summary>
internal sealed class HasTagTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        if (!context.Data.ContainsKey("build"))
        {
            return false;
        }
        var build = await context.GetBuildAsync().ConfigureAwait(false);
        var tags = await context.Db.QueryAsync<string>("""
            SELECT tag.name FROM tag_listing tl
            JOIN tag ON tag.id = tl.tag_id
            JOIN tag_config tc ON tc.tag_id = tl.tag_id AND tc.revoke_event IS NULL
            WHERE tl.build_id = @id AND tl.revoke_event IS NULL
            """, new { id = build.Id }).ConfigureAwait(false);
        return tags.Any(t => Fnmatch.IsMatchAny(t, Args));
    }
}

/// <summary><c>buildtag PAT...</c>: any build tag matches.</summary>
internal sealed class BuildTagTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context) =>
        (await context.GetBuildTagsAsync().ConfigureAwait(false)).Any(t => Fnmatch.IsMatchAny(t.Name, Args));
}

/// <summary><c>buildtag_inherits_from PAT...</c>: any ancestor of a build tag (not the tag itself) matches.</summary>
internal sealed class BuildTagInheritsFromTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        foreach (var tag in await context.GetBuildTagsAsync().ConfigureAwait(false))
        {
            foreach (var entry in await Inheritance.ReadFullInheritanceAsync(context.Db, tag.Id, null).ConfigureAwait(false))
            {
                if (Fnmatch.IsMatchAny(entry.Link.Name, Args))
                {
                    return true;
                }
            }
        }
        return false;
    }
}

/// <summary><c>buildtype PAT...</c>: any build type (from <c>btypes</c> or the build) matches.</summary>
internal sealed class BuildTypeTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        IEnumerable<string> types;
        if (context.Data.TryGetValue("btypes", out var btypes))
        {
            types = (PolicyValues.Items(btypes) ?? throw KojiErrors.Generic($"policy data 'btypes' must be a list, got {PolicyValues.Str(btypes)}"))
                .Where(b => b is not null).Select(PolicyValues.Str);
        }
        else if (context.Data.ContainsKey("build"))
        {
            var build = await context.GetBuildAsync().ConfigureAwait(false);
            types = await context.Db.QueryAsync<string>(
                "SELECT btype.name FROM build_types bt JOIN btype ON btype.id = bt.btype_id WHERE bt.build_id = @id", new { id = build.Id }).ConfigureAwait(false);
        }
        else
        {
            return false;
        }
        return types.Any(t => Fnmatch.IsMatchAny(t, Args));
    }
}

/// <summary><c>imported</c>: some RPM of the build has no buildroot.</summary>
internal sealed class ImportedTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        if (!context.Data.TryGetValue("build", out var info) || !ArgumentBinder.Truthy(info))
        {
            throw KojiErrors.Generic("policy data must contain a build");
        }
        var build = await context.GetBuildAsync().ConfigureAwait(false);
        var imported = await context.Db.ScalarAsync<int?>(
            "SELECT 1 FROM rpminfo WHERE build_id = @id AND buildroot_id IS NULL LIMIT 1", new { id = build.Id }).ConfigureAwait(false);
        return imported is not null;
    }
}

/// <summary><c>user PAT...</c>: the policy user's name matches; no user is false.</summary>
internal sealed class UserTest(string text) : MatchTest(text, "_username")
{
    public override async ValueTask<bool> RunAsync(PolicyContext context) =>
        await context.GetUserAsync().ConfigureAwait(false) is { } user && MatchValue(context, "_username", user.Name);
}

/// <summary><c>user_in_group PAT...</c>: the policy user is a member of a matching group.</summary>
internal sealed class UserInGroupTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context) =>
        await context.GetUserAsync().ConfigureAwait(false) is { } user
        && (await context.GetGroupsAsync(user.Id).ConfigureAwait(false)).Values.Any(g => Fnmatch.IsMatchAny(g, Args));
}

/// <summary><c>has_perm PAT...</c>: the policy user holds a matching permission (directly or through a group; admin implies nothing here).</summary>
internal sealed class HasPermTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context) =>
        await context.GetUserAsync().ConfigureAwait(false) is { } user
        && (await context.GetPermsAsync(user).ConfigureAwait(false)).Any(p => Fnmatch.IsMatchAny(p, Args));
}

/// <summary><c>is_build_owner</c>: the policy user owns the build, or the owner is a group the user belongs to.</summary>
internal sealed class IsBuildOwnerTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        var build = await context.GetBuildAsync().ConfigureAwait(false);
        if (await context.GetUserAsync().ConfigureAwait(false) is not { } user)
        {
            return false;
        }
        if (build.Owner_Id == user.Id)
        {
            return true;
        }
        return (await context.GetGroupsAsync(user.Id).ConfigureAwait(false)).ContainsKey(build.Owner_Id);
    }
}

/// <summary><c>is_draft</c>: <c>data['draft']</c> is truthy, else the build is a draft.</summary>
internal sealed class IsDraftTest(string text) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        if (context.Data.TryGetValue("draft", out var draft))
        {
            return ArgumentBinder.Truthy(draft);
        }
        return context.Data.ContainsKey("build") && (await context.GetBuildAsync().ConfigureAwait(false)).Draft;
    }
}

/// <summary>
/// <c>source PAT...</c>: the build source matches: <c>data['source']</c>, else the build's
/// <c>source</c>, else the source argument of the task that built it.
/// </summary>
internal sealed class SourceTest(string text) : MatchTest(text, "_source")
{
    // Where each task method keeps its source among its parameters (positional order, then name).
    private static readonly Dictionary<string, (string[] Params, string Source)> TaskSources = new(StringComparer.Ordinal)
    {
        ["build"] = (["src", "target", "opts"], "src"),
        ["maven"] = (["url", "target", "opts"], "url"),
        ["winbuild"] = (["name", "source_url", "target", "opts"], "source_url"),
        ["wrapperRPM"] = (["spec_url", "build_target", "build", "task", "opts"], "spec_url"),
    };

    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        string? source;
        if (context.Data.TryGetValue("source", out var s))
        {
            source = s is null ? null : PolicyValues.Str(s);
        }
        else if (context.Data.ContainsKey("build"))
        {
            var build = await context.GetBuildAsync().ConfigureAwait(false);
            if (build.Source is not null)
            {
                source = build.Source;
            }
            else if (build.Task_Id is { } taskId)
            {
                source = await TaskSourceAsync(context, taskId).ConfigureAwait(false);
                if (source is null)
                {
                    return false;
                }
            }
            else
            {
                return false;
            }
        }
        else
        {
            return false;
        }
        return MatchValue(context, "_source", source);
    }

    private static async Task<string?> TaskSourceAsync(PolicyContext context, int taskId)
    {
        var task = await context.Db.QuerySingleOrDefaultAsync<(string Method, string Request)>(
            "SELECT method, request FROM task WHERE id = @taskId", new { taskId }).ConfigureAwait(false);
        if (task.Method is null || !TaskSources.TryGetValue(task.Method, out var signature))
        {
            return null;
        }
        XmlRpcMethodCall call;
        try
        {
            call = XmlRpcReader.ReadMethodCall(Encoding.UTF8.GetBytes(task.Request));
        }
        catch (XmlRpcFormatException)
        {
            return null;
        }
        var index = Array.IndexOf(signature.Params, signature.Source);
        var value = index < call.Args.Count ? call.Args[index] : call.Kwargs.GetValueOrDefault(signature.Source);
        return value as string;
    }
}

/// <summary><c>volume PAT...</c>: the volume (<c>data['volume']</c>, else the build's) matches; an unknown volume is false.</summary>
internal sealed class VolumeTest(string text) : MatchTest(text, "_volume")
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        string name;
        if (context.Data.TryGetValue("volume", out var info))
        {
            if (await Lookup.NameAsync(context.Db, "volume", info).ConfigureAwait(false) is not { } volume)
            {
                return false;
            }
            name = volume.Name;
        }
        else if (context.Data.ContainsKey("build"))
        {
            name = (await context.GetBuildAsync().ConfigureAwait(false)).Volume_Name;
        }
        else
        {
            return false;
        }
        return MatchValue(context, "_volume", name);
    }
}

/// <summary>
/// <c>cg_match_any PAT...</c> / <c>cg_match_all PAT...</c>: the content generators of the build
/// (<c>cg_list</c>, else those of the buildroots) — any matches, or all match (a component
/// without a content generator makes <c>cg_match_all</c> false).
/// </summary>
internal sealed class ContentGeneratorTest(string text, bool all) : PolicyTest(text)
{
    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        var cgs = new HashSet<string?>(StringComparer.Ordinal);
        if (context.Data.TryGetValue("cg_list", out var list))
        {
            foreach (var cg in PolicyValues.Items(list) ?? throw KojiErrors.Generic($"policy data 'cg_list' must be a list, got {PolicyValues.Str(list)}"))
            {
                cgs.Add((await Lookup.NameAsync(context.Db, "content_generator", cg, strict: true).ConfigureAwait(false))!.Name);
            }
        }
        else
        {
            foreach (var br in await context.GetBuildrootsAsync().ConfigureAwait(false))
            {
                if (br is not { } id)
                {
                    cgs.Add(null);
                    continue;
                }
                var row = await context.Db.QuerySingleOrDefaultAsync<(int Id, string? Cg)>(
                    "SELECT br.id, cg.name FROM buildroot br LEFT JOIN content_generator cg ON cg.id = br.cg_id WHERE br.id = @id", new { id }).ConfigureAwait(false);
                if (row.Id == 0)
                {
                    throw KojiErrors.Generic($"No such buildroot: {id}");
                }
                cgs.Add(row.Cg);
            }
        }
        if (all)
        {
            return cgs.Count > 0 && cgs.All(cg => cg is not null && Fnmatch.IsMatchAny(cg, Args));
        }
        return cgs.Any(cg => cg is not null && Fnmatch.IsMatchAny(cg, Args));
    }
}

/// <summary>
/// <c>policy NAME</c>: the named policy's action is <c>yes</c>, <c>true</c> or <c>allow</c>
/// (case-insensitive, the whole action); no match is false; evaluating itself again is an error.
/// </summary>
internal sealed class SubPolicyTest : PolicyTest
{
    public SubPolicyTest(string text) : base(text)
    {
        if (Words.Count < 2)
        {
            throw new PolicySyntaxException("policy test needs a policy name");
        }
    }

    /// <summary>The policy this test evaluates.</summary>
    public string PolicyName => Words[1];

    public override async ValueTask<bool> RunAsync(PolicyContext context)
    {
        if (!context.Running.Add(this))
        {
            throw KojiErrors.Generic($"encountered policy loop at {Text}");
        }
        try
        {
            var ruleset = context.Policies.Get(PolicyName) ?? throw KojiErrors.Generic($"no such policy: {PolicyName}");
            var outcome = await ruleset.ApplyAsync(context).ConfigureAwait(false);
            return outcome.Action?.ToLowerInvariant() is "yes" or "true" or "allow";
        }
        finally
        {
            context.Running.Remove(this);
        }
    }
}
