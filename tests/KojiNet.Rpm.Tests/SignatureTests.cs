using KojiNet.Rpm.Format;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>
/// A private GnuPG home with RSA, EdDSA (ed25519) and DSA signing keys, used to sign copies of
/// corpus packages with rpmsign. ECDSA is left out: rpm 4.18's rpmsign cannot sign with it.
/// </summary>
public sealed class SigningKeys : IDisposable
{
    public string Home { get; } = Directory.CreateTempSubdirectory("kn-gpg-").FullName;

    /// <summary>Key name (the e-mail used as <c>_gpg_name</c>) to its 16-hex-digit long key id.</summary>
    public Dictionary<string, string> KeyIds { get; } = [];

    public Dictionary<string, string> Environment => new() { ["GNUPGHOME"] = Home, ["TZ"] = "UTC" };

    public SigningKeys()
    {
        File.SetUnixFileMode(Home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var (name, algo) in new[] { ("rsa", "rsa2048"), ("ed", "ed25519"), ("dsa", "dsa2048") })
        {
            ExternalTool.RunChecked("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", $"KojiNet {name} <{name}@example.org>", algo, "sign", "never"],
                environment: Environment);
            var colons = ExternalTool.RunChecked("gpg", ["--batch", "--with-colons", "--list-keys", $"{name}@example.org"], environment: Environment);
            var pub = colons.Split('\n').First(l => l.StartsWith("pub:", StringComparison.Ordinal)).Split(':');
            KeyIds[name] = pub[4].ToLowerInvariant();
        }
    }

    /// <summary>Signs a copy of <paramref name="package"/> and returns the copy's path.</summary>
    public string SignCopy(string package, string key, string directory, bool rpmV3 = false)
    {
        var copy = Path.Combine(directory, $"{key}{(rpmV3 ? "-v3" : "")}-{Path.GetFileName(package)}");
        File.Copy(package, copy, overwrite: true);
        List<string> args = ["--addsign", "--define", "__gpg /usr/bin/gpg", "--define", $"_gpg_name {key}@example.org",
            "--define", $"_gpg_path {Home}"];
        if (rpmV3)
        {
            args.Add("--rpmv3");
        }
        args.Add(copy);
        ExternalTool.RunChecked("rpmsign", args, environment: Environment);
        return copy;
    }

    public string ExportPublicKey(string key) =>
        ExternalTool.RunChecked("gpg", ["--batch", "--armor", "--export", $"{key}@example.org"], environment: Environment);

    public void Dispose()
    {
        ExternalTool.Run("gpgconf", ["--kill", "gpg-agent"], environment: Environment);
        try
        {
            Directory.Delete(Home, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: the agent may still be removing its sockets.
        }
    }
}

