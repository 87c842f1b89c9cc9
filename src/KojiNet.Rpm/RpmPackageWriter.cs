using KojiNet.Rpm.Format;

namespace KojiNet.Rpm;

/// <summary>Writes packages whose signature header is replaced, as Koji does when it writes signed copies.</summary>
public static class RpmPackageWriter
{
    /// <summary>
    /// Copies the package read from <paramref name="source"/> to <paramref name="destination"/> with
    /// <paramref name="signature"/> as its signature header: lead, new signature header, zero padding
    /// to 8 bytes, then the main header and payload unchanged.
    /// </summary>
    /// <exception cref="RpmFormatException">The source is not a well-formed RPM.</exception>
    /// <exception cref="ArgumentException"><paramref name="signature"/> is not a signature header.</exception>
    public static void ReplaceSignature(Stream source, RpmHeader signature, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(destination);
        if (signature.Kind != RpmHeaderKind.Signature)
        {
            throw new ArgumentException("the new header must be read or built as a signature header", nameof(signature));
        }
        var package = RpmPackage.Read(source);
        destination.Write(package.Lead.Bytes);
        WriteSignature(signature, destination);
        destination.Write(package.Header.Bytes);
        source.CopyTo(destination);
    }

    /// <summary>Writes a signature header followed by the zero padding that aligns the main header.</summary>
    public static void WriteSignature(RpmHeader signature, Stream destination)
    {
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(destination);
        destination.Write(signature.Bytes);
        Span<byte> zeros = stackalloc byte[8];
        zeros.Clear();
        destination.Write(zeros[..RpmPackage.SignaturePadding(signature.Length)]);
    }

    /// <summary>File form of <see cref="ReplaceSignature(Stream, RpmHeader, Stream)"/>; the destination is overwritten.</summary>
    public static void ReplaceSignature(string sourcePath, RpmHeader signature, string destinationPath)
    {
        using var source = File.OpenRead(sourcePath);
        using var destination = File.Create(destinationPath);
        ReplaceSignature(source, signature, destination);
    }
}
