using System.Net;

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
    private readonly HttpClient _upstream = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        // The upstream may be a TLS test registry signed by the run's CA: this proxy is not what is under test.
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    }) { BaseAddress = new Uri(options["upstream"]) };

    public async Task RunAsync(CancellationToken stop)
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{options["port"]}/");
        listener.Start();
        stop.Register(listener.Stop);
        while (!stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try { context = await listener.GetContextAsync(); }
            catch (Exception) when (stop.IsCancellationRequested) { break; }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var request = context.Request;
        var response = context.Response;
        try
        {
            if (request.Url!.AbsolutePath == "/__faults")
            {
                var text = System.Text.Encoding.ASCII.GetBytes(Volatile.Read(ref _remaining).ToString());
                response.OutputStream.Write(text);
                response.Close();
                return;
            }
            var isBlobGet = request.HttpMethod == "GET" && request.Url.AbsolutePath.Contains("/blobs/sha256:");
            // 413 plays a proxy with a body limit in front of a destination: whole-blob PUTs are refused.
            var isBodyPut = request.HttpMethod == "PUT" && request.ContentLength64 > 0 && request.Url.AbsolutePath.Contains("/blobs/uploads/");
            var fault = (_fault == "413" ? isBodyPut : isBlobGet) && Interlocked.Decrement(ref _remaining) >= 0 ? _fault : "none";
            if (fault == "413")
            {
                response.StatusCode = 413;
                response.Close();
                return;
            }
            if (fault is "503" or "429")
            {
                response.StatusCode = int.Parse(fault);
                if (fault == "429") response.AddHeader("Retry-After", "1");
                response.Close();
                return;
            }

            using var forward = new HttpRequestMessage(new HttpMethod(request.HttpMethod), request.Url.PathAndQuery);
            if (request.HasEntityBody) forward.Content = new StreamContent(request.InputStream);
            // The registry builds upload Locations from Host: keep the proxy's, so uploads come back through it.
            forward.Headers.Host = request.Headers["Host"];
            foreach (string name in request.Headers)
            {
                if (name is "Host" or "Content-Length" or "Transfer-Encoding" or "Connection") continue;
                if (!forward.Headers.TryAddWithoutValidation(name, request.Headers.GetValues(name)!))
                    forward.Content?.Headers.TryAddWithoutValidation(name, request.Headers.GetValues(name)!);
            }
            using var upstream = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead);
            response.StatusCode = (int)upstream.StatusCode;
            foreach (var h in upstream.Headers.Concat(upstream.Content.Headers))
            {
                if (h.Key is "Transfer-Encoding" or "Connection" or "Content-Length") continue;
                foreach (var v in h.Value) response.AddHeader(h.Key, v);
            }
            var length = upstream.Content.Headers.ContentLength;
            if (length.HasValue) response.ContentLength64 = length.Value;
            await using var body = await upstream.Content.ReadAsStreamAsync();
            if (request.HttpMethod == "HEAD")
            {
                response.Close();
                return;
            }
            var buffer = new byte[81920];
            long sent = 0;
            var half = (length ?? 0) / 2;
            var corrupted = false;
            int n;
            while ((n = await body.ReadAsync(buffer)) > 0)
            {
                if (fault == "drop" && sent + n > half)
                {
                    await response.OutputStream.WriteAsync(buffer.AsMemory(0, (int)(half - sent)));
                    response.Abort();
                    return;
                }
                if (fault == "corrupt" && !corrupted && sent + n > half)
                {
                    buffer[half - sent] ^= 0xFF;
                    corrupted = true;
                }
                await response.OutputStream.WriteAsync(buffer.AsMemory(0, n));
                sent += n;
                if (fault == "slow") await Task.Delay(10);
            }
            response.Close();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"proxy: {e.Message}");
            try { response.Abort(); } catch (Exception) { }
        }
    }
}
