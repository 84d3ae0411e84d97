using System;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>Basic credentials for a token service: to its realm's own origin only, not to wherever it redirects.</summary>
internal sealed class TokenRealmAuthorization : IRequestAuthorization
{
    private readonly Uri _realm;
    private readonly NetworkCredential? _credential;

    /// <param name="credential">null to ask for an anonymous token.</param>
    public TokenRealmAuthorization(Uri realm, NetworkCredential? credential)
    {
        _realm = realm;
        _credential = credential;
    }

    public Task AuthorizeAsync(HttpRequestMessage request, CancellationToken ct)
    {
        if (_credential != null && request.RequestUri != null && RegistryOrigin.Same(request.RequestUri, _realm))
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", RegistryAuthenticator.BasicValue(_credential));
        return Task.CompletedTask;
    }

    /// <summary>A token service that refuses the credentials has said its last word.</summary>
    public bool Renew(HttpRequestMessage request, HttpResponseMessage unauthorized) => false;
}
