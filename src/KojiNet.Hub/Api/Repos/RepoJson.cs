using System.Text;
using KojiNet.Hub.Api.Tags;

namespace KojiNet.Hub.Api.Repos;

/// <summary>
/// JSON written the way Python's <c>json.dump(..., indent=2)</c> writes it (the format of
/// <c>repo.json</c>): two-space indentation, items separated by <c>,</c> and a newline,
/// <c>": "</c> after keys, empty containers as <c>{}</c> and <c>[]</c>, scalars as
/// <see cref="PyJson"/> writes them.
/// </summary>
internal static class RepoJson
{
    public static string Indented(object? value)
    {
        var sb = new StringBuilder();
        Write(sb, value, 0);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, object? value, int level)
    {
        switch (value)
        {
            case IReadOnlyDictionary<string, object?> d when d.Count > 0:
                sb.Append("{\n");
                var first = true;
                foreach (var (k, v) in d)
                {
                    if (!first)
                    {
                        sb.Append(",\n");
                    }
                    first = false;
                    sb.Append(' ', (level + 1) * 2).Append(PyJson.Encode(k)).Append(": ");
                    Write(sb, v, level + 1);
                }
                sb.Append('\n').Append(' ', level * 2).Append('}');
                break;
            case IReadOnlyList<object?> l when l.Count > 0:
                sb.Append("[\n");
                for (var i = 0; i < l.Count; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(",\n");
                    }
                    sb.Append(' ', (level + 1) * 2);
                    Write(sb, l[i], level + 1);
                }
                sb.Append('\n').Append(' ', level * 2).Append(']');
                break;
            default:
                sb.Append(PyJson.Encode(value));
                break;
        }
    }
}
