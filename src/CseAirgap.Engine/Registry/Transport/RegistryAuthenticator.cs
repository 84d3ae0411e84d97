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

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// The credentials of one registry client: how its registry asks to authenticate (learned from a 401 of its own
/// origin only), Basic credentials, and bearer tokens cached per scope until they expire. Credentials go only to the
/// registry's own origin and, for a token, to its token service over TLS (or plain HTTP when the admin named the
/// registry itself with http://): never to a redirect, Link or Location elsewhere.
/// </summary>
internal sealed class RegistryAuthenticator
{
    private const int TokenScopesPerRequest = 25;

    private readonly RegistryAddress _address;
    private readonly RegistrySessionOptions _options;
    private readonly RegistryTransport _transport;
    private readonly string _concurrencyKey;
    private readonly Action _onSent;
    private readonly LoginAdvice _advice;
    private readonly ConcurrentDictionary<string, BearerToken> _tokens = new();
    private volatile AuthChallenge? _challenge;

    public RegistryAuthenticator(RegistryAddress address, NetworkCredential? credential, RegistrySessionOptions options, RegistryTransport transport,
        string concurrencyKey, Action onSent, LoginAdvice? advice = null)
    {
        _advice = advice ?? LoginAdvice.Destination;
        _address = address;
        Credential = credential;
        _options = options;
        _transport = transport;
        // Token requests have their own cap: a request holding a registry slot while it waits for its token must not
        // wait for a slot of the same registry as well.
        _concurrencyKey = concurrencyKey + " token service";
        _onSent = onSent;
    }

    public NetworkCredential? Credential { get; }

    /// <summary>How the registry last asked to authenticate; null until it has.</summary>
    public AuthChallenge? Challenge => _challenge;

    /// <summary>The token held for a scope, if any (to tell "may not push" from "wrong password").</summary>
    public BearerToken? TokenFor(RegistryScope scope) => _tokens.TryGetValue(scope.Key, out var token) ? token : null;

    /// <summary>The authorization of one request, for <paramref name="scope"/>.</summary>
    public IRequestAuthorization For(RegistryScope scope, string target) => new ScopedAuthorization(this, scope, target);

    /// <summary>
    /// Fetches tokens for many repositories in a few requests (the token service takes several scopes at once), once
    /// the registry's challenge is known. Scopes that already have a token are skipped.
    /// </summary>
    public async Task PrepareTokensAsync(IEnumerable<RegistryScope> scopes, CancellationToken ct)
    {
        var challenge = _challenge;
        if (challenge == null || !challenge.IsBearer) return;
        var wanted = scopes.GroupBy(s => s.Key).Select(g => g.First()).Where(s => !_tokens.ContainsKey(s.Key)).ToList();
        // A few dozen scopes a request keeps the URL well under common limits.
        for (var i = 0; i < wanted.Count; i += TokenScopesPerRequest)
        {
            var batch = wanted.Skip(i).Take(TokenScopesPerRequest).ToList();
            var token = await GetTokenAsync(challenge, RegistryScope.Combine(batch), _address.Host, ct).ConfigureAwait(false);
            foreach (var scope in batch) _tokens[scope.Key] = token;
        }
    }

    private async Task AuthorizeAsync(HttpRequestMessage request, RegistryScope scope, string target, CancellationToken ct)
    {
        var challenge = _challenge;
        if (challenge == null || request.RequestUri == null || !RegistryOrigin.Same(request.RequestUri, _address.BaseUri)) return;
        if (challenge.IsBasic && Credential != null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(Credential));
        else if (challenge.IsBearer)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", (await GetTokenAsync(challenge, scope, target, ct).ConfigureAwait(false)).Value);
    }

    /// <summary>
    /// Learns (or re-learns) how this registry wants us to authenticate and drops the scope's stale token. Only the
    /// registry's own origin may say so: a challenge from elsewhere must not steer our credentials.
    /// </summary>
    private bool Renew(HttpRequestMessage request, HttpResponseMessage unauthorized, RegistryScope scope, string target)
    {
        if (request.RequestUri == null || !RegistryOrigin.Same(request.RequestUri, _address.BaseUri)) return false;
        var challenge = AuthChallenge.From(unauthorized.Headers)
            ?? throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{_address.Host} answered 401 without saying how to authenticate.");
        _challenge = challenge;
        _tokens.TryRemove(scope.Key, out _);
        return true;
    }

