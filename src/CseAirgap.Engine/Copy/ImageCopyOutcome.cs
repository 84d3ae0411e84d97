using System;
using System.Collections.Generic;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Copy;

public enum CopyStatus
{
    Copied,
    AlreadyPresent,
    Failed,
}

/// <summary>What happened to one image.</summary>
public sealed class ImageCopyOutcome
{
    public ImageCopyOutcome(ImageCopyJob job, CopyStatus status, string? digest, long bytesCopied, long bytesReused, TimeSpan duration, int platforms, Exception? error,
        bool isBundle = false, int bundleImages = 0, IReadOnlyList<string>? attachments = null)
    {
        Attachments = attachments ?? Array.Empty<string>();
        IsBundle = isBundle;
        BundleImages = bundleImages;
        Job = job;
        Status = status;
        Digest = digest;
        BytesCopied = bytesCopied;
        BytesReused = bytesReused;
        Duration = duration;
        Platforms = platforms;
        Error = error;
    }

    public ImageCopyJob Job { get; }
    public CopyStatus Status { get; }
    public string? Digest { get; }

    /// <summary>Blob bytes sent to the destination.</summary>
    public long BytesCopied { get; }

    /// <summary>Blob bytes the destination already had, or mounted from another of its repositories.</summary>
    public long BytesReused { get; }

    public TimeSpan Duration { get; }

    /// <summary>Platform manifests copied with an index; 0 for a single image.</summary>
    public int Platforms { get; }

    public Exception? Error { get; }

    /// <summary>An imgpkg bundle (its config carries the dev.carvel.imgpkg.bundle label).</summary>
    public bool IsBundle { get; }

    /// <summary>
    /// Where the image was really read, as host/repository@digest: the new host of a moved one, a mirror, or a
    /// bundle's own repository; for an export, its location. Null when nothing answered.
    /// </summary>
    public string? ResolvedFrom => Digest == null ? null : Job.From.ResolvedFrom(Digest);

    /// <summary>Images of the bundle's lock copied with it, nested bundles' included.</summary>
    public int BundleImages { get; }

    /// <summary>
    /// The signatures, attestations, SBOMs and referrers carried with the image (with -IncludeSignature), each as its
    /// destination reference; those already at the destination are counted too.
    /// </summary>
    public IReadOnlyList<string> Attachments { get; }
}
