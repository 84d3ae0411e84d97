using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Imgpkg;

/// <summary>One image of a bundle's lock as it was copied: the name in the lock, whether it is a bundle itself.</summary>
public sealed class LockedImage
{
    public LockedImage(ImageReference reference, bool isBundle)
    {
        Reference = reference;
        IsBundle = isBundle;
    }

    public ImageReference Reference { get; }
    public bool IsBundle { get; }
}
