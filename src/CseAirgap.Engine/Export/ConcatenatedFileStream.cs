using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace CseAirgap.Engine.Export;

/// <summary>Read-only, seekable view of several files one after the other: the parts of a split export, never joined on disk.</summary>
internal sealed class ConcatenatedFileStream : Stream
{
    private readonly IReadOnlyList<string> _files;
    private readonly long[] _starts;
    private readonly long _length;
    private FileStream? _open;
    private int _openIndex = -1;
    private long _position;

    public ConcatenatedFileStream(IReadOnlyList<string> files)
    {
        _files = files;
        _starts = new long[files.Count];
        long at = 0;
        for (var i = 0; i < files.Count; i++)
        {
            _starts[i] = at;
            at += new FileInfo(files[i]).Length;
        }
        _length = at;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_position >= _length) return 0;
        var index = Array.BinarySearch(_starts, _position);
        if (index < 0) index = ~index - 1;
        while (index < _files.Count - 1 && _starts[index + 1] <= _position) index++;
        if (index != _openIndex)
        {
            _open?.Dispose();
            _open = new FileStream(_files[index], FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            _openIndex = index;
        }
        _open!.Position = _position - _starts[index];
        var n = _open.Read(buffer, offset, count);
        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        return _position;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _open?.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => true;
    public override bool CanSeek => true;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => _position = value; }
    public override void Flush() { }
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}

/// <summary>A window of a seekable stream: one tar entry's data.</summary>
internal sealed class WindowStream : Registry.ReadOnlyStream
{
    private readonly Stream _inner;
    private readonly long _start;
    private readonly long _length;
    private long _at;

    public WindowStream(Stream inner, long start, long length)
    {
        _inner = inner;
        _start = start;
        _length = length;
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (_at >= _length) return 0;
        _inner.Position = _start + _at;
        var n = _inner.Read(buffer, offset, (int)Math.Min(count, _length - _at));
        _at += n;
        return n;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    public override long Length => _length;
    public override long Position { get => _at; set => throw new NotSupportedException(); }
}
