using System.Security.Cryptography;
using System.Text;

namespace KojiNet.Lookaside;

/// <summary>A checksum algorithm the lookaside accepts, named as in dist-git paths and form fields.</summary>
internal sealed record LookasideHashType(string Name, HashAlgorithmName Algorithm, int HexLength)
{
    public static readonly LookasideHashType Md5 = new("md5", HashAlgorithmName.MD5, 32);
    public static readonly LookasideHashType Sha1 = new("sha1", HashAlgorithmName.SHA1, 40);
    public static readonly LookasideHashType Sha256 = new("sha256", HashAlgorithmName.SHA256, 64);
    public static readonly LookasideHashType Sha512 = new("sha512", HashAlgorithmName.SHA512, 128);

    /// <summary>Strongest first: when a form carries several checksums, the first one here wins.</summary>
    public static readonly IReadOnlyList<LookasideHashType> All = [Sha512, Sha256, Sha1, Md5];

    /// <summary>The form field carrying this checksum (<c>sha512sum</c>, <c>md5sum</c>...).</summary>
    public string FieldName => Name + "sum";

    public static LookasideHashType? FromName(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.Ordinal));

    /// <summary>Whether <paramref name="hash"/> is a digest of this type as dist-git writes it: lower-case hex.</summary>
    public bool IsWellFormed(string hash) =>
        hash.Length == HexLength && hash.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public IncrementalHash CreateHash() => IncrementalHash.CreateHash(Algorithm);

    public async Task<string> HashFileAsync(string path, CancellationToken cancellationToken)
    {
        using var hash = CreateHash();
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 0, FileOptions.SequentialScan);
        var buffer = new byte[LookasideStore.BufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

/// <summary>
/// The rules for module names and file names. Every path the lookaside touches is built from
/// names that passed these checks, so no request can reach outside the storage root.
/// </summary>
internal static class LookasideNames
{
    private const int MaxSegmentBytes = 255;

    /// <summary>
    /// One segment of a module name (a package name or a namespace): letters, digits and
    /// <c>. _ + -</c>, not starting with a dot or a dash.
    /// </summary>
    public static bool IsValidSegment(string segment) =>
        segment.Length is > 0 and <= MaxSegmentBytes
        && segment[0] is not ('.' or '-')
        && segment.All(c => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or '+' or '-');

    /// <summary>A module name: one segment, or <c>namespace/name</c>.</summary>
    public static bool IsValidModule(string name)
    {
        var parts = name.Split('/');
        return parts.Length is 1 or 2 && parts.All(IsValidSegment);
    }

    /// <summary>
    /// A source file name: anything a file system allows in one name except control characters,
    /// and not <c>.</c> or <c>..</c>.
    /// </summary>
    public static bool IsValidFileName(string fileName) =>
        fileName.Length > 0
        && fileName is not ("." or "..")
        && Encoding.UTF8.GetByteCount(fileName) <= MaxSegmentBytes
        && !fileName.Any(c => c is '/' or '\\' || char.IsControl(c));

    /// <summary>The last path component, as dist-git keeps only the base name of a file name.</summary>
    public static string BaseName(string fileName) => fileName[(fileName.LastIndexOf('/') + 1)..];
}
