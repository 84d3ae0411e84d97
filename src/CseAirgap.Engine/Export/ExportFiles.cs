using System.IO;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Export;

/// <summary>
/// The only way files of a folder export are opened: a path made of the export's own names (index.json, oci-layout,
/// blobs/&lt;algorithm&gt;/&lt;hex&gt;), every folder on the way and the file itself a real one (no link to follow out of
/// the export), and never more read than the file held when it was checked, so a device or a growing file cannot
/// make a read go on without end.
/// </summary>
internal static class ExportFiles
{
    /// <summary>Whether the file is there (a link or other non-file under the name counts as there: opening it refuses it).</summary>
    public static bool Exists(string root, string relative)
    {
        var path = Full(root, relative);
        return File.Exists(path) || Directory.Exists(path);
    }

    /// <param name="links">Which reparse points are links; this platform's rule by default.</param>
    public static Stream Open(string root, string relative, string export, LinkInspector? links = null)
    {
        links ??= LinkInspector.ForThisPlatform;
        var path = Full(root, relative);
        var at = root;
        var segments = relative.Split('/');
        for (var i = 0; i < segments.Length - 1; i++)
        {
            at = Path.Combine(at, segments[i]);
            var folder = new DirectoryInfo(at);
            if (folder.Exists && links.IsLink(at))
                throw new UnsafeExportFileException(at, "the folder is a symbolic link");
        }
        var file = new FileInfo(path);
        if (!file.Exists)
        {
            if (Directory.Exists(path)) throw new UnsafeExportFileException(path, "it is a folder");
            throw new ExportIncompleteException(export, relative,
                $"The export {export} has no {relative}: it is incomplete. Run Test-CseExport, then export again (a folder export adds only what is missing).");
        }
        if (links.IsLink(path)) throw new UnsafeExportFileException(path, "it is a symbolic link");
        var length = file.Length;
        // A device or a pipe reports no length: nothing is opened, so nothing can block or stream without end.
        if (length == 0) return new MemoryStream(new byte[0], writable: false);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, useAsync: false);
        return new WindowStream(stream, 0, length);
    }

    /// <summary>A whole small file (index.json, a manifest), refused past <paramref name="limit"/> bytes before it is read.</summary>
    public static byte[] ReadAll(string root, string relative, int limit, string what, LinkInspector? links = null)
    {
        using var stream = Open(root, relative, root, links);
        return ReadAll(stream, limit, what, Full(root, relative));
    }

    public static byte[] ReadAll(Stream stream, int limit, string what, string target)
    {
        if (stream.Length > limit) throw new ContentTooLargeException(what, target, limit);
        using var buffer = new MemoryStream((int)stream.Length);
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static string Full(string root, string relative) => Path.Combine(root, relative.Replace('/', Path.DirectorySeparatorChar));
}
