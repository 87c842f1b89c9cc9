using KojiNet.Hub.Data;

namespace KojiNet.Hub.Tests.Data;

/// <summary>Named parameters become PostgreSQL's positional ones, and nothing else changes.</summary>
public sealed class PositionalSqlTests
{
    [Fact]
    public void NamesAreNumberedInOrderOfFirstUse()
    {
        var (text, names) = PositionalSql.Convert("SELECT a FROM t WHERE id = @id AND (x = @name OR y = @id) AND z = @_event2");
        Assert.Equal("SELECT a FROM t WHERE id = $1 AND (x = $2 OR y = $1) AND z = $3", text);
        Assert.Equal(["id", "name", "_event2"], names);
    }

    [Fact]
    public void LiteralsQuotedNamesCommentsAndOperatorsAreLeftAlone()
    {
        const string sql = """
            SELECT 'it''s @notparam', "col@x", x @> y, a<@b -- comment @nope
            FROM t WHERE e = 'a@b.c' AND n = @n
            """;
        var (text, names) = PositionalSql.Convert(sql);
        Assert.Equal(sql.Replace("AND n = @n", "AND n = $1", StringComparison.Ordinal), text);
        Assert.Equal(["n"], names);
    }

    [Fact]
    public void AnAddressLikeWordIsNotAParameterAndSeveralStatementsAreRefused()
    {
        var (text, names) = PositionalSql.Convert("SELECT user@host");
        Assert.Equal("SELECT user@host", text);
        Assert.Empty(names);
        Assert.Throws<ArgumentException>(() => PositionalSql.Convert("INSERT INTO t VALUES (@a); COMMIT"));
        Assert.Equal("SELECT ';' || $1", PositionalSql.Convert("SELECT ';' || @a").Text);
    }

    [Fact]
    public void ConversionsAreCachedPerText()
    {
        var sql = "SELECT @cached_" + Guid.NewGuid().ToString("N");
        Assert.Same(PositionalSql.For(sql).Text, PositionalSql.For(sql).Text);
    }
}
