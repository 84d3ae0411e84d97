using System.Security.Cryptography;

namespace CseAirgap.Engine.Tests.Archive;

/// <summary>
/// Everything under a folder except one excluded subtree, as lstat sees it: path, type, link target, mode, size,
/// modification time and content hash. Links are recorded, never followed.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class OutsideSnapshot
{
    public static SortedDictionary<string, string> Take(string top, string excluded)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        Walk(top, top, Path.GetFullPath(excluded), result);
        return result;
    }

    public static string Difference(SortedDictionary<string, string> before, SortedDictionary<string, string> after)
    {
        var lines = new List<string>();
        foreach (var (path, state) in before)
            if (!after.TryGetValue(path, out var now)) lines.Add($"removed {path} ({state})");
            else if (now != state) lines.Add($"changed {path}: {state} -> {now}");
        foreach (var path in after.Keys.Where(p => !before.ContainsKey(p))) lines.Add($"added {path} ({after[path]})");
        return string.Join("\n", lines);
    }

    private static void Walk(string top, string dir, string excluded, SortedDictionary<string, string> result)
    {
        foreach (var path in Directory.EnumerateFileSystemEntries(dir).OrderBy(p => p, StringComparer.Ordinal))
        {
            if (string.Equals(Path.GetFullPath(path), excluded, StringComparison.Ordinal)) continue;
            var relative = Path.GetRelativePath(top, path);
            var attributes = File.GetAttributes(path);
            FileSystemInfo info = (attributes & FileAttributes.Directory) != 0 ? new DirectoryInfo(path) : new FileInfo(path);
            if (info.LinkTarget != null)
            {
                result[relative] = "link -> " + info.LinkTarget;
                continue;
            }
            var mode = Convert.ToString((int)File.GetUnixFileMode(path), 8);
            if (info is DirectoryInfo)
            {
                result[relative] = "dir " + mode;
                Walk(top, path, excluded, result);
                continue;
            }
            var file = (FileInfo)info;
            using var stream = File.OpenRead(path);
            result[relative] = $"file {mode} {file.Length} {file.LastWriteTimeUtc.Ticks} {Convert.ToHexString(SHA256.HashData(stream))}";
        }
    }
}
