using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// The one client for the registry HTTP API (OCI distribution spec): auth (basic and bearer tokens, reused
/// until they expire, one re-authentication after a 401), retries, a cap on requests in flight.
/// </summary>
public sealed partial class RegistryClient
{
    private readonly HttpClient _http;
    private readonly NetworkCredential? _credential;
    private readonly RegistrySessionOptions _options;
    private readonly SemaphoreSlim _slots;
    private readonly ConcurrentDictionary<string, BearerToken> _tokens = new();
    private volatile AuthChallenge? _challenge;
    private volatile bool _chunkedOnly;
    private long _requests;

    internal RegistryClient(HttpClient http, RegistryAddress address, NetworkCredential? credential, RegistrySessionOptions options)
    {
        _http = http;
        Address = address;
        _credential = credential;
        _options = options;
        _slots = new SemaphoreSlim(options.MaxRequestsPerRegistry);
    }

    public RegistryAddress Address { get; }

    /// <summary>HTTP requests sent to this registry and its token service, for the benchmark and verbose output.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    private Uri Url(string pathAndQuery) => new(Address.BaseUri, pathAndQuery);

    /// <summary>
    /// Sends a request built fresh for every attempt, authenticating as the registry asks and retrying what is
    /// transient. Streaming bodies must use <paramref name="retry"/> = false: they cannot be sent twice.
    /// </summary>
    internal async Task<HttpResponseMessage> SendAsync(
        Func<HttpRequestMessage> create, RegistryScope scope, string target, CancellationToken ct,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead, bool retry = true)
    {
        var reauthenticated = false;
        for (var attempt = 1; ; attempt++)
        {
            await _slots.WaitAsync(ct).ConfigureAwait(false);
            HttpResponseMessage response;
            try
            {
                using var request = create();
                await AuthorizeAsync(request, scope, target, ct).ConfigureAwait(false);
                Interlocked.Increment(ref _requests);
                response = await _http.SendAsync(request, completion, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (FindInner<DigestMismatchException>(e) is { } mismatch)
            {
                // Our own check fired while a body was being sent: say so, not "unreachable".
                throw mismatch;
            }
            catch (Exception e) when (!ct.IsCancellationRequested && IsCertificateFailure(e))
            {
                throw new RegistryException(RegistryErrorKind.CertificateUntrusted, Address.Host,
                    $"The TLS certificate of {Address.Host} is not trusted. Pass its CA with -CaCertificate <file.pem> " +
                    "(Get-CseRegistryCertificate shows it), or -SkipCertificateCheck to accept any certificate.", e);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && (RetryPolicy.IsTransient(e) || e is HttpRequestException))
            {
                if (!retry || attempt >= _options.Retry.MaxAttempts || !RetryPolicy.IsTransient(e))
                    throw new RegistryException(RegistryErrorKind.Unreachable, Address.Host,
                        $"{Address.Host} could not be reached ({Innermost(e).Message}). Check the name, the port, DNS and any proxy; " +
                        "write http:// before the registry if it does not speak TLS.", e);
                await DelayAsync(attempt, null, "connection failed: " + Innermost(e).Message, ct).ConfigureAwait(false);
                continue;
            }
            finally
            {
                _slots.Release();
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && !reauthenticated)
            {
                // Learn (or re-learn) how this registry wants us to authenticate, drop any stale token, try once more.
                var challenge = AuthChallenge.From(response.Headers);
                response.Dispose();
                if (challenge == null)
                    throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{Address.Host} answered 401 without saying how to authenticate.");
                _challenge = challenge;
                _tokens.TryRemove(scope.Key, out _);
                reauthenticated = true;
                attempt--;
                continue;
            }
            if (retry && RetryPolicy.IsTransient(response.StatusCode) && attempt < _options.Retry.MaxAttempts)
            {
                var wait = RetryPolicy.RetryAfter(response);
                var status = (int)response.StatusCode;
                response.Dispose();
                await DelayAsync(attempt, wait, $"HTTP {status}", ct).ConfigureAwait(false);
                continue;
            }
            return response;
        }
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

    private async Task DelayAsync(int attempt, TimeSpan? retryAfter, string why, CancellationToken ct)
    {
        var delay = _options.Retry.DelayFor(attempt, retryAfter);
        _options.Log?.Invoke($"{Address.Host}: {why}; retry {attempt} of {_options.Retry.MaxAttempts - 1} in {delay.TotalMilliseconds:0} ms");
        await Task.Delay(delay, ct).ConfigureAwait(false);
    }

    private async Task AuthorizeAsync(HttpRequestMessage request, RegistryScope scope, string target, CancellationToken ct)
    {
        var challenge = _challenge;
        if (challenge == null) return;
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

        var query = new StringBuilder();
        if (challenge.Service != null) query.Append("service=").Append(Uri.EscapeDataString(challenge.Service));
        foreach (var s in scope.Items) query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(s));
        if (_credential != null) query.Append("&account=").Append(Uri.EscapeDataString(_credential.UserName));
        var realm = challenge.Realm!;
        var url = new Uri(realm + (realm.Contains("?") ? "&" : "?") + query);

        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (_credential != null) request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(_credential));
            HttpResponseMessage response;
            try
            {
                Interlocked.Increment(ref _requests);
                response = await _http.SendAsync(request, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && RetryPolicy.IsTransient(e) && !IsCertificateFailure(e) && attempt < _options.Retry.MaxAttempts)
            {
                await DelayAsync(attempt, null, "token service unreachable: " + Innermost(e).Message, ct).ConfigureAwait(false);
                continue;
            }
            using (response)
            {
                if (RetryPolicy.IsTransient(response.StatusCode) && attempt < _options.Retry.MaxAttempts)
                {
                    await DelayAsync(attempt, RetryPolicy.RetryAfter(response), $"token service HTTP {(int)response.StatusCode}", ct).ConfigureAwait(false);
                    continue;
                }
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
                var token = BearerToken.FromResponse(await response.Content.ReadAsByteArrayAsync().ConfigureAwait(false), Address.Host);
                _tokens[scope.Key] = token;
                return token;
            }
        }
    }

    /// <summary>Turns a refusal into an error that says what to do, telling "who are you" from "you may not".</summary>
    internal RegistryException Refusal(HttpResponseMessage response, RegistryScope scope, string repository, string target)
    {
        var status = (int)response.StatusCode;
        var body = ErrorBody(response);
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

    private static string ErrorBody(HttpResponseMessage response)
    {
        try
        {
            var text = response.Content?.ReadAsStringAsync().GetAwaiter().GetResult();
            if (string.IsNullOrWhiteSpace(text)) return string.Empty;
            text = text!.Trim();
            return ": " + (text.Length > 300 ? text.Substring(0, 300) + "…" : text);
        }
        catch (Exception e) when (e is IOException || e is HttpRequestException || e is ObjectDisposedException)
        {
            return string.Empty;
        }
    }

    private static string BasicValue(NetworkCredential c) => Convert.ToBase64String(Encoding.UTF8.GetBytes(c.UserName + ":" + c.Password));

    private static bool IsCertificateFailure(Exception e)
    {
        for (var x = e; x != null; x = x.InnerException)
            if (x is AuthenticationException) return true;
        return false;
    }

    private static T? FindInner<T>(Exception e) where T : Exception
    {
        for (Exception? x = e; x != null; x = x.InnerException)
            if (x is T found) return found;
        return null;
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException != null) e = e.InnerException;
        return e;
    }
}
