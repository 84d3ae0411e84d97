using System;
using System.Collections.Generic;
using System.IO;
using System.Text;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// Reads tar headers (ustar, GNU long names, PAX) from a forward-only stream. Written here rather than taken from
/// SharpCompress because safe extraction must tell a symbolic link from a hard link and see device nodes, which
/// SharpCompress's tar entries do not expose; SharpCompress still does the decompression.
/// </summary>
public sealed class TarEntryReader
{
    private const int Block = 512;
    private readonly Stream _stream;
    private readonly byte[] _header = new byte[Block];
    private long _dataLeft;
    private long _padding;

    public TarEntryReader(Stream stream) => _stream = stream;

    /// <summary>The next entry, or null at the end of the archive. The previous entry's data is skipped.</summary>
    public TarEntry? Next()
    {
        Skip(_dataLeft + _padding);
        _dataLeft = _padding = 0;
        string? longName = null, longLink = null;
        Dictionary<string, string>? pax = null;
        while (true)
        {
            if (!ReadBlock(_header)) return null;
            if (IsZero(_header)) return null;
            var type = (char)_header[156];
            var size = ParseNumber(_header, 124, 12);
            if (type == 'L' || type == 'K' || type == 'x')
            {
                var data = ReadData(size);
                if (type == 'L') longName = CString(data, 0, data.Length);
                else if (type == 'K') longLink = CString(data, 0, data.Length);
                else pax = ParsePax(data);
                continue;
            }
            if (type == 'g')
            {
                ReadData(size);
                continue;
            }

            var name = CString(_header, 0, 100);
            var prefix = Encoding.ASCII.GetString(_header, 257, 6).StartsWith("ustar") ? CString(_header, 345, 155) : string.Empty;
            if (prefix.Length > 0) name = prefix + "/" + name;
            var link = CString(_header, 157, 100);
            if (longName != null) name = longName;
            if (longLink != null) link = longLink;
            if (pax != null)
            {
                if (pax.TryGetValue("path", out var p)) name = p;
                if (pax.TryGetValue("linkpath", out var lp)) link = lp;
                if (pax.TryGetValue("size", out var s) && long.TryParse(s, out var ps)) size = ps;
            }
            var kind = type switch
            {
                '0' or '\0' or '7' => TarEntryKind.File,
                '1' => TarEntryKind.HardLink,
                '2' => TarEntryKind.SymbolicLink,
                '3' or '4' => TarEntryKind.Device,
                '5' => TarEntryKind.Directory,
                '6' => TarEntryKind.Fifo,
                _ => TarEntryKind.Other,
            };
            if (kind == TarEntryKind.File && name.EndsWith("/")) kind = TarEntryKind.Directory;
            // Only regular files carry data; for the rest a size is at most padding to skip.
            _dataLeft = kind == TarEntryKind.File || kind == TarEntryKind.Other ? size : 0;
            _padding = (Block - _dataLeft % Block) % Block;
            return new TarEntry(name, kind, _dataLeft, (int)(ParseNumber(_header, 100, 8) & 0xFFF), kind == TarEntryKind.SymbolicLink || kind == TarEntryKind.HardLink ? link : null);
        }
    }

    /// <summary>Copies the current entry's data.</summary>
    public void CopyDataTo(Stream destination)
    {
        var buffer = new byte[81920];
        while (_dataLeft > 0)
        {
            var n = _stream.Read(buffer, 0, (int)Math.Min(buffer.Length, _dataLeft));
            if (n <= 0) throw new InvalidDataException("The archive ended in the middle of an entry.");
            destination.Write(buffer, 0, n);
            _dataLeft -= n;
        }
    }

    private byte[] ReadData(long size)
    {
        if (size < 0 || size > 16 * 1024 * 1024) throw new InvalidDataException($"A tar extension header of {size} bytes is not plausible.");
        var data = new byte[size];
        ReadExactly(data, (int)size);
        Skip((Block - size % Block) % Block);
        return data;
    }

    private bool ReadBlock(byte[] buffer)
    {
        var read = 0;
        while (read < Block)
        {
            var n = _stream.Read(buffer, read, Block - read);
            if (n <= 0)
            {
                if (read == 0) return false;
                throw new InvalidDataException("The archive ends inside a header.");
            }
            read += n;
        }
        return true;
    }

    private void ReadExactly(byte[] buffer, int count)
    {
        var read = 0;
        while (read < count)
        {
            var n = _stream.Read(buffer, read, count - read);
            if (n <= 0) throw new InvalidDataException("The archive ended in the middle of an entry.");
            read += n;
        }
    }

    private void Skip(long count)
    {
        if (count > 0 && _stream.CanSeek)
        {
            // An export's tar is indexed without reading its gigabytes of blobs.
            _stream.Seek(count, SeekOrigin.Current);
            return;
        }
        var buffer = new byte[Math.Min(81920, Math.Max(1, count))];
        while (count > 0)
        {
            var n = _stream.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
            if (n <= 0) throw new InvalidDataException("The archive ended in the middle of an entry.");
            count -= n;
        }
    }

    private static bool IsZero(byte[] block)
    {
        foreach (var b in block) if (b != 0) return false;
        return true;
    }

    private static string CString(byte[] data, int offset, int length)
    {
        var end = offset;
        while (end < offset + length && data[end] != 0) end++;
        return Encoding.UTF8.GetString(data, offset, end - offset);
    }

    /// <summary>Octal, or GNU base-256 when the high bit of the first byte is set.</summary>
    private static long ParseNumber(byte[] data, int offset, int length)
    {
        if ((data[offset] & 0x80) != 0)
        {
            long value = data[offset] & 0x7F;
            for (var i = 1; i < length; i++) value = (value << 8) | data[offset + i];
            return value;
        }
        var text = Encoding.ASCII.GetString(data, offset, length).Trim('\0', ' ');
        return text.Length == 0 ? 0 : Convert.ToInt64(text, 8);
    }

    private static Dictionary<string, string> ParsePax(byte[] data)
    {
        // Records are "<length> <key>=<value>\n", the length counting the whole record in bytes.
        var result = new Dictionary<string, string>();
        var at = 0;
        while (at < data.Length)
        {
            var space = Array.IndexOf(data, (byte)' ', at);
            if (space < 0) break;
            var length = int.Parse(Encoding.ASCII.GetString(data, at, space - at));
            if (length <= 0 || at + length > data.Length) break;
            var record = Encoding.UTF8.GetString(data, space + 1, at + length - space - 2);
            var eq = record.IndexOf('=');
            if (eq > 0) result[record.Substring(0, eq)] = record.Substring(eq + 1);
            at += length;
        }
        return result;
    }
}
