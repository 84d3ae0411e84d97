using System;
using System.Collections.Generic;
using System.Linq;

namespace CseAirgap.Engine.Catalog;

/// <summary>One row of the procedure's table: which getting-started image serves which CSE version.</summary>
public sealed class AirgapImageEntry
{
    public AirgapImageEntry(string cseVersion, string tag)
    {
        CseVersion = cseVersion;
        Tag = tag;
    }

    public string CseVersion { get; }
    public string Registry => AirgapImageCatalog.Registry;
    public string Repository => AirgapImageCatalog.Repository;
    public string Tag { get; }
    public string Reference => $"{Registry}/{Repository}:{Tag}";
}

/// <summary>
/// The CSE 4.2.x getting-started-airgapped images, as the provider guide lists them.
/// "4.2" and "4.2.0" name the same release: admins write both.
/// </summary>
public static class AirgapImageCatalog
{
    public const string Registry = "projects.registry.vmware.com";
    public const string Repository = "vmware-cloud-director/getting-started-airgapped";

    public static IReadOnlyList<AirgapImageEntry> All { get; } = new[]
    {
        new AirgapImageEntry("4.2.0", "v0.1.2"),
        new AirgapImageEntry("4.2.1", "v0.1.3"),
        new AirgapImageEntry("4.2.2", "v0.1.4"),
    };

    /// <summary>The versions a user may type, for completion and error messages.</summary>
    public static IReadOnlyList<string> KnownVersions => All.Select(e => e.CseVersion).ToArray();

    public static bool TryFind(string version, out AirgapImageEntry entry)
    {
        var normalized = Normalize(version);
        entry = All.FirstOrDefault(e => e.CseVersion == normalized)!;
        return entry != null;
    }

    private static string Normalize(string version)
    {
        var v = version.Trim().TrimStart('v', 'V');
        return v.Count(c => c == '.') == 1 ? v + ".0" : v;
    }
}
