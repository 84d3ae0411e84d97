using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Copy;

/// <summary>
/// An image whose tree of manifests or bundle locks the copier will not walk: an index inside an index, or more
/// manifests, lock entries or bundle levels than <see cref="CopyLimits"/> allows. Nothing of the image is tagged.
/// </summary>
public sealed class ImageTreeRefusedException : CseAirgapException
{
    private ImageTreeRefusedException(string errorId, FailureCategory category, string target, string message, long limit)
        : base(errorId, category, target, message)
    {
        Limit = limit;
    }

    /// <summary>The cap that was exceeded (0 for a nested index).</summary>
    public long Limit { get; }

    public static ImageTreeRefusedException NestedIndex(string target, string index, string child) =>
        new("NestedIndexRefused", FailureCategory.InvalidData, target,
            $"The index {index} of {target} lists {child}, which is an index itself. This module copies an index of image manifests " +
            "(Docker manifest lists, OCI indexes with platform and attestation manifests); an index of indexes is refused, as no image " +
            "CSE needs is built that way. Copy this image with another tool if you trust its source.", 0);

    public static ImageTreeRefusedException TooManyManifests(string target, int count, int limit) =>
        new("ManifestLimitExceeded", FailureCategory.LimitsExceeded, target,
            $"The index of {target} lists {count} distinct manifests, more than {limit}, the most this module copies for one image; " +
            "real multi-platform images list a few dozen at most. The source may be damaged or hostile: check it.", limit);

    public static ImageTreeRefusedException TooManyManifestBytes(string target, long limit) =>
        new("ManifestLimitExceeded", FailureCategory.LimitsExceeded, target,
            $"The manifests the index of {target} lists are larger together than {limit / (1024 * 1024)} MiB, the most this module holds for one image; " +
            "real ones are a few KB each. The source may be damaged or hostile: check it.", limit);

    public static ImageTreeRefusedException LockTooLarge(string target, int limit) =>
        new("BundleLockLimitExceeded", FailureCategory.LimitsExceeded, target,
            $"The imgpkg lock of the bundle {target} lists more than {limit} images, the most this module copies for one bundle; " +
            "real bundles name some hundreds at most. The source may be damaged or hostile: check it.", limit);

    public static ImageTreeRefusedException BundlesTooDeep(string target, int limit) =>
        new("BundleNestingLimitExceeded", FailureCategory.LimitsExceeded, target,
            $"The bundle {target} lies more than {limit} bundles deep (a bundle whose lock names a bundle whose lock names ...), " +
            "the deepest this module follows; real bundles nest two deep. The source may be damaged or hostile: check it.", limit);
}
