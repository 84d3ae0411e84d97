using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// Sets each hop's Authorization header through the request's <see cref="IRequestAuthorization"/>, which gives it only
/// to the origin the credentials belong to, and after a 401 renews them once (a new challenge, an expired token) and
/// sends the request again. A streamed body cannot be sent again: its transfer is marked to start over.
/// </summary>
internal sealed class AuthorizationHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var context = RegistryRequest.Of(request);
        // Whatever the header held, this hop's origin decides it anew.
        request.Headers.Authorization = null;
        var authorization = context.Authorization;
        if (authorization == null) return await base.SendAsync(request, ct).ConfigureAwait(false);

        await authorization.AuthorizeAsync(request, ct).ConfigureAwait(false);
        var response = await base.SendAsync(request, ct).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized) return response;
        bool renewed;
        try
        {
            renewed = authorization.Renew(request, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
        if (!renewed) return response;
        response.Dispose();
        if (!context.Replayable)
            throw new RegistryException(RegistryErrorKind.ProtocolError, context.Target,
                $"{context.RegistryHost} asked for credentials again during the upload of {context.Target}; it will be sent again with them.") { TransferMayRestart = true };

        var again = RequestCopy.Again(request);
        await authorization.AuthorizeAsync(again, ct).ConfigureAwait(false);
        return await base.SendAsync(again, ct).ConfigureAwait(false);
    }
}
