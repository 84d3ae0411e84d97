using System;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// The one HTTP stack every registry request of a session goes through, composed here once, outermost first (the
/// order of go-containerregistry's transport): retry → redirect → per-host back-off → cap on requests in flight →
/// authorization for the origin → stall timeout → the frameworks made alike (<see cref="FrameworkParityHandler"/>) → the
/// platform's handler. Each layer holds one rule, so a rule (retry
/// only what can be sent again, credentials only to their origin) lives once.
/// </summary>
internal sealed class RegistryTransport : IDisposable
{
    private static readonly ProductInfoHeaderValue UserAgent =
        new("CseAirgap", typeof(RegistryTransport).Assembly.GetName().Version?.ToString() ?? "0");

    private readonly HttpMessageInvoker _invoker;

    private RegistryTransport(HttpMessageInvoker invoker) => _invoker = invoker;

    public static RegistryTransport Compose(HttpMessageHandler platform, RegistrySessionOptions options, HostBackoff backoff)
    {
        var parity = new FrameworkParityHandler { InnerHandler = platform };
        var stall = new StallTimeoutHandler(options.StallTimeout) { InnerHandler = parity };
        var authorization = new AuthorizationHandler { InnerHandler = stall };
        var concurrency = new ConcurrencyLimitHandler(options.MaxRequestsPerRegistry) { InnerHandler = authorization };
        var hostBackoff = new HostBackoffHandler(backoff) { InnerHandler = concurrency };
        var redirect = new RedirectHandler(options.MaxRedirects) { InnerHandler = hostBackoff };
        var retry = new RetryHandler(options.Retry, backoff, options.Trust, options.Log) { InnerHandler = redirect };
        // An invoker, not an HttpClient: no global timeout (blobs can be gigabytes; cancellation and the stall
        // timeout end a transfer), and nothing marks the message as sent before the retry layer copies it.
        return new RegistryTransport(new HttpMessageInvoker(retry, disposeHandler: true));
    }

    /// <summary>Sends a request whose <see cref="RegistryRequest"/> is attached; the answer comes back as soon as its headers are in.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (request.Headers.UserAgent.Count == 0) request.Headers.UserAgent.Add(UserAgent);
        return _invoker.SendAsync(request, ct);
    }

    public void Dispose() => _invoker.Dispose();
}
