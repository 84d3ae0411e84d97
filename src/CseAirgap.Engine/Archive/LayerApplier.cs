using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace CseAirgap.Engine.Archive;

/// <summary>
/// Applies tar layers, in order, to one root folder the way a container runtime stacks them: files replace
/// files, <c>.wh.&lt;name&gt;</c> deletes a lower layer's path, <c>.wh..wh..opq</c> hides a directory's lower
/// contents. Every change goes through <see cref="ConfinedRoot"/>: a path with "..", an absolute path, a path
/// through a symbolic link, or a whiteout that names no plain file is refused with <see cref="UnsafeEntryException"/>
/// before anything is touched. Directory modes are applied by <see cref="Finish"/>, after all content (as GNU tar
/// does), and setuid, setgid and sticky bits are dropped. A hard link is made a real hard link (a copy only where the
/// file system cannot link), and every entry and every byte written is charged to the <see cref="ExpansionBudget"/>
/// before it reaches the disk.
/// <para>
/// Names are judged by the <see cref="PathRules"/> of the file system written to. A name it cannot hold (on Windows
/// <c>libc6:amd64.list</c>, <c>aux.h</c>, <c>foo.</c>) is skipped and counted, never a failure of the whole expansion.
/// Where the rules fold case, the first spelling of a path wins: a later entry whose path differs from one already
/// written only in case (<c>xt_connmark.h</c> after <c>xt_CONNMARK.h</c>, a file <c>e</c> after a folder <c>E</c>) is
/// skipped and counted rather than written over it, and an entry of the very same spelling replaces it as on Linux.
/// A whiteout names its path under the same rules, so <c>.wh.e</c> deletes <c>E</c> where case is folded.
/// </para>
/// </summary>
public sealed class LayerApplier
{
    private const string WhiteoutPrefix = ".wh.";
    private const string OpaqueMarker = ".wh..wh..opq";
    private const int PermissionBits = 0x1FF; // 0777
    private const int SpecialBits = 0xE00; // setuid, setgid, sticky
    private const int NamesKept = 20;
    private readonly ConfinedRoot _root;
    private readonly PathRules _rules;
    private readonly Action<string>? _log;
    private readonly ExpansionBudget _budget;

    // Directory modes wait until every layer is written, or a 0555 folder could not be filled when not root.
    private readonly Dictionary<string, (string[] Parts, int Mode)> _directoryModes = new(StringComparer.Ordinal);
    // Where case is folded: every path written, under the rules' comparer, to the spelling it was written with.
    private readonly Dictionary<string, string>? _spellings;
    // Paths skipped for their name (exact spelling): a hard link to one of them is skipped too, not pointed elsewhere.
    private readonly HashSet<string> _skippedPaths = new(StringComparer.Ordinal);
    private readonly List<string> _skippedNames = new();
    private readonly List<string> _skippedLinkNames = new();
    private int _droppedSpecialBits;
    private string? _firstDroppedSpecialBits;

    /// <param name="budget">Shared with the expansion's decompression; the default caps when none is given.</param>
    /// <param name="linker">How hard links are made; the platform's own by default.</param>
    /// <param name="rules">The names the destination's file system holds; the platform's own by default.</param>
    public LayerApplier(string root, Action<string>? log, ExpansionBudget? budget = null, IHardLinker? linker = null, PathRules? rules = null)
    {
        Directory.CreateDirectory(root);
        _rules = rules ?? PathRules.ForThisPlatform;
        _root = new ConfinedRoot(root, linker, _rules);
        _log = log;
        _budget = budget ?? new ExpansionBudget(ExpansionLimits.Default, root);
        if (_rules.FoldsCase) _spellings = new Dictionary<string, string>(_rules.NameComparer);
    }

    public int SkippedDevices { get; private set; }
    public int SkippedLinks { get; private set; }

    /// <summary>The first of the symbolic links not created (their entry names, as written in the archive).</summary>
    public IReadOnlyList<string> SkippedLinkNames => _skippedLinkNames;

    /// <summary>Entries not written because the file system cannot hold their name, or it collides with another under its case rules.</summary>
    public int SkippedNameCount { get; private set; }

    /// <summary>The first <see cref="NamesKept"/> of them (entry names, as written in the archive: escape them to show them).</summary>
    public IReadOnlyList<string> SkippedNames => _skippedNames;

    /// <summary>Hard links written as copies because the file system refused to link them.</summary>
    public int CopiedHardLinks { get; private set; }

