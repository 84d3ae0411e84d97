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

    public string Root { get; }
    public string? Digest { get; }
    public int SkippedDevices { get; }
    public int SkippedLinks { get; }
}
