using System.Buffers;
using System.IO.Pipelines;

namespace KojiNet.Hub.Http;

/// <summary>
/// A response body built in pooled segments: nothing grows by doubling and nothing lands on the
/// large object heap, however big the response (a <c>listTagged</c> of a few hundred builds is
/// close to half a megabyte of XML). Dispose returns the segments to the pool.
/// </summary>
internal sealed class PooledBufferWriter : IBufferWriter<byte>, IDisposable
{
    // Below the large object heap threshold, so a segment that falls out of the pool is cheap.
    private const int SegmentSize = 64 * 1024;

    private readonly List<(byte[] Array, int Count)> _done = [];
    private byte[]? _current;
    private int _used;

    /// <summary>Bytes written so far.</summary>
    public long WrittenCount { get; private set; }

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (_current is null || _used + count > _current.Length)
        {
            throw new InvalidOperationException("advanced past the buffer handed out");
        }
        _used += count;
        WrittenCount += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_used);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_used);

    private byte[] Reserve(int sizeHint)
    {
        var need = Math.Max(sizeHint, 1);
        if (_current is not null && _current.Length - _used >= need)
        {
            return _current;
        }
        if (_current is not null)
        {
            if (_used > 0)
            {
                _done.Add((_current, _used));
            }
            else
            {
                ArrayPool<byte>.Shared.Return(_current);
            }
        }
        _current = ArrayPool<byte>.Shared.Rent(Math.Max(need, SegmentSize));
        _used = 0;
        return _current;
    }

    /// <summary>Drops what was written (the segments stay for reuse).</summary>
    public void Clear()
    {
        foreach (var (array, _) in _done)
        {
            ArrayPool<byte>.Shared.Return(array);
        }
        _done.Clear();
        _used = 0;
        WrittenCount = 0;
    }

    /// <summary>Copies everything written into <paramref name="destination"/> and flushes it.</summary>
    public async ValueTask CopyToAsync(PipeWriter destination, CancellationToken cancellationToken)
    {
        foreach (var (array, count) in _done)
        {
            destination.Write(array.AsSpan(0, count));
        }
        if (_current is not null && _used > 0)
        {
            destination.Write(_current.AsSpan(0, _used));
        }
        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        Clear();
        if (_current is not null)
        {
            ArrayPool<byte>.Shared.Return(_current);
            _current = null;
        }
    }
}
