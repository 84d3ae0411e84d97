using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>
/// A write-only stream that becomes one file, or numbered parts (name.001, name.002, ...) of at most a set size for
/// media with file-size limits; it hashes each part as it goes and writes name.sha256 (sha256sum's format) at the end.
/// </summary>
public sealed class PartedFileWriter : Stream
{
    private readonly string _path;
    private readonly long _maxPartSize;
    private readonly List<(string File, string Sha256)> _parts = new();
    private FileStream? _current;
    private IncrementalHash? _hash;
    private long _inPart;
    private long _total;

    /// <param name="maxPartSize">0 for a single file.</param>
    public PartedFileWriter(string path, long maxPartSize)
    {
        _path = Path.GetFullPath(path);
        _maxPartSize = maxPartSize;
        foreach (var stale in PartFiles(_path)) File.Delete(stale);
    }

    /// <summary>The files a split export is made of, in order ("x.tar.001", ...), or the single file.</summary>
    public static IReadOnlyList<string> PartFiles(string path)
    {
        var parts = new List<string>();
        for (var i = 1; ; i++)
        {
            var part = $"{path}.{i:000}";
            if (!File.Exists(part)) break;
            parts.Add(part);
        }
        if (parts.Count == 0 && File.Exists(path)) parts.Add(path);
        return parts;
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        while (count > 0)
        {
            if (_current == null || (_maxPartSize > 0 && _inPart == _maxPartSize)) NextPart();
            var n = _maxPartSize > 0 ? (int)Math.Min(count, _maxPartSize - _inPart) : count;
            _current!.Write(buffer, offset, n);
            _hash!.AppendData(buffer, offset, n);
            _inPart += n;
            _total += n;
            offset += n;
            count -= n;
        }
    }

    private void NextPart()
    {
        ClosePart();
        var name = _maxPartSize > 0 ? $"{_path}.{_parts.Count + 1:000}" : _path;
        _current = new FileStream(name, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _inPart = 0;
        _parts.Add((name, string.Empty));
    }

    private void ClosePart()
    {
        if (_current == null) return;
        _current.Dispose();
        var last = _parts.Count - 1;
        _parts[last] = (_parts[last].File, Digests.Format(_hash!.GetHashAndReset()).Substring(7));
        _hash.Dispose();
        _current = null;
    }

    /// <summary>Closes the last part and writes the checksum file next to the parts.</summary>
    public void Finish()
    {
        if (_current == null && _parts.Count == 0) NextPart();
        ClosePart();
        var lines = new StringBuilder();
        foreach (var (file, sha) in _parts) lines.Append(sha).Append("  ").Append(Path.GetFileName(file)).Append('\n');
        File.WriteAllText(_path + ".sha256", lines.ToString());
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _current?.Dispose();
        base.Dispose(disposing);
    }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _total;
    public override long Position { get => _total; set => throw new NotSupportedException(); }
    public override void Flush() => _current?.Flush();
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
