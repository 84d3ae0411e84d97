using System.IO;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>An image in a registry repository (the source host, or a mirror of it).</summary>
public sealed class RegistryImageSource : IImageSource
{
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
        var response = await Client.OpenBlobAsync(Fetch.Repository, blob.Digest, ct).ConfigureAwait(false);
        return new ResponseStream(response, await response.Content.ReadAsStreamAsync().ConfigureAwait(false));
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
