namespace KojiNet.Hub.Tests.Api;

/// <summary>Packages and tag package lists with inheritance, blocks and owners (api-core.md §2), on both engines.</summary>
public abstract class PackagesTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    [Fact]
    public void AddPkgMulticallAndInheritedListsWithBlocks()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            evil = "x'; DROP TABLE users; --"
            s.call("createTag", "pl-parent")
            s.call("createTag", "pl-child", parent="pl-parent")
            s.call("createTag", "pl-filtered")
            s.call("setInheritanceData", "pl-filtered", {"parent_id": s.call("getTagID", "pl-parent"), "priority": 0, "maxdepth": None,
                   "intransitive": False, "noconfig": False, "pkg_filter": "pl-a"})
            # the CLI's add-pkg: one multicall of packageListAdd per package
            mc = s.multicall([("packageListAdd", ["pl-parent", p, "kojiadmin"], {"force": False, "block": False})
                              for p in ["pl-a", "pl-b", "pl-c"]])
            out = {"mc": mc}
            out["alice"] = F(a, "packageListAdd", "pl-parent", "pl-d", "alice")
            out["anon"] = F(n, "packageListAdd", "pl-parent", "pl-d", "alice")
            out["noowner"] = F(s, "packageListAdd", "pl-parent", "pl-d")
            out["badname"] = F(s, "packageListAdd", "pl-parent", evil, "kojiadmin")
            e1 = s.call("getLastEvent")["id"]
            s.call("packageListBlock", "pl-child", "pl-b")
            out["blockmissing"] = F(s, "packageListBlock", "pl-child", "pl-zzz")
            out["blocked_add"] = F(s, "packageListAdd", "pl-child", "pl-b", "kojiadmin", block=False)
            s.call("packageListSetOwner", "pl-child", "pl-c", "alice")
            s.call("packageListSetArches", "pl-child", "pl-a", "noarch")
            def names(rows): return sorted((x["package_name"], x["tag_name"], x["blocked"]) for x in rows)
            out["child"] = names(n.call("listPackages", tagID="pl-child", inherited=True))
            out["child_own"] = names(n.call("listPackages", tagID="pl-child"))
            out["unblocked"] = names(n.call("listPackages", tagID="pl-child", inherited=True, with_blocked=False))
            out["dups"] = names(n.call("listPackages", tagID="pl-child", inherited=True, with_dups=True))
            out["filtered"] = names(n.call("listPackages", tagID="pl-filtered", inherited=True))
            out["old"] = names(n.call("listPackages", tagID="pl-child", inherited=True, event=e1))
            out["byowner"] = names(n.call("listPackages", userID="alice"))
            out["noowners"] = n.call("listPackages", tagID="pl-parent", pkgID="pl-a", with_owners=False)
            out["owned"] = n.call("listPackages", tagID="pl-parent", pkgID="pl-a")
            out["check"] = [n.call("checkTagPackage", "pl-child", p) for p in ["pl-a", "pl-b", "pl-none"]]
            s.call("packageListUnblock", "pl-child", "pl-b")
            out["afterunblock"] = names(n.call("listPackages", tagID="pl-child", inherited=True))
            out["notblocked"] = F(s, "packageListUnblock", "pl-child", "pl-b")
            s.call("packageListRemove", "pl-parent", "pl-c")
            out["removed"] = names(n.call("listPackages", tagID="pl-parent"))
            out["all"] = [p["package_name"] for p in n.call("listPackages", prefix="PL-")]
            out["simple"] = n.call("listPackagesSimple", prefix="pl-a")
            out["pkg"] = n.call("getPackage", "pl-a")
            out["pkgid"] = n.call("getPackageID", "pl-a")
            out["nopkg"] = [n.call("getPackage", "pl-none"), n.call("getPackageID", "pl-none"), F(n, "getPackageID", "pl-none", strict=True)]
            out["notag"] = F(n, "listPackages", tagID="pl-none")
            out["count"] = n.call("listPackages", tagID="pl-child", inherited=True, queryOpts={"countOnly": True})
            emit(out)
            """);
        Assert.Equal("[[null],[null],[null]]", r.GetProperty("mc").GetRawText());
        Assert.Equal("policy violation (package_list): only admin/tag can do this via default policy", r.GetProperty("alice").GetProperty("faultString").GetString());
        Assert.Equal(1004, r.GetProperty("anon").GetProperty("faultCode").GetInt32());
        Assert.Equal("owner not specified", r.GetProperty("noowner").GetProperty("faultString").GetString());
        Assert.Equal(1000, r.GetProperty("badname").GetProperty("faultCode").GetInt32());
        Assert.Equal("No such entry in table package: pl-zzz", r.GetProperty("blockmissing").GetProperty("faultString").GetString());
        Assert.Equal("package pl-b is blocked in tag pl-child", r.GetProperty("blocked_add").GetProperty("faultString").GetString());
        Assert.Equal("""[["pl-a","pl-child",false],["pl-b","pl-child",true],["pl-c","pl-child",false]]""", r.GetProperty("child").GetRawText());
        Assert.Equal(r.GetProperty("child").GetRawText(), r.GetProperty("child_own").GetRawText());
        Assert.Equal("""[["pl-a","pl-child",false],["pl-c","pl-child",false]]""", r.GetProperty("unblocked").GetRawText());
        Assert.Equal(6, r.GetProperty("dups").GetArrayLength());
        Assert.Equal("""[["pl-a","pl-parent",false]]""", r.GetProperty("filtered").GetRawText());
        Assert.Equal("""[["pl-a","pl-parent",false],["pl-b","pl-parent",false],["pl-c","pl-parent",false]]""", r.GetProperty("old").GetRawText());
        Assert.Equal("""[["pl-c","pl-child",false]]""", r.GetProperty("byowner").GetRawText());
        Assert.False(r.GetProperty("noowners")[0].TryGetProperty("owner_id", out _));
        var owned = r.GetProperty("owned")[0];
        Assert.Equal("kojiadmin", owned.GetProperty("owner_name").GetString());
        Assert.Equal(
            ["blocked", "extra_arches", "owner_id", "owner_name", "package_id", "package_name", "tag_id", "tag_name"],
            owned.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal("[true,false,false]", r.GetProperty("check").GetRawText());
        Assert.Equal("""[["pl-a","pl-child",false],["pl-b","pl-parent",false],["pl-c","pl-child",false]]""", r.GetProperty("afterunblock").GetRawText());
        Assert.Equal("package pl-b NOT blocked in tag pl-child", r.GetProperty("notblocked").GetProperty("faultString").GetString());
        Assert.Equal("""[["pl-a","pl-parent",false],["pl-b","pl-parent",false]]""", r.GetProperty("removed").GetRawText());
        Assert.Equal("""["pl-a","pl-b","pl-c"]""", r.GetProperty("all").GetRawText());
        Assert.Equal("pl-a", r.GetProperty("simple")[0].GetProperty("package_name").GetString());
        Assert.Equal(r.GetProperty("pkgid").GetInt32(), r.GetProperty("pkg").GetProperty("id").GetInt32());
        Assert.Equal("[null,null,{\"faultCode\":1000,\"faultString\":\"No such package name: pl-none\"}]", r.GetProperty("nopkg").GetRawText());
        Assert.Equal(1000, r.GetProperty("notag").GetProperty("faultCode").GetInt32());
        Assert.Equal(3, r.GetProperty("count").GetInt32());
    }
}

public sealed class SqlitePackagesTests(SqliteHub hub) : PackagesTests<SqliteHub>(hub);

public sealed class PostgresPackagesTests(PostgresHub hub) : PackagesTests<PostgresHub>(hub);
