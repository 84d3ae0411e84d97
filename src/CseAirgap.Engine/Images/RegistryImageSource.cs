using System.Collections.Concurrent;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>An image in a registry repository (the source host, or a mirror of it).</summary>
public sealed class RegistryImageSource : IImageSource
{
    // A copy reads an image's config twice: once for imgpkg's bundle label, once to send it (and a bundle's small
    // lock layer likewise). Blobs this small are read whole, verified, and kept for this image's later reads, so
    // the source serves each once. Bounded: a few configs, never a layer worth streaming.
    internal const long RememberedBlobMaxBytes = 64 * 1024;
    private const long RememberedTotalMaxBytes = 1024 * 1024;
    private readonly ConcurrentDictionary<string, byte[]> _remembered = new();
    private long _rememberedBytes;

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
        if (_remembered.TryGetValue(blob.Digest.Value, out var kept)) return new MemoryStream(kept, writable: false);
        var response = await Client.OpenBlobAsync(Fetch.Repository, blob.Digest, ct).ConfigureAwait(false);
        var body = new ResponseStream(response, await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
        if (blob.Size > RememberedBlobMaxBytes || Interlocked.Read(ref _rememberedBytes) + blob.Size > RememberedTotalMaxBytes) return body;

        // Only bytes that match the digest are kept: a corrupt body fails here as it would have failed its reader.
        byte[] bytes;
        using (var verified = new VerifyingStream(body, blob.Digest, blob.Size, null))
        using (var buffer = new MemoryStream((int)blob.Size))
        {
            await verified.CopyToAsync(buffer, 81920, ct).ConfigureAwait(false);
            bytes = buffer.ToArray();
        }
        if (_remembered.TryAdd(blob.Digest.Value, bytes)) Interlocked.Add(ref _rememberedBytes, bytes.Length);
        return new MemoryStream(bytes, writable: false);
    }

    /// <summary>The body of a response that is disposed with it.</summary>
    private sealed class ResponseStream : ReadOnlyStream
    {
        private readonly System.Net.Http.HttpResponseMessage _response;
        private readonly Stream _body;

        public ResponseStream(System.Net.Http.HttpResponseMessage response, Stream body)
        {
            _response = response;
            _body = body;
        }

        public override int Read(byte[] buffer, int offset, int count) => _body.Read(buffer, offset, count);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => _body.ReadAsync(buffer, offset, count, cancellationToken);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _body.Dispose();
                _response.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
