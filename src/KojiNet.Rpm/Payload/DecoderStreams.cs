using System.Runtime.ExceptionServices;

namespace KojiNet.Rpm.Payload;

/// <summary>A read-only, forward-only stream; subclasses implement <see cref="Read(Span{byte})"/>.</summary>
internal abstract class ReadOnlyForwardStream : Stream
{
    private bool _disposed;

    public override bool CanRead => !_disposed;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("the stream is forward-only");

    public override long Position
    {
        get => throw new NotSupportedException("the stream is forward-only");
        set => throw new NotSupportedException("the stream is forward-only");
    }

    protected bool IsDisposed => _disposed;

    public override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public abstract override int Read(Span<byte> buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        ValidateBufferArguments(buffer, offset, count);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Read(buffer.AsSpan(offset, count)));
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("the stream is forward-only");

    public override void SetLength(long value) => throw new NotSupportedException("the stream is read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("the stream is read-only");

    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    protected override void Dispose(bool disposing)
    {
        _disposed = true;
        base.Dispose(disposing);
    }
}

/// <summary>An uncompressed payload: the source, read-only.</summary>
internal sealed class PassThroughStream(Stream inner, bool leaveOpen) : ReadOnlyForwardStream
{
    public override int Read(Span<byte> buffer)
    {
        ThrowIfDisposed();
        return inner.Read(buffer);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !IsDisposed && !leaveOpen)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// Wraps the compressed source so that its own failures can be told apart from a managed
/// decoder's failures: they travel through the decoder as <see cref="SourceFailure"/>.
/// </summary>
internal sealed class SourceStream(Stream inner, bool leaveOpen) : ReadOnlyForwardStream
{
    /// <summary>The source's own exception, kept because some decoders swallow it (SharpZipLib treats it as EOF).</summary>
    public Exception? Failure { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        ThrowIfDisposed();
        try
        {
            return inner.Read(buffer);
        }
        catch (Exception ex)
        {
            Failure ??= ex;
            throw new SourceFailure(ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !IsDisposed && !leaveOpen)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Carries an exception of the compressed source through a managed decoder.</summary>
#pragma warning disable CA1064 // Internal by design: never escapes ManagedDecoderStream.
internal sealed class SourceFailure(Exception inner) : Exception("the payload source failed", inner);
#pragma warning restore CA1064

/// <summary>
/// A managed decoder (GZipStream, SharpZipLib) whose exceptions for bad data become
/// <see cref="RpmFormatException"/>; the source's own exceptions pass through unchanged.
/// </summary>
internal sealed class ManagedDecoderStream(SourceStream source, Func<Stream, Stream> createDecoder, string format)
    : ReadOnlyForwardStream
{
    private Stream? _decoder;
    private long _produced;

    public override int Read(Span<byte> buffer)
    {
        ThrowIfDisposed();
        try
        {
            // Created on first read: some decoders read and check the stream header in their constructor.
            _decoder ??= createDecoder(source);
            int n = _decoder.Read(buffer);
            _produced += n;
            return n;
        }
        catch (Exception) when (source.Failure is not null)
        {
            ExceptionDispatchInfo.Capture(source.Failure).Throw();
            throw;
        }
        catch (Exception ex) when (ex is not RpmFormatException)
        {
            // Managed decoders report bad data with assorted types (InvalidDataException,
            // EndOfStreamException, SharpZipLib exceptions, IndexOutOfRangeException...).
            throw new RpmFormatException(
                $"corrupt {format} payload after {_produced} decompressed bytes: {ex.Message}", ex);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !IsDisposed)
        {
            if (_decoder is not null)
            {
                _decoder.Dispose();
            }
            source.Dispose();
        }
        base.Dispose(disposing);
    }
}
