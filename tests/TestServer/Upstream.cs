using Microsoft.AspNetCore.Http;

namespace CseAirgap.TestServer;

/// <summary>Passes a request on to the registry behind a test server and copies its answer back.</summary>
internal sealed class Upstream
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade",
    };

    private readonly HttpClient _client;

    public Upstream(string baseUrl)
    {
        BaseUri = new Uri(baseUrl);
        _client = new HttpClient(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            // The upstream may be a TLS test registry signed by the run's CA: the test server is not what is under test.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { BaseAddress = BaseUri, Timeout = Timeout.InfiniteTimeSpan };
    }

    public Uri BaseUri { get; }

    /// <summary>
    /// Sends the request on, its body streamed and its headers kept (Authorization too: a fault proxy may stand in front
    /// of a token registry). Host is kept, so the registry builds upload Locations that lead back through this server.
    /// </summary>
    public async Task<HttpResponseMessage> SendAsync(HttpContext context, string? pathAndQuery = null)
    {
        var request = context.Request;
        var forward = new HttpRequestMessage(new HttpMethod(request.Method), pathAndQuery ?? request.Path + request.QueryString);
        var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0 || HttpMethods.IsPut(request.Method) || HttpMethods.IsPatch(request.Method);
        if (hasBody)
        {
            forward.Content = new StreamContent(request.Body);
            if (request.ContentLength.HasValue) forward.Content.Headers.ContentLength = request.ContentLength;
        }
        forward.Headers.Host = request.Host.Value;
        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key)) continue;
            if (!forward.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray()))
                forward.Content?.Headers.TryAddWithoutValidation(header.Key, header.Value.ToArray());
        }
        return await _client.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
    }

    /// <summary>Copies status and headers (after <paramref name="edit"/>) and, except for HEAD, the body.</summary>
    public static async Task WriteAsync(HttpContext context, HttpResponseMessage upstream, Action<IHeaderDictionary>? edit = null, Func<Stream, Stream, Task>? body = null)
    {
        var response = context.Response;
        response.StatusCode = (int)upstream.StatusCode;
        foreach (var header in upstream.Headers.Concat(upstream.Content.Headers))
        {
            if (HopByHop.Contains(header.Key)) continue;
            response.Headers[header.Key] = header.Value.ToArray();
        }
        if (upstream.Content.Headers.ContentLength is long length) response.ContentLength = length;
        edit?.Invoke(response.Headers);
        if (HttpMethods.IsHead(context.Request.Method)) return;
        await using var source = await upstream.Content.ReadAsStreamAsync(context.RequestAborted);
        if (body != null) await body(source, response.Body);
        else await source.CopyToAsync(response.Body, context.RequestAborted);
    }
}
