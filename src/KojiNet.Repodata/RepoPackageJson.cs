using System.Text.Json;

namespace KojiNet.Repodata;

/// <summary>
/// <see cref="RepoPackage"/> as compact JSON (camelCase, defaults and nulls left out): how a hub
/// hands stored package metadata to the builder that writes the repodata.
/// </summary>
public static class RepoPackageJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault,
    };

    /// <summary>The JSON of <paramref name="package"/>.</summary>
    public static string Serialize(RepoPackage package)
    {
        ArgumentNullException.ThrowIfNull(package);
        return JsonSerializer.Serialize(package, Options);
    }

    /// <summary>Reads a package written by <see cref="Serialize"/>.</summary>
    /// <exception cref="RepodataException">The text is not such JSON.</exception>
    public static RepoPackage Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<RepoPackage>(json, Options) ?? throw new RepodataException("package metadata is null");
        }
        catch (JsonException e)
        {
            throw new RepodataException($"malformed package metadata: {e.Message}", e);
        }
    }
}
