using System;
using System.Collections.Generic;
using CseAirgap.Engine.Archive;

namespace CseAirgap.Engine.Artifact;

/// <summary>What an expansion produced: the root folder and the digest of what was expanded, when known.</summary>
public sealed class ExpandedImage
{
    public ExpandedImage(string root, string? digest, int skippedDevices, int skippedLinks)
    {
        Root = root;
        Digest = digest;
        SkippedDevices = skippedDevices;
        SkippedLinks = skippedLinks;
    }

    public ExpandedImage(string root, string? digest, LayerApplier applier)
        : this(root, digest, applier.SkippedDevices, applier.SkippedLinks)
    {
        SkippedLinkNames = applier.SkippedLinkNames;
        SkippedNameCount = applier.SkippedNameCount;
        SkippedNames = applier.SkippedNames;
    }

    public string Root { get; }
    public string? Digest { get; }
    public int SkippedDevices { get; }
    public int SkippedLinks { get; }

    /// <summary>The first symbolic links not created, as the archive names them (untrusted text: escape to show).</summary>
    public IReadOnlyList<string> SkippedLinkNames { get; } = Array.Empty<string>();

    /// <summary>Entries not written because the file system cannot hold their names or they collide under its case rules.</summary>
    public int SkippedNameCount { get; }

    /// <summary>The first of them, as the archive names them (untrusted text: escape to show).</summary>
    public IReadOnlyList<string> SkippedNames { get; } = Array.Empty<string>();
}
