using Microsoft.AspNetCore.Http;

namespace CseAirgap.TestServer;

/// <summary>
/// A loopback proxy (plain HTTP) in front of a registry that misbehaves on blob downloads, a set number of times:
/// drop the connection halfway through the body, flip one byte, answer 503 / 429 (with Retry-After), or send the
/// body slowly (about 8 MB/s, so a test can interrupt a copy while it runs); or, in front of a destination, answer
/// 413 to whole-blob uploads.
/// Everything else is passed through unchanged. GET /__faults tells how many faults are still to come.
/// </summary>
internal sealed class FaultProxy(Options options)
{
    private int _remaining = int.Parse(options.Get("count") ?? "0");
    private readonly string _fault = options.Get("fault") ?? "none";
    private readonly Upstream _upstream = new(options["upstream"]);

    public Task RunAsync(CancellationToken stop) =>
        KestrelHost.RunAsync([new KestrelHost.Port(int.Parse(options["port"]))], HandleAsync, stop);

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        var path = request.Path.Value ?? "/";
        if (path == "/__faults")
        {
            await response.WriteAsync(Volatile.Read(ref _remaining).ToString());
            return;
        }
        var isBlobGet = HttpMethods.IsGet(request.Method) && path.Contains("/blobs/sha256:");
        // 413 plays a proxy with a body limit in front of a destination: whole-blob PUTs are refused.
        var isBodyPut = HttpMethods.IsPut(request.Method) && request.ContentLength > 0 && path.Contains("/blobs/uploads/");
        var fault = (_fault == "413" ? isBodyPut : isBlobGet) && Interlocked.Decrement(ref _remaining) >= 0 ? _fault : "none";
        if (fault == "413")
        {
            response.StatusCode = 413;
            return;
        }
        if (fault is "503" or "429")
        {
            response.StatusCode = int.Parse(fault);
            if (fault == "429") response.Headers.RetryAfter = "1";
            return;
        }

        using var upstream = await _upstream.SendAsync(context);
        var length = upstream.Content.Headers.ContentLength ?? 0;
        await Upstream.WriteAsync(context, upstream, body: async (source, target) =>
        {
            var buffer = new byte[81920];
            long sent = 0;
            var half = length / 2;
            var corrupted = false;
            int n;
            while ((n = await source.ReadAsync(buffer, context.RequestAborted)) > 0)
            {
                if (fault == "drop" && sent + n > half)
                {
                    await target.WriteAsync(buffer.AsMemory(0, (int)(half - sent)), context.RequestAborted);
                    await target.FlushAsync(context.RequestAborted);
                    context.Abort();
                    return;
                }
                if (fault == "corrupt" && !corrupted && sent + n > half)
                {
                    buffer[half - sent] ^= 0xFF;
                    corrupted = true;
                }
                await target.WriteAsync(buffer.AsMemory(0, n), context.RequestAborted);
                sent += n;
                if (fault == "slow") await Task.Delay(10, context.RequestAborted);
            }
        });
    }
}
