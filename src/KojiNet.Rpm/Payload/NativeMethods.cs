using System.Runtime.InteropServices;

namespace KojiNet.Rpm.Payload;

/// <summary>liblzma's <c>lzma_stream</c> (x86_64/aarch64 LP64 layout; all zero = LZMA_STREAM_INIT).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct LzmaStream
{
    public byte* NextIn;
    public nuint AvailIn;
    public ulong TotalIn;
    public byte* NextOut;
    public nuint AvailOut;
    public ulong TotalOut;
    public void* Allocator;
    public void* Internal;
    public void* ReservedPtr1;
    public void* ReservedPtr2;
    public void* ReservedPtr3;
    public void* ReservedPtr4;
    public ulong SeekPos;
    public ulong ReservedInt2;
    public nuint ReservedInt3;
    public nuint ReservedInt4;
    public int ReservedEnum1;
    public int ReservedEnum2;
}

internal static unsafe partial class LibLzma
{
    private const string Library = "liblzma.so.5";

    public const int Ok = 0;
    public const int StreamEnd = 1;
    public const int MemError = 5;
    public const int MemLimitError = 6;
    public const int FormatError = 7;
    public const int OptionsError = 8;
    public const int DataError = 9;
    public const int BufError = 10;

    public const int ActionRun = 0;
    public const int ActionFinish = 3;

    public const uint Concatenated = 0x08;

    [LibraryImport(Library, EntryPoint = "lzma_auto_decoder")]
    public static partial int AutoDecoder(LzmaStream* strm, ulong memlimit, uint flags);

    [LibraryImport(Library, EntryPoint = "lzma_code")]
    public static partial int Code(LzmaStream* strm, int action);

    [LibraryImport(Library, EntryPoint = "lzma_end")]
    public static partial void End(LzmaStream* strm);

    public static string Describe(int ret) => ret switch
    {
        MemError => "out of memory",
        MemLimitError => "decoder memory limit exceeded",
        FormatError => "not in xz/lzma format",
        OptionsError => "unsupported compression options",
        DataError => "compressed data is corrupt",
        BufError => "compressed data is truncated",
        _ => $"liblzma error {ret}",
    };
}

/// <summary>libzstd's <c>ZSTD_inBuffer</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdInBuffer
{
    public byte* Src;
    public nuint Size;
    public nuint Pos;
}

/// <summary>libzstd's <c>ZSTD_outBuffer</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdOutBuffer
{
    public byte* Dst;
    public nuint Size;
    public nuint Pos;
}

internal static unsafe partial class LibZstd
{
    private const string Library = "libzstd.so.1";

    /// <summary><c>ZSTD_d_windowLogMax</c>.</summary>
    public const int DParamWindowLogMax = 100;

    [LibraryImport(Library, EntryPoint = "ZSTD_createDStream")]
    public static partial ZstdDStreamHandle CreateDStream();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeDStream")]
    public static partial nuint FreeDStream(nint zds);

    [LibraryImport(Library, EntryPoint = "ZSTD_DCtx_setParameter")]
    public static partial nuint DCtxSetParameter(ZstdDStreamHandle dctx, int param, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_decompressStream")]
    public static partial nuint DecompressStream(ZstdDStreamHandle zds, ZstdOutBuffer* output, ZstdInBuffer* input);

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    private static partial nint GetErrorNamePtr(nuint code);

    public static string GetErrorName(nuint code) => Marshal.PtrToStringUTF8(GetErrorNamePtr(code)) ?? "unknown zstd error";
}

/// <summary>Owns a <c>ZSTD_DStream</c>.</summary>
internal sealed class ZstdDStreamHandle : SafeHandle
{
    public ZstdDStreamHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    protected override bool ReleaseHandle()
    {
        LibZstd.FreeDStream(handle);
        return true;
    }
}

/// <summary>Owns a natively allocated <c>lzma_stream</c> and its decoder state.</summary>
internal sealed unsafe class LzmaStreamHandle : SafeHandle
{
    private LzmaStreamHandle() : base(0, ownsHandle: true)
    {
    }

    public override bool IsInvalid => handle == 0;

    public LzmaStream* Stream => (LzmaStream*)handle;

    /// <summary>Allocates a zeroed stream (LZMA_STREAM_INIT); the decoder is set up by the caller.</summary>
    public static LzmaStreamHandle Allocate()
    {
        var h = new LzmaStreamHandle();
        h.SetHandle((nint)NativeMemory.AllocZeroed((nuint)sizeof(LzmaStream)));
        return h;
    }

    protected override bool ReleaseHandle()
    {
        // lzma_end is harmless on a stream whose decoder was never initialised.
        LibLzma.End((LzmaStream*)handle);
        NativeMemory.Free((void*)handle);
        return true;
    }
}
