using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace CseAirgap.TestServer;

/// <summary>
/// A reverse proxy (plain HTTP) in front of a registry that plays a WAN link for the benchmark: every request waits
/// --delay-ms before it is passed on and every answer --delay-ms before its headers go back (one way each), and answer
/// bodies are held to --flow-mbit per connection (a proxy's or a long path's per-flow share) and --link-mbit for all
/// connections together (the link). Both caps are token buckets kept as virtual time, so senders are served in the order
/// they ask and a burst is at most --burst-kib. GET /__stats: requests, blob GETs, body bytes sent (all, and of blobs).
/// </summary>
internal sealed class ShapingProxy(Options options)
{
    private readonly Upstream _upstream = new(options["upstream"]);
    private readonly TimeSpan _delay = TimeSpan.FromMilliseconds(double.Parse(options.Get("delay-ms") ?? "40", System.Globalization.CultureInfo.InvariantCulture));
    private readonly double _flowBytesPerSecond = Mbit(options.Get("flow-mbit") ?? "40");
    private readonly TokenBucket _link = new(Mbit(options.Get("link-mbit") ?? "200"), Burst(options));
    private readonly ConcurrentDictionary<string, TokenBucket> _flows = new();
    private long _requests;
    private long _blobGets;
    private long _bytes;
    private long _blobBytes;

    private static double Mbit(string value) => double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) * 1e6 / 8;
    private static double Burst(Options options) => double.Parse(options.Get("burst-kib") ?? "64", System.Globalization.CultureInfo.InvariantCulture) * 1024;

    public Task RunAsync(CancellationToken stop) =>
        KestrelHost.RunAsync([new KestrelHost.Port(int.Parse(options["port"]))], HandleAsync, stop);

    private async Task HandleAsync(HttpContext context)
    {
        if (context.Request.Path == "/__stats")
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new
            {
                Requests = Interlocked.Read(ref _requests),
                BlobGets = Interlocked.Read(ref _blobGets),
                Bytes = Interlocked.Read(ref _bytes),
                BlobBytes = Interlocked.Read(ref _blobBytes),
            }));
            return;
        }
        Interlocked.Increment(ref _requests);
        var isBlob = HttpMethods.IsGet(context.Request.Method) && (context.Request.Path.Value ?? "").Contains("/blobs/sha256:");
        if (isBlob) Interlocked.Increment(ref _blobGets);
        var flow = _flows.GetOrAdd(context.Connection.Id, _ => new TokenBucket(_flowBytesPerSecond, Burst(options)));
        context.RequestAborted.Register(() => _flows.TryRemove(context.Connection.Id, out _));
        await Task.Delay(_delay, context.RequestAborted);
        using var upstream = await _upstream.SendAsync(context);
        await Task.Delay(_delay, context.RequestAborted);
        await Upstream.WriteAsync(context, upstream, body: async (source, target) =>
        {
            var buffer = new byte[16 * 1024];
            int n;
            while ((n = await source.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                await flow.TakeAsync(n, context.RequestAborted);
                await _link.TakeAsync(n, context.RequestAborted);
                await target.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
                Interlocked.Add(ref _bytes, n);
                if (isBlob) Interlocked.Add(ref _blobBytes, n);
            }
        });
    }

    /// <summary>
    /// A rate as virtual time: each taker moves the bucket's "next free" instant on by its bytes' share of a second and
    /// waits until then, less the burst allowance.
    /// </summary>
    private sealed class TokenBucket(double bytesPerSecond, double burstBytes)
    {
        private static readonly Stopwatch Clock = Stopwatch.StartNew();
        private readonly object _gate = new();
        private double _next;

        public Task TakeAsync(int bytes, CancellationToken ct)
        {
            double wait;
            lock (_gate)
            {
                var now = Clock.Elapsed.TotalSeconds;
                _next = Math.Max(_next, now - burstBytes / bytesPerSecond) + bytes / bytesPerSecond;
                wait = _next - now;
            }
            return wait > 0.001 ? Task.Delay(TimeSpan.FromSeconds(wait), ct) : Task.CompletedTask;
        }
    }
}
