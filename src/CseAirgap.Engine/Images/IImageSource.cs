using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>Where one image's manifests and blobs are read from: a registry repository or an export on disk.</summary>
public interface IImageSource
{
    /// <summary>The manifest the reference names (a tag, a digest, or for an export its recorded name).</summary>
    Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct);

    /// <summary>A manifest by digest, checked against it.</summary>
    Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct);

    /// <summary>The raw bytes of a blob; the caller checks them against the descriptor.</summary>
    Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct);

    /// <summary>For messages: where this image is read.</summary>
    string Location { get; }

    // What callers need from a source beyond its content, asked here so that none of them tests for a kind of source.

    /// <summary>
    /// Where the image with <paramref name="digest"/> was really read (host/repository@digest for a registry place, the
    /// export's location for an export); null while no place has answered.
    /// </summary>
    string? ResolvedFrom(string digest);

    /// <summary>Bytes of <paramref name="blob"/> a reader has already checked against its digest, for the next read of it (a source that reads cheaply ignores them).</summary>
    void KeepForNextRead(Descriptor blob, byte[] verified);

    /// <summary>The retries a dropped or corrupted read of this source gets (a registry's session policy; a plain one elsewhere).</summary>
    RetryPolicy ReadRetry { get; }

    /// <summary>
    /// The image <paramref name="digest"/> in the repository this image was really read from, as imgpkg looks for a bundle's
    /// locked images; null where there is no such repository (an export, a place not yet chosen).
    /// </summary>
    IImageSource? Beside(string digest);

    /// <summary>Whether <paramref name="other"/> reads from the same repository with the same client as this place (then looking beside is looking there).</summary>
    bool SharesRepositoryWith(IImageSource other);

    /// <summary>The digest the reference names now, asked without reading the manifest (a HEAD); null when this place does not have it.</summary>
    Task<string?> FindTopDigestAsync(CancellationToken ct);

    /// <summary>Every tag of this image's repository, as the place lists them (a registry's tag list, an export's recorded names).</summary>
    Task VisitTagsAsync(Action<string> visit, CancellationToken ct);
}
