using System.Text.Json;

namespace KojiNet.Hub.Tests.Api;

/// <summary>Users, groups, Kerberos principals and permissions (auth.md §4–5, api-core.md §1).</summary>
public abstract class UsersTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    /// <summary>Python prelude: logged-in admin <c>s</c>, alice <c>a</c>, anonymous <c>anon</c>, and <c>F(fn)</c> returning a result or a fault dict.</summary>
    internal const string Prelude = """
        s = Session(hub, ca, admin_pem); s.ssl_login()
        a = Session(hub, ca, alice_pem); a.ssl_login()
        anon = Session(hub, ca)
        def F(fn):
            try:
                return fn()
            except xmlrpc.client.Fault as e:
                return fault_dict(e)
        """;

    private JsonElement Run(string body) => hub.Python(Prelude + "\n" + body);

    private static void AssertFault(JsonElement e, int code, string? message = null)
    {
        Assert.Equal(JsonValueKind.Object, e.ValueKind);
        Assert.True(e.TryGetProperty("faultCode", out var c), e.GetRawText());
        Assert.Equal(code, c.GetInt32());
        if (message is not null)
        {
            Assert.Equal(message, e.GetProperty("faultString").GetString());
        }
    }

    private static string[] Names(JsonElement arr) => arr.EnumerateArray().Select(x => x.GetString()!).ToArray();

    [Fact]
    public void GetUserMatchesUpstreamShapes()
    {
        var r = Run("""
            me = s.call("getLoggedInUser")
            emit({"me": me, "byname": s.call("getUser", "kojiadmin"), "byid": s.call("getUser", me["id"]),
                  "bydict": s.call("getUser", {"name": "kojiadmin"}), "mine": s.call("getUser"),
                  "noprinc": s.call("getUser", "kojiadmin", krb_princs=False),
                  "missing": s.call("getUser", "nobody-here"),
                  "strict": F(lambda: s.call("getUser", "nobody-here", True)),
                  "anon_none": F(lambda: anon.call("getUser")),
                  "anon_named": anon.call("getUser", "alice"),
                  "badtype": F(lambda: s.call("getUser", 1.5)),
                  "emptydict": F(lambda: s.call("getUser", {}))})
            """);
        var byName = r.GetProperty("byname");
        Assert.Equal(["id", "name", "status", "usertype", "krb_principals"], byName.EnumerateObject().Select(p => p.Name));
        Assert.Equal("kojiadmin", byName.GetProperty("name").GetString());
        Assert.Equal(0, byName.GetProperty("status").GetInt32());
        Assert.Equal(0, byName.GetProperty("usertype").GetInt32());
        Assert.Equal(JsonValueKind.Array, byName.GetProperty("krb_principals").ValueKind);
        // getLoggedInUser is getUser plus authtype and krb_principal (wire/03).
        Assert.Equal(["id", "name", "status", "usertype", "krb_principals", "authtype", "krb_principal"], r.GetProperty("me").EnumerateObject().Select(p => p.Name));
        Assert.Equal(byName.GetRawText(), r.GetProperty("byid").GetRawText());
        Assert.Equal(byName.GetRawText(), r.GetProperty("bydict").GetRawText());
        Assert.Equal(byName.GetRawText(), r.GetProperty("mine").GetRawText());
        Assert.False(r.GetProperty("noprinc").TryGetProperty("krb_principals", out _));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("missing").ValueKind);
        AssertFault(r.GetProperty("strict"), 1000, "No such user: 'nobody-here'");
        AssertFault(r.GetProperty("anon_none"), 1000, "No user provided");
        Assert.Equal("alice", r.GetProperty("anon_named").GetProperty("name").GetString());
        AssertFault(r.GetProperty("badtype"), 1000, "Invalid type for userInfo: <class 'float'>");
        AssertFault(r.GetProperty("emptydict"), 1000);
    }

    [Fact]
    public void CreateEditEnableDisableAndPrincipals()
    {
        var r = Run("""
            out = {}
            out["anon"] = F(lambda: anon.call("createUser", "cu-anon"))
            out["alice"] = F(lambda: a.call("createUser", "cu-alice"))
            uid = s.call("createUser", "cu-bob", krb_principal="cu-bob@EXAMPLE.COM")
            out["uid"] = uid
            out["dup"] = F(lambda: s.call("createUser", "cu-bob"))
            out["dupprinc"] = F(lambda: s.call("createUser", "cu-other", krb_principal="cu-bob@EXAMPLE.COM"))
            out["badname"] = F(lambda: s.call("createUser", "x'; DROP TABLE users; --"))
            out["badstatus"] = F(lambda: s.call("createUser", "cu-status", 7))
            out["blocked"] = s.call("getUser", s.call("createUser", "cu-blocked", 1))
            out["byprinc"] = s.call("getUser", "cu-bob@EXAMPLE.COM")
            out["byprincdict"] = s.call("getUser", {"krb_principal": "cu-bob@EXAMPLE.COM"})
            out["add"] = s.call("addUserKrbPrincipal", "cu-bob", "cu-bob2@EXAMPLE.COM")
            out["adddup"] = F(lambda: s.call("addUserKrbPrincipal", "cu-bob", "cu-bob2@EXAMPLE.COM"))
            out["after_add"] = s.call("getUser", uid)["krb_principals"]
            out["remove"] = s.call("removeUserKrbPrincipal", uid, "cu-bob2@EXAMPLE.COM")
            out["removemissing"] = F(lambda: s.call("removeUserKrbPrincipal", uid, "nope@EXAMPLE.COM"))
            out["alice_addprinc"] = F(lambda: a.call("addUserKrbPrincipal", "cu-bob", "x@EXAMPLE.COM"))
            out["edit"] = s.call("editUser", uid, name="cu-robert",
                                 krb_principal_mappings=[{"old": "cu-bob@EXAMPLE.COM", "new": "cu-robert@EXAMPLE.COM"}])
            out["edited"] = s.call("getUser", uid)
            out["edit_taken"] = F(lambda: s.call("editUser", uid, name="kojiadmin"))
            out["edit_conflict"] = F(lambda: s.call("editUser", uid, krb_principal_mappings=[{"old": "p@X", "new": "p@X"}]))
            out["alice_edit"] = F(lambda: a.call("editUser", uid, name="hacked"))
            out["disable"] = s.call("disableUser", "cu-robert")
            out["disabled"] = s.call("getUser", uid)["status"]
            out["enable"] = s.call("enableUser", "cu-robert")
            out["enabled"] = s.call("getUser", uid)["status"]
            out["enable_missing"] = F(lambda: s.call("enableUser", "nobody-here"))
            out["alice_disable"] = F(lambda: a.call("disableUser", "kojiadmin"))
            out["admin_after"] = s.call("getUser", "kojiadmin")["status"]
            emit(out)
            """);
        AssertFault(r.GetProperty("anon"), 1004, "admin permission required");
        AssertFault(r.GetProperty("alice"), 1004);
        Assert.StartsWith("admin permission required", r.GetProperty("alice").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        var uid = r.GetProperty("uid").GetInt32();
        AssertFault(r.GetProperty("dup"), 1000, "user already exists: cu-bob");
        AssertFault(r.GetProperty("dupprinc"), 1000, "user with this Kerberos principal already exists: cu-bob@EXAMPLE.COM");
        AssertFault(r.GetProperty("badname"), 1000, "Name x'; DROP TABLE users; -- does not match RegexUserName value");
        AssertFault(r.GetProperty("badstatus"), 1000, "invalid status: 7");
        Assert.Equal(1, r.GetProperty("blocked").GetProperty("status").GetInt32());
        Assert.Equal(uid, r.GetProperty("byprinc").GetProperty("id").GetInt32());
        Assert.Equal(uid, r.GetProperty("byprincdict").GetProperty("id").GetInt32());
        Assert.Equal(uid, r.GetProperty("add").GetInt32());
        AssertFault(r.GetProperty("adddup"), 1000);
        Assert.Equal(["cu-bob2@EXAMPLE.COM", "cu-bob@EXAMPLE.COM"], Names(r.GetProperty("after_add")));
        Assert.Equal(uid, r.GetProperty("remove").GetInt32());
        AssertFault(r.GetProperty("removemissing"), 1000);
        AssertFault(r.GetProperty("alice_addprinc"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("edit").ValueKind);
        Assert.Equal("cu-robert", r.GetProperty("edited").GetProperty("name").GetString());
        Assert.Equal(["cu-robert@EXAMPLE.COM"], Names(r.GetProperty("edited").GetProperty("krb_principals")));
        AssertFault(r.GetProperty("edit_taken"), 1000);
        Assert.StartsWith("Name kojiadmin already taken by user", r.GetProperty("edit_taken").GetProperty("faultString").GetString(), StringComparison.Ordinal);
        AssertFault(r.GetProperty("edit_conflict"), 1000, "There are some conflicts between added and removed Kerberos principals: p@X");
        AssertFault(r.GetProperty("alice_edit"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("disable").ValueKind);
        Assert.Equal(1, r.GetProperty("disabled").GetInt32());
        Assert.Equal(0, r.GetProperty("enabled").GetInt32());
        AssertFault(r.GetProperty("enable_missing"), 1000, "No such user: nobody-here");
        AssertFault(r.GetProperty("alice_disable"), 1004);
        Assert.Equal(0, r.GetProperty("admin_after").GetInt32());
    }

    [Fact]
    public void DisabledUserCannotLogIn()
    {
        var r = Run("""
            s.call("disableUser", "alice")
            b = Session(hub, ca, alice_pem)
            refused = F(lambda: b.ssl_login())
            s.call("enableUser", "alice")
            c = Session(hub, ca, alice_pem); c.ssl_login()
            emit({"refused": refused, "again": c.call("getLoggedInUser")["name"]})
            """);
        AssertFault(r.GetProperty("refused"), 1002, "logins by alice are not allowed");
        Assert.Equal("alice", r.GetProperty("again").GetString());
    }

    [Fact]
    public void ListUsersFiltersByTypePrefixAndPermission()
    {
        var r = Run("""
            s.call("createUser", "lu-Zed")
            s.call("createUser", "lu-amy")
            gid = s.call("newGroup", "lu-group")
            s.call("grantPermission", "lu-group", "repo")
            s.call("addGroupMember", "lu-group", "lu-amy")
            s.call("grantPermission", "lu-Zed", "target")
            emit({"normal": s.call("listUsers", prefix="LU-"),
                  "groups": s.call("listUsers", 2, "lu-"),
                  "all": s.call("listUsers", None, "lu-"),
                  "list": s.call("listUsers", [0, 2], "lu-"),
                  "count": s.call("listUsers", None, "lu-", {"countOnly": True}),
                  "page": s.call("listUsers", None, "lu-", {"order": "-name", "limit": 1}),
                  "aslist": s.call("listUsers", 0, "lu-z", {"asList": True}),
                  "perm": s.call("listUsers", None, "lu-", perm="repo"),
                  "inherited": s.call("listUsers", None, "lu-", perm="repo", inherited_perm=True),
                  "target": s.call("listUsers", prefix="lu-", perm="target"),
                  "inh_noperm": F(lambda: s.call("listUsers", inherited_perm=True)),
                  "badperm": F(lambda: s.call("listUsers", perm="no-such-perm")),
                  "group_opt": F(lambda: s.call("listUsers", queryOpts={"group": "id"})),
                  "anon": anon.call("listUsers", prefix="kojiadmin")})
            """);
        var normal = r.GetProperty("normal").EnumerateArray().ToList();
        Assert.Equal(["lu-Zed", "lu-amy"], normal.Select(u => u.GetProperty("name").GetString()));
        Assert.Equal(["id", "krb_principals", "name", "status", "usertype"], normal[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("[]", normal[0].GetProperty("krb_principals").GetRawText());
        Assert.Equal(["lu-group"], r.GetProperty("groups").EnumerateArray().Select(u => u.GetProperty("name").GetString()));
        Assert.Equal(3, r.GetProperty("all").GetArrayLength());
        Assert.Equal(3, r.GetProperty("list").GetArrayLength());
        Assert.Equal(3, r.GetProperty("count").GetInt32());
        Assert.Equal("lu-group", r.GetProperty("page")[0].GetProperty("name").GetString());
        var row = r.GetProperty("aslist")[0];
        Assert.Equal(JsonValueKind.Array, row.ValueKind);
        Assert.Equal("lu-Zed", row[2].GetString());
        Assert.Equal(["lu-group"], r.GetProperty("perm").EnumerateArray().Select(u => u.GetProperty("name").GetString()));
        Assert.Equal(["lu-amy", "lu-group"], r.GetProperty("inherited").EnumerateArray().Select(u => u.GetProperty("name").GetString()).Order(StringComparer.Ordinal));
        Assert.Equal(["lu-Zed"], r.GetProperty("target").EnumerateArray().Select(u => u.GetProperty("name").GetString()));
        AssertFault(r.GetProperty("inh_noperm"), 1000, "inherited_perm option must be used with perm option");
        AssertFault(r.GetProperty("badperm"), 1000);
        AssertFault(r.GetProperty("group_opt"), 1000);
        Assert.Equal("kojiadmin", r.GetProperty("anon")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void GroupsAndMembership()
    {
        var r = Run("""
            out = {}
            gid = s.call("newGroup", "gm-devs")
            out["gid"] = gid
            out["dupgroup"] = F(lambda: s.call("newGroup", "gm-devs"))
            out["alice_newgroup"] = F(lambda: a.call("newGroup", "gm-alice"))
            out["anon_newgroup"] = F(lambda: anon.call("newGroup", "gm-anon"))
            out["group"] = s.call("getUser", gid)
            out["add"] = s.call("addGroupMember", "gm-devs", "alice")
            out["again"] = F(lambda: s.call("addGroupMember", "gm-devs", "alice"))
            out["again_nonstrict"] = s.call("addGroupMember", "gm-devs", "alice", strict=False)
            out["notgroup"] = F(lambda: s.call("addGroupMember", "kojiadmin", "alice"))
            out["groupingroup"] = F(lambda: s.call("addGroupMember", "gm-devs", "gm-devs"))
            out["nouser"] = F(lambda: s.call("addGroupMember", "gm-devs", "nobody-here"))
            out["alice_add"] = F(lambda: a.call("addGroupMember", "gm-devs", "kojiadmin"))
            out["members"] = s.call("getGroupMembers", "gm-devs")
            out["anon_members"] = anon.call("getGroupMembers", gid)
            out["members_notgroup"] = F(lambda: s.call("getGroupMembers", "alice"))
            out["usergroups"] = s.call("getUserGroups", "alice")
            out["withgroups"] = s.call("getUser", "alice", groups=True)["groups"]
            s.call("grantPermission", "gm-devs", "sign")
            out["alice_perms"] = a.call("getPerms")
            out["alice_hasperm"] = a.call("hasPerm", "sign")
            out["alice_direct"] = s.call("getUserPerms", "alice", False)
            out["alice_all"] = s.call("getUserPerms", "alice")
            out["alice_drop"] = F(lambda: a.call("dropGroupMember", "gm-devs", "alice"))
            out["drop"] = s.call("dropGroupMember", "gm-devs", "alice")
            out["dropagain"] = F(lambda: s.call("dropGroupMember", "gm-devs", "alice"))
            out["members_after"] = s.call("getGroupMembers", "gm-devs")
            out["alice_perms_after"] = a.call("getPerms")
            out["usergroups_after"] = s.call("getUserGroups", "alice")
            emit(out)
            """);
        var gid = r.GetProperty("gid").GetInt32();
        AssertFault(r.GetProperty("dupgroup"), 1000, "user/group already exists: gm-devs");
        AssertFault(r.GetProperty("alice_newgroup"), 1004);
        AssertFault(r.GetProperty("anon_newgroup"), 1004, "admin permission required");
        Assert.Equal(2, r.GetProperty("group").GetProperty("usertype").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("add").ValueKind);
        AssertFault(r.GetProperty("again"), 1000, "User already in group");
        Assert.Equal(JsonValueKind.Null, r.GetProperty("again_nonstrict").ValueKind);
        AssertFault(r.GetProperty("notgroup"), 1000, "Not a group: kojiadmin");
        AssertFault(r.GetProperty("groupingroup"), 1000, "Groups cannot be members of other groups");
        AssertFault(r.GetProperty("nouser"), 1000, "No such user: 'nobody-here'");
        AssertFault(r.GetProperty("alice_add"), 1004);
        var members = r.GetProperty("members").EnumerateArray().ToList();
        Assert.Single(members);
        Assert.Equal(["id", "krb_principals", "name", "usertype"], members[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("alice", members[0].GetProperty("name").GetString());
        Assert.Equal(r.GetProperty("members").GetRawText(), r.GetProperty("anon_members").GetRawText());
        AssertFault(r.GetProperty("members_notgroup"), 1000, "No such group: alice");
        var ug = r.GetProperty("usergroups").EnumerateArray().ToList();
        Assert.Single(ug);
        Assert.Equal(["name", "id"], ug[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal(gid, ug[0].GetProperty("id").GetInt32());
        Assert.Equal(["gm-devs"], Names(r.GetProperty("withgroups")));
        Assert.Contains("sign", Names(r.GetProperty("alice_perms")));
        Assert.True(r.GetProperty("alice_hasperm").GetBoolean());
        Assert.DoesNotContain("sign", Names(r.GetProperty("alice_direct")));
        Assert.Contains("sign", Names(r.GetProperty("alice_all")));
        AssertFault(r.GetProperty("alice_drop"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("drop").ValueKind);
        AssertFault(r.GetProperty("dropagain"), 1000, "No such user in group: gm-devs");
        Assert.Equal(0, r.GetProperty("members_after").GetArrayLength());
        Assert.DoesNotContain("sign", Names(r.GetProperty("alice_perms_after")));
        Assert.Equal(0, r.GetProperty("usergroups_after").GetArrayLength());
    }

    [Fact]
    public void PermissionGrantsRevokesAndQueries()
    {
        var r = Run("""
            out = {}
            out["all"] = anon.call("getAllPerms")
            out["anon_perms"] = anon.call("getPerms")
            out["anon_has"] = anon.call("hasPerm", "admin")
            out["anon_userperms"] = anon.call("getUserPerms")
            out["admin_perms"] = s.call("getPerms")
            out["admin_has_admin"] = s.call("hasPerm", "admin")
            out["admin_has_tag"] = s.call("hasPerm", "tag")
            out["strict_unknown"] = F(lambda: s.call("hasPerm", "no-such-perm", True))
            out["nonstrict_unknown"] = s.call("hasPerm", "no-such-perm")
            out["alice_grant"] = F(lambda: a.call("grantPermission", "alice", "tag"))
            out["anon_grant"] = F(lambda: anon.call("grantPermission", "alice", "tag"))
            out["alice_tag_before"] = a.call("hasPerm", "tag")
            out["grant"] = s.call("grantPermission", "alice", "tag")
            out["regrant"] = F(lambda: s.call("grantPermission", "alice", "tag"))
            out["alice_tag"] = a.call("hasPerm", "tag")
            out["alice_userperms"] = a.call("getUserPerms")
            out["unknown"] = F(lambda: s.call("grantPermission", "alice", "pg-new-perm"))
            out["desc_nocreate"] = F(lambda: s.call("grantPermission", "alice", "tag", description="d"))
            out["create"] = s.call("grantPermission", "alice", "pg-new-perm", create=True, description="x'; DROP TABLE users; --")
            out["badcreate"] = F(lambda: s.call("grantPermission", "alice", "bad perm!", create=True))
            out["all_after"] = s.call("getAllPerms")
            out["edit"] = s.call("editPermission", "pg-new-perm", "edited")
            out["alice_edit"] = F(lambda: a.call("editPermission", "pg-new-perm", "hacked"))
            out["edit_missing"] = F(lambda: s.call("editPermission", "no-such-perm", "x"))
            out["all_edited"] = s.call("getAllPerms")
            out["alice_revoke"] = F(lambda: a.call("revokePermission", "alice", "tag"))
            out["revoke"] = s.call("revokePermission", "alice", "tag")
            out["rerevoke"] = F(lambda: s.call("revokePermission", "alice", "tag"))
            out["alice_tag_after"] = a.call("hasPerm", "tag")
            out["nouser"] = F(lambda: s.call("getUserPerms", "nobody-here"))
            s.call("revokePermission", "alice", "pg-new-perm")
            emit(out)
            """);
        var all = r.GetProperty("all").EnumerateArray().ToList();
        Assert.True(all.Count >= 15);
        Assert.Equal(["id", "name", "description"], all[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("admin", all[0].GetProperty("name").GetString());
        Assert.Equal(all.Select(p => p.GetProperty("id").GetInt32()).Order(), all.Select(p => p.GetProperty("id").GetInt32()));
        Assert.Equal(0, r.GetProperty("anon_perms").GetArrayLength());
        Assert.False(r.GetProperty("anon_has").GetBoolean());
        Assert.Equal(0, r.GetProperty("anon_userperms").GetArrayLength());
        Assert.Equal(["admin"], Names(r.GetProperty("admin_perms")));
        Assert.True(r.GetProperty("admin_has_admin").GetBoolean());
        // hasPerm is an exact match: admin does not imply tag.
        Assert.False(r.GetProperty("admin_has_tag").GetBoolean());
        AssertFault(r.GetProperty("strict_unknown"), 1000, "No such permission no-such-perm defined");
        Assert.False(r.GetProperty("nonstrict_unknown").GetBoolean());
        AssertFault(r.GetProperty("alice_grant"), 1004);
        AssertFault(r.GetProperty("anon_grant"), 1004, "admin permission required");
        Assert.False(r.GetProperty("alice_tag_before").GetBoolean());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("grant").ValueKind);
        AssertFault(r.GetProperty("regrant"), 1000, "user alice already has permission: tag");
        Assert.True(r.GetProperty("alice_tag").GetBoolean());
        Assert.Contains("tag", Names(r.GetProperty("alice_userperms")));
        AssertFault(r.GetProperty("unknown"), 1000, "No such entry in table permissions: pg-new-perm");
        AssertFault(r.GetProperty("desc_nocreate"), 1000);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("create").ValueKind);
        AssertFault(r.GetProperty("badcreate"), 1000, "Name bad perm! does not match RegexNameInternal value");
        var created = r.GetProperty("all_after").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "pg-new-perm");
        Assert.Equal("x'; DROP TABLE users; --", created.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("edit").ValueKind);
        AssertFault(r.GetProperty("alice_edit"), 1004);
        AssertFault(r.GetProperty("edit_missing"), 1000);
        Assert.Equal("edited", r.GetProperty("all_edited").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "pg-new-perm").GetProperty("description").GetString());
        AssertFault(r.GetProperty("alice_revoke"), 1004);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("revoke").ValueKind);
        AssertFault(r.GetProperty("rerevoke"), 1000, "user alice does not have permission: tag");
        Assert.False(r.GetProperty("alice_tag_after").GetBoolean());
        AssertFault(r.GetProperty("nouser"), 1000, "No such user: 'nobody-here'");
    }
}

public sealed class SqliteUsersTests(SqliteHub hub) : UsersTests<SqliteHub>(hub);

public sealed class PostgresUsersTests(PostgresHub hub) : UsersTests<PostgresHub>(hub);
