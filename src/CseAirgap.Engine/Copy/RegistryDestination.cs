using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Imgpkg;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Copy;

/// <summary>A registry as a copy destination: blobs are per repository, mounted across repositories where it will.</summary>
public sealed class RegistryDestination : IImageDestination
{
    private readonly RegistryClient _client;

    // A mount the registry declined opens an upload session (202); the upload that follows uses it.
    private readonly ConcurrentDictionary<(string, string), Uri> _declinedMounts = new();

    public RegistryDestination(RegistryClient client) => _client = client;

    public RegistryClient Client => _client;
    public string Location => _client.Address.Host;
    public string BlobStoreOf(string repository) => repository;
    public bool CanMount => true;
    public int MaxParallelBlobs => 6;
    public bool CanWriteMore => true;

    public async Task<Exception?> PrepareAsync(IReadOnlyList<ImageReference> destinations, CancellationToken ct)
    {
        var unusable = await _client.PrepareTokensAsync(destinations.Select(d => RegistryScope.Push(d.Repository)), ct).ConfigureAwait(false);
        return unusable != null && (unusable.Kind == RegistryErrorKind.Unreachable || unusable.Kind == RegistryErrorKind.CertificateUntrusted) ? unusable : null;
    }

    public Task<string?> ManifestDigestAsync(ImageReference destination, CancellationToken ct) =>
        _client.HeadManifestAsync(destination.Repository, destination.ManifestReference, RegistryScope.Push(destination.Repository), ct);

    public async Task<bool> HasBlobAsync(string store, Descriptor blob, CancellationToken ct)
    {
        var size = await _client.HeadBlobAsync(store, blob.Digest, RegistryScope.Push(store), ct).ConfigureAwait(false);
        // Present means present with the right size (a registry that answers without Content-Length is taken at its word).
        return size != null && (size == blob.Size || size < 0);
    }

    public async Task<bool> TryMountBlobAsync(string store, Descriptor blob, string fromStore, CancellationToken ct)
    {
        var (mounted, session) = await _client.TryMountBlobAsync(store, blob.Digest, fromStore, ct).ConfigureAwait(false);
        if (!mounted && session != null) _declinedMounts[(store, blob.Digest.Value)] = session;
        return mounted;
    }

    public async Task WriteBlobAsync(string store, Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        var location = _declinedMounts.TryRemove((store, blob.Digest.Value), out var session) ? session : await _client.StartUploadAsync(store, ct).ConfigureAwait(false);
        using var body = await open(ct).ConfigureAwait(false);
        await _client.UploadBlobAsync(location, store, blob.Digest, blob.Size, body, ct).ConfigureAwait(false);
    }

    public async Task<bool> PutManifestAsync(ImageReference destination, string reference, ManifestDocument manifest, CancellationToken ct)
    {
        await _client.PutManifestAsync(destination.Repository, reference, manifest, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>imgpkg's relocation rule: a bundle's images go into the bundle's repository, tagged sha256-&lt;hex&gt;.imgpkg.</summary>
    public ImageReference LockedImageDestination(ImageReference bundle, ImageReference locked) =>
        new(bundle.Registry, bundle.Repository, ImgpkgBundle.Tag(Digest.Parse(locked.Digest, locked.ToString())), null);

    /// <summary>The bundle's own sha256-&lt;hex&gt;.imgpkg tag, then the image-locations image imgpkg copy writes beside it.</summary>
    public async Task RecordBundleAsync(ImageReference bundle, ManifestDocument manifest, IReadOnlyList<LockedImage> images, CancellationToken ct)
    {
        var repository = bundle.Repository;
        await _client.PutManifestAsync(repository, ImgpkgBundle.Tag(manifest.Digest), manifest, ct).ConfigureAwait(false);
        var tag = ImgpkgBundle.LocationsTag(manifest.Digest);
        await ImageLocationsImage.Build(images, $"{bundle.Registry}/{repository}:{tag}").PushAsync(_client, repository, tag, ct).ConfigureAwait(false);
    }

    public void Complete() { }
}
