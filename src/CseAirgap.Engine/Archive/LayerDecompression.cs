using System;
using System.IO;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// Opens a layer whatever its compression, judged by its first bytes rather than its media type (which
/// docker-save archives do not carry): gzip through the runtime's native zlib (fast), zstd through SharpCompress,
/// anything else as a plain tar. What comes out of gzip or zstd is charged to an <see cref="ExpansionBudget"/> as it is
/// read, so a compression bomb is refused while streaming, after at most the cap's worth of work. A plain tar is not
/// charged here: it is no bigger than the bytes given, and what is written of it is charged by the applier.
/// A gzip layer is read to its last member on every framework (see <see cref="GzipMembersStream"/>).
/// </summary>
public static class LayerDecompression
{
    /// <summary>Opens a layer under the default caps, for a reader that has no expansion of its own.</summary>
    public static Stream Open(Stream raw) => Open(raw, new ExpansionBudget(ExpansionLimits.Default, "a layer"));

    /// <param name="gzipReader">The framework's reader of one gzip member; <see cref="GzipMembersStream.FrameworkReader"/> by default.</param>
    public static Stream Open(Stream raw, ExpansionBudget budget, Func<Stream, Stream>? gzipReader = null)
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
        if (read >= 2 && head[0] == 0x1F && head[1] == 0x8B)
            return new ChargedStream(new GzipMembersStream(joined, gzipReader), budget);
        if (read >= 4 && head[0] == 0x28 && head[1] == 0xB5 && head[2] == 0x2F && head[3] == 0xFD)
            return new ChargedStream(new SharpCompress.Compressors.ZStandard.DecompressionStream(joined, leaveOpen: false), budget);
        return joined;
    }

    /// <summary>Decompressed bytes, each read charged to the budget before the reader sees it.</summary>
    private sealed class ChargedStream : Registry.ReadOnlyStream
    {
        private readonly Stream _inner;
        private readonly ExpansionBudget _budget;

        public ChargedStream(Stream inner, ExpansionBudget budget)
        {
            _inner = inner;
            _budget = budget;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _inner.Read(buffer, offset, count);
            if (n > 0) _budget.ChargeDecompressed(n);
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
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
