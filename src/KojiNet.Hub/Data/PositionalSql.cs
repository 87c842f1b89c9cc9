using System.Collections.Concurrent;
using System.Text;

namespace KojiNet.Hub.Data;

/// <summary>
/// SQL written with <c>@name</c> parameters turned into PostgreSQL's <c>$1, $2...</c>, once per
/// statement text. Npgsql sends a command whose parameters are all positional as it is; with
/// named parameters it parses and rewrites the SQL text on every execution, which on the hot
/// paths cost more than anything else the driver does.
/// </summary>
public static class PositionalSql
{
    private static readonly ConcurrentDictionary<string, (string Text, string[] Names)> Cache = new(StringComparer.Ordinal);

    /// <summary>The statement with <c>$n</c> placeholders, and the parameter name each <c>$n</c> stands for.</summary>
    public static (string Text, string[] Names) For(string sql) => Cache.GetOrAdd(sql, Convert);

    /// <summary>
    /// Replaces every <c>@name</c> outside string literals, quoted identifiers and comments (and
    /// not part of an operator such as <c>&lt;@</c>); a name used twice gets one number. Text with a statement separator is refused: positional
    /// commands carry one statement.
    /// </summary>
    public static (string Text, string[] Names) Convert(string sql)
    {
        var text = new StringBuilder(sql.Length);
        var names = new List<string>();
        var i = 0;
        while (i < sql.Length)
        {
            var c = sql[i];
            if (c is '\'' or '"')
            {
                var end = sql.IndexOf(c, i + 1);
                while (end >= 0 && end + 1 < sql.Length && sql[end + 1] == c)
                {
                    end = sql.IndexOf(c, end + 2); // a doubled quote inside
                }
                end = end < 0 ? sql.Length - 1 : end;
                text.Append(sql, i, end - i + 1);
                i = end + 1;
            }
            else if (c == '-' && i + 1 < sql.Length && sql[i + 1] == '-')
            {
                var end = sql.IndexOf('\n', i);
                end = end < 0 ? sql.Length : end;
                text.Append(sql, i, end - i);
                i = end;
            }
            else if (c == ';')
            {
                throw new ArgumentException("a positional statement cannot hold several statements", nameof(sql));
            }
            else if (c == '@' && i + 1 < sql.Length && IsNameStart(sql[i + 1]) && (i == 0 || (!IsNamePart(sql[i - 1]) && !IsOperatorPart(sql[i - 1]))))
            {
                var start = i + 1;
                var end = start;
                while (end < sql.Length && IsNamePart(sql[end]))
                {
                    end++;
                }
                var name = sql[start..end];
                var n = names.IndexOf(name);
                if (n < 0)
                {
                    names.Add(name);
                    n = names.Count - 1;
                }
                text.Append('$').Append((n + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                i = end;
            }
            else
            {
                text.Append(c);
                i++;
            }
        }
        return (text.ToString(), names.ToArray());
    }

    private static bool IsNameStart(char c) => char.IsAsciiLetter(c) || c == '_';

    private static bool IsNamePart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    // '@' right after one of these belongs to an operator such as <@.
    private static bool IsOperatorPart(char c) => c is '<' or '>' or '@' or '~' or '!' or '#' or '%' or '^' or '&' or '|' or '`' or '?';
}
