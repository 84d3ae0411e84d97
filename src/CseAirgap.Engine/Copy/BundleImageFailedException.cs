using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Copy;

/// <summary>
/// An image an imgpkg bundle's lock names could not be copied, so the bundle was not either. The inner error stays
/// attached and its ID is named in the message, so a script can tell a refused login from a missing image.
/// </summary>
public sealed class BundleImageFailedException : CseAirgapException
{
    public BundleImageFailedException(string bundle, string image, Exception inner)
        : base("BundleImageFailed", CategoryOf(inner), bundle,
            $"The bundle {bundle} was not copied: its image {image} failed ({IdOf(inner)}: {inner.Message}). " +
            "Fix what that error names and run the command again; what is already there is not sent twice.", inner)
    {
        Image = image;
        InnerErrorId = IdOf(inner);
    }

    /// <summary>The image of the bundle's lock that failed.</summary>
    public string Image { get; }

    /// <summary>The error ID of the image's own failure.</summary>
    public string InnerErrorId { get; }

    private static string IdOf(Exception e) => e is CseAirgapException known ? known.ErrorId : e.GetType().Name;

    private static FailureCategory CategoryOf(Exception e) => e is CseAirgapException known ? known.Category : FailureCategory.NotSpecified;
}
