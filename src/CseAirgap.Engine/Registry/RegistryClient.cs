using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry.Transport;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// The one client for the registry HTTP API (OCI distribution spec). Every request goes through the session's
/// transport (Transport/RegistryTransport.cs: retry, redirects, per-host back-off, a cap on requests in flight,
/// credentials for this registry's origin only, stall timeouts); this client holds its registry's credentials
/// (<see cref="RegistryAuthenticator"/>) and turns refusals into errors that say what to do.
/// </summary>
public sealed partial class RegistryClient
{
    private readonly RegistryTransport _transport;
    private readonly RegistryAuthenticator _auth;
    private readonly RegistrySessionOptions _options;
    private readonly string _concurrencyKey;
    private volatile bool _chunkedOnly;
    private long _requests;

    internal RegistryClient(RegistryTransport transport, RegistryAddress address, NetworkCredential? credential, RegistrySessionOptions options, LoginAdvice? advice = null)
    {
        Advice = advice ?? LoginAdvice.Destination;
        _transport = transport;
        Address = address;
        _options = options;
        _concurrencyKey = address.BaseUri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
        _auth = new RegistryAuthenticator(address, credential, options, transport, _concurrencyKey, CountRequest, Advice);
    }

    /// <summary>What a refusal a login would fix tells the user to pass.</summary>
    internal LoginAdvice Advice { get; }

    /// <summary>A client over its own transport, with <paramref name="http"/> as the platform (tests script a registry so).</summary>
    internal RegistryClient(HttpClient http, RegistryAddress address, NetworkCredential? credential, RegistrySessionOptions options, HostBackoff? backoff = null, LoginAdvice? advice = null)
        : this(RegistryTransport.Compose(new HttpClientForwarder(http), options, backoff ?? new HostBackoff()), address, credential, options, advice)
    {
    }

    public RegistryAddress Address { get; }

    /// <summary>The session's retry settings, for the transfer layer above this client.</summary>
    public RetryPolicy Retry => _options.Retry;

    /// <summary>HTTP requests sent to this registry and its token service, for the benchmark and verbose output.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    private void CountRequest() => Interlocked.Increment(ref _requests);

    private Uri Url(string pathAndQuery) => new(Address.BaseUri, pathAndQuery);

