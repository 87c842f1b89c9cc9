using System.Text.Json;
using System.Xml.Linq;
using KojiNet.Hub.Api.Groups;
using KojiNet.Hub.Tests.Api;

namespace KojiNet.Hub.Tests.Repos;

/// <summary>Build groups of tags (api-core.md §10): the group* calls, getTagGroups with inheritance, blocking and events.</summary>
public abstract class GroupsTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private JsonElement Run(string body) => hub.Python(UsersTests<THub>.Prelude + "\n" + body);

    internal static void AssertFault(JsonElement e, int code, string? message = null)
    {
        Assert.True(e.ValueKind == JsonValueKind.Object && e.TryGetProperty("faultCode", out _), e.GetRawText());
        Assert.Equal(code, e.GetProperty("faultCode").GetInt32());
        if (message is not null)
        {
            Assert.Equal(message, e.GetProperty("faultString").GetString());
        }
    }

    private static JsonElement Group(JsonElement groups, string name) =>
        groups.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name);

    private static string[] Names(JsonElement groups) => groups.EnumerateArray().Select(g => g.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray();

    private static string[] Packages(JsonElement group) =>
        group.GetProperty("packagelist").EnumerateArray().Select(p => p.GetProperty("package").GetString()!).Order(StringComparer.Ordinal).ToArray();

    private static string[] Reqs(JsonElement group) =>
        group.GetProperty("grouplist").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void GroupsInheritBlockAndTravelInTime()
    {
        var r = Run("""
            out = {}
            s.call("createTag", "gr-parent")
            s.call("createTag", "gr-child", parent="gr-parent")
            out["anon"] = F(lambda: anon.call("groupListAdd", "gr-parent", "build"))
            out["alice"] = F(lambda: a.call("groupListAdd", "gr-parent", "build"))
            out["alice_pkg"] = F(lambda: a.call("groupPackageListAdd", "gr-parent", "build", "bash"))
            s.call("groupListAdd", "gr-parent", "build", description="Buildroot <minimal> & co", is_default=True)
            s.call("groupListAdd", "gr-parent", "base", display_name="Base system")
            s.call("groupListAdd", "gr-parent", "extra")
            s.call("groupPackageListAdd", "gr-parent", "build", "bash")
            s.call("groupPackageListAdd", "gr-parent", "build", "rpm-build", type="default", requires="gcc", basearchonly=True)
            s.call("groupPackageListAdd", "gr-parent", "base", "coreutils")
            s.call("groupPackageListAdd", "gr-parent", "extra", "vim")
            s.call("groupReqListAdd", "gr-parent", "build", "base")
            s.call("groupReqListAdd", "gr-parent", "base", "extra", is_metapkg=True)
            ev1 = s.call("getLastEvent")["id"]
            out["same_again"] = s.call("groupListAdd", "gr-parent", "base", display_name="Base system")
            out["no_event"] = s.call("getLastEvent")["id"] == ev1
            s.call("groupPackageListBlock", "gr-child", "build", "bash")
            s.call("groupPackageListAdd", "gr-child", "build", "make")
            s.call("groupListBlock", "gr-child", "extra")
            out["parent"] = s.call("getTagGroups", "gr-parent")
            out["child"] = s.call("getTagGroups", "gr-child")
            out["child_blocked"] = s.call("getTagGroups", "gr-child", incl_blocked=True)
            out["child_own"] = s.call("getTagGroups", "gr-child", inherit=False, incl_blocked=True)
            out["child_ev1"] = s.call("getTagGroups", "gr-child", event=ev1)
            out["bare"] = s.call("getTagGroups", "gr-parent", incl_pkgs=False, incl_reqs=False)
            out["anon_read"] = anon.call("getTagGroups", s.call("getTag", "gr-parent")["id"])
            out["blocked_add"] = F(lambda: s.call("groupListAdd", "gr-child", "extra"))
            out["pkg_blocked_add"] = F(lambda: s.call("groupPackageListAdd", "gr-child", "build", "bash"))
            s.call("createTag", "gr-other")
            s.call("groupListAdd", "gr-other", "lonely")
            out["not_present"] = F(lambda: s.call("groupPackageListAdd", "gr-child", "lonely", "x"))
            out["req_not_present"] = F(lambda: s.call("groupReqListAdd", "gr-child", "lonely", "base"))
            out["in_blocked_group"] = F(lambda: s.call("groupPackageListAdd", "gr-child", "extra", "x"))
            out["no_group"] = F(lambda: s.call("groupPackageListAdd", "gr-child", "no-such-group", "x"))
            out["no_tag"] = F(lambda: s.call("getTagGroups", "no-such-tag"))
            out["no_tag_add"] = F(lambda: s.call("groupListAdd", "no-such-tag", "build"))
            out["bad_name"] = F(lambda: s.call("groupListAdd", "gr-parent", "x'; DROP TABLE groups; --"))
            out["not_blocked"] = F(lambda: s.call("groupListUnblock", "gr-parent", "build"))
            out["pkg_not_blocked"] = F(lambda: s.call("groupPackageListUnblock", "gr-parent", "build", "bash"))
            out["req_not_blocked"] = F(lambda: s.call("groupReqListUnblock", "gr-parent", "build", "base"))
            out["remove_missing"] = F(lambda: s.call("groupListRemove", "gr-child", "build"))
            out["remove_forced"] = s.call("groupListRemove", "gr-child", "build", force=True)
            out["bad_type"] = F(lambda: s.call("groupPackageListAdd", "gr-parent", "build", "x", type=5))
            # unblock and remove take the inherited entries back
            s.call("groupPackageListUnblock", "gr-child", "build", "bash")
            s.call("groupListUnblock", "gr-child", "extra")
            s.call("groupReqListBlock", "gr-child", "build", "base")
            out["child_after"] = s.call("getTagGroups", "gr-child")
            s.call("groupReqListUnblock", "gr-child", "build", "base")
            s.call("groupPackageListRemove", "gr-child", "build", "make")
            s.call("groupReqListRemove", "gr-parent", "base", "extra")
            s.call("groupListRemove", "gr-parent", "extra")
            out["child_final"] = s.call("getTagGroups", "gr-child")
            # forcing past a block replaces it with a plain entry
            s.call("groupListBlock", "gr-child", "base")
            out["forced"] = s.call("groupListAdd", "gr-child", "base", force=True, display_name="Forced base")
            out["forced_groups"] = s.call("getTagGroups", "gr-child")
            out["hist"] = len(s.call("queryHistory", tables=["group_config"], tag="gr-child")["group_config"])
            emit(out)
            """);
        foreach (var key in new[] { "anon", "alice", "alice_pkg" })
        {
            AssertFault(r.GetProperty(key), 1004);
        }
        Assert.StartsWith("tag permission required", r.GetProperty("alice").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("same_again").ValueKind);
        Assert.True(r.GetProperty("no_event").GetBoolean(), "an unchanged groupListAdd wrote a new entry");

        var parent = r.GetProperty("parent");
        Assert.Equal(["base", "build", "extra"], Names(parent));
        var build = Group(parent, "build");
        // The struct upstream's getTagGroups returns.
        Assert.Equal(
            ["biarchonly", "blocked", "description", "display_name", "exported", "group_id", "grouplist", "is_default", "langonly", "name", "packagelist", "tag_id", "uservisible"],
            build.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("Buildroot <minimal> & co", build.GetProperty("description").GetString());
        Assert.Equal("build", build.GetProperty("display_name").GetString());
        Assert.True(build.GetProperty("is_default").GetBoolean());
        Assert.True(build.GetProperty("uservisible").GetBoolean());
        Assert.True(build.GetProperty("exported").GetBoolean());
        Assert.False(build.GetProperty("biarchonly").GetBoolean());
        Assert.Equal(["bash", "rpm-build"], Packages(build));
        var rpmBuild = build.GetProperty("packagelist").EnumerateArray().Single(p => p.GetProperty("package").GetString() == "rpm-build");
        Assert.Equal(["basearchonly", "blocked", "group_id", "package", "requires", "tag_id", "type"], rpmBuild.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("default", rpmBuild.GetProperty("type").GetString());
        Assert.Equal("gcc", rpmBuild.GetProperty("requires").GetString());
        Assert.True(rpmBuild.GetProperty("basearchonly").GetBoolean());
        Assert.Equal("mandatory", build.GetProperty("packagelist")[0].GetProperty("type").GetString());
        Assert.Equal(["base"], Reqs(build));
        var req = build.GetProperty("grouplist")[0];
        Assert.Equal(["blocked", "group_id", "is_metapkg", "name", "req_id", "tag_id", "type"], req.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("mandatory", req.GetProperty("type").GetString());
        Assert.False(req.GetProperty("is_metapkg").GetBoolean());
        Assert.True(Group(parent, "base").GetProperty("grouplist")[0].GetProperty("is_metapkg").GetBoolean());
        Assert.Equal("Base system", Group(parent, "base").GetProperty("display_name").GetString());

        // The child inherits; its own block hides bash and the extra group (a requirement on a
        // blocked group stays: the group exists in the tag, blocked).
        var child = r.GetProperty("child");
        Assert.Equal(["base", "build"], Names(child));
        Assert.Equal(["make", "rpm-build"], Packages(Group(child, "build")));
        Assert.Equal(["extra"], Reqs(Group(child, "base")));
        var childBlocked = r.GetProperty("child_blocked");
        Assert.Equal(["base", "build", "extra"], Names(childBlocked));
        Assert.True(Group(childBlocked, "extra").GetProperty("blocked").GetBoolean());
        Assert.Equal(Group(childBlocked, "extra").GetProperty("tag_id").GetInt32(), Group(r.GetProperty("child_own"), "extra").GetProperty("tag_id").GetInt32());
        Assert.Equal(["bash", "make", "rpm-build"], Packages(Group(childBlocked, "build")));
        Assert.True(Group(childBlocked, "build").GetProperty("packagelist").EnumerateArray().Single(p => p.GetProperty("package").GetString() == "bash").GetProperty("blocked").GetBoolean());
        // Only the child's own entries without inheritance: its blocked group, and no package entries of groups it lacks.
        Assert.Equal(["extra"], Names(r.GetProperty("child_own")));
        // As of the earlier event the child had its parent's groups unchanged.
        var old = r.GetProperty("child_ev1");
        Assert.Equal(["base", "build", "extra"], Names(old));
        Assert.Equal(["bash", "rpm-build"], Packages(Group(old, "build")));
        var bare = Group(r.GetProperty("bare"), "build");
        Assert.False(bare.TryGetProperty("packagelist", out _));
        Assert.False(bare.TryGetProperty("grouplist", out _));
        Assert.Equal(3, r.GetProperty("anon_read").GetArrayLength());

        AssertFault(r.GetProperty("blocked_add"), 1000, "group extra is blocked in tag gr-child");
        AssertFault(r.GetProperty("pkg_blocked_add"), 1000, "package bash blocked in group build, tag gr-child");
        AssertFault(r.GetProperty("not_present"), 1000, "group lonely not present in tag gr-child");
        AssertFault(r.GetProperty("req_not_present"), 1000, "group lonely not present in tag gr-child");
        AssertFault(r.GetProperty("in_blocked_group"), 1000, "group extra is blocked in tag gr-child");
        AssertFault(r.GetProperty("no_group"), 1000, "No such entry in table groups: no-such-group");
        AssertFault(r.GetProperty("no_tag"), 1000, "No such entry in table tag: no-such-tag");
        AssertFault(r.GetProperty("no_tag_add"), 1000, "No such tagInfo: 'no-such-tag'");
        AssertFault(r.GetProperty("bad_name"), 1000, "Name x'; DROP TABLE groups; -- does not match RegexNameInternal value");
        AssertFault(r.GetProperty("not_blocked"), 1000, "group build is NOT blocked in tag gr-parent");
        AssertFault(r.GetProperty("pkg_not_blocked"), 1000);
        AssertFault(r.GetProperty("req_not_blocked"), 1000);
        AssertFault(r.GetProperty("remove_missing"), 1000, "No group: build found for tag: gr-child");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("remove_forced").ValueKind);
        AssertFault(r.GetProperty("bad_type"), 1019);

        var after = r.GetProperty("child_after");
        Assert.Equal(["base", "build", "extra"], Names(after));
        Assert.Equal(["bash", "make", "rpm-build"], Packages(Group(after, "build")));
        Assert.Empty(Reqs(Group(after, "build")));
        Assert.Equal(["extra"], Reqs(Group(after, "base")));
        var final = r.GetProperty("child_final");
        Assert.Equal(["base", "build"], Names(final));
        Assert.Equal(["bash", "rpm-build"], Packages(Group(final, "build")));
        Assert.Equal(["base"], Reqs(Group(final, "build")));
        Assert.Empty(Reqs(Group(final, "base")));
        var forced = Group(r.GetProperty("forced_groups"), "base");
        Assert.Equal("Forced base", forced.GetProperty("display_name").GetString());
        Assert.False(forced.GetProperty("blocked").GetBoolean());
        Assert.Equal(["coreutils"], Packages(forced));
        // The child's own group entries: the extra block, the base block, the forced base entry.
        Assert.Equal(3, r.GetProperty("hist").GetInt32());
    }

    [Fact]
    public void CompsExpandsRequiredGroupsAndEscapesText()
    {
        GroupConfigRow Cfg(int id, string name, string? description = null, bool biarch = false) =>
            new() { Group_Id = id, Name = name, Display_Name = name.ToUpperInvariant(), Description = description, Is_Default = true, Uservisible = false, Biarchonly = biarch };
        GroupPackageRow Pkg(int group, string name, string type = "mandatory", bool basearch = false, string? requires = null) =>
            new() { Group_Id = group, Package = name, Type = type, Basearchonly = basearch, Requires = requires };
        GroupReqRow Req(int group, int req, string name) => new() { Group_Id = group, Req_Id = req, Name = name, Type = "mandatory" };
        var build = new TagGroup(Cfg(1, "build", "Build <root> & \"co\"")) { Packages = [], Reqs = [] };
        build.Packages["zsh"] = Pkg(1, "zsh");
        build.Packages["bash"] = Pkg(1, "bash", "default", basearch: true, requires: "a&b");
        build.Reqs[2] = Req(1, 2, "base");
        build.Reqs[4] = Req(1, 4, "gone");
        var base_ = new TagGroup(Cfg(2, "base", biarch: true)) { Packages = [], Reqs = [] };
        base_.Packages["coreutils"] = Pkg(2, "coreutils");
        base_.Packages["bash"] = Pkg(2, "bash");
        base_.Reqs[3] = Req(2, 3, "extra");
        var extra = new TagGroup(Cfg(3, "extra")) { Packages = [], Reqs = [] };
        extra.Packages["vim"] = Pkg(3, "vim", "optional");
        extra.Reqs[1] = Req(3, 1, "build");

        var expanded = CompsWriter.Write([build, base_, extra], expandGroups: true);
        Assert.Equal("""
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE comps PUBLIC "-//Red Hat, Inc.//DTD Comps info//EN" "comps.dtd">

            <!-- Auto-generated by the build system -->
            <comps>
              <group>
                <id>base</id>
                <name>BASE</name>
                <description></description>
                <default>true</default>
                <uservisible>false</uservisible>
                <biarchonly>true</biarchonly>
                <packagelist>
                  <packagereq type="mandatory">bash</packagereq>
                  <packagereq type="mandatory">coreutils</packagereq>
                  <!-- Expanding Group: extra -->
                  <packagereq type="optional">vim</packagereq>
                  <!-- Expanding Group: build -->
                  <packagereq type="mandatory">zsh</packagereq>
                  <!-- MISSING GROUP: gone -->
                </packagelist>
              </group>
              <group>
                <id>build</id>
                <name>BUILD</name>
                <description>Build &lt;root&gt; &amp; &quot;co&quot;</description>
                <default>true</default>
                <uservisible>false</uservisible>
                <packagelist>
                  <packagereq type="default" basearchonly="true" requires="a&amp;b">bash</packagereq>
                  <packagereq type="mandatory">zsh</packagereq>
                  <!-- Expanding Group: base -->
                  <packagereq type="mandatory">coreutils</packagereq>
                  <!-- MISSING GROUP: gone -->
                  <!-- Expanding Group: extra -->
                  <packagereq type="optional">vim</packagereq>
                </packagelist>
              </group>
              <group>
                <id>extra</id>
                <name>EXTRA</name>
                <description></description>
                <default>true</default>
                <uservisible>false</uservisible>
                <packagelist>
                  <packagereq type="optional">vim</packagereq>
                  <!-- Expanding Group: build -->
                  <packagereq type="default" basearchonly="true" requires="a&amp;b">bash</packagereq>
                  <packagereq type="mandatory">zsh</packagereq>
                  <!-- Expanding Group: base -->
                  <packagereq type="mandatory">coreutils</packagereq>
                  <!-- MISSING GROUP: gone -->
                </packagelist>
              </group>
            </comps>

            """.ReplaceLineEndings("\n"), expanded);
        // Well-formed XML, whatever the text held.
        Assert.Equal(3, XDocument.Parse(expanded).Root!.Elements("group").Count());

        var plain = CompsWriter.Write([build], expandGroups: false);
        Assert.Contains("""
                <grouplist>
                  <groupreq type="mandatory">base</groupreq>
                  <groupreq type="mandatory">gone</groupreq>
                </grouplist>
            """.ReplaceLineEndings("\n"), plain, StringComparison.Ordinal);
        Assert.DoesNotContain("Expanding", plain, StringComparison.Ordinal);
        XDocument.Parse(plain);
    }
}

public sealed class SqliteGroupsTests(SqliteHub hub) : GroupsTests<SqliteHub>(hub);

public sealed class PostgresGroupsTests(PostgresHub hub) : GroupsTests<PostgresHub>(hub);
