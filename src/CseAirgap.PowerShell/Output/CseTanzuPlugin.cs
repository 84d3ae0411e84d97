using System.Collections.Generic;

namespace CseAirgap.PowerShell.Output;

/// <summary>A Tanzu CLI plug-in binary of the vmware-tkg/default group, and its image.</summary>
public sealed class CseTanzuPlugin
{
    internal CseTanzuPlugin(string name, string target, string version, string operatingSystem, string architecture, string reference, string uri, IReadOnlyList<string> groups)
    {
        Name = name;
        Target = target;
        Version = version;
        OperatingSystem = operatingSystem;
        Architecture = architecture;
        Reference = reference;
        Uri = uri;
        Group = groups;
    }

    public string Name { get; }
    public string Target { get; }
    public string Version { get; }
    public string OperatingSystem { get; }
    public string Architecture { get; }

    /// <summary>The plug-in image at the source.</summary>
    public string Reference { get; }

    /// <summary>Its path relative to tanzu_cli/plugins/, as the inventory records it.</summary>
    public string Uri { get; }

    /// <summary>The group versions that name it, such as vmware-tkg/default:v2.5.0.</summary>
    public IReadOnlyList<string> Group { get; }
}
