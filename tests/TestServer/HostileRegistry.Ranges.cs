using Microsoft.AspNetCore.Http;

namespace CseAirgap.TestServer;

/// <summary>
/// Byte ranges (issue 25), beside the transport faults of HostileRegistry.cs. Every logged request records its Range
/// header; blob GETs in plain mode and in these modes record the body bytes sent. In every mode the first --skip blob GETs the mode applies to pass unharmed, then the
/// next --count are harmed:
///   ignore-range     blob GETs are passed on without their Range header: a server that answers 200 and the whole blob
///   wrong-range      ranged blob GETs answer 206 with the asked Content-Range but one byte short (Content-Length too)
///   range-storage    blob GETs answer 307 to the other origin (pre-signed storage), which answers 403 to any Range
///   cut-blob         blob GETs without Range send half their body (chunked, without Content-Length), then end
///   cut-part         ranged blob GETs send half their body (chunked, without Content-Length), then end
/// </summary>
internal sealed partial class HostileRegistry
{
    private int _toSkip = int.Parse(options.Get("skip") ?? "0");

    private bool Harms() => Interlocked.Decrement(ref _toSkip) < 0 && Interlocked.Decrement(ref _remaining) >= 0;

    private async Task<bool> RangeModeAsync(HttpContext context, LogEntry entry, string path, bool isBlobGet)
    {
        var request = context.Request;
        var ranged = request.Headers.Range.Count > 0;
        switch (_mode)
        {
            case "ignore-range" when isBlobGet && Harms():
                request.Headers.Remove("Range");
                await PassCountingAsync(context, entry);
                return true;
            case "wrong-range" when isBlobGet && ranged && Harms():
            {
                using var upstream = await _upstream.SendAsync(context);
                var length = upstream.Content.Headers.ContentLength ?? 0;
                await Upstream.WriteAsync(context, upstream, headers => headers.ContentLength = Math.Max(0, length - 1),
                    body: (source, target) => CopyCountingAsync(context, entry, source, target, Math.Max(0, length - 1)));
                return true;
            }
            case "range-storage" when isBlobGet:
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = $"{Other}/storage{path}?X-Signature=presigned";
                return true;
            case "cut-blob" when isBlobGet && !ranged && Harms():
            case "cut-part" when isBlobGet && ranged && Harms():
            {
                using var upstream = await _upstream.SendAsync(context);
                var length = upstream.Content.Headers.ContentLength ?? 0;
                // Sent chunked and ended cleanly after half: the client sees the body stop short. (A reset after a
                // flush may overtake the bytes, and even the headers, in the client's socket, which would test the
                // kernel's timing rather than the client.)
                await Upstream.WriteAsync(context, upstream, headers => headers.ContentLength = null,
                    body: (source, target) => CopyCountingAsync(context, entry, source, target, length / 2));
                return true;
            }
            case "plain" or "ignore-range" or "wrong-range" or "cut-blob" or "cut-part" when isBlobGet:
                await PassCountingAsync(context, entry);
                return true;
        }
        return false;
    }

    /// <summary>The other origin of range-storage: pre-signed storage that serves blobs but refuses ranges.</summary>
    private async Task<bool> RangeStorageAsync(HttpContext context, LogEntry entry, string path)
    {
        if (_mode != "range-storage" || !path.StartsWith("/storage/")) return false;
        if (context.Request.Headers.Authorization.Count > 0 || context.Request.Headers.Range.Count > 0)
        {
            context.Response.StatusCode = 403;
            await context.Response.WriteAsync("Range requests are not allowed on this storage");
            return true;
        }
        using var upstream = await _upstream.SendAsync(context, path.Substring("/storage".Length));
        await Upstream.WriteAsync(context, upstream, body: (source, target) => CopyCountingAsync(context, entry, source, target, long.MaxValue));
        return true;
    }

    private async Task PassCountingAsync(HttpContext context, LogEntry entry)
    {
        using var upstream = await _upstream.SendAsync(context);
        await Upstream.WriteAsync(context, upstream, body: (source, target) => CopyCountingAsync(context, entry, source, target, long.MaxValue));
    }

    private static async Task CopyCountingAsync(HttpContext context, LogEntry entry, Stream source, Stream target, long limit)
    {
        var buffer = new byte[81920];
        while (entry.Bytes < limit)
        {
            var n = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, limit - entry.Bytes)), context.RequestAborted);
            if (n == 0) return;
            await target.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
            entry.Bytes += n;
        }
    }
}
