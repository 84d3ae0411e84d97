using System;
using System.IO;

namespace CseAirgap.Engine.Registry;

/// <summary>A window of at most <c>length</c> bytes over a stream that stays open: one PATCH chunk.</summary>
internal sealed class BoundedStream : ReadOnlyStream
{
    private readonly Stream _inner;
    private long _left;

    public BoundedStream(Stream inner, long length)
    {
        _inner = inner;
        _left = length;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_left <= 0) return 0;
        var n = _inner.Read(buffer, offset, (int)Math.Min(count, _left));
        if (n == 0) throw new EndOfStreamException($"The blob ended {_left} bytes before its declared size.");
        _left -= n;
        return n;
    }

    // The chunk does not own the blob stream: later chunks still read from it.
    protected override void Dispose(bool disposing) { }

}
