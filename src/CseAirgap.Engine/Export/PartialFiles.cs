using System;
using System.IO;
using System.Linq;

namespace CseAirgap.Engine.Export;

/// <summary>
/// Files an export writes under a temporary name (&lt;name&gt;.partial-&lt;random&gt;) and renames when complete. A
/// writer holds its file open and exclusively locked for as long as it writes it, so a later run can tell the
/// leftovers of a killed run (nobody holds them) from the files of a run still going in the same folder.
/// </summary>
internal static class PartialFiles
{
    public const string Marker = ".partial-";

    // Covers the instant between a writer creating its file and locking it.
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    public static string NameFor(string final) => final + Marker + Guid.NewGuid().ToString("N").Substring(0, 12);

    /// <summary>Creates a temporary file held exclusively (on Unix .NET takes an flock for FileShare.None).</summary>
    public static FileStream Create(string path) =>
        new(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);

    public static bool IsPartial(string fileName) => fileName.Contains(Marker);

    /// <summary>Removes the stale temporary files in the root and the given subfolders; returns how many.</summary>
    public static int RemoveStale(string root, params string[] folders)
    {
        var removed = 0;
        foreach (var folder in new[] { root }.Concat(folders.Select(f => Path.Combine(root, f))))
        {
            if (!Directory.Exists(folder)) continue;
            foreach (var file in Directory.EnumerateFiles(folder, "*" + Marker + "*"))
                if (TryRemove(file)) removed++;
        }
        return removed;
    }

    private static bool TryRemove(string file)
    {
        try
        {
            var info = new FileInfo(file);
            if (DateTime.UtcNow - info.LastWriteTimeUtc < Grace) return false;
            if ((info.Attributes & FileAttributes.ReparsePoint) == 0)
            {
                // Never open what might not be a regular file (a FIFO would block); an empty leftover is harmless.
                if (info.Length == 0) return false;
                // Only a file nobody holds: a live writer's exclusive lock makes this open fail.
                using (new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.None)) { }
            }
            File.Delete(file);
            return true;
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            return false;
        }
    }
}
