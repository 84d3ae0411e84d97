using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// The transport every request of a registry goes through, in layers, outermost first:
/// retry (one place: count for connection errors and 5xx, time budget for 429 and 503 with Retry-After, only for
/// requests that can be sent again), redirects (followed by hand, credentials decided again at each hop),
/// per-host back-off (one 429 slows every request to that host), a cap on requests in flight, authorization (only
/// to the registry's own origin), and timeouts (for the answer, then between body bytes).
/// </summary>
public sealed partial class RegistryClient
{
    /// <summary>
    /// Sends a request built fresh for every attempt, authenticating as the registry asks. <paramref name="retry"/>
    /// = false for streaming bodies, which cannot be sent twice: their failures are left to the transfer layer.
    /// Everything else is safe to repeat: GET, HEAD, DELETE, a manifest PUT (the same bytes under the same name), and
    /// the bodiless POSTs that open an upload session or ask for a mount (a session left unused expires on its own).
    /// The answer is returned as soon as its headers are in; its body is read through the stall timeout.
    /// </summary>
    internal Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> create, RegistryScope scope, string target, CancellationToken ct, bool retry = true) =>
        TransportAsync(create, (request, c) => AuthorizeAsync(request, scope, target, c), scope, target, retry, ct);

    private async Task<HttpResponseMessage> TransportAsync(
        Func<HttpRequestMessage> create, Func<HttpRequestMessage, CancellationToken, Task> authorize, RegistryScope? scope,
        string target, bool retry, CancellationToken ct)
    {
        var retryPolicy = _options.Retry;
        var clock = Stopwatch.StartNew();
        var failures = 0;
        var waits = 0;
        var reauthenticated = false;
        while (true)
        {
            HttpResponseMessage response;
            try
            {
                response = await SendFollowingRedirectsAsync(create, authorize, timed: retry, target, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var failure = Classify(e, restartable: !retry);
                failures++;
                if (!retry || !failure.Retryable || failures >= retryPolicy.MaxAttempts || clock.Elapsed >= retryPolicy.Budget) throw failure.Error;
                var pause = retryPolicy.DelayFor(failures, null);
                _options.Log?.Invoke($"{Address.Host}: {failure.Error.Message} Retry {failures} of {retryPolicy.MaxAttempts - 1} in {pause.TotalMilliseconds:0} ms.");
                await Task.Delay(pause, ct).ConfigureAwait(false);
                continue;
            }

            var answeredBy = response.RequestMessage?.RequestUri ?? Address.BaseUri;
            if (response.StatusCode == HttpStatusCode.Unauthorized && scope != null && !reauthenticated && RegistryOrigin.Same(answeredBy, Address.BaseUri))
            {
                // Learn (or re-learn) how this registry wants us to authenticate, drop any stale token, try once more.
                // Only the registry's own origin may say so: a challenge from elsewhere must not steer our credentials.
                var challenge = AuthChallenge.From(response.Headers);
                response.Dispose();
                if (challenge == null)
                    throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{Address.Host} answered 401 without saying how to authenticate.");
                _challenge = challenge;
                _tokens.TryRemove(scope.Key, out _);
                reauthenticated = true;
                continue;
            }
            if (!RetryPolicy.IsTransient(response.StatusCode)) return response;

            var status = (int)response.StatusCode;
            var host = RegistryOrigin.HostKey(answeredBy);
            var retryAfter = RetryPolicy.RetryAfter(response);
            if (RetryPolicy.AsksToWait(response.StatusCode, retryAfter))
            {
                waits++;
                var wait = retryPolicy.DelayFor(waits, retryAfter);
                // Every request to this host holds back, not only this one.
                _backoff.Slow(host, wait);
                response.Dispose();
                if (!retry)
                    throw new RegistryException(status == 429 ? RegistryErrorKind.RateLimited : RegistryErrorKind.ProtocolError, target,
                        $"{host} answered HTTP {status} to the upload of {target}; it will be sent again after {wait.TotalSeconds:0.#} s.") { TransferMayRestart = true };
                if (clock.Elapsed + wait > retryPolicy.Budget)
                    throw new RegistryException(RegistryErrorKind.RateLimited, target,
                        $"{host} kept asking to wait (HTTP {status}) for {target} for {clock.Elapsed.TotalSeconds:0} s, and now asks for {wait.TotalSeconds:0} s more: " +
                        $"more than the retry budget of {retryPolicy.Budget.TotalSeconds:0} s (-RetryBudgetSec). Try again later, or give a longer budget.");
                _options.Log?.Invoke($"{host}: HTTP {status} for {target}; waiting {wait.TotalMilliseconds:0} ms as asked ({clock.Elapsed.TotalSeconds:0} s of the {retryPolicy.Budget.TotalSeconds:0} s budget spent).");
                continue;
            }

            failures++;
            if (!retry)
            {
                response.Dispose();
                throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{host} answered HTTP {status} to the upload of {target}.") { TransferMayRestart = true };
            }
            if (failures >= retryPolicy.MaxAttempts || clock.Elapsed >= retryPolicy.Budget) return response;
            var delay = retryPolicy.DelayFor(failures, null);
            _options.Log?.Invoke($"{host}: HTTP {status} for {target}; retry {failures} of {retryPolicy.MaxAttempts - 1} in {delay.TotalMilliseconds:0} ms.");
            response.Dispose();
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One attempt: the request, and for GET and HEAD its redirects (registry.k8s.io and Docker Hub send blob downloads
    /// to pre-signed storage URLs, which refuse any Authorization). Each hop waits for its host's back-off, takes a
    /// slot, and is authorized anew, so credentials never follow a redirect to another origin.
    /// </summary>
    private async Task<HttpResponseMessage> SendFollowingRedirectsAsync(
        Func<HttpRequestMessage> create, Func<HttpRequestMessage, CancellationToken, Task> authorize, bool timed, string target, CancellationToken ct)
    {
        var request = create();
        try
        {
            for (var hop = 0; ; hop++)
            {
                var uri = request.RequestUri!;
                await _backoff.WaitAsync(RegistryOrigin.HostKey(uri), ct).ConfigureAwait(false);
                HttpResponseMessage response;
                await _slots.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    await authorize(request, ct).ConfigureAwait(false);
                    Interlocked.Increment(ref _requests);
                    response = await SendTimedAsync(request, timed, ct).ConfigureAwait(false);
                }
                finally
                {
                    _slots.Release();
                }

                var next = RedirectTarget(response, uri);
                if (next == null || hop >= _options.MaxRedirects)
                {
                    if (next != null)
                    {
                        response.Dispose();
                        throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{Address.Host} redirected {target} more than {_options.MaxRedirects} times.");
                    }
                    Guard(response, uri, target);
                    return response;
                }
                response.Dispose();
                var follow = new HttpRequestMessage(request.Method, next);
                foreach (var accept in request.Headers.Accept) follow.Headers.Accept.Add(accept);
                request.Dispose();
                request = follow;
            }
        }
        finally
        {
            request.Dispose();
        }
    }

    /// <summary>Where a redirect of a GET or HEAD leads, or null. A step down from HTTPS to plain HTTP is not followed.</summary>
    private static Uri? RedirectTarget(HttpResponseMessage response, Uri from)
    {
        var status = (int)response.StatusCode;
        if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308) return null;
        var method = response.RequestMessage?.Method;
        if (method != HttpMethod.Get && method != HttpMethod.Head) return null;
        var location = response.Headers.Location;
        if (location == null) return null;
        var next = location.IsAbsoluteUri ? location : new Uri(from, location);
        if (next.Scheme != Uri.UriSchemeHttps && next.Scheme != Uri.UriSchemeHttp) return null;
        if (from.Scheme == Uri.UriSchemeHttps && next.Scheme == Uri.UriSchemeHttp) return null;
        return next;
    }

    /// <summary>
    /// Sends one request, every silence bounded by the stall timeout: connecting and the answer; for an upload, each
    /// write of its body (the registry must keep taking bytes) and then the answer. The source of an upload has its
    /// own stall timeout and is not counted against the registry.
    /// </summary>
    private async Task<HttpResponseMessage> SendTimedAsync(HttpRequestMessage request, bool timed, CancellationToken ct)
    {
        using var watchdog = new TransferWatchdog(_options.StallTimeout, ct);
        if (!timed && request.Content != null) request.Content = new TransferWatchdog.WatchedContent(request.Content, watchdog);
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, watchdog.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (watchdog.Fired(ct) && (e is OperationCanceledException || e is HttpRequestException || e is IOException))
        {
            var host = RegistryOrigin.HostKey(request.RequestUri!);
            throw new RegistryException(RegistryErrorKind.Timeout, host,
                $"{host} kept {request.Method} {request.RequestUri!.AbsolutePath} waiting for more than {_options.StallTimeout.TotalSeconds:0.#} s " +
                $"(waiting for {watchdog.Waiting}; -StallTimeoutSec sets the limit).", e) { TransferMayRestart = !timed };
        }
    }

    /// <summary>Every body is read through the stall timeout; a registry that goes silent midway fails instead of hanging.</summary>
    private void Guard(HttpResponseMessage response, Uri uri, string target)
    {
        if (response.Content == null) return;
        response.Content = new StallGuardedContent(response.Content, _options.StallTimeout, RegistryOrigin.HostKey(uri), "the body of " + target);
    }

    /// <summary>What a failed attempt means: the error to report, and whether sending again may help.</summary>
    private (RegistryException Error, bool Retryable) Classify(Exception e, bool restartable)
    {
        // Our own checks, fired while a streamed body was being sent (a corrupt or stalled source): say so as they are.
        if (FindInner<DigestMismatchException>(e) is { } mismatch) throw mismatch;
        if (e is RegistryException own && own.Kind == RegistryErrorKind.Timeout)
        {
            own.TransferMayRestart = restartable;
            return (own, true);
        }
        if (FindInner<RegistryException>(e) is { } inner) throw inner;
        if (IsCertificateFailure(e))
            return (new RegistryException(RegistryErrorKind.CertificateUntrusted, Address.Host,
                $"The TLS certificate of {Address.Host} is not trusted. Pass its CA with -CaCertificate <file.pem> " +
                "(Get-CseRegistryCertificate shows it), or " + _options.Trust.SkipSwitchFor(Address.Host) + " to accept any certificate.", e), false);
        var retryable = RetryPolicy.IsTransient(e);
        if (!retryable && !(e is HttpRequestException)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e).Throw();
        return (new RegistryException(RegistryErrorKind.Unreachable, Address.Host,
            $"{Address.Host} could not be reached ({Innermost(e).Message}). Check the name, the port, DNS and any proxy; " +
            "write http:// before the registry if it does not speak TLS.", e) { TransferMayRestart = restartable && retryable }, retryable);
    }

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
