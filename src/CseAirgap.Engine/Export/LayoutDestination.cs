using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Imgpkg;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Export;

/// <summary>
/// An OCI image layout as a copy destination: one blob store for every image, manifests stored as blobs, and each
/// image recorded in index.json under its original reference once everything it points at is written.
/// </summary>
public abstract class LayoutDestination : IImageDestination, IDisposable
{
    private const string OneStore = "";
    private readonly Dictionary<string, LayoutImage> _images = new(StringComparer.Ordinal);

    protected LayoutDestination(string location) => Location = location;

    public string Location { get; }
    public string BlobStoreOf(string repository) => OneStore;
    public bool CanMount => false;
    public abstract int MaxParallelBlobs { get; }
    public abstract bool CanWriteMore { get; }

    public Task<Exception?> PrepareAsync(IReadOnlyList<ImageReference> destinations, CancellationToken ct) => Task.FromResult<Exception?>(null);

    // The blobs decide: an image is written again when any of them is missing, and reported AlreadyPresent when none was.
    public Task<string?> ManifestDigestAsync(ImageReference destination, CancellationToken ct) => Task.FromResult<string?>(null);

    public Task<bool> HasBlobAsync(string store, Descriptor blob, CancellationToken ct) => Task.FromResult(HasBlob(blob));

    public Task<bool> TryMountBlobAsync(string store, Descriptor blob, string fromStore, CancellationToken ct) => Task.FromResult(false);

    public abstract Task WriteBlobAsync(string store, Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct);

    /// <summary>True when the blob is there, complete.</summary>
    public abstract bool HasBlob(Descriptor blob);

    public async Task<bool> PutManifestAsync(ImageReference destination, string reference, ManifestDocument manifest, CancellationToken ct)
    {
        var descriptor = new Descriptor(manifest.MediaType, manifest.Digest, manifest.Bytes.Length, null);
        var wrote = false;
        if (!HasBlob(descriptor))
        {
            await WriteBlobAsync(OneStore, descriptor, _ => Task.FromResult<Stream>(new MemoryStream(manifest.Bytes, writable: false)), ct).ConfigureAwait(false);
            wrote = true;
        }
        // The top manifest (under the image's own reference) is what index.json names; children are only blobs.
        if (reference == destination.ManifestReference)
            lock (_images) _images[destination.ToString()] = new LayoutImage(destination.ToString(), descriptor);
        return wrote;
    }

    /// <summary>An export carries a bundle's images under their own references, so each can be published on its own too.</summary>
    public ImageReference LockedImageDestination(ImageReference bundle, ImageReference locked) => locked;

    public Task RecordBundleAsync(ImageReference bundle, ManifestDocument manifest, IReadOnlyList<LockedImage> images, CancellationToken ct) => Task.CompletedTask;

    public abstract void Complete();

    /// <summary>Images recorded by an earlier run (a folder export keeps them).</summary>
    protected void Remember(LayoutImage image)
    {
        lock (_images) _images[image.Reference] = image;
    }

    protected byte[] IndexBytes()
    {
        lock (_images) return OciLayoutFormat.WriteIndex(_images.Values);
    }

    public virtual void Dispose() { }
}
