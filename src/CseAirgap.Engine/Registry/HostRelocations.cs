using System;
using System.Collections.Generic;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Registry hosts known to have moved: a reference on an old host is asked at the new host first (same repository
/// path), and at the old host only where the new one answers "not found". The files VMware ships (dependencies.txt,
/// TKG BOMs, imgpkg locks) keep naming the old host, so the table, not the references, carries the move. Adding a
/// move is a new row in <see cref="Default"/> (a code change, reviewed like any other), with its date.
/// </summary>
public sealed class HostRelocations
{
    private readonly Dictionary<string, string> _newHostOf = new(StringComparer.OrdinalIgnoreCase);

    public HostRelocations(IEnumerable<KeyValuePair<string, string>> moves)
    {
        foreach (var move in moves) _newHostOf[move.Key.Trim()] = move.Value.Trim();
    }

    /// <summary>
    /// The moves the module knows. June 2024: VMware's public registry was decommissioned and its content (TKG, its
    /// packages, the Tanzu CLI plug-ins) moved to Broadcom's, under the same repository paths.
    /// </summary>
    public static HostRelocations Default { get; } = new(new Dictionary<string, string>
    {
        ["projects.registry.vmware.com"] = "projects.packages.broadcom.com",
    });

    /// <summary>No moves: every reference is asked where it points (-NoRelocation).</summary>
    public static HostRelocations None { get; } = new(new Dictionary<string, string>());

    /// <summary>The rows, old host to new host, for messages and checks.</summary>
    public IReadOnlyDictionary<string, string> Moves => _newHostOf;

    /// <summary>Where <paramref name="source"/> is asked first: on the new host when its host moved, otherwise null.</summary>
    public ImageReference? Relocate(ImageReference source) =>
        _newHostOf.TryGetValue(source.Registry, out var to) ? source.Relocate(to, null) : null;
}
