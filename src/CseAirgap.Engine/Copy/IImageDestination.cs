using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Imgpkg;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Copy;

/// <summary>
/// Where <see cref="ImageCopier"/> writes images: a registry, an OCI layout folder, or an OCI layout tar (regclient's
/// shape). The copier owns every ordering rule (blobs before manifests, children before parents, the tag last, each
/// blob once, a bundle's images before the bundle); a destination only stores what it is given.
/// </summary>
public interface IImageDestination
{
    /// <summary>For messages: the registry or the export path.</summary>
    string Location { get; }

    /// <summary>
    /// Where a blob of that repository is kept: the repository itself in a registry (a blob in one repository is not
    /// in another), one store for every image in a layout.
    /// </summary>
    string BlobStoreOf(string repository);

    /// <summary>True when a blob can be mounted from one blob store into another (a registry's cross-repository mount).</summary>
    bool CanMount { get; }

    /// <summary>Blob transfers in flight at once.</summary>
    int MaxParallelBlobs { get; }

    /// <summary>False once a failed write has left the destination unable to take more (a tar holding half an entry).</summary>
    bool CanWriteMore { get; }

    /// <summary>Prepares for these images (a registry fetches their tokens); a failure that stops every image, or null.</summary>
    Task<Exception?> PrepareAsync(IReadOnlyList<ImageReference> destinations, CancellationToken ct);

    /// <summary>The digest the destination already holds under that reference, or null (a layout always answers null).</summary>
    Task<string?> ManifestDigestAsync(ImageReference destination, CancellationToken ct);

    /// <summary>True when the blob is complete in that store.</summary>
    Task<bool> HasBlobAsync(string store, Descriptor blob, CancellationToken ct);

    /// <summary>Mounts a blob that is complete in <paramref name="fromStore"/> into <paramref name="store"/>; false when the destination would not.</summary>
    Task<bool> TryMountBlobAsync(string store, Descriptor blob, string fromStore, CancellationToken ct);

    /// <summary>Writes one blob from a stream that checks its digest as it is read; one attempt, the copier retries.</summary>
    Task WriteBlobAsync(string store, Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct);

    /// <summary>Writes a manifest under a digest or tag of a repository; true when something new was written.</summary>
    Task<bool> PutManifestAsync(ImageReference destination, string reference, ManifestDocument manifest, CancellationToken ct);

    /// <summary>Where an image an imgpkg bundle's lock names goes, given where the bundle goes.</summary>
    ImageReference LockedImageDestination(ImageReference bundle, ImageReference locked);

    /// <summary>After a bundle and its images are in: what imgpkg writes beside a bundle it copied (nothing in a layout).</summary>
    Task RecordBundleAsync(ImageReference bundle, ManifestDocument manifest, IReadOnlyList<LockedImage> images, CancellationToken ct);

    /// <summary>Ends the run (a layout writes its index.json) once every image is in.</summary>
    void Complete();
}
