using System;
using System.IO;
using System.Text;

namespace CseAirgap.Engine.Archive;

/// <summary>Writes plain ustar file entries (names under 100 bytes: an export's are) of any size, and the end of the archive.</summary>
internal sealed class TarEntryWriter
{
    private const int Block = 512;
    private readonly Stream _output;

    public TarEntryWriter(Stream output) => _output = output;

    public void WriteHeader(string name, long size)
    {
        var header = new byte[Block];
        var nameBytes = Encoding.ASCII.GetBytes(name);
        if (nameBytes.Length > 100) throw new ArgumentException($"'{name}' is too long for a ustar name.");
        Array.Copy(nameBytes, header, nameBytes.Length);
        Octal(header, 100, 8, 0x1A4); // 0644
        Octal(header, 108, 8, 0);
        Octal(header, 116, 8, 0);
        Size(header, size);
        Octal(header, 136, 12, 0);
        header[156] = (byte)'0';
        Encoding.ASCII.GetBytes("ustar\0").CopyTo(header, 257);
        Encoding.ASCII.GetBytes("00").CopyTo(header, 263);
        for (var i = 148; i < 156; i++) header[i] = (byte)' ';
        long sum = 0;
        foreach (var b in header) sum += b;
        Octal(header, 148, 7, sum);
        header[155] = (byte)' ';
        _output.Write(header, 0, Block);
    }

    public void WritePadding(long size)
    {
        var pad = (int)((Block - size % Block) % Block);
        if (pad > 0) _output.Write(new byte[pad], 0, pad);
    }

    public void WriteFile(string name, byte[] content)
    {
        WriteHeader(name, content.Length);
        _output.Write(content, 0, content.Length);
        WritePadding(content.Length);
    }

    public void WriteEnd() => _output.Write(new byte[Block * 2], 0, Block * 2);

    /// <summary>The most 11 octal digits hold: 8 GiB - 1.</summary>
    internal const long MaxOctalSize = (1L << 33) - 1;

    /// <summary>
    /// Octal up to 8 GiB - 1; above, GNU's base-256 form (first byte 0x80, then the size big-endian in the other 11
    /// bytes), which GNU tar, bsdtar, Go and Python's tarfile all read back. An 11-digit octal field cannot hold it.
    /// </summary>
    private static void Size(byte[] header, long size)
    {
        if (size < 0) throw new ArgumentOutOfRangeException(nameof(size));
        if (size <= MaxOctalSize)
        {
            Octal(header, 124, 12, size);
            return;
        }
        header[124] = 0x80;
        for (var i = 0; i < 8; i++) header[124 + 11 - i] = (byte)(size >> (8 * i));
    }

    private static void Octal(byte[] header, int offset, int length, long value)
    {
        var text = Convert.ToString(value, 8).PadLeft(length - 1, '0');
        Encoding.ASCII.GetBytes(text).CopyTo(header, offset);
        header[offset + length - 1] = 0;
    }
}
