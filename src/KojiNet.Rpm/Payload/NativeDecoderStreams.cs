namespace KojiNet.Rpm.Payload;

/// <summary>Shared input buffering for decoders fed from a compressed source stream.</summary>
internal abstract class NativeDecoderStream(Stream source, bool leaveOpen, string format) : ReadOnlyForwardStream
{
    private const int InputBufferSize = 64 * 1024;

    protected byte[] Input { get; } = new byte[InputBufferSize];

    protected int InputStart { get; set; }

    protected int InputEnd { get; set; }

    protected bool SourceExhausted { get; private set; }

    protected bool Finished { get; set; }

    protected long Produced { get; set; }

    protected string Format => format;

    /// <summary>Refills the input buffer when empty; false once the source is exhausted.</summary>
    protected bool EnsureInput()
    {
        if (InputStart < InputEnd)
        {
            return true;
        }
        if (SourceExhausted)
        {
            return false;
        }
        int n = source.Read(Input, 0, Input.Length);
        InputStart = 0;
        InputEnd = n;
        SourceExhausted = n == 0;
        return n > 0;
    }

    protected RpmFormatException Corrupt(string detail) =>
        new($"corrupt {format} payload after {Produced} decompressed bytes: {detail}");

    protected override void Dispose(bool disposing)
    {
        if (disposing && !IsDisposed && !leaveOpen)
        {
            source.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>xz and lzma ("alone") payloads through liblzma's auto-detecting decoder, as rpm does.</summary>
internal sealed unsafe class LzmaDecoderStream : NativeDecoderStream
{
    private readonly LzmaStreamHandle _stream;

    public LzmaDecoderStream(Stream source, bool leaveOpen, string format) : base(source, leaveOpen, format)
    {
        _stream = LzmaStreamHandle.Allocate();
        int ret = LibLzma.AutoDecoder(_stream.Stream, PayloadDecompression.LzmaMemoryLimit, LibLzma.Concatenated);
        if (ret != LibLzma.Ok)
        {
            _stream.Dispose();
            throw new RpmFormatException($"cannot initialise the {format} decoder: {LibLzma.Describe(ret)}");
        }
    }

    public override int Read(Span<byte> buffer)
    {
        ThrowIfDisposed();
        if (buffer.IsEmpty || Finished)
        {
            return 0;
        }
        var strm = _stream.Stream;
        while (true)
        {
            bool haveInput = EnsureInput();
            int action = haveInput ? LibLzma.ActionRun : LibLzma.ActionFinish;
            int ret;
            int consumed;
            int produced;
            fixed (byte* inPtr = Input)
            fixed (byte* outPtr = buffer)
            {
                strm->NextIn = inPtr + InputStart;
                strm->AvailIn = (nuint)(InputEnd - InputStart);
                strm->NextOut = outPtr;
                strm->AvailOut = (nuint)buffer.Length;
                ret = LibLzma.Code(strm, action);
                consumed = (int)(strm->NextIn - (inPtr + InputStart));
                produced = buffer.Length - (int)strm->AvailOut;
                strm->NextIn = null;
                strm->NextOut = null;
                strm->AvailIn = 0;
                strm->AvailOut = 0;
            }
            InputStart += consumed;
            Produced += produced;
            if (ret == LibLzma.StreamEnd)
            {
                Finished = true;
                return produced;
            }
            if (ret != LibLzma.Ok)
            {
                throw Corrupt(LibLzma.Describe(ret));
            }
            if (produced > 0)
            {
                return produced;
            }
            if (!haveInput && consumed == 0)
            {
                // LZMA_FINISH made no progress without reporting the end: the input stops early.
                throw Corrupt(LibLzma.Describe(LibLzma.BufError));
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>zstd payloads through libzstd's streaming decoder; frames may be concatenated.</summary>
internal sealed unsafe class ZstdDecoderStream : NativeDecoderStream
{
    private readonly ZstdDStreamHandle _stream;
    private bool _frameComplete;

    public ZstdDecoderStream(Stream source, bool leaveOpen) : base(source, leaveOpen, "zstd")
    {
        _stream = LibZstd.CreateDStream();
        if (_stream.IsInvalid)
        {
            _stream.Dispose();
            throw new InvalidOperationException("ZSTD_createDStream failed");
        }
        nuint rc = LibZstd.DCtxSetParameter(_stream, LibZstd.DParamWindowLogMax, PayloadDecompression.ZstdWindowLogMax);
        if (LibZstd.IsError(rc) != 0)
        {
            _stream.Dispose();
            throw new InvalidOperationException("cannot limit the zstd window: " + LibZstd.GetErrorName(rc));
        }
    }

    public override int Read(Span<byte> buffer)
    {
        ThrowIfDisposed();
        if (buffer.IsEmpty || Finished)
        {
            return 0;
        }
        while (true)
        {
            bool haveInput = EnsureInput();
            if (!haveInput && _frameComplete)
            {
                // Input ends on a frame boundary after at least one complete frame.
                Finished = true;
                return 0;
            }
            nuint rc;
            int consumed;
            int produced;
            fixed (byte* inPtr = Input)
            fixed (byte* outPtr = buffer)
            {
                var input = new ZstdInBuffer { Src = inPtr + InputStart, Size = (nuint)(InputEnd - InputStart), Pos = 0 };
                var output = new ZstdOutBuffer { Dst = outPtr, Size = (nuint)buffer.Length, Pos = 0 };
                rc = LibZstd.DecompressStream(_stream, &output, &input);
                consumed = (int)input.Pos;
                produced = (int)output.Pos;
            }
            if (LibZstd.IsError(rc) != 0)
            {
                throw Corrupt(LibZstd.GetErrorName(rc));
            }
            InputStart += consumed;
            Produced += produced;
            // 0 means a frame is fully decoded and flushed; the next input starts a new frame.
            _frameComplete = rc == 0;
            if (produced > 0)
            {
                return produced;
            }
            if (!haveInput && consumed == 0 && !_frameComplete)
            {
                throw Corrupt("compressed data is truncated");
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stream.Dispose();
        }
        base.Dispose(disposing);
    }
}
