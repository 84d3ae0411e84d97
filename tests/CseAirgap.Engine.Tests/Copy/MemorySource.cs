using System.Collections.Concurrent;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>
/// A source registry in memory whose documents the test writes as text (indexes, manifests, imgpkg bundles with a lock
/// in a tar the test builds with System.Formats.Tar), serving any of them as the top of an image and counting every
/// manifest and blob it hands out.
/// </summary>
internal sealed class MemorySource
{
    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<string, (byte[] Bytes, string MediaType)> _manifests = new();

    /// <summary>Manifest requests by digest (an image's top manifest and an index's children alike).</summary>
    public ConcurrentDictionary<string, int> ManifestGets { get; } = new();

    /// <summary>Blob reads by digest.</summary>
    public ConcurrentDictionary<string, int> BlobOpens { get; } = new();

    /// <summary>Runs when an image's top manifest is asked for (by digest); may wait.</summary>
    public Func<string, Task>? BeforeTopManifest { get; set; }

    public static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static string DescriptorJson(string mediaType, string digest, long size, string extra = "") =>
        $"{{\"mediaType\":\"{mediaType}\",\"digest\":\"{digest}\",\"size\":{size}{extra}}}";

    public (string Digest, long Size) AddBlob(byte[] bytes)
    {
        var digest = Sha256(bytes);
        _blobs[digest] = bytes;
        return (digest, bytes.Length);
    }

    public (string Digest, long Size) AddManifest(string json, string mediaType)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var digest = Sha256(bytes);
        _manifests[digest] = (bytes, mediaType);
        return (digest, bytes.Length);
    }

    /// <summary>An OCI image of one config and one layer.</summary>
    public (string Digest, long Size) AddImage(byte[] config, byte[] layer)
    {
        var c = AddBlob(config);
        var l = AddBlob(layer);
        return AddManifest("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OciManifest + "\",\"config\":" +
            DescriptorJson("application/vnd.oci.image.config.v1+json", c.Digest, c.Size) + ",\"layers\":[" +
            DescriptorJson("application/vnd.oci.image.layer.v1.tar", l.Digest, l.Size) + "]}", MediaTypes.OciManifest);
    }

    /// <summary>A small plain image, made distinct by <paramref name="name"/>.</summary>
    public (string Digest, long Size) AddPlainImage(string name) =>
        AddImage(Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"name\":\"" + name + "\"}}}"),
            Encoding.UTF8.GetBytes("layer of " + name));

    /// <summary>An imgpkg bundle: a config labelled dev.carvel.imgpkg.bundle, and a tar layer holding .imgpkg/images.yml naming <paramref name="images"/>.</summary>
    public (string Digest, long Size) AddBundle(IEnumerable<string> images, int configPadding = 0)
    {
        var config = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"dev.carvel.imgpkg.bundle\":\"true\"}}," +
            "\"padding\":\"" + new string('p', configPadding) + "\"}";
        var yaml = new StringBuilder("---\napiVersion: imgpkg.carvel.dev/v1alpha1\nkind: ImagesLock\nimages:\n");
        foreach (var image in images) yaml.Append("- image: ").Append(image).Append("\n  annotations:\n    kbld.carvel.dev/id: x\n");
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Ustar, leaveOpen: true))
        {
            writer.WriteEntry(new UstarTarEntry(TarEntryType.Directory, ".imgpkg/"));
            writer.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, ".imgpkg/images.yml") { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(yaml.ToString())) });
        }
        return AddImage(Encoding.UTF8.GetBytes(config), tar.ToArray());
    }

    public IImageSource Image(string digest) => new View(this, digest);

    /// <summary>The image a reference names by digest (what a bundle's lock names).</summary>
    public IImageSource Image(ImageReference reference) => Image(reference.Digest!);

    public int TotalManifestGets => ManifestGets.Values.Sum();

    private ManifestDocument Get(string digest)
    {
        ManifestGets.AddOrUpdate(digest, 1, (_, n) => n + 1);
        var (bytes, mediaType) = _manifests[digest];
        return ManifestDocument.Parse(bytes, mediaType, digest);
    }

    private sealed class View(MemorySource source, string top) : IImageSource
    {
        public string Location => "memory/" + top;

        // Memory: nothing kept between reads, no repository beside it.
        public string? ResolvedFrom(string digest) => Location;
        public void KeepForNextRead(Descriptor blob, byte[] verified) { }
        public RetryPolicy ReadRetry { get; } = new();
        public IImageSource? Beside(string digest) => null;
        public bool SharesRepositoryWith(IImageSource other) => false;
        public Task<string?> FindTopDigestAsync(CancellationToken ct) => Task.FromResult<string?>(source.Get(top).Digest);
        public Task VisitTagsAsync(Action<string> visit, CancellationToken ct) => Task.CompletedTask;

        public async Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct)
        {
            if (source.BeforeTopManifest != null) await source.BeforeTopManifest(top);
            return source.Get(top);
        }

        public Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct) => Task.FromResult(source.Get(digest.Value));

        public Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct)
        {
            source.BlobOpens.AddOrUpdate(blob.Digest.Value, 1, (_, n) => n + 1);
            return Task.FromResult<Stream>(new MemoryStream(source._blobs[blob.Digest.Value], writable: false));
        }
    }
}
