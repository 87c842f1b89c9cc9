using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace KojiNet.Builder.Scm;

/// <summary>One line of a dist-git <c>sources</c> file.</summary>
/// <param name="FileName">The file's name (no directories).</param>
/// <param name="HashType">The hash type in upper case: <c>MD5</c>, <c>SHA1</c>, <c>SHA256</c>, <c>SHA384</c>, <c>SHA512</c>.</param>
/// <param name="Hash">The expected hash, lower-case hex.</param>
/// <param name="IsLegacy">The line used the old <c>hash  filename</c> form (always MD5).</param>
public sealed record SourcesEntry(string FileName, string HashType, string Hash, bool IsLegacy);

/// <summary>
/// The <c>sources</c> file of a dist-git repository: lines <c>SHA512 (name) = hash</c> (any hash
/// type) or the old <c>md5hash  name</c> (two spaces). Names with <c>/</c>, a leading <c>.</c>
/// or control characters are refused, as are unknown hash types and hashes of the wrong length.
/// </summary>
public static partial class SourcesFile
{
    /// <summary>The name of the file in a checkout.</summary>
    public const string FileName = "sources";

    /// <summary>Reads and parses a sources file.</summary>
    public static IReadOnlyList<SourcesEntry> Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllText(path));
    }

    /// <summary>
    /// Parses the text of a sources file; blank lines are skipped. Throws
    /// <see cref="ScmException"/> (BuildError) naming the line for anything malformed or unsafe.
    /// </summary>
    public static IReadOnlyList<SourcesEntry> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var entries = new List<SourcesEntry>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var shown = ScmUrl.Printable(line);
            string hashType, name, hash;
            bool legacy;
            var match = TaggedLine().Match(line);
            if (match.Success)
            {
                hashType = match.Groups["type"].Value.ToUpperInvariant();
                name = match.Groups["file"].Value;
                hash = match.Groups["hash"].Value;
                legacy = false;
            }
            else
            {
                var split = line.IndexOf("  ", StringComparison.Ordinal);
                if (split < 0)
                {
                    throw ScmException.Build($"sources file line {lineNumber} is malformed: {shown}");
                }
                hashType = "MD5";
                hash = line[..split];
                name = line[(split + 2)..];
                legacy = true;
            }
            var length = GetHashLength(hashType)
                ?? throw ScmException.Build($"sources file line {lineNumber}: unsupported hash type {hashType}");
            if (hash.Length != length || !hash.All(char.IsAsciiHexDigit))
            {
                throw ScmException.Build(
                    $"sources file line {lineNumber}: {ScmUrl.Printable(hash)} is not a {hashType} hash: {shown}");
            }
            CheckFileName(name, lineNumber, shown);
            if (!names.Add(name))
            {
                throw ScmException.Build($"sources file line {lineNumber}: {name} is listed twice");
            }
            entries.Add(new SourcesEntry(name, hashType, hash.ToLowerInvariant(), legacy));
        }
        return entries;
    }

    /// <summary>A hasher for a hash type of a sources file.</summary>
    internal static IncrementalHash CreateHash(string hashType) => hashType switch
    {
        "MD5" => IncrementalHash.CreateHash(HashAlgorithmName.MD5),
        "SHA1" => IncrementalHash.CreateHash(HashAlgorithmName.SHA1),
        "SHA256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
        "SHA384" => IncrementalHash.CreateHash(HashAlgorithmName.SHA384),
        "SHA512" => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
        _ => throw ScmException.Build($"unsupported hash type {hashType}"),
    };

    private static int? GetHashLength(string hashType) => hashType switch
    {
        "MD5" => 32,
        "SHA1" => 40,
        "SHA256" => 64,
        "SHA384" => 96,
        "SHA512" => 128,
        _ => null,
    };

    private static void CheckFileName(string name, int lineNumber, string shown)
    {
        if (name.Length == 0 || name.Contains('/', StringComparison.Ordinal) || name.StartsWith('.')
            || name.Any(c => c < ' ' || c == '\x7f'))
        {
            throw ScmException.Build($"sources file line {lineNumber}: refusing file name {ScmUrl.Printable(name)}: {shown}");
        }
    }

    [GeneratedRegex(@"\A(?<type>[^ ]+?) \((?<file>[^ )]+?)\) = (?<hash>[^ ]+?)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TaggedLine();
}
