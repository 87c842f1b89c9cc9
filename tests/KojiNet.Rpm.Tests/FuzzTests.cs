using System.Buffers.Binary;
using KojiNet.Rpm.Format;
using KojiNet.TestSupport;

namespace KojiNet.Rpm.Tests;

/// <summary>
/// Deterministic mutations of real packages: flipped bytes, overwritten index fields, truncations.
/// Every outcome must be success or <see cref="RpmFormatException"/>, never another exception.
/// </summary>
[Collection(RpmCorpusCollection.Name)]
public class FuzzTests(RpmCorpus corpus)
{
    private const int MutationsPerPackage = 500;

    public static TheoryData<string> PackageNames() => PackageQueryTests.PackageNames();

    [Theory]
    [MemberData(nameof(PackageNames))]
    public void MutatedPackagesFailOnlyWithFormatErrors(string fileName)
    {
        var path = corpus.Packages.Single(p => Path.GetFileName(p) == fileName);
        var original = File.ReadAllBytes(path);
        var pkg = RpmPackage.Parse(original);
        // Lead, headers and the first bytes of the payload: the payload itself is not parsed here.
        var prefix = original[..(int)Math.Min(original.Length, pkg.HeaderEnd + 64)];
        var sigIndex = (RpmLead.Size, RpmHeader.IntroSize + (pkg.Signature.Entries.Count * RpmHeader.EntrySize));
        var mainIndex = ((int)pkg.HeaderStart, RpmHeader.IntroSize + (pkg.Header.Entries.Count * RpmHeader.EntrySize));
        var random = new Random(fileName.Length * 7919);
        var outcomes = new int[2];
        for (var i = 0; i < MutationsPerPackage; i++)
        {
            var data = (byte[])prefix.Clone();
            var description = Mutate(data, random, sigIndex, mainIndex, out var length);
            var ok = Exercise(data.AsSpan(0, length), description, fileName, i);
            outcomes[ok ? 0 : 1]++;
            // The stream reader must agree with the span parser on truncated input.
            if (length < data.Length)
            {
                using var stream = new PackageQueryTests.LimitedStream(data, length, throwAtLimit: false);
                try
                {
                    RpmPackage.Read(stream);
                }
                catch (RpmFormatException)
                {
                }
            }
        }
        // Both outcomes happen: the mutations reach the checks and also leave valid packages.
        Assert.True(outcomes[0] > 0 && outcomes[1] > MutationsPerPackage / 4, $"ok={outcomes[0]} rejected={outcomes[1]}");
    }

    private static string Mutate(byte[] data, Random random, (int Start, int Length) sigIndex, (int Start, int Length) mainIndex, out int length)
    {
        length = data.Length;
        switch (random.Next(6))
        {
            case 0:
                length = random.Next(data.Length);
                return $"truncate to {length}";
            case 1:
                {
                    var n = 1 + random.Next(4);
                    for (var k = 0; k < n; k++)
                    {
                        data[random.Next(data.Length)] ^= (byte)(1 << random.Next(8));
                    }
                    return $"flip {n} bits anywhere";
                }
            case 2:
            case 3:
                {
                    var (start, len) = random.Next(2) == 0 ? sigIndex : mainIndex;
                    var at = start + random.Next(len);
                    data[at] = (byte)random.Next(256);
                    return $"byte {at} in an index";
                }
            case 4:
                {
                    var (start, len) = random.Next(2) == 0 ? sigIndex : mainIndex;
                    var at = start + (random.Next(len / 4) * 4);
                    int[] interesting = [0, 1, -1, -16, 15, 16, 0x7FFFFFFF, int.MinValue, 0x10000, 0x0FFFFFFF, random.Next()];
                    BinaryPrimitives.WriteInt32BigEndian(data.AsSpan(at), interesting[random.Next(interesting.Length)]);
                    return $"int32 at {at} in an index";
                }
            default:
                {
                    // Corrupt the data store of the main header.
                    var at = mainIndex.Start + mainIndex.Length + random.Next(Math.Max(1, data.Length - mainIndex.Start - mainIndex.Length));
                    data[Math.Min(at, data.Length - 1)] = (byte)random.Next(256);
                    return $"byte {at} in main data";
                }
        }
    }

    private static bool Exercise(ReadOnlySpan<byte> data, string description, string fileName, int iteration)
    {
        try
        {
            var pkg = RpmPackage.Parse(data);
            _ = pkg.Name + pkg.Version + pkg.Release + pkg.Arch + pkg.Epoch + pkg.SourceRpm + pkg.Summary + pkg.Description
                + pkg.License + pkg.Url + pkg.Vendor + pkg.Packager + pkg.Group + pkg.BuildTime + pkg.BuildHost + pkg.Size
                + pkg.ArchiveSize + pkg.PayloadFormat + pkg.PayloadCompressor + pkg.PayloadFlags + pkg.Cookie + pkg.SigMd5
                + pkg.Sha1Header + pkg.Sha256Header + pkg.FileDigestAlgorithm + pkg.IsSource;
            _ = pkg.GetFiles().Count + pkg.GetChangelog().Count + pkg.ExclusiveArch.Count + pkg.ExcludeArch.Count + pkg.BuildArchs.Count;
            foreach (var kind in Enum.GetValues<RpmDependencyKind>())
            {
                _ = pkg.GetDependencies(kind).Sum(d => d.ToString().Length);
            }
            _ = pkg.PgpSignature?.ToString();
            foreach (var header in new[] { pkg.Signature, pkg.Header })
            {
                foreach (var e in header.Entries)
                {
                    ReadAnyWay(header, e.Tag);
                }
                RpmHeader.Parse(RpmHeaderBuilder.From(header).ToArray(), header.Kind);
            }
            return true;
        }
        catch (RpmFormatException)
        {
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{fileName} mutation {iteration} ({description}): {e}");
            throw;
        }
    }

    /// <summary>Every generic accessor either works or reports a type mismatch as a format error.</summary>
    private static void ReadAnyWay(RpmHeader header, int tag)
    {
        Action[] reads =
        [
            () => header.GetString(tag), () => header.GetStringArray(tag), () => header.GetUInt32(tag),
            () => header.GetUInt64(tag), () => header.GetUInt32Array(tag), () => header.GetUInt64Array(tag),
            () => header.GetBinary(tag),
        ];
        foreach (var read in reads)
        {
            try
            {
                read();
            }
            catch (RpmFormatException)
            {
            }
        }
    }

    [Fact]
    public void MutatedSignaturePacketsFailOnlyWithFormatErrors()
    {
        // v4 RSA/SHA256 packet: hashed creation time, unhashed issuer.
        var packet = Convert.FromHexString("C21C" + "04000108" + "0006" + "050265937D25" + "000A" + "09100123456789ABCDEF" + "ABCD" + "0000");
        var parsed = RpmPgpSignature.Parse(packet);
        Assert.Equal("RSA/SHA256, Tue Jan  2 03:04:05 2024, Key ID 0123456789abcdef", parsed.ToString());
        var random = new Random(1234);
        for (var i = 0; i < 3000; i++)
        {
            var data = (byte[])packet.Clone();
            var length = random.Next(3) == 0 ? random.Next(data.Length) : data.Length;
            for (var k = random.Next(1, 4); k > 0; k--)
            {
                data[random.Next(data.Length)] = (byte)random.Next(256);
            }
            try
            {
                _ = RpmPgpSignature.Parse(data.AsSpan(0, length)).ToString();
            }
            catch (RpmFormatException)
            {
            }
        }
    }
}
