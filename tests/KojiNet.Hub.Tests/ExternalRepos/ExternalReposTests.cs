using System.Text.Json;
using KojiNet.Hub.Tests.Api;

namespace KojiNet.Hub.Tests.ExternalRepos;

/// <summary>
/// External repos (api-core.md §9, kojira.md §3) driven by Python's xmlrpc.client, on both
/// engines: the repo and tag-link calls with upstream's fields, faults and permissions, the
/// inherited list the builder merges, and event versioning (history, as-of queries, tag change
/// events).
/// </summary>
public abstract class ExternalReposTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    private static string[] Keys(JsonElement e) => e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    private static string Fault(JsonElement e) => e.GetProperty("faultCode").GetInt32() + " " + e.GetProperty("faultString").GetString();

    [Fact]
    public void ReposAreCreatedListedEditedAndDeleted()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            out = {}
            out["create"] = s.call("createExternalRepo", "er-fedora", "https://example.org/fedora/$arch")
            rid = out["create"]["id"]
            out["slash"] = s.call("createExternalRepo", "er-other", "https://example.org/other/")
            out["dup"] = F(s, "createExternalRepo", "er-fedora", "https://example.org/x/")
            out["internal"] = F(s, "createExternalRepo", "INTERNAL", "https://example.org/x/")
            out["badname"] = F(s, "createExternalRepo", "er bad name", "https://example.org/x/")
            out["nourl"] = F(s, "createExternalRepo", "er-nourl", None)
            out["alice"] = F(a, "createExternalRepo", "er-alice", "https://example.org/a/")
            out["anon"] = F(n, "createExternalRepo", "er-anon", "https://example.org/a/")
            out["get"] = [n.call("getExternalRepo", "er-fedora"), n.call("getExternalRepo", rid), n.call("getExternalRepo", {"name": "er-fedora"})]
            out["missing"] = [n.call("getExternalRepo", "er-none"), F(n, "getExternalRepo", "er-none", strict=True), F(n, "getExternalRepo", 1.5),
                              n.call("getExternalRepo", 0)]
            mine = lambda rows: [x for x in rows if x["name"].startswith("er-")]
            out["list"] = mine(n.call("listExternalRepos"))
            out["byname"] = n.call("listExternalRepos", info="er-other")
            out["byurl"] = n.call("listExternalRepos", url="https://example.org/other/")
            out["byurl_noslash"] = n.call("listExternalRepos", url="https://example.org/other")
            out["order"] = [x["name"] for x in mine(n.call("listExternalRepos", queryOpts={"order": "-name"}))]
            out["count"] = n.call("listExternalRepos", queryOpts={"countOnly": True}) == len(n.call("listExternalRepos"))
            out["page"] = n.call("listExternalRepos", queryOpts={"order": "id", "offset": 1, "limit": 1}) == n.call("listExternalRepos")[1:2]
            out["aslist"] = n.call("listExternalRepos", info=rid, queryOpts={"asList": True})
            out["badorder"] = F(n, "listExternalRepos", queryOpts={"order": "nope"})
            e1 = s.call("getLastEvent")["id"]
            out["edit_alice"] = F(a, "editExternalRepo", rid, name="er-x")
            out["edit"] = s.call("editExternalRepo", rid, name="er-fedora2", url="https://mirror.example.org/fedora/$arch")
            out["edited"] = n.call("getExternalRepo", rid)
            out["old"] = n.call("getExternalRepo", rid, event=e1)
            out["oldlist"] = n.call("listExternalRepos", url="https://example.org/fedora/$arch/", event=e1)
            out["taken"] = F(s, "editExternalRepo", rid, name="er-other")
            out["taken_internal"] = F(s, "editExternalRepo", rid, name="INTERNAL")
            out["edit_missing"] = F(s, "editExternalRepo", "er-none", name="x")
            e2 = s.call("getLastEvent")["id"]
            # the same url, with or without the slash, is no change
            s.call("editExternalRepo", rid, url="https://mirror.example.org/fedora/$arch")
            out["same_url_no_event"] = s.call("getLastEvent")["id"] == e2
            out["del_alice"] = F(a, "deleteExternalRepo", rid)
            out["del"] = s.call("deleteExternalRepo", rid)
            out["deleted"] = [n.call("getExternalRepo", rid), [x["name"] for x in mine(n.call("listExternalRepos"))]]
            out["del_again"] = F(s, "deleteExternalRepo", rid)
            out["recreate"] = s.call("createExternalRepo", "er-fedora2", "https://example.org/again")
            out["rid"] = rid
            emit(out)
            """);
        var created = r.GetProperty("create");
        Assert.Equal(["id", "name", "url"], Keys(created));
        Assert.Equal("https://example.org/fedora/$arch/", created.GetProperty("url").GetString());
        Assert.Equal("er-fedora", created.GetProperty("name").GetString());
        Assert.Equal("https://example.org/other/", r.GetProperty("slash").GetProperty("url").GetString());
        Assert.Equal("1000 An external repo named \"er-fedora\" already exists", Fault(r.GetProperty("dup")));
        Assert.Equal("1000 An external repo named \"INTERNAL\" already exists", Fault(r.GetProperty("internal")));
        Assert.Equal("1000 Name er bad name does not match RegexNameInternal value", Fault(r.GetProperty("badname")));
        Assert.Equal(1000, r.GetProperty("nourl").GetProperty("faultCode").GetInt32());
        Assert.Equal("1004 admin permission required (logged in as alice)", Fault(r.GetProperty("alice")));
        Assert.Equal(1004, r.GetProperty("anon").GetProperty("faultCode").GetInt32());
        Assert.All(r.GetProperty("get").EnumerateArray(), g => Assert.Equal(created.GetRawText(), g.GetRawText()));
        var missing = r.GetProperty("missing");
        Assert.Equal(JsonValueKind.Null, missing[0].ValueKind);
        Assert.Equal("1000 No such repo: er-none", Fault(missing[1]));
        Assert.Equal("1019 Invalid name or id value: 1.5", Fault(missing[2]));
        Assert.Equal(JsonValueKind.Null, missing[3].ValueKind); // the INTERNAL placeholder is not an external repo
        Assert.Equal(2, r.GetProperty("list").GetArrayLength());
        Assert.Equal("er-other", r.GetProperty("byname")[0].GetProperty("name").GetString());
        Assert.Equal(1, r.GetProperty("byurl").GetArrayLength());
        Assert.Equal(0, r.GetProperty("byurl_noslash").GetArrayLength());
        Assert.Equal("""["er-other","er-fedora"]""", r.GetProperty("order").GetRawText());
        Assert.True(r.GetProperty("count").GetBoolean());
        Assert.True(r.GetProperty("page").GetBoolean());
        Assert.Equal($"""[[{r.GetProperty("rid").GetInt32()},"er-fedora","https://example.org/fedora/$arch/"]]""", r.GetProperty("aslist").GetRawText());
        Assert.Equal(1019, r.GetProperty("badorder").GetProperty("faultCode").GetInt32());
        Assert.Equal("1004 admin permission required (logged in as alice)", Fault(r.GetProperty("edit_alice")));
        Assert.Equal(JsonValueKind.Null, r.GetProperty("edit").ValueKind);
        Assert.Equal("er-fedora2", r.GetProperty("edited").GetProperty("name").GetString());
        Assert.Equal("https://mirror.example.org/fedora/$arch/", r.GetProperty("edited").GetProperty("url").GetString());
        // The url is versioned; the name (like a tag's) is not.
        Assert.Equal("https://example.org/fedora/$arch/", r.GetProperty("old").GetProperty("url").GetString());
        Assert.Equal("er-fedora2", r.GetProperty("old").GetProperty("name").GetString());
        Assert.Equal(1, r.GetProperty("oldlist").GetArrayLength());
        Assert.Equal("1000 name \"er-other\" is already taken by external repo " + r.GetProperty("slash").GetProperty("id").GetInt32(), Fault(r.GetProperty("taken")));
        Assert.Equal("1000 name \"INTERNAL\" is already taken by external repo 0", Fault(r.GetProperty("taken_internal")));
        Assert.Equal("1000 No such repo: er-none", Fault(r.GetProperty("edit_missing")));
        Assert.True(r.GetProperty("same_url_no_event").GetBoolean());
        Assert.Equal(1004, r.GetProperty("del_alice").GetProperty("faultCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("del").ValueKind);
        Assert.Equal("""[null,["er-other"]]""", r.GetProperty("deleted").GetRawText());
        Assert.Equal("1000 No such repo: " + r.GetProperty("rid").GetInt32(), Fault(r.GetProperty("del_again")));
        // A deleted repo's name keeps its id.
        Assert.Equal(r.GetProperty("rid").GetInt32(), r.GetProperty("recreate").GetProperty("id").GetInt32());
        Assert.Equal("https://example.org/again/", r.GetProperty("recreate").GetProperty("url").GetString());
    }

    [Fact]
    public void TagLinksHaveUpstreamFieldsFaultsAndPermissions()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            out = {}
            s.call("createTag", "tl-tag")
            s.call("createTag", "tl-tag2")
            r1 = s.call("createExternalRepo", "tl-r1", "https://example.org/r1/$arch/")
            r2 = s.call("createExternalRepo", "tl-r2", "https://example.org/r2/")
            r3 = s.call("createExternalRepo", "tl-r3", "https://example.org/r3/")
            out["alice"] = F(a, "addExternalRepoToTag", "tl-tag", "tl-r1", 10)
            out["anon"] = F(n, "addExternalRepoToTag", "tl-tag", "tl-r1", 10)
            out["add"] = s.call("addExternalRepoToTag", "tl-tag", "tl-r1", 10)
            out["add2"] = s.call("addExternalRepoToTag", "tl-tag", r2["id"], "5", merge_mode="bare", arches="x86_64  aarch64")
            out["dup_repo"] = F(s, "addExternalRepoToTag", "tl-tag", "tl-r1", 20)
            out["dup_prio"] = F(s, "addExternalRepoToTag", "tl-tag", "tl-r3", 10)
            out["bad_mode"] = F(s, "addExternalRepoToTag", "tl-tag", "tl-r3", 30, merge_mode="fancy")
            out["bad_arches"] = F(s, "addExternalRepoToTag", "tl-tag", "tl-r3", 30, arches="x86_64,aarch64")
            out["bad_prio"] = F(s, "addExternalRepoToTag", "tl-tag", "tl-r3", "high")
            out["none_prio"] = F(s, "addExternalRepoToTag", "tl-tag", "tl-r3", None)
            out["no_tag"] = F(s, "addExternalRepoToTag", "tl-none", "tl-r3", 30)
            out["no_repo"] = F(s, "addExternalRepoToTag", "tl-tag", "tl-none", 30)
            out["none_mode"] = s.call("addExternalRepoToTag", "tl-tag2", "tl-r3", 1, merge_mode=None)
            s.call("addExternalRepoToTag", "tl-tag2", "tl-r1", 2, merge_mode="simple")
            out["links"] = n.call("getTagExternalRepos", "tl-tag")
            out["byrepo"] = [(x["tag_name"], x["merge_mode"]) for x in n.call("getTagExternalRepos", repo_info="tl-r1")]
            out["both"] = n.call("getTagExternalRepos", "tl-tag2", "tl-r3")
            out["all"] = len([x for x in n.call("getTagExternalRepos") if x["tag_name"].startswith("tl-")])
            out["notag"] = F(n, "getTagExternalRepos", "tl-none")
            out["norepo"] = F(n, "getTagExternalRepos", repo_info="tl-none")
            e1 = s.call("getLastEvent")["id"]
            out["edit_alice"] = F(a, "editTagExternalRepo", "tl-tag", "tl-r1", priority=1)
            out["edit_same"] = s.call("editTagExternalRepo", "tl-tag", "tl-r1", priority=10, merge_mode="koji")
            out["same_no_event"] = s.call("getLastEvent")["id"] == e1
            out["edit_prio_clash"] = F(s, "editTagExternalRepo", "tl-tag", "tl-r1", priority=5)
            out["edit_bad_mode"] = F(s, "editTagExternalRepo", "tl-tag", "tl-r1", merge_mode="fancy")
            out["edit_unlinked"] = F(s, "editTagExternalRepo", "tl-tag", "tl-r3", priority=1)
            out["edit"] = s.call("editTagExternalRepo", "tl-tag", "tl-r1", priority=1, arches="ppc64le")
            out["edit_mode"] = s.call("editTagExternalRepo", "tl-tag", "tl-r2", merge_mode="simple")
            out["edit_clear_arches"] = s.call("editTagExternalRepo", "tl-tag", "tl-r2", arches="")
            out["edited"] = n.call("getTagExternalRepos", "tl-tag")
            out["at_e1"] = [(x["external_repo_name"], x["priority"], x["arches"]) for x in n.call("getTagExternalRepos", "tl-tag", event=e1)]
            out["rm_alice"] = F(a, "removeExternalRepoFromTag", "tl-tag", "tl-r1")
            out["rm"] = s.call("removeExternalRepoFromTag", "tl-tag", "tl-r1")
            out["rm_again"] = F(s, "removeExternalRepoFromTag", "tl-tag", "tl-r1")
            out["after_rm"] = [x["external_repo_name"] for x in n.call("getTagExternalRepos", "tl-tag")]
            # the tag permission is enough for the link calls
            s.call("grantPermission", "alice", "tag")
            out["alice_tag"] = [F(a, "addExternalRepoToTag", "tl-tag", "tl-r1", 3),
                                F(a, "editTagExternalRepo", "tl-tag", "tl-r1", priority=4),
                                F(a, "removeExternalRepoFromTag", "tl-tag", "tl-r1")]
            s.call("revokePermission", "alice", "tag")
            # deleting a repo detaches it from its tags; deleting a tag drops its links
            s.call("deleteExternalRepo", "tl-r3")
            out["after_delete_repo"] = [x["external_repo_name"] for x in n.call("getTagExternalRepos", "tl-tag2")]
            s.call("deleteTag", "tl-tag2")
            out["after_delete_tag"] = [x["tag_name"] for x in n.call("getTagExternalRepos", repo_info="tl-r1")]
            out["ids"] = [r1["id"], r2["id"]]
            emit(out)
            """);
        Assert.Equal("1004 tag permission required (logged in as alice)", Fault(r.GetProperty("alice")));
        Assert.Equal(1004, r.GetProperty("anon").GetProperty("faultCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("add").ValueKind);
        Assert.Equal("1000 tag tl-tag already associated with external repo tl-r1", Fault(r.GetProperty("dup_repo")));
        Assert.Equal("1000 tag tl-tag already associated with an external repo at priority 10", Fault(r.GetProperty("dup_prio")));
        Assert.Equal("1000 No such merge mode: fancy", Fault(r.GetProperty("bad_mode")));
        Assert.Equal("1000 Architecture can be only [a-zA-Z0-9_-]", Fault(r.GetProperty("bad_arches")));
        Assert.Equal("1019 Invalid type for value 'high': <class 'str'>", Fault(r.GetProperty("bad_prio")));
        Assert.Equal("1019 Invalid type, expected type <class 'int'>", Fault(r.GetProperty("none_prio")));
        Assert.Equal("1000 No such tagInfo: 'tl-none'", Fault(r.GetProperty("no_tag")));
        Assert.Equal("1000 No such repo: tl-none", Fault(r.GetProperty("no_repo")));

        var links = r.GetProperty("links");
        Assert.Equal(2, links.GetArrayLength());
        Assert.Equal(["arches", "external_repo_id", "external_repo_name", "merge_mode", "priority", "tag_id", "tag_name", "url"], Keys(links[0]));
        // Ordered by priority: tl-r2 (5) before tl-r1 (10).
        Assert.Equal("tl-r2", links[0].GetProperty("external_repo_name").GetString());
        Assert.Equal(5, links[0].GetProperty("priority").GetInt32());
        Assert.Equal("bare", links[0].GetProperty("merge_mode").GetString());
        Assert.Equal("x86_64 aarch64", links[0].GetProperty("arches").GetString());
        Assert.Equal(r.GetProperty("ids")[1].GetInt32(), links[0].GetProperty("external_repo_id").GetInt32());
        Assert.Equal("tl-r1", links[1].GetProperty("external_repo_name").GetString());
        Assert.Equal("koji", links[1].GetProperty("merge_mode").GetString());
        Assert.Equal(JsonValueKind.Null, links[1].GetProperty("arches").ValueKind);
        Assert.Equal("https://example.org/r1/$arch/", links[1].GetProperty("url").GetString());
        Assert.Equal("tl-tag", links[1].GetProperty("tag_name").GetString());
        Assert.Equal("""[["tl-tag2","simple"],["tl-tag","koji"]]""", r.GetProperty("byrepo").GetRawText());
        Assert.Equal(1, r.GetProperty("both").GetArrayLength());
        Assert.Equal("koji", r.GetProperty("both")[0].GetProperty("merge_mode").GetString());
        Assert.Equal(4, r.GetProperty("all").GetInt32());
        Assert.Equal("1000 No such tagInfo: 'tl-none'", Fault(r.GetProperty("notag")));
        Assert.Equal("1000 No such repo: tl-none", Fault(r.GetProperty("norepo")));

        Assert.Equal("1004 tag permission required (logged in as alice)", Fault(r.GetProperty("edit_alice")));
        Assert.False(r.GetProperty("edit_same").GetBoolean());
        Assert.True(r.GetProperty("same_no_event").GetBoolean());
        Assert.Equal("1000 tag tl-tag already associated with an external repo at priority 5", Fault(r.GetProperty("edit_prio_clash")));
        Assert.Equal("1000 No such merge mode: fancy", Fault(r.GetProperty("edit_bad_mode")));
        Assert.Equal("1000 external repo tl-r3 not associated with tag tl-tag", Fault(r.GetProperty("edit_unlinked")));
        Assert.True(r.GetProperty("edit").GetBoolean());
        Assert.True(r.GetProperty("edit_mode").GetBoolean());
        Assert.True(r.GetProperty("edit_clear_arches").GetBoolean());
        var edited = r.GetProperty("edited");
        Assert.Equal("tl-r1", edited[0].GetProperty("external_repo_name").GetString());
        Assert.Equal(1, edited[0].GetProperty("priority").GetInt32());
        Assert.Equal("ppc64le", edited[0].GetProperty("arches").GetString());
        Assert.Equal("koji", edited[0].GetProperty("merge_mode").GetString());
        Assert.Equal("simple", edited[1].GetProperty("merge_mode").GetString());
        Assert.Equal("", edited[1].GetProperty("arches").GetString());
        Assert.Equal("""[["tl-r2",5,"x86_64 aarch64"],["tl-r1",10,null]]""", r.GetProperty("at_e1").GetRawText());
        Assert.Equal(1004, r.GetProperty("rm_alice").GetProperty("faultCode").GetInt32());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("rm").ValueKind);
        Assert.Equal("1000 external repo tl-r1 not associated with tag tl-tag", Fault(r.GetProperty("rm_again")));
        Assert.Equal("""["tl-r2"]""", r.GetProperty("after_rm").GetRawText());
        Assert.Equal("[null,true,null]", r.GetProperty("alice_tag").GetRawText());
        Assert.Equal("""["tl-r1"]""", r.GetProperty("after_delete_repo").GetRawText());
        Assert.Equal("[]", r.GetProperty("after_delete_tag").GetRawText());
    }

    [Fact]
    public void ExternalRepoListFollowsInheritanceDepthFirstByPriority()
    {
        // il-child inherits il-left (priority 10) then il-right (20); il-left inherits il-deep.
        // Walk: il-child, il-left, il-deep, il-right; a repo already seen is left out.
        var r = hub.Python(TagsTests<THub>.Prelude + """
            for t in ("il-child", "il-left", "il-right", "il-deep"):
                s.call("createTag", t)
            def link(child, parent, prio):
                s.call("setInheritanceData", child, [{"parent_id": s.call("getTagID", parent), "priority": prio, "maxdepth": None,
                                                      "intransitive": False, "noconfig": False, "pkg_filter": ""}])
            link("il-child", "il-left", 10)
            link("il-child", "il-right", 20)
            link("il-left", "il-deep", 0)
            for name in ("il-a", "il-b", "il-c", "il-d", "il-e", "il-f"):
                s.call("createExternalRepo", name, "https://example.org/%s/$arch/" % name)
            s.call("addExternalRepoToTag", "il-child", "il-a", 50)
            s.call("addExternalRepoToTag", "il-left", "il-c", 2)
            s.call("addExternalRepoToTag", "il-left", "il-b", 1)
            s.call("addExternalRepoToTag", "il-deep", "il-e", 1, merge_mode="koji", arches="x86_64")
            s.call("addExternalRepoToTag", "il-right", "il-a", 1)
            s.call("addExternalRepoToTag", "il-right", "il-d", 2)
            e1 = s.call("getLastEvent")["id"]
            s.call("addExternalRepoToTag", "il-deep", "il-f", 2)
            s.call("removeExternalRepoFromTag", "il-left", "il-c")
            out = {}
            out["list"] = n.call("getExternalRepoList", "il-child")
            out["at_e1"] = [(x["external_repo_name"], x["tag_name"]) for x in n.call("getExternalRepoList", "il-child", event=e1)]
            out["left"] = [x["external_repo_name"] for x in n.call("getExternalRepoList", s.call("getTagID", "il-left"))]
            out["deep"] = [x["external_repo_name"] for x in n.call("getExternalRepoList", "il-deep")]
            out["notag"] = F(n, "getExternalRepoList", "il-none")
            out["before_tag"] = F(n, "getExternalRepoList", "il-child", event=1)
            emit(out)
            """);
        var list = r.GetProperty("list");
        Assert.Equal(["arches", "external_repo_id", "external_repo_name", "merge_mode", "priority", "tag_id", "tag_name", "url"], Keys(list[0]));
        Assert.Equal(
            """[["il-a","il-child",50],["il-b","il-left",1],["il-e","il-deep",1],["il-f","il-deep",2],["il-d","il-right",2]]""",
            JsonSerializer.Serialize(list.EnumerateArray().Select(x => new object[]
            {
                x.GetProperty("external_repo_name").GetString()!, x.GetProperty("tag_name").GetString()!, x.GetProperty("priority").GetInt32(),
            })));
        Assert.Equal("x86_64", list[2].GetProperty("arches").GetString());
        Assert.Equal("https://example.org/il-e/$arch/", list[2].GetProperty("url").GetString());
        Assert.Equal(
            """[["il-a","il-child"],["il-b","il-left"],["il-c","il-left"],["il-e","il-deep"],["il-d","il-right"]]""",
            r.GetProperty("at_e1").GetRawText());
        Assert.Equal("""["il-b","il-e","il-f"]""", r.GetProperty("left").GetRawText());
        Assert.Equal("""["il-e","il-f"]""", r.GetProperty("deep").GetRawText());
        Assert.Equal("1000 No such tagInfo: 'il-none'", Fault(r.GetProperty("notag")));
        Assert.Equal(1000, r.GetProperty("before_tag").GetProperty("faultCode").GetInt32());
    }

    [Fact]
    public void ChangesAreVersionedAndCountAsTagChanges()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            out = {}
            s.call("createTag", "ev-x-parent")
            s.call("createTag", "ev-x-child", parent="ev-x-parent")
            s.call("createTag", "ev-x-other")
            rid = s.call("createExternalRepo", "ev-x-repo", "https://example.org/ev/")["id"]
            last = lambda t, **kw: n.call("tagLastChangeEvent", t, **kw)
            base = last("ev-x-child")
            s.call("addExternalRepoToTag", "ev-x-parent", "ev-x-repo", 1)
            e_add = s.call("getLastEvent")["id"]
            out["add"] = [last("ev-x-child") == e_add, last("ev-x-child", inherit=False) == base, last("ev-x-parent") == e_add]
            s.call("editExternalRepo", "ev-x-repo", url="https://example.org/ev2/")
            e_url = s.call("getLastEvent")["id"]
            out["url"] = [last("ev-x-child") == e_url, last("ev-x-other") < e_url]
            # tagChangedSinceEvent looks at the tag's own tables only (the link), not at the repo's url
            out["changed"] = [n.call("tagChangedSinceEvent", base, ["ev-x-parent"]), n.call("tagChangedSinceEvent", e_add, ["ev-x-parent"])]
            s.call("grantPermission", "alice", "repo")
            out["data_none"] = a.call("repo.getExternalRepoData", "ev-x-repo")
            out["set"] = a.call("repo.setExternalRepoData", rid, {"max_ts": 1700000000})
            e_data = s.call("getLastEvent")["id"]
            out["data"] = [last("ev-x-child") == e_data, n.call("tagFirstChangeEvent", "ev-x-child", after=e_url) == e_data]
            a.call("repo.setExternalRepoData", "ev-x-repo", [["max_ts", 1700000100], ["note", "x"]])
            out["get"] = [n.call("repo.getExternalRepoData", "ev-x-repo"), n.call("repo.getExternalRepoData", rid)]
            s.call("revokePermission", "alice", "repo")
            out["set_alice"] = F(a, "repo.setExternalRepoData", rid, {"max_ts": 1})
            out["set_anon"] = F(n, "repo.setExternalRepoData", rid, {"max_ts": 1})
            out["set_bad"] = [F(s, "repo.setExternalRepoData", rid, None), F(s, "repo.setExternalRepoData", rid, "ts"),
                              F(s, "repo.setExternalRepoData", "ev-x-none", {})]
            out["get_missing"] = F(n, "repo.getExternalRepoData", "ev-x-none")
            before_refused = s.call("getLastEvent")["id"]
            F(a, "createExternalRepo", "ev-x-refused", "https://example.org/r/")
            F(a, "addExternalRepoToTag", "ev-x-parent", "ev-x-repo", 5)
            F(a, "editTagExternalRepo", "ev-x-parent", "ev-x-repo", priority=5)
            out["refused_no_event"] = s.call("getLastEvent")["id"] == before_refused
            s.call("removeExternalRepoFromTag", "ev-x-parent", "ev-x-repo")
            e_rm = s.call("getLastEvent")["id"]
            out["rm"] = last("ev-x-child") == e_rm
            h = n.call("queryHistory", tables=["external_repo_config", "external_repo_data", "tag_external_repos"], external_repo="ev-x-repo")
            out["history"] = {k: [(x["active"], x.get("url"), x.get("data"), x.get("tag.name"), x.get("priority"), x.get("merge_mode")) for x in v]
                              for k, v in h.items()}
            out["history_row"] = h["tag_external_repos"][0]
            emit(out)
            """);
        Assert.Equal("[true,true,true]", r.GetProperty("add").GetRawText());
        Assert.Equal("[true,true]", r.GetProperty("url").GetRawText());
        Assert.Equal("[true,false]", r.GetProperty("changed").GetRawText());
        Assert.Equal(JsonValueKind.Null, r.GetProperty("data_none").ValueKind);
        Assert.Equal(JsonValueKind.Null, r.GetProperty("set").ValueKind);
        Assert.Equal("[true,true]", r.GetProperty("data").GetRawText());
        Assert.Equal("""[{"max_ts":1700000100,"note":"x"},{"max_ts":1700000100,"note":"x"}]""", r.GetProperty("get").GetRawText());
        Assert.Equal("1004 repo permission required (logged in as alice)", Fault(r.GetProperty("set_alice")));
        Assert.Equal(1004, r.GetProperty("set_anon").GetProperty("faultCode").GetInt32());
        var bad = r.GetProperty("set_bad");
        Assert.Equal("1019 Invalid type, expected type <class 'dict'>", Fault(bad[0]));
        Assert.Equal("1019 Invalid type for value 'ts': <class 'str'>", Fault(bad[1]));
        Assert.Equal("1000 No such entry in table external_repo: ev-x-none", Fault(bad[2]));
        Assert.Equal("1000 No such entry in table external_repo: ev-x-none", Fault(r.GetProperty("get_missing")));
        Assert.True(r.GetProperty("refused_no_event").GetBoolean());
        Assert.True(r.GetProperty("rm").GetBoolean());
        var history = r.GetProperty("history");
        Assert.Equal(
            """[[null,"https://example.org/ev/",null,null,null,null],[true,"https://example.org/ev2/",null,null,null,null]]""",
            history.GetProperty("external_repo_config").GetRawText());
        Assert.Equal(
            """[[null,null,{"max_ts":1700000000},null,null,null],[true,null,{"max_ts":1700000100,"note":"x"},null,null,null]]""",
            history.GetProperty("external_repo_data").GetRawText());
        Assert.Equal("""[[null,null,null,"ev-x-parent",1,"koji"]]""", history.GetProperty("tag_external_repos").GetRawText());
        var row = r.GetProperty("history_row");
        Assert.Equal("kojiadmin", row.GetProperty("creator_name").GetString());
        Assert.Equal("kojiadmin", row.GetProperty("revoker_name").GetString());
        Assert.Equal("ev-x-repo", row.GetProperty("external_repo.name").GetString());
    }
}

public sealed class SqliteExternalReposTests(SqliteHub hub) : ExternalReposTests<SqliteHub>(hub);

public sealed class PostgresExternalReposTests(PostgresHub hub) : ExternalReposTests<PostgresHub>(hub);
