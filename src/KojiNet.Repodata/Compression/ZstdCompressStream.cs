using System.Runtime.InteropServices;

namespace KojiNet.Repodata.Compression;

/// <summary>A write-only stream compressing into zstd frames with the system libzstd.</summary>
internal sealed unsafe class ZstdCompressStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly byte[] _output;
    private nint _cctx;

    public ZstdCompressStream(Stream inner, int level, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _cctx = LibZstd.CreateCCtx();
        if (_cctx == 0)
        {
            throw new RepodataException("zstd: cannot create a compression context");
        }
        Check(LibZstd.CCtxSetParameter(_cctx, LibZstd.CParamCompressionLevel, level), "set level");
        _output = new byte[(int)LibZstd.CStreamOutSize()];
    }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => _cctx != 0;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_cctx == 0, this);
        Compress(buffer, LibZstd.EndDirectiveContinue);
    }

    private void Compress(ReadOnlySpan<byte> data, int directive)
    {
        fixed (byte* src = data)
        fixed (byte* dst = _output)
        {
            var input = new ZstdBuffer { Data = src, Size = (nuint)data.Length, Pos = 0 };
            while (true)
            {
                var output = new ZstdBuffer { Data = dst, Size = (nuint)_output.Length, Pos = 0 };
                var remaining = LibZstd.CompressStream2(_cctx, &output, &input, directive);
                Check(remaining, "compress");
                if (output.Pos > 0)
                {
                    _inner.Write(_output, 0, (int)output.Pos);
                }
                var done = directive == LibZstd.EndDirectiveContinue ? input.Pos == input.Size : remaining == 0;
                if (done)
                {
                    return;
                }
            }
        }
    }

    public override void Flush()
    {
        _inner.Flush();
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (_cctx != 0)
        {
            try
            {
                if (disposing)
                {
                    Compress([], LibZstd.EndDirectiveEnd);
                    _inner.Flush();
                }
            }
            finally
            {
                LibZstd.FreeCCtx(_cctx);
                _cctx = 0;
                if (disposing && !_leaveOpen)
                {
                    _inner.Dispose();
                }
            }
        }
        base.Dispose(disposing);
    }

    private static void Check(nuint code, string what)
    {
        if (LibZstd.IsError(code) != 0)
        {
            throw new RepodataException($"zstd {what}: {Marshal.PtrToStringUTF8(LibZstd.GetErrorName(code))}");
        }
    }
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ZstdBuffer
{
    public byte* Data;
    public nuint Size;
    public nuint Pos;
}

internal static unsafe partial class LibZstd
{
    private const string Library = "libzstd.so.1";

    /// <summary><c>ZSTD_c_compressionLevel</c>.</summary>
    public const int CParamCompressionLevel = 100;

    /// <summary><c>ZSTD_e_continue</c>.</summary>
    public const int EndDirectiveContinue = 0;

    /// <summary><c>ZSTD_e_end</c>.</summary>
    public const int EndDirectiveEnd = 2;

    [LibraryImport(Library, EntryPoint = "ZSTD_createCCtx")]
    public static partial nint CreateCCtx();

    [LibraryImport(Library, EntryPoint = "ZSTD_freeCCtx")]
    public static partial nuint FreeCCtx(nint cctx);

    [LibraryImport(Library, EntryPoint = "ZSTD_CCtx_setParameter")]
    public static partial nuint CCtxSetParameter(nint cctx, int param, int value);

    [LibraryImport(Library, EntryPoint = "ZSTD_compressStream2")]
    public static partial nuint CompressStream2(nint cctx, ZstdBuffer* output, ZstdBuffer* input, int endOp);

    [LibraryImport(Library, EntryPoint = "ZSTD_CStreamOutSize")]
    public static partial nuint CStreamOutSize();

    [LibraryImport(Library, EntryPoint = "ZSTD_isError")]
    public static partial uint IsError(nuint code);

    [LibraryImport(Library, EntryPoint = "ZSTD_getErrorName")]
    public static partial nint GetErrorName(nuint code);
}
