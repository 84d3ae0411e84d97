using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// Applies tar layers, in order, to one root folder the way a container runtime stacks them: files replace
/// files, <c>.wh.&lt;name&gt;</c> deletes a lower layer's path, <c>.wh..wh..opq</c> hides a directory's lower
/// contents. Every entry is checked before anything is written: a path with "..", an absolute path, or a
/// path through a symbolic link is refused with <see cref="UnsafeEntryException"/>.
/// </summary>
public sealed class LayerApplier
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";
    private readonly string _root;
    private readonly Action<string>? _log;

    public LayerApplier(string root, Action<string>? log)
    {
        _root = Path.GetFullPath(root);
        _log = log;
        Directory.CreateDirectory(_root);
    }

    public int SkippedDevices { get; private set; }
    public int SkippedLinks { get; private set; }

    /// <summary>Applies one layer; <paramref name="honourWhiteouts"/> is false for a plain file-system tar.</summary>
    public void Apply(Stream tar, bool honourWhiteouts = true)
    {
        var reader = new TarEntryReader(tar);
        // Paths written by this layer: an opaque marker hides only what lower layers left.
        var written = new HashSet<string>(StringComparer.Ordinal);
        TarEntry? entry;
        while ((entry = reader.Next()) != null)
        {
            var parts = SafeParts(entry.Name);
            if (parts.Length == 0) continue;
            var leaf = parts[parts.Length - 1];
            var parent = parts.Take(parts.Length - 1).ToArray();
            var parentPath = CheckedParent(entry.Name, parent);

            if (honourWhiteouts && leaf == OpaqueMarker)
            {
                HideLowerContents(string.Join("/", parent), parentPath, written);
                continue;
            }
            if (honourWhiteouts && leaf.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                FileSystemLinks.Remove(Path.Combine(parentPath, leaf.Substring(WhiteoutPrefix.Length)));
                continue;
            }

            var relative = string.Join("/", parts);
            var target = Path.Combine(parentPath, leaf);
            written.Add(relative);
            switch (entry.Kind)
            {
                case TarEntryKind.Directory:
                    if (FileSystemLinks.Exists(target) && !(Directory.Exists(target) && !FileSystemLinks.IsSymbolicLink(target))) FileSystemLinks.Remove(target);
                    Directory.CreateDirectory(target);
                    FileSystemLinks.SetMode(target, entry.Mode);
                    break;
                case TarEntryKind.File:
                    FileSystemLinks.Remove(target);
                    using (var file = new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920))
                        reader.CopyDataTo(file);
                    FileSystemLinks.SetMode(target, entry.Mode);
                    break;
                case TarEntryKind.SymbolicLink:
                    FileSystemLinks.Remove(target);
                    if (!FileSystemLinks.CanCreateSymbolicLinks)
                    {
                        SkippedLinks++;
                        _log?.Invoke($"Skipped the symbolic link '{entry.Name}' -> '{entry.LinkTarget}': this platform cannot create it.");
                        break;
                    }
                    // The link itself is harmless; following it later is what CheckedParent refuses.
                    FileSystemLinks.CreateSymbolicLink(target, entry.LinkTarget ?? string.Empty);
                    break;
                case TarEntryKind.HardLink:
                    // Written as a copy: the same bytes, whatever the platform's link support.
                    var source = ExistingPath(entry.Name, SafeParts(entry.LinkTarget ?? string.Empty));
                    if (source == null || !File.Exists(source))
                        throw new UnsafeEntryException(entry.Name, $"it is a hard link to '{entry.LinkTarget}', which is not a file written before it");
                    FileSystemLinks.Remove(target);
                    File.Copy(source, target);
                    break;
                case TarEntryKind.Device:
                case TarEntryKind.Fifo:
                    SkippedDevices++;
                    _log?.Invoke($"Skipped the device or FIFO '{entry.Name}'.");
                    break;
                default:
                    _log?.Invoke($"Skipped '{entry.Name}': an entry type this module does not write.");
                    break;
            }
        }
    }

    /// <summary>Splits an entry name into safe components, or refuses it.</summary>
    private static string[] SafeParts(string name)
    {
        if (name.StartsWith("/", StringComparison.Ordinal) || name.StartsWith("\\", StringComparison.Ordinal) ||
            (name.Length > 1 && name[1] == ':'))
            throw new UnsafeEntryException(name, "it is an absolute path");
        var parts = name.Replace('\\', '/').Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Any(p => p == ".."))
            throw new UnsafeEntryException(name, "it climbs out of the destination with '..'");
        return parts;
    }

    /// <summary>The folder an entry goes into, made if needed; refused if any step of it is a symbolic link.</summary>
    private string CheckedParent(string name, string[] parent)
    {
        var path = _root;
        foreach (var part in parent)
        {
            path = Path.Combine(path, part);
            if (FileSystemLinks.IsSymbolicLink(path))
                throw new UnsafeEntryException(name, $"it goes through the symbolic link '{part}', which could lead outside the destination");
            if (File.Exists(path)) File.Delete(path);
            if (!Directory.Exists(path)) Directory.CreateDirectory(path);
        }
        return path;
    }

    /// <summary>The path of something already extracted, or null; no step of it may be a symbolic link.</summary>
    private string? ExistingPath(string name, string[] parts)
    {
        var path = _root;
        foreach (var part in parts)
        {
            path = Path.Combine(path, part);
            if (FileSystemLinks.IsSymbolicLink(path))
                throw new UnsafeEntryException(name, $"it links through the symbolic link '{part}', which could lead outside the destination");
            if (!FileSystemLinks.Exists(path)) return null;
        }
        return parts.Length == 0 ? null : path;
    }

    private static void HideLowerContents(string relativeDir, string dir, HashSet<string> writtenByThisLayer)
    {
        var prefix = relativeDir.Length == 0 ? string.Empty : relativeDir + "/";
        foreach (var child in Directory.EnumerateFileSystemEntries(dir).ToList())
        {
            var rel = prefix + Path.GetFileName(child);
            if (!writtenByThisLayer.Contains(rel)) FileSystemLinks.Remove(child);
        }
    }
}
