using System;
using System.Collections.Generic;

namespace CseAirgap.Engine.Registry;

/// <summary>One place a source image may be read: a registry, the reference as it names it, and whether a host move led there.</summary>
public sealed class SourceRoute
{
    public SourceRoute(RegistryAddress address, ImageReference fetch, bool relocated)
    {
        Address = address;
        Fetch = fetch;
        Relocated = relocated;
    }

    public RegistryAddress Address { get; }
    public ImageReference Fetch { get; }

    /// <summary>Reached through <see cref="HostRelocations"/> (the reference names the old host).</summary>
    public bool Relocated { get; }
}

/// <summary>
/// The places a source reference is read from, in the order they are asked: mirrors and host moves together.
/// A mirror names where a host's content is, so it wins over the move table:
/// - a -SourceMirror entry for the old host alone: only that mirror (the user said where the old host's content is;
///   asking the internet's new host first would break a site that can reach only its mirror);
/// - an entry for the new host: the new host's turn goes to that mirror, then the old host (or its own mirror);
/// - one mirror for every host: both turns land on the same mirror path, so it is asked once.
/// </summary>
public sealed class SourceRoutes
{
    private readonly SourceMirrors _mirrors;
    private readonly HostRelocations _relocations;

    public SourceRoutes(SourceMirrors mirrors, HostRelocations relocations)
    {
        _mirrors = mirrors;
        _relocations = relocations;
    }

    public HostRelocations Relocations => _relocations;

    /// <summary>Where <paramref name="source"/> is asked, first to last; the next is asked only when one answers "not found".</summary>
    public IReadOnlyList<SourceRoute> For(ImageReference source)
    {
        var own = _mirrors.Resolve(source);
        var ownRoute = new SourceRoute(own.Address, own.Fetch, false);
        var moved = _relocations.Relocate(source);
        if (moved == null) return new[] { ownRoute };
        if (_mirrors.HasOwnMirror(source.Registry) && !_mirrors.HasOwnMirror(moved.Registry)) return new[] { ownRoute };
        var there = _mirrors.Resolve(moved);
        var movedRoute = new SourceRoute(there.Address, there.Fetch, true);
        if (SamePlace(movedRoute, ownRoute)) return new[] { ownRoute };
        return new[] { movedRoute, ownRoute };
    }

    /// <summary>The first place <paramref name="source"/> is asked: for a host's origin rules (credentials, checks).</summary>
    public SourceRoute First(ImageReference source) => For(source)[0];

    private static bool SamePlace(SourceRoute a, SourceRoute b) =>
        string.Equals(a.Address.ToString(), b.Address.ToString(), StringComparison.OrdinalIgnoreCase) && a.Address.UseHttps == b.Address.UseHttps &&
        a.Fetch.Equals(b.Fetch);
}
