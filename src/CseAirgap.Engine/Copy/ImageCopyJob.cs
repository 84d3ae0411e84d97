using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Copy;

/// <summary>One image to copy: what was asked for, where it is read from (the source, a mirror, or an export), where it lands.</summary>
public sealed class ImageCopyJob
{
    public ImageCopyJob(ImageReference source, IImageSource from, ImageReference destination)
    {
        Source = source;
        From = from;
        Destination = destination;
    }

    /// <summary>The reference as the dependency names it, for reports.</summary>
    public ImageReference Source { get; }

    /// <summary>Where the image is actually read.</summary>
    public IImageSource From { get; }

    public ImageReference Destination { get; }
}
