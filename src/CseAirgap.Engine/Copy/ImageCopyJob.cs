using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Copy;

/// <summary>One image to copy: what was asked for, where it is read from (the same, or a mirror), where it lands.</summary>
public sealed class ImageCopyJob
{
    public ImageCopyJob(ImageReference source, ImageReference fetch, RegistryClient sourceClient, ImageReference destination)
    {
        Source = source;
        Fetch = fetch;
        SourceClient = sourceClient;
        Destination = destination;
    }

    /// <summary>The reference as the dependency names it, for reports.</summary>
    public ImageReference Source { get; }

    /// <summary>The same image where it is actually read: on a mirror when one is given.</summary>
    public ImageReference Fetch { get; }

    public RegistryClient SourceClient { get; }
    public ImageReference Destination { get; }
}
