using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using CseAirgap.Engine.Archive;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Artifact;

/// <summary>
/// The files of a docker-save or OCI layout archive, unpacked through <see cref="ConfinedRoot"/> into a private
/// folder so layers can be read in the order a manifest gives. Only regular files and folders are written; links,
/// devices and FIFOs are only remembered, so nothing in the archive is ever read through the file system's links.
/// A document is read only when it is a regular file, and only up to its cap. Every entry is charged to the
/// expansion's budget (an archive of millions of empty files would use up the file system's inodes).
/// </summary>
internal sealed class ImageArchiveContents
{
    private readonly ConfinedRoot _root;
    private readonly PathRules _rules;
    private readonly string _archive;
    private readonly Dictionary<string, TarEntry> _entries = new(StringComparer.Ordinal);

    private ImageArchiveContents(string folder, string archive, PathRules rules)
    {
        _rules = rules;
        _root = new ConfinedRoot(folder, rules: rules);
        _archive = archive;
    }

    public static ImageArchiveContents Unpack(Stream tar, string folder, string archive, ExpansionBudget budget, PathRules? rules = null)
    {
        var contents = new ImageArchiveContents(folder, archive, rules ?? PathRules.ForThisPlatform);
        var reader = new TarEntryReader(tar);
        TarEntry? entry;
        while ((entry = reader.Next()) != null)
        {
            budget.ChargeEntry();
            var parts = EntryName.Split(entry.Name);
            if (parts.Length == 0) continue;
            // A name the file system cannot hold is no manifest or layer (those are plain names or digests): left out.
            if (parts.Any(p => contents._rules.WhyNotHoldable(p) != null)) continue;
            contents._entries[string.Join("/", parts)] = entry;
            if (entry.Kind == TarEntryKind.Directory) contents._root.CreateDirectory(parts, entry.Name);
            else if (entry.Kind == TarEntryKind.File)
                using (var file = contents._root.CreateFile(parts, entry.Name))
                    reader.CopyDataTo(file);
            else contents._root.Remove(parts, entry.Name);
        }
        return contents;
    }

    /// <summary>A JSON document of the archive (manifest.json, index.json, a manifest blob), read only up to <paramref name="limit"/> bytes.</summary>
    public byte[] ReadDocument(string name, int limit)
    {
        var parts = RegularFile(name, followOneLink: false);
        using var file = _root.OpenRegularFile(parts, name);
        return ContentLimits.ReadAllAsync(file, limit, name, _archive, CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>
    /// A layer file and its size. Old docker save archives point a repeated layer at the first copy with a relative
    /// symbolic link (<c>../&lt;id&gt;/layer.tar</c>); such a link is resolved here, by name, inside the archive, once,
    /// and must end at a regular file of the archive. A link leading anywhere else is refused.
    /// </summary>
    public (Stream Stream, long Size) OpenLayer(string name)
    {
        var parts = RegularFile(name, followOneLink: true);
        var stream = _root.OpenRegularFile(parts, name);
        return (stream, stream.Length);
    }

    public bool Contains(string name) => _entries.ContainsKey(string.Join("/", EntryName.Split(name)));

    private string[] RegularFile(string name, bool followOneLink)
    {
        var parts = EntryName.Split(name);
        var key = string.Join("/", parts);
        if (!_entries.TryGetValue(key, out var entry))
            throw new InvalidDataException($"The archive {_archive} names '{Failures.RemoteText.Escape(name)}', which it does not hold: it is damaged or not an image archive.");
        switch (entry.Kind)
        {
            case TarEntryKind.File:
                return parts;
            case TarEntryKind.SymbolicLink when followOneLink:
                var target = InArchiveLinkTarget(entry, parts);
                if (target != null && _entries.TryGetValue(string.Join("/", target), out var pointed) && pointed.Kind == TarEntryKind.File) return target;
                break;
            case TarEntryKind.HardLink when followOneLink:
                var source = EntryName.Split(entry.LinkTarget ?? string.Empty);
                if (_entries.TryGetValue(string.Join("/", source), out var linked) && linked.Kind == TarEntryKind.File) return source;
                break;
        }
        var what = entry.Kind switch
        {
            TarEntryKind.SymbolicLink => $"a symbolic link to '{entry.LinkTarget}'",
            TarEntryKind.HardLink => $"a hard link to '{entry.LinkTarget}'",
            TarEntryKind.Device => "a device node",
            TarEntryKind.Fifo => "a FIFO",
            TarEntryKind.Directory => "a folder",
            _ => "not a regular file",
        };
        throw new UnsafeEntryException(entry.Name, $"it is {what}; an image archive's manifests and layers are read only as regular files of the archive");
    }

    /// <summary>A relative link target resolved against the link's folder, by name; null when it leaves the archive.</summary>
    private static string[]? InArchiveLinkTarget(TarEntry link, string[] linkParts)
    {
        var target = link.LinkTarget ?? string.Empty;
        if (target.Length == 0 || target.StartsWith("/", StringComparison.Ordinal) || target.StartsWith("\\", StringComparison.Ordinal) ||
            (target.Length > 1 && target[1] == ':'))
            return null;
        var resolved = new List<string>();
        for (var i = 0; i < linkParts.Length - 1; i++) resolved.Add(linkParts[i]);
        foreach (var part in target.Replace('\\', '/').Split(new[] { '/' }, StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".") continue;
            if (part == "..")
            {
                if (resolved.Count == 0) return null;
                resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            resolved.Add(part);
        }
        return resolved.Count == 0 ? null : resolved.ToArray();
    }
}
