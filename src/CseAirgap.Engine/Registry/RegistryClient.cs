using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// The one client for the registry HTTP API (OCI distribution spec). Its transport (RegistryClient.Transport.cs)
/// is one stack of concerns: per-host back-off, a cap on requests in flight, credentials for this registry's origin
/// only, redirects followed by hand, timeouts, and retries for what can be sent again. This file holds the
/// authentication (basic, bearer tokens reused until they expire, one re-authentication after a 401) and refusals.
/// </summary>
public sealed partial class RegistryClient
{
    private readonly HttpClient _http;
    private readonly NetworkCredential? _credential;
    private readonly RegistrySessionOptions _options;
    private readonly HostBackoff _backoff;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, BearerToken> _tokens = new();
    private volatile AuthChallenge? _challenge;
    private volatile bool _chunkedOnly;
    private long _requests;

    internal RegistryClient(HttpClient http, RegistryAddress address, NetworkCredential? credential, RegistrySessionOptions options, HostBackoff? backoff = null)
    {
        _http = http;
        Address = address;
        _credential = credential;
        _options = options;
        _backoff = backoff ?? new HostBackoff();
        _slots = new SemaphoreSlim(options.MaxRequestsPerRegistry);
    }

    public RegistryAddress Address { get; }

    /// <summary>The session's retry settings, for the transfer layer above this client.</summary>
    public RetryPolicy Retry => _options.Retry;

