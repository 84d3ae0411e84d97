using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CseAirgap.TestServer;

/// <summary>
/// A registry that misbehaves the way real ones and attackers do, in front of a real registry (--upstream), on two
/// origins: the main port plays the registry (plain HTTP, or TLS with --cert/--key), --other-port plays another origin
/// (pre-signed storage, an attacker's host). Every request either receives is logged (listener, method, path, host,
/// whether it carried Authorization, status, body bytes sent) and served as JSON at GET /__log on either port.
/// The main port asks for Basic credentials (any are accepted) unless --auth none.
/// Modes (fan-out and hostile-lock serve documents of their own: see HostileTrees):
///   plain           nothing more than the Basic challenge: a registry (or an attacker's host) that asks for credentials
///   redirect        blob GETs answer 307 to the other origin, which serves the blob but refuses any Authorization (400, as S3 does)
///   lying-link      _catalog and tags/list pages carry a Link to the other origin (which answers an empty page)
///   self-link       _catalog and tags/list: the first page links to a second, the second back to the first
///   lying-location  upload sessions get a Location on the other origin (which passes uploads on)
///   http-realm      Bearer auth whose token realm is plain HTTP on the other origin (run with TLS on the main port)
///   stall           blob GETs send their headers and 1 KiB, then nothing (the first --count of them; all by default)
///   upload-stall    blob uploads (PUT, PATCH with a body) are never read: the registry stops taking bytes
///   503-forever     blob GETs answer 503 without Retry-After
///   429-storm       for --storm-seconds from the first request, --rate (default 0.4) of requests answer 429 Retry-After: 1,
///                   drawn from a Random seeded with --seed
///   huge-manifest   manifest GETs answer a never-ending JSON document (--manifest-bytes, default 2 GiB), chunked
///                   unless --declare-length true
///   (and the content modes of HostileRegistry.Content.cs: huge-list, escape-body, sha512-child; the range modes of
///   HostileRegistry.Ranges.cs: ignore-range, wrong-range, range-storage, cut-blob)
/// </summary>
internal sealed partial class HostileRegistry(Options options)
{
    private readonly ConcurrentQueue<LogEntry> _log = new();
    private readonly Upstream _upstream = new(options["upstream"]);
    private readonly string _mode = options["mode"];
    private readonly int _mainPort = int.Parse(options["port"]);
    private readonly int _otherPort = int.Parse(options["other-port"]);
    private readonly bool _askForCredentials = (options.Get("auth") ?? "basic") != "none";
    private readonly Random _random = new(int.Parse(options.Get("seed") ?? "1"));
    private readonly double _rate = double.Parse(options.Get("rate") ?? "0.4", System.Globalization.CultureInfo.InvariantCulture);
    private readonly TimeSpan _storm = TimeSpan.FromSeconds(double.Parse(options.Get("storm-seconds") ?? "20", System.Globalization.CultureInfo.InvariantCulture));
    private int _remaining = int.Parse(options.Get("count") ?? int.MaxValue.ToString());
    private long _stormStart;
    private readonly HostileTrees? _trees = HostileTrees.IsTreeMode(options["mode"]) ? HostileTrees.Create(options["mode"], options) : null;

    private string Other => $"http://127.0.0.1:{_otherPort}";

