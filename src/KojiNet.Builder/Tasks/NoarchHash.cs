using System.Security.Cryptography;
using System.Text;
using KojiNet.Rpm;
using KojiNet.Rpm.Format;

namespace KojiNet.Builder.Tasks;

/// <summary>
/// The digest of a noarch RPM written to <c>noarch_rpmdiff.json</c> (spec/builder.md §10.4 step 6):
/// the data rpmdiff compares with the <c>S5TN</c> ignore set — the descriptive tags, scriptlets,
/// dependencies and the file list with mode, device, state, verify flags, owner and flags, but not
/// sizes, digests, mtimes or link counts — so two arch builds of the same noarch package agree.
/// </summary>
public static class NoarchHash
{
    private static readonly int[] StringTags =
    [
        RpmTag.Name, RpmTag.Summary, RpmTag.Description, RpmTag.Group, RpmTag.License, RpmTag.Url,
        RpmTag.PreIn, RpmTag.PostIn, RpmTag.PreUn, RpmTag.PostUn,
    ];

    /// <summary>Hex SHA-256 of the compared data.</summary>
    public static string Compute(RpmPackage package)
    {
        var text = new StringBuilder();
        foreach (var tag in StringTags)
        {
            text.Append(tag).Append('=').Append(package.Header.GetString(tag)).Append('\n');
        }
        foreach (var (kind, deps) in new[] { ("R", package.Requires), ("P", package.Provides), ("C", package.Conflicts), ("O", package.Obsoletes) })
        {
            foreach (var dep in deps)
            {
                text.Append(kind).Append(' ').Append(dep.Name).Append(' ').Append(dep.Operator).Append(' ').Append(dep.Version).Append('\n');
            }
        }
        foreach (var file in package.GetFiles())
        {
            text.Append(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"F {file.Path} {file.Mode} {(uint)file.Flags} {file.LinkTarget} {file.User} {file.Group}\n"));
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
