using System;
using System.IO;
using System.IO.Compression;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// Every member of a gzip stream, one after another, whatever the framework's gzip reader does at the end of a member.
/// A file made by <c>cat a.gz b.gz</c> (or <c>gzip.compress(a) + gzip.compress(b)</c>) is one valid gzip stream (RFC 1952
/// 2.2); .NET Core reads all its members (since corefx#30442) but .NET Framework's GZipStream stops after the first,
/// so on Windows PowerShell a layer's later files went missing while its digest still matched.
/// <para>
/// The framework's reader reads ahead, so where its member ended in the input is not known from outside. It is found:
/// the member's last 8 bytes are the CRC-32 and length of what it decompressed to, which this stream computes as the
/// bytes go by, so they are looked for in the input the reader took (kept here, the last <see cref="TailKept"/> bytes
/// of it). What follows them is the next member. Both frameworks' readers check each member's CRC and length, so a
/// trailer that is not found means the reader went through every member itself (.NET Core: its CRC spans them all),
/// and whatever input it left is what it judged not to be gzip: the stream ends there, as it did before.
/// </para>
/// </summary>
public sealed class GzipMembersStream : Registry.ReadOnlyStream
{
    /// <summary>The framework's reader of one gzip stream, left open on its input: what .NET gives on this platform.</summary>
    public static Func<Stream, Stream> FrameworkReader { get; } = input => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);

    // Far more than a reader buffers ahead (8 KiB in both .NET Framework's and .NET Core's DeflateStream).
    private const int TailKept = 256 * 1024;
    private readonly Func<Stream, Stream> _openReader;
    private readonly Stream _raw;
    private RecordingStream _input;
    private Stream _member;
    private uint _crc = 0xFFFFFFFF;
    private uint _length;
    private bool _done;

    /// <param name="raw">The gzip bytes, from the first member's header.</param>
    /// <param name="openReader">Opens the framework's reader on one member (and maybe more); <see cref="FrameworkReader"/> by default.</param>
    public GzipMembersStream(Stream raw, Func<Stream, Stream>? openReader = null)
    {
        _raw = raw;
        _openReader = openReader ?? FrameworkReader;
        _input = new RecordingStream(raw);
        _member = _openReader(_input);
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        if (count == 0) return 0;
        while (!_done)
        {
            var n = _member.Read(buffer, offset, count);
            if (n > 0)
            {
                _crc = Crc32.Update(_crc, buffer, offset, n);
                _length = unchecked(_length + (uint)n);
                return n;
            }
            _done = !StartNextMember();
        }
        return 0;
    }

    /// <summary>After a member's end: opens the next one, or says there is none.</summary>
    private bool StartNextMember()
    {
        var crc = ~_crc;
        var trailer = new byte[8];
        for (var i = 0; i < 4; i++)
        {
            trailer[i] = (byte)(crc >> (8 * i));
            trailer[4 + i] = (byte)(_length >> (8 * i));
        }
        var taken = _input.Tail();
        var at = IndexOf(taken, trailer);
        if (at < 0) return false;
        var after = new byte[taken.Length - at - 8];
        Array.Copy(taken, at + 8, after, 0, after.Length);
        // The next member's magic, read from what the reader took beyond the trailer and then the input itself.
        var rest = new PrefixStream(after, _raw);
        var magic = new byte[2];
        var got = ReadFully(rest, magic, 2);
        // The end, or bytes that are no gzip member (padding some tools leave), which gzip -d also ignores.
        if (got < 2 || magic[0] != 0x1F || magic[1] != 0x8B) return false;
        _member.Dispose();
        _input = new RecordingStream(new PrefixStream(magic, rest));
        _member = _openReader(_input);
        _crc = 0xFFFFFFFF;
        _length = 0;
        return true;
    }

    private static int ReadFully(Stream stream, byte[] buffer, int count)
    {
        var read = 0;
        while (read < count)
        {
            var n = stream.Read(buffer, read, count - read);
            if (n <= 0) break;
            read += n;
        }
        return read;
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _member.Dispose();
            _raw.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>The input as the reader takes it, keeping the last bytes taken.</summary>
    private sealed class RecordingStream : Registry.ReadOnlyStream
    {
        private readonly Stream _inner;
        private byte[] _kept = new byte[2 * TailKept];
        private int _count;

        public RecordingStream(Stream inner) => _inner = inner;

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = _inner.Read(buffer, offset, count);
            if (n <= 0) return n;
            if (n >= TailKept)
            {
                Array.Copy(buffer, offset + n - TailKept, _kept, 0, TailKept);
                _count = TailKept;
                return n;
            }
            if (_count + n > _kept.Length)
            {
                // Keep the last TailKept bytes, so the copy happens once per TailKept bytes read.
                Array.Copy(_kept, _count - (TailKept - n), _kept, 0, TailKept - n);
                _count = TailKept - n;
            }
            Array.Copy(buffer, offset, _kept, _count, n);
            _count += n;
            return n;
        }

        public byte[] Tail()
        {
            var tail = new byte[_count];
            Array.Copy(_kept, 0, tail, 0, _count);
            return tail;
        }
    }

    private sealed class PrefixStream : Registry.ReadOnlyStream
    {
        private readonly byte[] _prefix;
        private readonly Stream _rest;
        private int _at;

        public PrefixStream(byte[] prefix, Stream rest)
        {
            _prefix = prefix;
            _rest = rest;
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_at >= _prefix.Length) return _rest.Read(buffer, offset, count);
            var n = Math.Min(count, _prefix.Length - _at);
            Array.Copy(_prefix, _at, buffer, offset, n);
            _at += n;
            return n;
        }
    }
}

/// <summary>CRC-32 as gzip uses it (ISO-HDLC, reflected 0xEDB88320), for the trailer of a member.</summary>
internal static class Crc32
{
    private static readonly uint[] Table = Build();

    public static uint Update(uint crc, byte[] buffer, int offset, int count)
    {
        for (var i = offset; i < offset + count; i++) crc = Table[(crc ^ buffer[i]) & 0xFF] ^ (crc >> 8);
        return crc;
    }

    private static uint[] Build()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