    public Task RunAsync(CancellationToken stop)
    {
        var tls = options.Get("cert") is { } cert ? KestrelHost.LoadCertificate(cert, options["key"]) : null;
        return KestrelHost.RunAsync([new KestrelHost.Port(_mainPort, tls), new KestrelHost.Port(_otherPort)], HandleAsync, stop);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Path == "/__log")
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(_log.ToArray()));
            return;
        }
        var entry = new LogEntry
        {
            Listener = context.Connection.LocalPort == _mainPort ? "main" : "other",
            Method = request.Method,
            Path = request.Path + request.QueryString,
            Host = request.Host.Value ?? "",
            Authorization = request.Headers.Authorization.Count > 0,
            Scheme = request.Authorization().Split(' ')[0],
            Range = request.Headers.Range.ToString(),
        };
        _log.Enqueue(entry);
        try
        {
            if (entry.Listener == "main") await MainAsync(context, entry);
            else await OtherAsync(context, entry);
        }
        finally
        {
            entry.Status = context.Response.StatusCode;
        }
    }

    private async Task MainAsync(HttpContext context, LogEntry entry)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var response = context.Response;

        if (_mode == "429-storm")
        {
            var start = Interlocked.CompareExchange(ref _stormStart, Environment.TickCount64, 0);
            var elapsed = TimeSpan.FromMilliseconds(Environment.TickCount64 - (start == 0 ? Environment.TickCount64 : start));
            bool hit;
            lock (_random) hit = _random.NextDouble() < _rate;
            if (elapsed < _storm && hit)
            {
                response.StatusCode = 429;
                response.Headers.RetryAfter = "1";
                return;
            }
        }

        if (_mode == "http-realm")
        {
            if (!request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            {
                response.StatusCode = 401;
                response.Headers.WWWAuthenticate = $"Bearer realm=\"{Other}/token\",service=\"hostile\"";
                return;
            }
        }
        else if (_askForCredentials && request.Headers.Authorization.Count == 0)
        {
            response.StatusCode = 401;
            response.Headers.WWWAuthenticate = "Basic realm=\"hostile\"";
            return;
        }

        if (_trees != null)
        {
            await _trees.ServeAsync(context, n => entry.Bytes += n);
            return;
        }

        var isBlobGet = HttpMethods.IsGet(request.Method) && path.Contains("/blobs/sha256:");
        var isList = HttpMethods.IsGet(request.Method) && (path.EndsWith("/_catalog") || path.EndsWith("/tags/list"));
        if (await ContentModeAsync(context, entry, path, isList)) return;
        if (await RangeModeAsync(context, entry, path, isBlobGet)) return;
        switch (_mode)
        {
            case "redirect" when isBlobGet:
                response.StatusCode = 307;
                response.Headers.Location = $"{Other}/storage{path}?X-Signature=presigned";
                return;
            case "upload-stall" when (HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method)) && request.ContentLength > 0:
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                return;
            case "503-forever" when isBlobGet:
                response.StatusCode = 503;
                return;
            case "stall" when isBlobGet && Interlocked.Decrement(ref _remaining) >= 0:
            {
                using var upstream = await _upstream.SendAsync(context);
                await Upstream.WriteAsync(context, upstream, body: async (source, target) =>
                {
                    // Half of the first KiB at most: a body shorter than that (a config) must stall midway too, or
                    // the client has all it was promised and sees no stall.
                    var buffer = new byte[1024];
                    var n = await source.ReadAsync(buffer, context.RequestAborted);
                    await target.WriteAsync(buffer.AsMemory(0, n / 2), context.RequestAborted);
                    await target.FlushAsync(context.RequestAborted);
                    entry.Bytes = n / 2;
                    await Task.Delay(Timeout.Infinite, context.RequestAborted);
                });
                return;
            }
            case "huge-manifest" when HttpMethods.IsGet(request.Method) && path.Contains("/manifests/"):
                await HugeManifestAsync(context, entry);
                return;
            case "lying-link" when isList:
            {
                using var upstream = await _upstream.SendAsync(context);
                await Upstream.WriteAsync(context, upstream, headers => headers["Link"] = $"<{Other}{path}?n=1000&last=zzz>; rel=\"next\"");
                return;
            }
            case "self-link" when isList:
            {
                using var upstream = await _upstream.SendAsync(context);
                var next = request.Query.ContainsKey("last") ? $"{path}?n=1000" : $"{path}?n=1000&last=a";
                await Upstream.WriteAsync(context, upstream, headers => headers["Link"] = $"<{next}>; rel=\"next\"");
                return;
            }
            case "lying-location":
            {
                using var upstream = await _upstream.SendAsync(context);
                await Upstream.WriteAsync(context, upstream, MoveLocationToOther);
                return;
            }
        }
        using (var upstream = await _upstream.SendAsync(context))
            await Upstream.WriteAsync(context, upstream);
    }

    private async Task OtherAsync(HttpContext context, LogEntry entry)
    {
        var request = context.Request;
        var path = request.Path.Value ?? "/";
        var response = context.Response;
        if (await RangeStorageAsync(context, entry, path)) return;
        switch (_mode)
        {
            case "redirect" when path.StartsWith("/storage/"):
                if (request.Headers.Authorization.Count > 0)
                {
                    // What S3 answers to a pre-signed URL that also carries a registry's Authorization.
                    response.StatusCode = 400;
                    await response.WriteAsync("Only one auth mechanism allowed");
                    return;
                }
                using (var upstream = await _upstream.SendAsync(context, path.Substring("/storage".Length)))
                    await Upstream.WriteAsync(context, upstream);
                return;
            case "lying-link":
                response.ContentType = "application/json";
                await response.WriteAsync(path.EndsWith("/_catalog") ? "{\"repositories\":[]}" : "{\"name\":\"other\",\"tags\":[]}");
                return;
            case "lying-location":
                using (var upstream = await _upstream.SendAsync(context))
                    await Upstream.WriteAsync(context, upstream, MoveLocationToOther);
                return;
            case "http-realm" when path == "/token":
                response.ContentType = "application/json";
                await response.WriteAsync("{\"token\":\"hostile-token\",\"expires_in\":300}");
                return;
        }
        response.StatusCode = 404;
    }

    /// <summary>An upload Location (absolute or relative) moved to the other origin, path and query kept.</summary>
    private void MoveLocationToOther(IHeaderDictionary headers)
    {
        var location = headers.Location.ToString();
        if (location.Length == 0) return;
        var uri = new Uri(new Uri("http://placeholder"), location);
        headers.Location = Other + uri.PathAndQuery;
    }

    private async Task HugeManifestAsync(HttpContext context, LogEntry entry)
    {
        var total = long.Parse(options.Get("manifest-bytes") ?? (2L << 30).ToString());
        var response = context.Response;
        response.StatusCode = 200;
        response.ContentType = "application/vnd.oci.image.manifest.v1+json";
        if (options.Get("declare-length") == "true") response.ContentLength = total;
        var head = Encoding.ASCII.GetBytes("{\"schemaVersion\":2,\"padding\":\"");
        var filler = new byte[64 * 1024];
        Array.Fill(filler, (byte)'a');
        await response.Body.WriteAsync(head, context.RequestAborted);
        entry.Bytes = head.Length;
        // Written through the pipe, whose flush result says when the client has gone (Kestrel completes plain writes to a
        // closed connection without an error), so that Bytes is what the client was really sent.
        while (entry.Bytes < total)
        {
            var n = (int)Math.Min(filler.Length, total - entry.Bytes);
            var flushed = await response.BodyWriter.WriteAsync(filler.AsMemory(0, n), context.RequestAborted);
            if (flushed.IsCompleted || flushed.IsCanceled) return;
            entry.Bytes += n;
        }
    }

    private sealed class LogEntry
    {
        public string Listener { get; init; } = "";
        public string Method { get; init; } = "";
        public string Path { get; init; } = "";
        public string Host { get; init; } = "";
        public bool Authorization { get; init; }
        public string Scheme { get; init; } = "";
        public string Range { get; init; } = "";
        public int Status { get; set; }
        public long Bytes { get; set; }
    }
}

internal static class RequestExtensions
{
    /// <summary>The scheme of the Authorization header (Basic, Bearer), never its value.</summary>
    public static string Authorization(this HttpRequest request) => request.Headers.Authorization.ToString();
}
