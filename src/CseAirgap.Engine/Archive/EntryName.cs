using System;
using System.Linq;

namespace CseAirgap.Engine.Archive;

/// <summary>An archive entry name as path components under the root, or a refusal: never absolute, never "..".</summary>
public static class EntryName
{
    /// <summary>The components ("." and empty ones dropped); an empty array names the root itself.</summary>
    public static string[] Split(string name)
    {
        if (name.StartsWith("/", StringComparison.Ordinal) || name.StartsWith("\\", StringComparison.Ordinal) ||
            (name.Length > 1 && name[1] == ':'))
            throw new UnsafeEntryException(name, "it is an absolute path");
        if (name.IndexOf('\0') >= 0) throw new UnsafeEntryException(name, "it holds a NUL character");
        var parts = name.Replace('\\', '/').Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Any(p => p == ".."))
            throw new UnsafeEntryException(name, "it climbs out of the destination with '..'");
        return parts;
    }
}
