using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CseAirgap.TestServer;

/// <summary>
/// Hostile content (issue 26), beside the transport faults of HostileRegistry.cs:
///   huge-list     _catalog and tags/list answer pages of --page-bytes (default 15 MiB) of names, each with a Link to
///                 another page, for ever; Bytes in the log is what each page really sent
///   escape-body   manifest GETs answer 400 with a body of terminal escapes (window title, erased line, a fake green
///                 success, concealed text)
///   sha512-child  a manifest asked for by tag is answered as an index whose one child is that manifest named by its
///                 sha512; asking for the child by that sha512 returns it, or with --substitute TAG the manifest of TAG
///                 instead, without Docker-Content-Digest (a mirror swapping content under a name nobody checks)
/// </summary>
internal sealed partial class HostileRegistry
{
    public const string EscapeBody =
        "\u001b]0;CseAirgap: all done\u0007\u001b[2K\r\u001b[32mAll 42 images published and verified.\u001b[0m\u001b[8m manifest unknown";

    private readonly ConcurrentDictionary<string, (byte[] Bytes, string MediaType)> _bySha512 = new(StringComparer.Ordinal);

    private async Task<bool> ContentModeAsync(HttpContext context, LogEntry entry, string path, bool isList)
    {
        var request = context.Request;
        var isManifest = path.Contains("/manifests/") && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method));
        switch (_mode)
        {
            case "huge-list" when isList:
                await HugeListPageAsync(context, entry, path);
                return true;
            case "escape-body" when isManifest && HttpMethods.IsGet(request.Method):
                context.Response.StatusCode = 400;
                context.Response.ContentType = "text/plain; charset=utf-8";
                await context.Response.WriteAsync(EscapeBody);
                return true;
            case "sha512-child" when isManifest:
                await Sha512ChildAsync(context, path);
                return true;
        }
        return false;
    }

    private async Task HugeListPageAsync(HttpContext context, LogEntry entry, string path)
    {
        var total = long.Parse(options.Get("page-bytes") ?? (15L << 20).ToString());
        var response = context.Response;
        var page = context.Request.Query.TryGetValue("last", out var last) ? int.Parse(last.ToString().TrimStart('p')) + 1 : 0;
        response.StatusCode = 200;
        response.ContentType = "application/json";
        response.Headers["Link"] = $"<{path}?n=1000&last=p{page}>; rel=\"next\"";
        var property = path.EndsWith("/_catalog") ? "repositories" : "tags";
        var head = Encoding.ASCII.GetBytes($"{{\"{property}\":[\"");
        var tail = Encoding.ASCII.GetBytes("\"]}");
        var filler = new byte[64 * 1024];
        Array.Fill(filler, (byte)'a');
        await response.Body.WriteAsync(head, context.RequestAborted);
        entry.Bytes = head.Length;
        // One enormous name, through the pipe so that Bytes is what the client was really sent (see HugeManifestAsync).
        while (entry.Bytes < total - tail.Length)
        {
            var n = (int)Math.Min(filler.Length, total - tail.Length - entry.Bytes);
            var flushed = await response.BodyWriter.WriteAsync(filler.AsMemory(0, n), context.RequestAborted);
            if (flushed.IsCompleted || flushed.IsCanceled) return;
            entry.Bytes += n;
        }
        await response.Body.WriteAsync(tail, context.RequestAborted);
        entry.Bytes += tail.Length;
    }

    private async Task Sha512ChildAsync(HttpContext context, string path)
    {
        var response = context.Response;
        var at = path.IndexOf("/manifests/", StringComparison.Ordinal);
        var repository = path.Substring(0, at);
        var reference = path.Substring(at + "/manifests/".Length);
        byte[] body;
        string mediaType;
        if (reference.StartsWith("sha512:", StringComparison.Ordinal))
        {
            if (!_bySha512.TryGetValue(reference, out var child))
            {
                response.StatusCode = 404;
                return;
            }
            (body, mediaType) = options.Get("substitute") is { } tag ? await UpstreamManifestAsync(context, $"{repository}/manifests/{tag}") : child;
        }
        else
        {
            var (manifest, manifestType) = await UpstreamManifestAsync(context, path);
            var name = "sha512:" + Convert.ToHexStringLower(SHA512.HashData(manifest));
            _bySha512[name] = (manifest, manifestType);
            body = JsonSerializer.SerializeToUtf8Bytes(new
            {
                schemaVersion = 2,
                mediaType = "application/vnd.oci.image.index.v1+json",
                manifests = new[] { new { mediaType = manifestType, digest = name, size = manifest.Length, platform = new { architecture = "amd64", os = "linux" } } },
            });
            mediaType = "application/vnd.oci.image.index.v1+json";
            response.Headers["Docker-Content-Digest"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        }
        response.StatusCode = 200;
        response.ContentType = mediaType;
        response.ContentLength = body.Length;
        if (!HttpMethods.IsHead(context.Request.Method)) await response.Body.WriteAsync(body, context.RequestAborted);
    }

    /// <summary>An image manifest from the registry behind, by GET whatever the client's method.</summary>
    private async Task<(byte[] Bytes, string MediaType)> UpstreamManifestAsync(HttpContext context, string path)
    {
        using var client = new HttpClient(new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(_upstream.BaseUri, path));
        request.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        request.Headers.Accept.ParseAdd("application/vnd.docker.distribution.manifest.v2+json");
        if (context.Request.Headers.Authorization.Count > 0) request.Headers.TryAddWithoutValidation("Authorization", context.Request.Headers.Authorization.ToString());
        using var answer = await client.SendAsync(request, context.RequestAborted);
        answer.EnsureSuccessStatusCode();
        return (await answer.Content.ReadAsByteArrayAsync(context.RequestAborted), answer.Content.Headers.ContentType?.MediaType ?? "application/vnd.oci.image.manifest.v1+json");
    }
}
