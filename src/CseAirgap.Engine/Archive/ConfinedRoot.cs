using System;
using System.Collections.Generic;
using System.IO;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// The one gate through which extraction changes the file system. Every path is given as components under the
/// root and walked one step at a time without following anything: each step is looked at itself (a symbolic link is
/// seen as a link, never as what it points at), and a path that goes through a link, or a component that is empty,
/// ".", "..", or holds a separator, is refused with <see cref="UnsafeEntryException"/> before anything is touched.
/// So nothing an archive says can create, write, delete, link or chmod anything but a path strictly inside the root.
/// </summary>
public sealed class ConfinedRoot
{
    private readonly string _prefix;
    private readonly IHardLinker _linker;
    private readonly PathRules _rules;

    /// <param name="root">An existing real folder (not a link), which the caller made for this extraction.</param>
    /// <param name="linker">How hard links are made; the platform's own by default.</param>
    /// <param name="rules">Which names the file system holds and how paths reach the OS; the platform's own by default.</param>
    public ConfinedRoot(string root, IHardLinker? linker = null, PathRules? rules = null)
    {
        _linker = linker ?? HardLinkers.ForThisPlatform;
        _rules = rules ?? PathRules.ForThisPlatform;
        Root = Path.GetFullPath(root);
        if (KindOf(Root) != PathKind.Directory) throw new ArgumentException($"'{root}' is not a folder.", nameof(root));
        _prefix = Root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? Root : Root + Path.DirectorySeparatorChar;
    }

    public string Root { get; }

    /// <summary>Creates the directory (and its missing parents); a file or link in its place is replaced.</summary>
    public void CreateDirectory(IReadOnlyList<string> parts, string entry)
    {
        var path = Walk(parts, entry, createParents: true)!;
        var kind = KindOf(path);
        if (kind == PathKind.Directory) return;
        if (kind != PathKind.Missing) RemoveTree(path, _rules);
        Directory.CreateDirectory(path);
    }

