using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// The layer right above the platform's handler, where .NET Framework (Windows PowerShell 5.1) and .NET (PowerShell 7)
/// are made to behave alike. No request asks for <c>Expect: 100-continue</c>: .NET Framework adds it to every PUT and
/// PATCH unless the request says no (waiting ~350 ms for a 100 no registry sends, and an old proxy's 417 fails the
/// upload); copies made by the retry and redirect layers lose that setting, so it is set here, on the message that
/// leaves. And a proxy that wants a login (407, as an answer or as the failed CONNECT of an HTTPS tunnel) is reported
/// as ProxyAuthenticationRequired, naming -ProxyCredential, instead of a generic failure.
/// </summary>
internal sealed class FrameworkParityHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        request.Headers.ExpectContinue = false;
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (FrameworkExceptionShapes.IsProxyAuthenticationRequired(e))
        {
            throw ProxyRefused(request, e);
        }
        if (response.StatusCode != HttpStatusCode.ProxyAuthenticationRequired) return response;
        response.Dispose();
        throw ProxyRefused(request, null);
    }

    private static RegistryException ProxyRefused(HttpRequestMessage request, Exception? inner)
    {
        var host = RegistryOrigin.HostKey(request.RequestUri!);
        return new RegistryException(RegistryErrorKind.ProxyAuthenticationRequired, host,
            $"The proxy on the way to {host} asks for a login (407 Proxy Authentication Required). Pass the proxy's account " +
            "with -ProxyCredential (and -Proxy <uri> if it is not the system's proxy), or -NoProxy if the registry is reachable directly.", inner);
    }
}