[Collection(RpmCorpusCollection.Name)]
public class SignatureTests(RpmCorpus corpus, SigningKeys keys) : IClassFixture<SigningKeys>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("kn-signed-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    public static TheoryData<string, string> SigningCases()
    {
        var data = new TheoryData<string, string>();
        foreach (var name in PackageQueryTests.CorpusFileNames)
        {
            foreach (var key in new[] { "rsa", "ed", "dsa" })
            {
                data.Add(name, key);
            }
        }
        return data;
    }

    private string PathOf(string fileName) => corpus.Packages.Single(p => Path.GetFileName(p) == fileName);

    private string PgpSig(string package, string tag) =>
        ExternalTool.RunChecked("rpm", ["-qp", "--nosignature", "--qf", $"%{{{tag}:pgpsig}}", package], environment: keys.Environment);

    private void AssertSignaturesMatchRpm(string signed)
    {
        var pkg = RpmPackage.Open(signed);
        foreach (var (tag, name) in new[]
        {
            (RpmSignatureTag.Rsa, "RSAHEADER"), (RpmSignatureTag.Dsa, "DSAHEADER"),
            (RpmSignatureTag.Pgp, "SIGPGP"), (RpmSignatureTag.Gpg, "SIGGPG"),
        })
        {
            var expected = PgpSig(signed, name);
            Assert.Equal(expected, pkg.GetPgpSignature(tag)?.ToString() ?? "(none)");
        }
    }

    [Theory]
    [MemberData(nameof(SigningCases))]
    public void KeyIdAndAlgorithmsMatchRpm(string fileName, string key)
    {
        var signed = keys.SignCopy(PathOf(fileName), key, _work);
        AssertSignaturesMatchRpm(signed);
        var sig = RpmPackage.Open(signed).PgpSignature;
        Assert.NotNull(sig);
        Assert.Equal(4, sig.Version);
        Assert.Equal(keys.KeyIds[key], sig.KeyId);
        Assert.Equal(keys.KeyIds[key][8..], sig.ShortKeyId);
        Assert.Equal(key switch { "rsa" => 1, "ed" => 22, _ => 17 }, sig.PublicKeyAlgorithm);
        Assert.Equal(key switch { "rsa" => "RSA", "ed" => "EdDSA", _ => "DSA" }, sig.PublicKeyAlgorithmName);
        Assert.Equal(0, sig.SignatureType);
        Assert.True(sig.Created > DateTimeOffset.UtcNow.AddHours(-1));
        // rpm names the short key id in its warnings about the missing key.
        var warning = ExternalTool.Run("rpm", ["-qp", "--qf", "", signed]).StdErr;
        Assert.Contains($"key ID {sig.ShortKeyId}", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rsa")]
    [InlineData("dsa")]
    public void LegacyHeaderPlusPayloadSignaturesMatchRpm(string key)
    {
        var signed = keys.SignCopy(corpus.Find("kn-noarch"), key, _work, rpmV3: true);
        AssertSignaturesMatchRpm(signed);
        var pkg = RpmPackage.Open(signed);
        var legacy = pkg.GetPgpSignature(key == "rsa" ? RpmSignatureTag.Pgp : RpmSignatureTag.Gpg);
        Assert.NotNull(legacy);
        Assert.Equal(keys.KeyIds[key], legacy.KeyId);
    }

    [Theory]
    [MemberData(nameof(SigningCases))]
    public void SplicingTheSignedHeaderIntoTheOriginalGivesTheSignedFile(string fileName, string key)
    {
        var original = PathOf(fileName);
        var signed = keys.SignCopy(original, key, _work);
        var signature = RpmPackage.Open(signed).Signature;
        // The signature header round-trips through the builder too.
        var rebuilt = RpmHeaderBuilder.From(signature).Build(RpmHeaderKind.Signature);
        Assert.Equal(signature.Bytes.ToArray(), rebuilt.Bytes.ToArray());

        var spliced = Path.Combine(_work, "spliced-" + fileName);
        RpmPackageWriter.ReplaceSignature(original, rebuilt, spliced);
        Assert.Equal(File.ReadAllBytes(signed), File.ReadAllBytes(spliced));

        // And rpm verifies it against the imported public key.
        var db = Directory.CreateDirectory(Path.Combine(_work, "rpmdb-" + key)).FullName;
        var keyFile = Path.Combine(_work, key + ".asc");
        File.WriteAllText(keyFile, keys.ExportPublicKey(key));
        ExternalTool.RunChecked("rpmkeys", ["--dbpath", db, "--import", keyFile]);
        var result = ExternalTool.RunChecked("rpmkeys", ["--dbpath", db, "--checksig", spliced]);
        Assert.Contains("digests signatures OK", result, StringComparison.Ordinal);
    }

    [Fact]
    public void StrippingTheSignatureLeavesAValidUnsignedPackage()
    {
        var original = corpus.Find("kn-compiled");
        var signed = keys.SignCopy(original, "rsa", _work);
        var builder = RpmHeaderBuilder.From(RpmPackage.Open(signed).Signature);
        Assert.True(builder.Remove(RpmSignatureTag.Rsa));
        var stripped = Path.Combine(_work, "stripped.rpm");
        RpmPackageWriter.ReplaceSignature(signed, builder.Build(RpmHeaderKind.Signature), stripped);
        Assert.Null(RpmPackage.Open(stripped).PgpSignature);
        Assert.Equal("(none)", PgpSig(stripped, "RSAHEADER"));
        Assert.Contains("digests OK", ExternalTool.RunChecked("rpm", ["-K", stripped]), StringComparison.Ordinal);
    }

    public static TheoryData<string, byte, byte, string, string> V3Packets() => new()
    {
        // Old-format packet, v3 signature: RSA/SHA256 by key 0123456789abcdef at 2024-01-02T03:04:05Z.
        { "8815" + "03" + "05" + "00" + "65937D25" + "0123456789ABCDEF" + "01" + "08" + "ABCD" + "0000", 1, 8, "0123456789abcdef", "RSA/SHA256, Tue Jan  2 03:04:05 2024, Key ID 0123456789abcdef" },
        // New-format packet, v3 DSA/SHA1.
        { "C215" + "03" + "05" + "00" + "65937D25" + "FEDCBA9876543210" + "11" + "02" + "ABCD" + "0000", 17, 2, "fedcba9876543210", "DSA/SHA1, Tue Jan  2 03:04:05 2024, Key ID fedcba9876543210" },
    };

    [Theory]
    [MemberData(nameof(V3Packets))]
    public void Version3Packets(string hex, byte publicKey, byte hash, string keyId, string formatted)
    {
        var sig = RpmPgpSignature.Parse(Convert.FromHexString(hex));
        Assert.Equal(3, sig.Version);
        Assert.Equal(publicKey, sig.PublicKeyAlgorithm);
        Assert.Equal(hash, sig.HashAlgorithm);
        Assert.Equal(keyId, sig.KeyId);
        Assert.Equal(formatted, sig.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("00")]
    [InlineData("8801")]
    [InlineData("880105")]
    [InlineData("B40100")]
    [InlineData("C2E0")]
    [InlineData("88030400")]
    [InlineData("8806040001080010")]
    [InlineData("880a04000108000305ff020000")]
    public void MalformedPacketsAreFormatErrors(string hex) =>
        Assert.Throws<RpmFormatException>(() => RpmPgpSignature.Parse(Convert.FromHexString(hex)));
}
