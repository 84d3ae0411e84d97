using System;
using System.Linq;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Artifact;

/// <summary>Picks one platform's manifest from an index: "os/architecture[/variant]", linux/amd64 by default.</summary>
public static class PlatformSelector
{
    public const string Default = "linux/amd64";

    public static Descriptor Select(ManifestDocument index, string platform, string target)
    {
        var wanted = (platform ?? Default).ToLowerInvariant();
        var match = index.Children.FirstOrDefault(c => string.Equals(c.Platform, wanted, StringComparison.OrdinalIgnoreCase))
            ?? index.Children.FirstOrDefault(c => c.Platform != null && wanted.Split('/').Length == 2 && c.Platform.StartsWith(wanted + "/", StringComparison.OrdinalIgnoreCase));
        if (match != null) return match;
        var offered = string.Join(", ", index.Children.Select(c => c.Platform ?? "(no platform)"));
        throw new PlatformNotFoundException(target, wanted, offered);
    }
}
