using System.Collections.Concurrent;
using System.Text;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>Blobs and OCI image manifests made by the test, served from memory as a copy source.</summary>
internal sealed class TestImages : IImageSource
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ManifestDocument _top;

    private TestImages(ManifestDocument top, ConcurrentDictionary<string, byte[]> blobs)
    {
        _top = top;
        _blobs = blobs;
    }

    public string Location => "memory";

    // Memory: nothing kept between reads, no repository beside it.
    public string? ResolvedFrom(string digest) => Location;
    public void KeepForNextRead(Descriptor blob, byte[] verified) { }
    public RetryPolicy ReadRetry { get; } = new();
    public IImageSource? Beside(string digest) => null;
    public bool SharesRepositoryWith(IImageSource other) => false;
    public Task<string?> FindTopDigestAsync(CancellationToken ct) => Task.FromResult<string?>(_top.Digest);
    public Task VisitTagsAsync(Action<string> visit, CancellationToken ct) => Task.CompletedTask;

    public static Descriptor Blob(ConcurrentDictionary<string, byte[]> store, string text, string mediaType = "application/vnd.oci.image.layer.v1.tar")
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var digest = Digest.Sha256Of(bytes);
        store[digest.Value] = bytes;
        return new Descriptor(mediaType, digest, bytes.Length, null);
    }

    /// <summary>An image whose config and layers are the given blobs.</summary>
    public static TestImages Image(ConcurrentDictionary<string, byte[]> store, Descriptor config, params Descriptor[] layers)
    {
        static string D(Descriptor d) => $"{{\"mediaType\":\"{d.MediaType}\",\"digest\":\"{d.Digest}\",\"size\":{d.Size}}}";
        var json = $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.OciManifest}\",\"config\":{D(config)},\"layers\":[{string.Join(",", layers.Select(D))}]}}";
        return new TestImages(ManifestDocument.Parse(Encoding.UTF8.GetBytes(json), MediaTypes.OciManifest, "test"), store);
    }

    public ManifestDocument Manifest => _top;

    public Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct) => Task.FromResult(_top);

    public Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct) => throw new InvalidOperationException("no index here");

    public Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct) => Task.FromResult<Stream>(new MemoryStream(_blobs[blob.Digest.Value], writable: false));
}
