using System;
using System.IO;
using System.IO.Compression;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// Opens a layer whatever its compression, judged by its first bytes rather than its media type (which
/// docker-save archives do not carry): gzip through the runtime's native zlib (fast), zstd through SharpCompress,
/// anything else as a plain tar.
/// </summary>
public static class LayerDecompression
{
    public static Stream Open(Stream raw)
    {
        var head = new byte[4];
        var read = 0;
        while (read < head.Length)
        {
            var n = raw.Read(head, read, head.Length - read);
            if (n <= 0) break;
            read += n;
        }
        Stream joined = new PrefixedStream(head, read, raw);
        if (read >= 2 && head[0] == 0x1F && head[1] == 0x8B) return new GZipStream(joined, CompressionMode.Decompress);
        if (read >= 4 && head[0] == 0x28 && head[1] == 0xB5 && head[2] == 0x2F && head[3] == 0xFD)
            return new SharpCompress.Compressors.ZStandard.DecompressionStream(joined, leaveOpen: false);
        return joined;
    }

    /// <summary>Bytes already read, then the rest of the stream.</summary>
    private sealed class PrefixedStream : Registry.ReadOnlyStream
    {
        private readonly byte[] _prefix;
        private readonly int _prefixLength;
        private readonly Stream _rest;
        private int _at;

        public PrefixedStream(byte[] prefix, int length, Stream rest)
        {
            _prefix = prefix;
            _prefixLength = length;
            _rest = rest;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_at < _prefixLength)
            {
                var n = Math.Min(count, _prefixLength - _at);
                Array.Copy(_prefix, _at, buffer, offset, n);
                _at += n;
                return n;
            }
            return _rest.Read(buffer, offset, count);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _rest.Dispose();
            base.Dispose(disposing);
        }
    }
}
