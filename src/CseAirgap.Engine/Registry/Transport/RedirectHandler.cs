using System;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// Follows the redirects of a GET or HEAD by hand (registry.k8s.io and Docker Hub send blob downloads to pre-signed
/// storage URLs, which refuse any Authorization). Each hop is a new request without the previous hop's credentials,
/// sent through the layers below, so back-off, the cap and the choice of credentials apply to it afresh. A step down
/// from HTTPS to plain HTTP is not followed: that answer is returned as it is.
/// </summary>
internal sealed class RedirectHandler : DelegatingHandler
{
    private readonly int _maxRedirects;

    public RedirectHandler(int maxRedirects) => _maxRedirects = maxRedirects;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var hop = request;
        for (var followed = 0; ; followed++)
        {
            var response = await base.SendAsync(hop, ct).ConfigureAwait(false);
            var next = RedirectTarget(response, hop);
            if (next == null) return response;
            response.Dispose();
            if (followed >= _maxRedirects)
            {
                var context = RegistryRequest.Of(request);
                throw new RegistryException(RegistryErrorKind.ProtocolError, context.Target,
                    $"{context.RegistryHost} redirected {context.Target} more than {_maxRedirects} times.");
            }
            hop = RequestCopy.Hop(hop, next);
        }
    }

    /// <summary>Where a redirect of a GET or HEAD leads, or null (not a redirect, another method, or a step down to HTTP).</summary>
    internal static Uri? RedirectTarget(HttpResponseMessage response, HttpRequestMessage sent)
    {
        var status = (int)response.StatusCode;
        if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) return null;
        if (sent.Method != HttpMethod.Get && sent.Method != HttpMethod.Head) return null;
        var location = response.Headers.Location;
        var from = sent.RequestUri;
        if (location == null || from == null) return null;
        var next = location.IsAbsoluteUri ? location : new Uri(from, location);
        if (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp) return null;
        if (from.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp) return null;
        return next;
    }
}