    /// <summary>Applies one layer; <paramref name="honourWhiteouts"/> is false for a plain file-system tar.</summary>
    public void Apply(Stream tar, bool honourWhiteouts = true)
    {
        var reader = new TarEntryReader(tar);
        // Paths written by this layer: an opaque marker hides only what lower layers left.
        var written = new HashSet<string>(_rules.NameComparer);
        TarEntry? entry;
        while ((entry = reader.Next()) != null)
        {
            _budget.ChargeEntry();
            var parts = EntryName.Split(entry.Name);
            if (parts.Length == 0) continue;
            var leaf = parts[parts.Length - 1];
            var parent = parts.Take(parts.Length - 1).ToArray();

            if (honourWhiteouts && leaf.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
            {
                ApplyWhiteout(entry.Name, parent, leaf, written);
                continue;
            }

            var relative = string.Join("/", parts);
            if (!MayWrite(parts, entry.Name)) continue;
            written.Add(relative);
            // A file or link in place of a folder of an earlier entry (rare; the lookup keeps big layers linear).
            if (entry.Kind != TarEntryKind.Directory && _directoryModes.ContainsKey(relative))
            {
                ForgetModes(relative);
                ForgetSpellings(relative, includingItself: false);
            }
            switch (entry.Kind)
            {
                case TarEntryKind.Directory:
                    _root.CreateDirectory(parts, entry.Name);
                    _directoryModes[relative] = (parts, Permissions(entry));
                    break;
                case TarEntryKind.File:
                    _budget.ChargeBytes(entry.Size, entry.Name);
                    using (var file = _root.CreateFile(parts, entry.Name))
                        reader.CopyDataTo(file);
                    _root.TrySetMode(parts, Permissions(entry), entry.Name);
                    break;
                case TarEntryKind.SymbolicLink:
                    if (!_rules.CreatesSymbolicLinks)
                    {
                        _root.Remove(parts, entry.Name);
                        SkippedLinks++;
                        if (_skippedLinkNames.Count < NamesKept) _skippedLinkNames.Add(entry.Name);
                        _log?.Invoke($"Skipped the symbolic link '{entry.Name}' -> '{entry.LinkTarget}': this platform cannot create it.");
                        break;
                    }
                    // The link itself is harmless: the gate never follows it, and refuses any later path through it.
                    _root.CreateSymbolicLink(parts, entry.LinkTarget ?? string.Empty, entry.Name);
                    break;
                case TarEntryKind.HardLink:
                    // A real link costs no bytes; a copy (where the file system cannot link) is charged like a file.
                    var linkTarget = entry.LinkTarget ?? string.Empty;
                    var source = LinkSource(entry.Name, linkTarget);
                    if (source.Length == 0)
                        throw new UnsafeEntryException(entry.Name, $"it is a hard link to '{linkTarget}', which is not a file");
                    if (_skippedPaths.Contains(string.Join("/", source)) || source.Any(p => _rules.WhyNotHoldable(p) != null))
                    {
                        Skip(parts, entry.Name, $"it is a hard link to '{linkTarget}', which was not written for its name");
                        break;
                    }
                    source = Spelled(source);
                    var name = entry.Name;
                    // A link shares its file's mode, as tar -x leaves it; a copy takes the mode the entry gives.
                    if (_root.CreateHardLink(source, parts, name, linkTarget, size => _budget.ChargeBytes(size, name))) break;
                    CopiedHardLinks++;
                    _root.TrySetMode(parts, Permissions(entry), entry.Name);
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

    /// <summary>After the last layer: directory modes, deepest first (a folder closed early would refuse its children's).</summary>
    public void Finish()
    {
        foreach (var (parts, mode) in _directoryModes.Values.OrderByDescending(d => d.Parts.Length).ToList())
            _root.TrySetMode(parts, mode, string.Join("/", parts));
        _directoryModes.Clear();
        if (_droppedSpecialBits > 0)
            _log?.Invoke($"Dropped the setuid, setgid and sticky bits of {_droppedSpecialBits} entries (the first: '{_firstDroppedSpecialBits}'): " +
                "an unpacked artifact never needs them, and they would let a file run as its owner.");
        _droppedSpecialBits = 0;
        if (CopiedHardLinks > 0)
            _log?.Invoke($"Wrote {CopiedHardLinks} hard links as copies: the file system of the destination refused to link them.");
    }

    private void ApplyWhiteout(string name, string[] parent, string leaf, HashSet<string> written)
    {
        if (leaf == OpaqueMarker)
        {
            HideLowerContents(name, parent, written);
            return;
        }
        var hidden = leaf.Substring(WhiteoutPrefix.Length);
        if (hidden.StartsWith(WhiteoutPrefix, StringComparison.Ordinal))
        {
            // .wh..wh.<x> is reserved for markers (aufs' .wh..wh.plnk and the like): nothing to delete.
            _log?.Invoke($"Skipped the whiteout marker '{name}': a kind this module does not know.");
            return;
        }
        // Checked like an entry name: ".wh." + nothing, ".", ".." or a separator names no file of this folder.
        ConfinedRoot.CheckComponent(hidden, name);
        var path = parent.Concat(new[] { hidden }).ToArray();
        // A name the file system cannot hold was never written, so there is nothing of it to delete.
        if (path.Any(p => _rules.WhyNotHoldable(p) != null)) return;
        path = Spelled(path);
        _root.Remove(path, name);
        var relative = string.Join("/", path);
        ForgetModes(relative);
        ForgetSpellings(relative, includingItself: true);
    }

    /// <summary>
    /// Whether an entry may be written under the rules (see the class's comment); a refused one is skipped and counted.
    /// The paths it makes (its folders too) are remembered in their spelling.
    /// </summary>
    private bool MayWrite(string[] parts, string entryName)
    {
        foreach (var part in parts)
        {
            var why = _rules.WhyNotHoldable(part);
            if (why == null) continue;
            Skip(parts, entryName, $"the name '{part}' cannot be written on this file system: {why}");
            return false;
        }
        if (_spellings == null) return true;
        var prefix = string.Empty;
        for (var i = 0; i < parts.Length; i++)
        {
            prefix = i == 0 ? parts[0] : prefix + "/" + parts[i];
            if (_spellings.TryGetValue(prefix, out var spelling) && !string.Equals(spelling, prefix, StringComparison.Ordinal))
            {
                Skip(parts, entryName, $"its path differs from '{spelling}', written before it, only in case, and this file system does not tell them apart");
                return false;
            }
        }
        prefix = string.Empty;
        for (var i = 0; i < parts.Length; i++)
        {
            prefix = i == 0 ? parts[0] : prefix + "/" + parts[i];
            if (!_spellings.ContainsKey(prefix)) _spellings[prefix] = prefix;
        }
        return true;
    }

    private void Skip(string[] parts, string entryName, string why)
    {
        _skippedPaths.Add(string.Join("/", parts));
        SkippedNameCount++;
        if (_skippedNames.Count < NamesKept) _skippedNames.Add(entryName);
        _log?.Invoke($"Skipped '{Failures.RemoteText.Escape(entryName)}': {why}.");
    }

    /// <summary>A path in the spelling it was written with (the same path where case is not folded or it is new).</summary>
    private string[] Spelled(string[] parts)
    {
        if (_spellings == null || !_spellings.TryGetValue(string.Join("/", parts), out var spelling)) return parts;
        return spelling.Split('/');
    }

    /// <summary>A path deleted or replaced by a file frees its spellings (and its contents'), so a later entry may spell them anew.</summary>
    private void ForgetSpellings(string relative, bool includingItself)
    {
        if (_spellings == null) return;
        if (includingItself) _spellings.Remove(relative);
        var under = relative + "/";
        foreach (var key in _spellings.Keys.Where(k => k.StartsWith(under, StringComparison.Ordinal)).ToList())
            _spellings.Remove(key);
    }

    /// <summary>A folder deleted or replaced keeps no pending mode: a later folder of the same name has its own.</summary>
    private void ForgetModes(string relative)
    {
        if (_directoryModes.Count == 0) return;
        foreach (var key in _directoryModes.Keys.Where(k => k == relative || k.StartsWith(relative + "/", StringComparison.Ordinal)).ToList())
            _directoryModes.Remove(key);
    }

    private void HideLowerContents(string name, string[] dir, HashSet<string> writtenByThisLayer)
    {
        if (dir.Any(p => _rules.WhyNotHoldable(p) != null)) return;
        dir = Spelled(dir);
        var prefix = dir.Length == 0 ? string.Empty : string.Join("/", dir) + "/";
        foreach (var child in _root.ListChildren(dir, name))
        {
            if (writtenByThisLayer.Contains(prefix + child)) continue;
            _root.Remove(dir.Concat(new[] { child }).ToArray(), name);
            ForgetModes(prefix + child);
            ForgetSpellings(prefix + child, includingItself: true);
        }
    }

    /// <summary>A hard link's target as components; a target outside the root is refused in the link's name.</summary>
    private static string[] LinkSource(string name, string linkTarget)
    {
        try
        {
            return EntryName.Split(linkTarget);
        }
        catch (UnsafeEntryException)
        {
            throw new UnsafeEntryException(name, $"it is a hard link to '{linkTarget}', which is outside the destination");
        }
    }

    private int Permissions(TarEntry entry)
    {
        if ((entry.Mode & SpecialBits) != 0)
        {
            _droppedSpecialBits++;
            _firstDroppedSpecialBits ??= entry.Name;
        }
        return entry.Mode & PermissionBits;
    }
}