    /// <summary>
    /// Sends a request, authenticating as the registry asks. <paramref name="retry"/> = false for streaming bodies,
    /// which cannot be sent twice: their failures are left to the transfer layer. Everything else is safe to repeat:
    /// GET, HEAD, DELETE, a manifest PUT (the same bytes under the same name), and the bodiless POSTs that open an
    /// upload session or ask for a mount (a session left unused expires on its own). The answer is returned as soon as
    /// its headers are in; its body is read through the stall timeout.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, RegistryScope scope, string target, CancellationToken ct, bool retry = true)
    {
        using var request = create();
        RegistryRequest.Attach(request, new RegistryRequest(target, Address.Host, _auth.For(scope, target),
            retry && RegistryRequest.IsReplayableBody(request.Content), _concurrencyKey, CountRequest));
        return await _transport.SendAsync(request, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Learns how the registry authenticates and, for a token registry, fetches tokens for many repositories in
    /// a few requests (the token service takes several scopes at once). Any failure is left for the real
    /// requests to report, with their own target; the failure is returned so a caller can stop early when the
    /// registry cannot be reached at all.
    /// </summary>
    public async Task<RegistryException?> PrepareTokensAsync(IEnumerable<RegistryScope> scopes, CancellationToken ct)
    {
        try
        {
            if (_auth.Challenge == null) await PingAsync(ct).ConfigureAwait(false);
            await _auth.PrepareTokensAsync(scopes, ct).ConfigureAwait(false);
            return null;
        }
        catch (RegistryException e)
        {
            _options.Log?.Invoke($"{Address.Host}: tokens could not be fetched ahead ({e.Kind}); each request will ask for its own.");
            return e;
        }
    }

    /// <summary>
    /// A whole (small) body, refused as ContentTooLarge past <paramref name="limit"/>: by its Content-Length before
    /// reading, or after limit bytes when it has none. Never buffered whole by HttpClient.
    /// </summary>
    internal static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, int limit, string what, string target, CancellationToken ct)
    {
        if (response.Content.Headers.ContentLength is long declared && declared > limit) throw new ContentTooLargeException(what, target, limit);
        using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        return await ContentLimits.ReadAllAsync(stream, limit, what, target, ct).ConfigureAwait(false);
    }

    /// <summary>Turns a refusal into an error that says what to do, telling "who are you" from "you may not".</summary>
    /// <param name="asked">What the request asked for, which names a 404: a manifest, a blob or a tag list.</param>
    internal async Task<RegistryException> RefusalAsync(HttpResponseMessage response, RegistryScope scope, string repository, string target, RegistryResource asked, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var body = await ErrorBodyAsync(response, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return NotFound(asked, repository, target, body);
        var credential = _auth.Credential;
        if (response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden)
        {
            if (credential == null)
                return new RegistryException(RegistryErrorKind.AuthenticationRequired, target, Advice.LoginRequired(Address.Host, repository, scope.WantsPush));
            var challenge = _auth.Challenge;
            var pushRefused = scope.WantsPush && (challenge != null && challenge.IsBearer
                ? !(_auth.TokenFor(scope) is { } t && t.Allows(repository, "push"))
                : response.StatusCode == HttpStatusCode.Forbidden);
            if (pushRefused)
                return new RegistryException(RegistryErrorKind.PushDenied, target,
                    $"'{credential.UserName}' is signed in to {Address.Host} but may not push to '{repository}'. On Harbor: create the project " +
                    $"'{repository.Split('/')[0]}', give the account the Developer role or above in it, and make the project public so cluster VMs can pull anonymously.");
            return new RegistryException(RegistryErrorKind.AuthenticationFailed, target,
                $"{Address.Host} refused the credentials of '{credential.UserName}' for {target} (HTTP {status}). Check the user name and password.");
        }
        return new RegistryException(RegistryErrorKind.ProtocolError, target, $"{Address.Host} answered HTTP {status} for {target}{body}.");
    }

    private RegistryException NotFound(RegistryResource asked, string repository, string target, string body) => asked switch
    {
        RegistryResource.Blob => new RegistryException(RegistryErrorKind.BlobNotFound, target,
            $"{target} was not found{body}: {Address.Host} does not hold this blob (a layer or config) in '{repository}'. " +
            "The image's manifest names content the registry lacks: copy the image again from a source that has all of it."),
        RegistryResource.BlobUpload => new RegistryException(RegistryErrorKind.BlobNotFound, target,
            $"{Address.Host} answered 404 to the upload of {target}{body}: the repository or the upload session is not there. " +
            "Check the destination path (on Harbor the project must exist)."),
        RegistryResource.TagList => new RegistryException(RegistryErrorKind.TagListNotFound, target,
            $"{Address.Host} has no tag list for '{repository}'{body}: the repository does not exist there. Check the repository path."),
        _ => new RegistryException(RegistryErrorKind.NotFound, target, $"{target} was not found{body}. Check the repository path and the tag."),
    };

    /// <summary>The start of an error body, for the message: at most ContentLimits.ErrorBody bytes are read, 300 characters shown, control characters escaped.</summary>
    private static async Task<string> ErrorBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        try
        {
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            var (bytes, _) = await ContentLimits.ReadPrefixAsync(stream, ContentLimits.ErrorBody, ct).ConfigureAwait(false);
            var text = Encoding.UTF8.GetString(bytes).Trim();
            if (text.Length == 0) return string.Empty;
            // Cut before escaping, so an escape is never cut in half; escaped, so the body cannot drive the terminal.
            return ": " + RemoteText.Escape(text.Length > 300 ? text.Substring(0, 300) + "…" : text);
        }
        catch (Exception e) when (e is System.IO.IOException || e is HttpRequestException || e is ObjectDisposedException || e is RegistryException)
        {
            return string.Empty;
        }
    }
}
