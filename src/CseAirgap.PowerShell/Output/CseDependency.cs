using System;
using CseAirgap.Engine.Dependencies;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell.Output;

/// <summary>
/// An image CSE needs in the local registry. Made by Get-CseDependency; a string such as
/// "projects.registry.vmware.com/tkg/pause:3.9" converts to one, so references bind to -Dependency too.
/// </summary>
public sealed class CseDependency
{
    /// <summary>Lets PowerShell convert a reference string into a dependency.</summary>
    public CseDependency(string reference)
        : this(new DependencyLine(ImageReference.Parse(reference), true, null, 0))
    {
    }

    internal CseDependency(DependencyLine line)
    {
        var r = line.Reference;
        Reference = r.ToString();
        Registry = r.Registry;
        Repository = r.Repository;
        Tag = r.Tag;
        Digest = r.Digest;
        Group = DependencyLine.GroupOf(r);
        Enabled = line.Enabled;
        File = line.File;
        Line = line.Line;
    }

    public string Reference { get; }
    public string Registry { get; }

    /// <summary>The path without the host: where the image lands under the destination base.</summary>
    public string Repository { get; }

    public string? Tag { get; }
    public string? Digest { get; }

    /// <summary>vmware-cloud-director, tkg, tanzu_cli, or other.</summary>
    public string Group { get; }

    public bool Enabled { get; }
    public string? File { get; }
    public int Line { get; }

    internal ImageReference ToImageReference() => ImageReference.Parse(Reference);

    public override string ToString() => Reference;
}
