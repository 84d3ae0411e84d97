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
}
