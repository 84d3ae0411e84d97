using System;
using System.Net.Http;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// What the transport's handlers need to know about a request that HTTP does not carry: what it is for (errors name
/// it), which registry it belongs to, whose credentials may go with it, whether it can be sent again, and which cap
/// on requests in flight it counts against. It travels with the request, and with every attempt and redirect hop
/// made from it.
/// </summary>
internal sealed class RegistryRequest
{
    private const string PropertyName = "CseAirgap.RegistryRequest";

    public RegistryRequest(string target, string registryHost, IRequestAuthorization? authorization, bool replayable, string concurrencyKey, Action? onSent = null)
    {
        Target = target;
        RegistryHost = registryHost;
        Authorization = authorization;
        Replayable = replayable;
        ConcurrencyKey = concurrencyKey;
        OnSent = onSent;
    }

    /// <summary>What the request is about, as messages name it ("registry.test/lib/app:v1", "the token for ...").</summary>
    public string Target { get; }

    /// <summary>host[:port] of the registry the request is made for (a redirect may lead elsewhere; errors name the registry).</summary>
    public string RegistryHost { get; }

    /// <summary>Who decides the Authorization header of each hop; null sends none.</summary>
    public IRequestAuthorization? Authorization { get; }

    /// <summary>
    /// Whether the request may be sent again: false for a streamed body, which is read once. Its failures are left to
    /// the transfer layer, which starts the whole blob again.
    /// </summary>
    public bool Replayable { get; }

    /// <summary>Requests with the same key share one cap on requests in flight.</summary>
    public string ConcurrencyKey { get; }

    /// <summary>Told of every request that goes out (attempts and hops included), for the request count.</summary>
    public Action? OnSent { get; }

    /// <summary>A body that can be sent twice: none, or bytes held in memory. A stream is read once.</summary>
    public static bool IsReplayableBody(HttpContent? content) => content == null || content is ByteArrayContent;

    public static void Attach(HttpRequestMessage request, RegistryRequest context) => request.Properties[PropertyName] = context;

    /// <summary>The request's context; a request sent without one is treated as anonymous, for its own host.</summary>
    public static RegistryRequest Of(HttpRequestMessage request)
    {
        if (request.Properties.TryGetValue(PropertyName, out var value) && value is RegistryRequest context) return context;
        var host = request.RequestUri == null ? string.Empty : RegistryOrigin.HostKey(request.RequestUri);
        return new RegistryRequest(request.RequestUri?.ToString() ?? string.Empty, host, null, IsReplayableBody(request.Content), host);
    }
}
