using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>An image in a registry repository (the source host, or a mirror of it).</summary>
public sealed class RegistryImageSource : IImageSource
{
    // A copy reads an image's config twice: once for imgpkg's bundle label (ImageFiles), once to send it. The label
    // reader hands its verified bytes back, and the next read of that blob takes them instead of asking the source
    // again. Each is served once and then dropped, and only a small blob is kept (a config is a few KB).
    private const int KeptBlobMaxBytes = 64 * 1024;
    private readonly ConcurrentDictionary<string, byte[]> _kept = new();

    public RegistryImageSource(RegistryClient client, ImageReference fetch)
    {
        Client = client;
        Fetch = fetch;
    }

    public RegistryClient Client { get; }
    public ImageReference Fetch { get; }
    public string Location => Fetch.ToString();

    public Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct) => Client.GetManifestAsync(Fetch.Repository, Fetch.ManifestReference, ct);

    public Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct) => Client.GetManifestAsync(Fetch.Repository, digest, ct);

    public async Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct)
    {
        if (_kept.TryRemove(blob.Digest.Value, out var kept)) return new MemoryStream(kept, writable: false);
        // A large blob in ranges over several connections, any blob resumed where a cut left it (RangedBlobFetch).
        return await RangedBlobFetch.OpenAsync(Client, Fetch.Repository, blob, ct).ConfigureAwait(false);
    }

    /// <summary>Bytes of <paramref name="blob"/> a reader has already checked against its digest, for the next read of it.</summary>
    internal void KeepForNextRead(Descriptor blob, byte[] verified)
    {
        if (verified.Length <= KeptBlobMaxBytes) _kept[blob.Digest.Value] = verified;
    }
}