    private async Task<BearerToken> GetTokenAsync(AuthChallenge challenge, RegistryScope scope, string target, CancellationToken ct)
    {
        if (_tokens.TryGetValue(scope.Key, out var cached) && cached.IsValid) return cached;
        var host = _address.Host;
        if (string.IsNullOrEmpty(challenge.Realm))
            throw new RegistryException(RegistryErrorKind.ProtocolError, host, $"{host} asks for a bearer token but names no token service (realm).");
        if (!Uri.TryCreate(challenge.Realm, UriKind.Absolute, out var realm) || (realm.Scheme != Uri.UriSchemeHttps && realm.Scheme != Uri.UriSchemeHttp))
            throw new RegistryException(RegistryErrorKind.ProtocolError, host, $"{host} names a token service that is not an http(s) URL.");
        // Basic credentials travel to the token service only over TLS, or over plain HTTP when the admin named the
        // registry itself with http:// (then everything is plain anyway, by their choice).
        var credential = Credential;
        var sendCredential = credential != null && (realm.Scheme == Uri.UriSchemeHttps || !_address.UseHttps);
        if (credential != null && !sendCredential)
            throw new RegistryException(RegistryErrorKind.InsecureTokenRealm, host,
                $"{host} is reached over HTTPS but names a token service over plain HTTP ({realm.GetLeftPart(UriPartial.Authority)}); " +
                "the credentials were not sent there, where anyone on the path could read them. Have the registry's token realm use https://.");
        // The registry's own token service belongs to it: a certificate check skipped for the registry covers it too.
        if (_options.Trust.IsDestination(host)) _options.Trust.AddDestinationHost(RegistryOrigin.HostKey(realm));

        var query = new StringBuilder();
        if (challenge.Service != null) query.Append("service=").Append(Uri.EscapeDataString(challenge.Service));
        foreach (var s in scope.Items) query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(s));
        if (sendCredential) query.Append("&account=").Append(Uri.EscapeDataString(credential!.UserName));
        var url = new Uri(challenge.Realm + (challenge.Realm!.Contains("?") ? "&" : "?") + query);

        HttpResponseMessage response;
        using (var request = new HttpRequestMessage(HttpMethod.Get, url))
        {
            RegistryRequest.Attach(request, new RegistryRequest("the token for " + target, host,
                new TokenRealmAuthorization(realm, sendCredential ? credential : null), replayable: true, _concurrencyKey, _onSent));
            response = await _transport.SendAsync(request, ct).ConfigureAwait(false);
        }
        using (response)
        {
            if (response.StatusCode == HttpStatusCode.Unauthorized || response.StatusCode == HttpStatusCode.Forbidden)
            {
                throw credential == null
                    ? new RegistryException(RegistryErrorKind.AuthenticationRequired, host, _advice.LoginRequired(host, scope.Repository, scope.WantsPush))
                    : new RegistryException(RegistryErrorKind.AuthenticationFailed, host,
                        $"{host} refused the user name or password of '{credential.UserName}'. Check the credential you passed for this registry.");
            }
            if (!response.IsSuccessStatusCode)
                throw new RegistryException(RegistryErrorKind.ProtocolError, host, $"The token service of {host} answered HTTP {(int)response.StatusCode}.");
            var token = BearerToken.FromResponse(await RegistryClient.ReadBoundedAsync(response, ContentLimits.TokenAnswer, "token answer", host, ct).ConfigureAwait(false), host);
            _tokens[scope.Key] = token;
            return token;
        }
    }

    internal static string BasicValue(NetworkCredential c) => Convert.ToBase64String(Encoding.UTF8.GetBytes(c.UserName + ":" + c.Password));

    private sealed class ScopedAuthorization : IRequestAuthorization
    {
        private readonly RegistryAuthenticator _owner;
        private readonly RegistryScope _scope;
        private readonly string _target;

        public ScopedAuthorization(RegistryAuthenticator owner, RegistryScope scope, string target)
        {
            _owner = owner;
            _scope = scope;
            _target = target;
        }

        public Task AuthorizeAsync(HttpRequestMessage request, CancellationToken ct) => _owner.AuthorizeAsync(request, _scope, _target, ct);

        public bool Renew(HttpRequestMessage request, HttpResponseMessage unauthorized) => _owner.Renew(request, unauthorized, _scope, _target);
    }
}
