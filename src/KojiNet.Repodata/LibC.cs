using System.Runtime.InteropServices;

namespace KojiNet.Repodata;

internal static partial class LibC
{
    public const int AtFdCwd = -100;

    /// <summary><c>RENAME_EXCHANGE</c>: swap the two paths atomically.</summary>
    public const uint RenameExchange = 2;

    [LibraryImport("libc", EntryPoint = "renameat2", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int RenameAt2(int oldDirFd, string oldPath, int newDirFd, string newPath, uint flags);
}
