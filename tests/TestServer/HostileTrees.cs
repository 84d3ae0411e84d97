using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace CseAirgap.TestServer;

/// <summary>
/// The hostile registry's modes that serve documents of their own instead of the upstream's (issue 26):
///   fan-out      a manifest asked for by tag is an OCI index listing one child index --fan-out times (default 300),
///                which lists one small image manifest --fan-out times
///   hostile-lock a manifest asked for by tag is an imgpkg bundle whose .imgpkg/images.yml names one image
///                --lock-entries times (default 40), as registry.k8s.io/cse-hostile/big@sha256:...; that image's config
///                is valid JSON of --config-bytes (default 24 MiB)
/// Any repository name is served alike; manifests and blobs by digest from memory; every request is in the log.
/// </summary>
internal sealed class HostileTrees
{
    private const string OciIndex = "application/vnd.oci.image.index.v1+json";
    private const string OciManifest = "application/vnd.oci.image.manifest.v1+json";

    private readonly Dictionary<string, (byte[] Bytes, string MediaType)> _manifests = new();
    private readonly Dictionary<string, byte[]> _blobs = new();
    private (byte[] Bytes, string MediaType) _top;

    public static bool IsTreeMode(string mode) => mode is "fan-out" or "hostile-lock";

    public static HostileTrees Create(string mode, Options options)
    {
        var trees = new HostileTrees();
        if (mode == "fan-out") trees.BuildFanOut(int.Parse(options.Get("fan-out") ?? "300"));
        else trees.BuildLock(int.Parse(options.Get("lock-entries") ?? "40"), long.Parse(options.Get("config-bytes") ?? (24L << 20).ToString()));
        return trees;
    }

    private static string Sha256(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static string Descriptor(string mediaType, string digest, long size, string extra = "") =>
        $"{{\"mediaType\":\"{mediaType}\",\"digest\":\"{digest}\",\"size\":{size}{extra}}}";

    private (string Digest, long Size) Blob(byte[] bytes)
    {
        var digest = Sha256(bytes);
        _blobs[digest] = bytes;
        return (digest, bytes.Length);
    }

    private (string Digest, long Size, byte[] Bytes) Manifest(string json, string mediaType)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var digest = Sha256(bytes);
        _manifests[digest] = (bytes, mediaType);
        return (digest, bytes.Length, bytes);
    }

    private (string Digest, long Size, byte[] Bytes) Image(byte[] config, byte[] layer, string layerType)
    {
        var c = Blob(config);
        var l = Blob(layer);
        return Manifest($"{{\"schemaVersion\":2,\"mediaType\":\"{OciManifest}\",\"config\":{Descriptor("application/vnd.oci.image.config.v1+json", c.Digest, c.Size)}," +
            $"\"layers\":[{Descriptor(layerType, l.Digest, l.Size)}]}}", OciManifest);
    }

    private static byte[] TarGz(string name, byte[] content)
    {
        using var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new TarWriter(zip, TarEntryFormat.Ustar, leaveOpen: true))
            tar.WriteEntry(new UstarTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });
        return gz.ToArray();
    }

    private void BuildFanOut(int times)
    {
        var leaf = Image(Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"),
            TarGz("leaf.txt", Encoding.UTF8.GetBytes("leaf")), "application/vnd.oci.image.layer.v1.tar+gzip");
        const string platform = ",\"platform\":{\"os\":\"linux\",\"architecture\":\"amd64\"}";
        var inner = Manifest($"{{\"schemaVersion\":2,\"mediaType\":\"{OciIndex}\",\"manifests\":[" +
            string.Join(",", Enumerable.Repeat(Descriptor(OciManifest, leaf.Digest, leaf.Size, platform), times)) + "]}", OciIndex);
        var top = Manifest($"{{\"schemaVersion\":2,\"mediaType\":\"{OciIndex}\",\"manifests\":[" +
            string.Join(",", Enumerable.Repeat(Descriptor(OciIndex, inner.Digest, inner.Size, platform), times)) + "]}", OciIndex);
        _top = (top.Bytes, OciIndex);
    }

    private void BuildLock(int entries, long configBytes)
    {
        var config = new byte[configBytes];
        var head = Encoding.ASCII.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"padding\":\"");
        head.CopyTo(config, 0);
        config.AsSpan(head.Length, config.Length - head.Length - 2).Fill((byte)'x');
        config[^2] = (byte)'"';
        config[^1] = (byte)'}';
        var big = Image(config, TarGz("big.txt", Encoding.UTF8.GetBytes("big")), "application/vnd.oci.image.layer.v1.tar+gzip");
        var yaml = new StringBuilder("---\napiVersion: imgpkg.carvel.dev/v1alpha1\nkind: ImagesLock\nimages:\n");
        for (var i = 0; i < entries; i++) yaml.Append($"- image: registry.k8s.io/cse-hostile/big@{big.Digest}\n");
        var bundle = Image(Encoding.UTF8.GetBytes("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Labels\":{\"dev.carvel.imgpkg.bundle\":\"true\"}}," +
            "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}}"), TarGz(".imgpkg/images.yml", Encoding.UTF8.GetBytes(yaml.ToString())),
            "application/vnd.oci.image.layer.v1.tar+gzip");
        _top = (bundle.Bytes, OciManifest);
    }

    /// <summary>Answers a request of the registry origin from the documents of the mode.</summary>
    public async Task ServeAsync(HttpContext context, Action<long> countBytes)
    {
        var path = context.Request.Path.Value ?? "/";
        var response = context.Response;
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 1 && segments[0] == "v2")
        {
            response.ContentType = "application/json";
            await response.WriteAsync("{}");
            return;
        }
        byte[]? body = null;
        var type = "application/octet-stream";
        if (segments.Length >= 4 && segments[^2] == "manifests")
        {
            var reference = segments[^1];
            (byte[] Bytes, string MediaType) found = default;
            if (!reference.StartsWith("sha256:", StringComparison.Ordinal)) found = _top;
            else _manifests.TryGetValue(reference, out found);
            if (found.Bytes != null)
            {
                (body, type) = found;
                response.Headers["Docker-Content-Digest"] = Sha256(body);
            }
        }
        else if (segments.Length >= 4 && segments[^2] == "blobs" && _blobs.TryGetValue(segments[^1], out var blob))
        {
            body = blob;
        }
        if (body == null)
        {
            response.StatusCode = 404;
            response.ContentType = "application/json";
            await response.WriteAsync("{\"errors\":[{\"code\":\"NAME_UNKNOWN\",\"message\":\"not served here\"}]}");
            return;
        }
        response.ContentType = type;
        response.ContentLength = body.Length;
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await response.Body.WriteAsync(body, context.RequestAborted);
        countBytes(body.Length);
    }
}
