namespace KojiNet.Hub.Tests.Api;

/// <summary>Events and tag change detection (model.md §2.3), on both engines.</summary>
public abstract class EventsTests<THub>(THub hub) : IClassFixture<THub> where THub : HubFixture
{
    [Fact]
    public void EventsAndTagChangeEvents()
    {
        var r = hub.Python(TagsTests<THub>.Prelude + """
            s.call("createTag", "ev-parent")
            s.call("createTag", "ev-child", parent="ev-parent")
            e1 = s.call("getLastEvent")
            s.call("editTag2", "ev-parent", extra={"k": 1})
            e2 = s.call("getLastEvent")
            emit({"e1": e1, "e2": e2, "get": n.call("getEvent", e1["id"]),
                  "before": n.call("getLastEvent", before=e2["ts"]),
                  "changed": [n.call("tagChangedSinceEvent", e1["id"], ["ev-child"]), n.call("tagChangedSinceEvent", e1["id"], ["ev-parent"])],
                  "last": n.call("tagLastChangeEvent", "ev-child"),
                  "last_noinherit": n.call("tagLastChangeEvent", "ev-child", inherit=False),
                  "last_before": n.call("tagLastChangeEvent", "ev-child", before=e1["id"]),
                  "first_after": n.call("tagFirstChangeEvent", "ev-child", after=e1["id"]),
                  "badbefore": F(n, "getLastEvent", before="x")})
            """);
        var e1 = r.GetProperty("e1").GetProperty("id").GetInt32();
        var e2 = r.GetProperty("e2").GetProperty("id").GetInt32();
        Assert.True(e2 > e1);
        Assert.Equal(["id", "ts"], r.GetProperty("e1").EnumerateObject().Select(p => p.Name).ToArray());
        Assert.Equal(r.GetProperty("e1").GetRawText(), r.GetProperty("get").GetRawText());
        Assert.True(r.GetProperty("before").GetProperty("id").GetInt32() < e2);
        Assert.Equal("[false,true]", r.GetProperty("changed").GetRawText());
        Assert.Equal(e2, r.GetProperty("last").GetInt32());
        Assert.Equal(e1, r.GetProperty("last_noinherit").GetInt32());
        Assert.Equal(e1, r.GetProperty("last_before").GetInt32());
        Assert.Equal(e2, r.GetProperty("first_after").GetInt32());
        Assert.Equal(1000, r.GetProperty("badbefore").GetProperty("faultCode").GetInt32());
    }
}

public sealed class SqliteEventsTests(SqliteHub hub) : EventsTests<SqliteHub>(hub);

public sealed class PostgresEventsTests(PostgresHub hub) : EventsTests<PostgresHub>(hub);
