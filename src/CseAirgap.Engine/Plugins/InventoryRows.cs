using System;

namespace CseAirgap.Engine.Plugins;

/// <summary>
/// A row of tanzu-cli's PluginBinaries table: one plug-in binary (name, target, version, OS, architecture) and the
/// image that carries it (URI, relative to the inventory image's folder). Every column is TEXT upstream, booleans
/// as "true"/"false"; they are kept as text so a row is written back exactly as it was read.
/// </summary>
public sealed class PluginBinaryRow
{
    public PluginBinaryRow(string pluginName, string target, string recommendedVersion, string version, string hidden, string description,
        string publisher, string vendor, string os, string architecture, string digest, string uri)
    {
        PluginName = pluginName;
        Target = target;
        RecommendedVersion = recommendedVersion;
        Version = version;
        Hidden = hidden;
        Description = description;
        Publisher = publisher;
        Vendor = vendor;
        OS = os;
        Architecture = architecture;
        Digest = digest;
        URI = uri;
    }

    public string PluginName { get; }
    public string Target { get; }
    public string RecommendedVersion { get; }
    public string Version { get; }
    public string Hidden { get; }
    public string Description { get; }
    public string Publisher { get; }
    public string Vendor { get; }
    public string OS { get; }
    public string Architecture { get; }
    public string Digest { get; }
    public string URI { get; }

    /// <summary>The plug-in (not the binary): what group rows name.</summary>
    public (string Name, string Target) Plugin => (PluginName, Target);

    /// <summary>The table's primary key.</summary>
    public string Key => string.Join("|", PluginName, Target, Version, OS, Architecture);
}

/// <summary>A row of tanzu-cli's PluginGroups table: one plug-in of one version of a group.</summary>
public sealed class PluginGroupRow
{
    public PluginGroupRow(string vendor, string publisher, string groupName, string groupVersion, string description,
        string pluginName, string target, string pluginVersion, string mandatory, string hidden)
    {
        Vendor = vendor;
        Publisher = publisher;
        GroupName = groupName;
        GroupVersion = groupVersion;
        Description = description;
        PluginName = pluginName;
        Target = target;
        PluginVersion = pluginVersion;
        Mandatory = mandatory;
        Hidden = hidden;
    }

    public string Vendor { get; }
    public string Publisher { get; }
    public string GroupName { get; }
    public string GroupVersion { get; }
    public string Description { get; }
    public string PluginName { get; }
    public string Target { get; }
    public string PluginVersion { get; }
    public string Mandatory { get; }
    public string Hidden { get; }

    public (string Name, string Target) Plugin => (PluginName, Target);

    /// <summary>As the Tanzu CLI writes a group: vmware-tkg/default:v2.5.0.</summary>
    public string Id => $"{Vendor}-{Publisher}/{GroupName}:{GroupVersion}";

    public bool IsGroup(string vendor, string publisher, string name) =>
        string.Equals(Vendor, vendor, StringComparison.Ordinal) && string.Equals(Publisher, publisher, StringComparison.Ordinal) &&
        string.Equals(GroupName, name, StringComparison.Ordinal);
}
