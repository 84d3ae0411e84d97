using System;
using System.Collections.Generic;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Where source images are actually fetched: a mirror for every host, a mirror per host, or the host itself.
/// A mirror may carry a path prefix (a Harbor proxy-cache project, for example).
/// </summary>
public sealed class SourceMirrors
{
    private readonly RegistryAddress? _everyHost;
    private readonly Dictionary<string, RegistryAddress> _byHost = new(StringComparer.OrdinalIgnoreCase);

    public SourceMirrors(string? everyHost, IDictionary<string, string>? byHost)
    {
        if (!string.IsNullOrWhiteSpace(everyHost)) _everyHost = RegistryAddress.Parse(everyHost!);
        if (byHost == null) return;
        foreach (var pair in byHost) _byHost[pair.Key.Trim()] = RegistryAddress.Parse(pair.Value);
    }

    public static SourceMirrors None { get; } = new(null, null);

    /// <summary>Whether <paramref name="host"/> has a mirror of its own (a -SourceMirror hashtable entry).</summary>
    public bool HasOwnMirror(string host) => _byHost.ContainsKey(host);

    /// <summary>The registry to read <paramref name="source"/> from, and the reference as that registry names it.</summary>
    public (RegistryAddress Address, ImageReference Fetch) Resolve(ImageReference source)
    {
        if (_byHost.TryGetValue(source.Registry, out var mirror) || (mirror = _everyHost!) != null)
            return (mirror, source.Relocate(mirror.Host, mirror.PathPrefix));
        var own = RegistryAddress.Parse(source.Registry == ImageReference.DockerHub ? "registry-1.docker.io" : source.Registry);
        return (own, source);
    }
}
