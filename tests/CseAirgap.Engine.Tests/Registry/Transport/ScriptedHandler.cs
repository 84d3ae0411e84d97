using System.Collections.Concurrent;
using System.Net;
using CseAirgap.Engine.Registry.Transport;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>
/// The inner handler of a layer under test: answers as the test's script says and records every message it was
/// given (the message itself, its URL and Authorization header as they were when sent).
/// </summary>
internal sealed class ScriptedHandler : HttpMessageHandler
{
    private readonly Func<HttpRequestMessage, int, Task<HttpResponseMessage>> _answer;
    private int _count;

    public ScriptedHandler(Func<HttpRequestMessage, int, HttpResponseMessage> answer) : this((r, n) => Task.FromResult(answer(r, n)))
    {
    }

    private ScriptedHandler(Func<HttpRequestMessage, int, Task<HttpResponseMessage>> answer) => _answer = answer;

    /// <summary>A handler whose answers take as long as the test says (the request number counts from 1).</summary>
    public static ScriptedHandler Awaiting(Func<HttpRequestMessage, int, Task<HttpResponseMessage>> answer) => new(answer);

    public ConcurrentQueue<Sent> Seen { get; } = new();

    public sealed record Sent(HttpRequestMessage Message, Uri Uri, string? Authorization, byte[]? Body);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var number = Interlocked.Increment(ref _count);
        var body = request.Content is ByteArrayContent bytes ? await bytes.ReadAsByteArrayAsync(cancellationToken) : null;
        Seen.Enqueue(new Sent(request, request.RequestUri!, request.Headers.Authorization?.ToString(), body));
        var response = await _answer(request, number);
        response.RequestMessage ??= request;
        return response;
    }

    public static HttpResponseMessage Status(int status, string? retryAfter = null, string? location = null)
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new ByteArrayContent(Array.Empty<byte>()) };
        if (retryAfter != null) response.Headers.TryAddWithoutValidation("Retry-After", retryAfter);
        if (location != null) response.Headers.Location = new Uri(location, UriKind.RelativeOrAbsolute);
        return response;
    }

    /// <summary>A layer over this handler, to send through.</summary>
    public HttpMessageInvoker Under(DelegatingHandler layer)
    {
        layer.InnerHandler = this;
        return new HttpMessageInvoker(layer);
    }

    /// <summary>A request with its registry context attached.</summary>
    public static HttpRequestMessage Request(HttpMethod method, string url, bool replayable = true, string target = "registry.test/lib/app",
        IRequestAuthorization? authorization = null, string concurrencyKey = "http://registry.test", Action? onSent = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = content };
        RegistryRequest.Attach(request, new RegistryRequest(target, new Uri(url).Authority, authorization, replayable, concurrencyKey, onSent));
        return request;
    }
}