    /// <summary>A new regular file in place of whatever was there (never opened through a link: CreateNew fails on one).</summary>
    public Stream CreateFile(IReadOnlyList<string> parts, string entry)
    {
        var path = Walk(parts, entry, createParents: true)!;
        if (KindOf(path) != PathKind.Missing) RemoveTree(path, _rules);
        return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920);
    }

    /// <summary>Removes a file, a link (never what it points at) or a whole directory; a missing path is fine.</summary>
    public void Remove(IReadOnlyList<string> parts, string entry)
    {
        var path = Walk(parts, entry, createParents: false);
        if (path != null && KindOf(path) != PathKind.Missing) RemoveTree(path, _rules);
    }

    /// <summary>A symbolic link in place of whatever was there. Its target is kept as written: the gate never follows it.</summary>
    public void CreateSymbolicLink(IReadOnlyList<string> parts, string target, string entry)
    {
        if (target.Length == 0 || target.IndexOf('\0') >= 0) throw new UnsafeEntryException(entry, "it is a symbolic link with no usable target");
        var path = Walk(parts, entry, createParents: true)!;
        if (KindOf(path) != PathKind.Missing) RemoveTree(path, _rules);
        FileSystemLinks.CreateSymbolicLink(path, target);
    }

    /// <summary>
    /// A hard link in place of whatever was there: a second name of a regular file that an earlier entry wrote in this
    /// root, reached without any link. Where the file system cannot link, the file is copied, after
    /// <paramref name="beforeCopy"/> is told its size (and may refuse it). True when linked, false when copied.
    /// The old directory entry is removed first, so nothing is ever written through a link: a later entry that
    /// replaces either name leaves the other's content as it was.
    /// </summary>
    public bool CreateHardLink(IReadOnlyList<string> sourceParts, IReadOnlyList<string> parts, string entry, string linkTarget, Action<long>? beforeCopy = null)
    {
        var source = RegularFileToLink(sourceParts, entry, linkTarget);
        var path = Walk(parts, entry, createParents: true)!;
        if (string.Equals(source, path, StringComparison.Ordinal)) return true;
        if (KindOf(path) != PathKind.Missing) RemoveTree(path, _rules);
        // Making the link's folders or clearing its name can remove the source (a link "d" to "d/f"): look again.
        source = RegularFileToLink(sourceParts, entry, linkTarget);
        if (_linker.TryLink(source, path)) return true;
        using var from = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 81920);
        beforeCopy?.Invoke(from.Length);
        using var to = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920);
        from.CopyTo(to);
        return false;
    }

    private string RegularFileToLink(IReadOnlyList<string> sourceParts, string entry, string linkTarget)
    {
        var source = Walk(sourceParts, entry, createParents: false);
        if (source == null || KindOf(source) != PathKind.File)
            throw new UnsafeEntryException(entry, $"it is a hard link to '{linkTarget}', which is not a regular file written before it");
        return source;
    }

    /// <summary>Sets permission bits on a file or directory; never on a link (chmod would change what it points at).</summary>
    public bool TrySetMode(IReadOnlyList<string> parts, int mode, string entry)
    {
        string? path;
        try
        {
            path = Walk(parts, entry, createParents: false);
        }
        catch (UnsafeEntryException)
        {
            // A later entry replaced a folder on the way by a link: the mode is for something that no longer exists.
            return false;
        }
        var kind = path == null ? PathKind.Missing : KindOf(path);
        if (kind != PathKind.File && kind != PathKind.Directory) return false;
        FileSystemLinks.SetMode(path!, mode);
        return true;
    }

    /// <summary>The names inside a real directory (none when it is missing or is not one).</summary>
    public IReadOnlyList<string> ListChildren(IReadOnlyList<string> parts, string entry)
    {
        var path = parts.Count == 0 ? _rules.ForOs(Root) : Walk(parts, entry, createParents: false);
        var names = new List<string>();
        if (path == null || KindOf(path) != PathKind.Directory) return names;
        foreach (var child in Directory.EnumerateFileSystemEntries(path)) names.Add(Path.GetFileName(child));
        return names;
    }

    /// <summary>Opens a regular file for reading; a link, a folder or anything else on the way is refused.</summary>
    public Stream OpenRegularFile(IReadOnlyList<string> parts, string entry)
    {
        var path = Walk(parts, entry, createParents: false);
        var kind = path == null ? PathKind.Missing : KindOf(path);
        if (kind == PathKind.Missing) throw new FileNotFoundException($"'{entry}' is not in the archive.", entry);
        if (kind != PathKind.File) throw new UnsafeEntryException(entry, "it is not a regular file, and only regular files are read");
        return new FileStream(path!, FileMode.Open, FileAccess.Read, FileShare.Read, 81920);
    }

    /// <summary>What a path under the root is, looked at itself; null when a step on the way is missing or not a folder.</summary>
    public PathKind KindOfEntry(IReadOnlyList<string> parts, string entry)
    {
        var path = Walk(parts, entry, createParents: false);
        return path == null ? PathKind.Missing : KindOf(path);
    }

    /// <summary>
    /// The full path of the components, every step checked: an existing step must be a real directory (a link is
    /// refused; a file is replaced by a directory when <paramref name="createParents"/>, else the path is null).
    /// The path is in the form the OS is given (see <see cref="PathRules.ForOs"/>).
    /// </summary>
    private string? Walk(IReadOnlyList<string> parts, string entry, bool createParents)
    {
        if (parts.Count == 0) throw new UnsafeEntryException(entry, "it names the destination itself");
        foreach (var part in parts)
        {
            CheckComponent(part, entry);
            // The applier skips such names before they get here; this keeps Path.Combine from throwing on .NET Framework.
            var why = _rules.WhyNotHoldable(part);
            if (why != null) throw new UnsafeEntryException(entry, $"the name '{part}' cannot be written here: {why}");
        }
        var normal = Root;
        for (var i = 0; i < parts.Count - 1; i++)
        {
            normal = Path.Combine(normal, parts[i]);
            var path = _rules.ForOs(normal);
            switch (KindOf(path))
            {
                case PathKind.Directory:
                    break;
                case PathKind.SymbolicLink:
                    throw new UnsafeEntryException(entry, $"it goes through the symbolic link '{string.Join("/", Take(parts, i + 1))}', which could lead outside the destination");
                case PathKind.Missing:
                    if (!createParents) return null;
                    Directory.CreateDirectory(path);
                    break;
                default:
                    if (!createParents) return null;
                    File.Delete(path);
                    Directory.CreateDirectory(path);
                    break;
            }
        }
        var full = Path.Combine(normal, parts[parts.Count - 1]);
        // Defence in depth: the components were checked one by one, so this cannot fail unless that check is broken.
        if (!full.StartsWith(_prefix, StringComparison.Ordinal) || full.Length == _prefix.Length)
            throw new UnsafeEntryException(entry, "it resolves outside the destination");
        return _rules.ForOs(full);
    }

    /// <summary>Refuses a component that is not a plain name (what a platform cannot hold is <see cref="PathRules"/>' to say).</summary>
    public static void CheckComponent(string part, string entry)
    {
        if (part.Length == 0 || part == "." || part == "..")
            throw new UnsafeEntryException(entry, $"it holds the path component '{part}', which is not a name");
        foreach (var c in part)
        {
            if (c == '/' || c == '\\' || c == '\0')
                throw new UnsafeEntryException(entry, $"the name '{part}' holds a separator");
        }
    }

    /// <summary>What is at a path, looked at itself (lstat): a link is a link, whatever it points at, even nothing.</summary>
    public static PathKind KindOf(string path)
    {
        FileAttributes attributes;
        try
        {
            attributes = File.GetAttributes(path);
        }
        catch (Exception e) when (e is FileNotFoundException || e is DirectoryNotFoundException)
        {
            return PathKind.Missing;
        }
        if ((attributes & FileAttributes.ReparsePoint) != 0) return PathKind.SymbolicLink;
        if ((attributes & FileAttributes.Directory) != 0) return PathKind.Directory;
        return PathKind.File;
    }

    /// <summary>
    /// Deletes a path and, for a real directory, everything in it, never following a link (a link is unlinked).
    /// Folders are made writable first, so a 0555 folder of an earlier extraction goes too when not running as root.
    /// </summary>
    /// <param name="rules">Gives each path inside in the form the OS takes (a deep tree passes 260 characters on Windows); this platform's by default.</param>
    public static void RemoveTree(string path, PathRules? rules = null)
    {
        rules ??= PathRules.ForThisPlatform;
        path = rules.ForOs(path);
        switch (KindOf(path))
        {
            case PathKind.Missing:
                return;
            case PathKind.SymbolicLink:
                if (!FileSystemLinks.IsUnix && (File.GetAttributes(path) & FileAttributes.Directory) != 0) Directory.Delete(path, recursive: false);
                else File.Delete(path);
                return;
            case PathKind.Directory:
                FileSystemLinks.SetMode(path, 0x1C0);
                foreach (var child in new List<string>(Directory.EnumerateFileSystemEntries(path))) RemoveTree(child, rules);
                Directory.Delete(path, recursive: false);
                return;
            default:
                // Windows refuses to delete a ReadOnly file (Unix looks only at the folder's permissions).
                if (!FileSystemLinks.IsUnix)
                {
                    var attributes = File.GetAttributes(path);
                    if ((attributes & FileAttributes.ReadOnly) != 0) File.SetAttributes(path, attributes & ~FileAttributes.ReadOnly);
                }
                File.Delete(path);
                return;
        }
    }

    private static IEnumerable<string> Take(IReadOnlyList<string> parts, int count)
    {
        for (var i = 0; i < count; i++) yield return parts[i];
    }
}

/// <summary>What a path is, seen without following it.</summary>
public enum PathKind
{
    Missing,
    File,
    Directory,
    SymbolicLink,
}