    /// <summary>HTTP requests sent to this registry and its token service, for the benchmark and verbose output.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    private Uri Url(string pathAndQuery) => new(Address.BaseUri, pathAndQuery);

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
            if (_challenge == null) await PingAsync(ct).ConfigureAwait(false);
            var challenge = _challenge;
            if (challenge == null || !challenge.IsBearer) return null;
            var wanted = scopes.GroupBy(s => s.Key).Select(g => g.First()).Where(s => !_tokens.ContainsKey(s.Key)).ToList();
            // A few dozen scopes a request keeps the URL well under common limits.
            for (var i = 0; i < wanted.Count; i += TokenScopesPerRequest)
            {
                var batch = wanted.Skip(i).Take(TokenScopesPerRequest).ToList();
                var token = await GetTokenAsync(challenge, RegistryScope.Combine(batch), Address.Host, ct).ConfigureAwait(false);
                foreach (var scope in batch) _tokens[scope.Key] = token;
            }
            return null;
        }
        catch (RegistryException e)
        {
            _options.Log?.Invoke($"{Address.Host}: tokens could not be fetched ahead ({e.Kind}); each request will ask for its own.");
            return e;
        }
    }

    private const int TokenScopesPerRequest = 25;

    /// <summary>Credentials go only to this registry's own origin: never to a redirect, Link or Location elsewhere.</summary>
    private async Task AuthorizeAsync(HttpRequestMessage request, RegistryScope scope, string target, CancellationToken ct)
    {
        var challenge = _challenge;
        if (challenge == null || request.RequestUri == null || !RegistryOrigin.Same(request.RequestUri, Address.BaseUri)) return;
        if (challenge.IsBasic && _credential != null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(_credential));
        else if (challenge.IsBearer)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await GetTokenAsync(challenge, scope, target, ct).ConfigureAwait(false)).Value);
    }

    private async Task<BearerToken> GetTokenAsync(AuthChallenge challenge, RegistryScope scope, string target, CancellationToken ct)
    {
        if (_tokens.TryGetValue(scope.Key, out var cached) && cached.IsValid) return cached;
        if (string.IsNullOrEmpty(challenge.Realm))
            throw new RegistryException(RegistryErrorKind.ProtocolError, Address.Host, $"{Address.Host} asks for a bearer token but names no token service (realm).");
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp))
            throw new RegistryException(RegistryErrorKind.ProtocolError, Address.Host, $"{Address.Host} names a token service that is not an http(s) URL.");
        // Basic credentials travel to the token service only over TLS, or over plain HTTP when the admin named the
        // registry itself with http:// (then everything is plain anyway, by their choice).
        var sendCredential = _credential != null && (realm.Scheme == Uri.UriSchemeHttps || !Address.UseHttps);
        if (_credential != null && !sendCredential)
            throw new RegistryException(RegistryErrorKind.InsecureTokenRealm, Address.Host,
                $"{Address.Host} is reached over HTTPS but names a token service over plain HTTP ({realm.GetLeftPart(UriPartial.Authority)}); " +
                "the credentials were not sent there, where anyone on the path could read them. Have the registry's token realm use https://.");
        // The registry's own token service belongs to it: a certificate check skipped for the registry covers it too.
        if (_options.Trust.IsDestination(Address.Host)) _options.Trust.AddDestinationHost(RegistryOrigin.HostKey(realm));

        var query = new StringBuilder();
        if (challenge.Service != null) query.Append("service=").Append(Uri.EscapeDataString(challenge.Service));
        foreach (var s in scope.Items) query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(s));
        if (sendCredential) query.Append("&account=").Append(Uri.EscapeDataString(_credential!.UserName));
        var url = new Uri(challenge.Realm + (challenge.Realm!.Contains("?") ? "&" : "?") + query);

        using var response = await TransportAsync(() => new HttpRequestMessage(HttpMethod.Get, url), (request, _) =>
        {
            // Only to the realm itself, not to wherever it might redirect.
            if (sendCredential && request.RequestUri != null && RegistryOrigin.Same(request.RequestUri, realm))
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(_credential!));
            return Task.CompletedTask;
        }, null, "the token for " + target, retry: true, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden)
        {
            throw _credential == null
                ? new RegistryException(RegistryErrorKind.AuthenticationRequired, Address.Host,
                    $"{Address.Host} refused anonymous access to {target}. Pass -Credential (or -SourceCredential for a source), or log in with 'docker login {Address.Host}'.")
                : new RegistryException(RegistryErrorKind.AuthenticationFailed, Address.Host,
                    $"{Address.Host} refused the user name or password of '{_credential.UserName}'. Check the credential you passed for this registry.");
        }
        if (!response.IsSuccessStatusCode)
            throw new RegistryException(RegistryErrorKind.ProtocolError, Address.Host, $"The token service of {Address.Host} answered HTTP {(int)response.StatusCode}.");
        var token = BearerToken.FromResponse(await ReadBoundedAsync(response, ContentLimits.TokenAnswer, "token answer", Address.Host, ct).ConfigureAwait(false), Address.Host);
        _tokens[scope.Key] = token;
        return token;
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
    internal async Task<RegistryException> RefusalAsync(HttpResponseMessage response, RegistryScope scope, string repository, string target, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var body = await ErrorBodyAsync(response, ct).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
            return new RegistryException(RegistryErrorKind.NotFound, target, $"{target} was not found{body}. Check the repository path and the tag.");
        if (response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden)
        {
            if (_credential == null)
                return new RegistryException(RegistryErrorKind.AuthenticationRequired, target,
                    $"{Address.Host} requires credentials for {(scope.WantsPush ? "pushing to" : "reading")} {target}. Pass -Credential, or log in with 'docker login {Address.Host}'.");
            var challenge = _challenge;
            var pushRefused = scope.WantsPush && (challenge != null && challenge.IsBearer
                ? !(_tokens.TryGetValue(scope.Key, out var t) && t.Allows(repository, "push"))
                : response.StatusCode == HttpStatusCode.Forbidden);
            if (pushRefused)
                return new RegistryException(RegistryErrorKind.PushDenied, target,
                    $"'{_credential.UserName}' is signed in to {Address.Host} but may not push to '{repository}'. On Harbor: create the project " +
                    $"'{repository.Split('/')[0]}', give the account the Developer role or above in it, and make the project public so cluster VMs can pull anonymously.");
            return new RegistryException(RegistryErrorKind.AuthenticationFailed, target,
                $"{Address.Host} refused the credentials of '{_credential.UserName}' for {target} (HTTP {status}). Check the user name and password.");
        }
        return new RegistryException(RegistryErrorKind.ProtocolError, target, $"{Address.Host} answered HTTP {status} for {target}{body}.");
    }

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

    private static string BasicValue(NetworkCredential c) => Convert.ToBase64String(Encoding.UTF8.GetBytes(c.UserName + ":" + c.Password));
}
