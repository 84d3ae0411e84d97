using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace CseAirgap.TestServer;

/// <summary>
/// A read-only registry (plain HTTP) that serves whatever a test wrote into a folder, checked by nothing: the way to
/// put a lying or hostile manifest in front of the module, which a real registry would refuse on push.
///   &lt;folder&gt;/manifests/&lt;reference&gt;   served for GET/HEAD /v2/&lt;any name&gt;/manifests/&lt;reference&gt; (':' in a
///                                    digest reference written as '_'); Content-Type is the document's mediaType
///   &lt;folder&gt;/blobs/&lt;algorithm&gt;_&lt;hex&gt;   served for /v2/&lt;any name&gt;/blobs/&lt;digest&gt;
/// Only file names made of the request's last path segment are looked up, and only inside the folder.
/// </summary>
internal sealed class StaticRegistry(Options options)
{
    public async Task RunAsync(CancellationToken stop)
    {
        var folder = Path.GetFullPath(options["folder"]);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{options["port"]}");
        var app = builder.Build();
        app.Run(async context =>
        {
            var path = context.Request.Path.Value ?? string.Empty;
            if (path == "/v2/" || path == "/v2")
            {
                await context.Response.WriteAsync("{}");
                return;
            }
            var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            if (segments.Length < 4 || segments[0] != "v2" || (segments[^2] != "manifests" && segments[^2] != "blobs"))
            {
                context.Response.StatusCode = 404;
                return;
            }
            var name = segments[^1].Replace(':', '_');
            if (name.Contains("..") || name.Contains('\\'))
            {
                context.Response.StatusCode = 400;
                return;
            }
            var file = Path.Combine(folder, segments[^2], name);
            if (!File.Exists(file))
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\",\"message\":\"not here\"}]}");
                return;
            }
            var bytes = await File.ReadAllBytesAsync(file);
            var type = "application/octet-stream";
            if (segments[^2] == "manifests")
            {
                try
                {
                    using var json = JsonDocument.Parse(bytes);
                    if (json.RootElement.TryGetProperty("mediaType", out var mt)) type = mt.GetString() ?? type;
                }
                catch (JsonException) { }
                context.Response.Headers["Docker-Content-Digest"] = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));
            }
            context.Response.ContentType = type;
            context.Response.ContentLength = bytes.Length;
            if (!HttpMethods.IsHead(context.Request.Method)) await context.Response.Body.WriteAsync(bytes);
        });
        await app.StartAsync(stop);
        try { await Task.Delay(Timeout.Infinite, stop); }
        catch (OperationCanceledException) { }
        await app.StopAsync();
    }
}
