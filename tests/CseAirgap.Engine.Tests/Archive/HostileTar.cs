using System.Formats.Tar;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>Tar streams written with the runtime's own System.Formats.Tar (not the module's reader or writer).</summary>
internal static class HostileTar
{
    public static MemoryStream Build(Action<TarWriter> write)
    {
        var stream = new MemoryStream();
        using (var writer = new TarWriter(stream, TarEntryFormat.Gnu, leaveOpen: true)) write(writer);
        stream.Position = 0;
        return stream;
    }

    public static void File(this TarWriter writer, string name, string content = "x", int mode = 0b110_100_100)
    {
        var entry = new GnuTarEntry(TarEntryType.RegularFile, name) { Mode = (UnixFileMode)mode };
        entry.DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(content));
        writer.WriteEntry(entry);
    }

    public static void Directory(this TarWriter writer, string name, int mode = 0b111_101_101) =>
        writer.WriteEntry(new GnuTarEntry(TarEntryType.Directory, name) { Mode = (UnixFileMode)mode });

    public static void Symlink(this TarWriter writer, string name, string target) =>
        writer.WriteEntry(new GnuTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });

    public static void HardLink(this TarWriter writer, string name, string target) =>
        writer.WriteEntry(new GnuTarEntry(TarEntryType.HardLink, name) { LinkName = target });
}
