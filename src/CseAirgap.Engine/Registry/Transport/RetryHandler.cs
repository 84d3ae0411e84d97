using System;
using System.Diagnostics;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// The outermost layer, and the only one that sends a request again: after a connection error or a 5xx up to
/// <see cref="RetryPolicy.MaxAttempts"/> attempts; while the registry asks to wait (429, 503 with Retry-After) until
/// <see cref="RetryPolicy.Budget"/> is spent, the wait recorded for the whole host. A request whose body is a stream
/// is never sent twice: its failure is marked so the transfer layer may start the blob again.
/// </summary>
internal sealed class RetryHandler : DelegatingHandler
{
    private readonly RetryPolicy _policy;
    private readonly HostBackoff _backoff;
    private readonly RegistryTrust _trust;
    private readonly Action<string>? _log;

    public RetryHandler(RetryPolicy policy, HostBackoff backoff, RegistryTrust trust, Action<string>? log)
    {
        _policy = policy;
        _backoff = backoff;
        _trust = trust;
        _log = log;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var context = RegistryRequest.Of(request);
        var target = context.Target;
        var clock = Stopwatch.StartNew();
        var failures = 0;
        var waits = 0;
        for (var attempt = request; ; attempt = RequestCopy.Again(request))
        {
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(attempt, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                var failure = TransportFailure.Classify(e, context, _trust);
                failures++;
                if (!context.Replayable || !failure.Retryable || failures >= _policy.MaxAttempts || clock.Elapsed >= _policy.Budget) failure.Throw();
                var pause = _policy.DelayFor(failures, null);
                _log?.Invoke($"{context.RegistryHost}: {failure.Error.Message} Retry {failures} of {_policy.MaxAttempts - 1} in {pause.TotalMilliseconds:0} ms.");
                await Task.Delay(pause, ct).ConfigureAwait(false);
                continue;
            }
            if (!RetryPolicy.IsTransient(response.StatusCode)) return response;

            var status = (int)response.StatusCode;
            var host = response.RequestMessage?.RequestUri is { } answeredBy ? RegistryOrigin.HostKey(answeredBy) : context.RegistryHost;
            var retryAfter = RetryPolicy.RetryAfter(response);
            if (RetryPolicy.AsksToWait(response.StatusCode, retryAfter))
            {
                waits++;
                var wait = _policy.DelayFor(waits, retryAfter);
                // Every request to this host holds back (the back-off layer waits it out), not only this one.
                _backoff.Slow(host, wait);
                response.Dispose();
                if (!context.Replayable)
                    throw new RegistryException(status == 429 ? RegistryErrorKind.RateLimited : RegistryErrorKind.ProtocolError, target,
                        $"{host} answered HTTP {status} to the upload of {target}; it will be sent again after {wait.TotalSeconds:0.#} s.") { TransferMayRestart = true };
                if (clock.Elapsed + wait > _policy.Budget)
                    throw new RegistryException(RegistryErrorKind.RateLimited, target,
                        $"{host} kept asking to wait (HTTP {status}) for {target} for {clock.Elapsed.TotalSeconds:0} s, and now asks for {wait.TotalSeconds:0} s more: " +
                        $"more than the retry budget of {_policy.Budget.TotalSeconds:0} s (-RetryBudgetSec). Try again later, or give a longer budget.");
                _log?.Invoke($"{host}: HTTP {status} for {target}; waiting {wait.TotalMilliseconds:0} ms as asked ({clock.Elapsed.TotalSeconds:0} s of the {_policy.Budget.TotalSeconds:0} s budget spent).");
                continue;
            }

            failures++;
            if (!context.Replayable)
            {
                response.Dispose();
                throw new RegistryException(RegistryErrorKind.ProtocolError, target, $"{host} answered HTTP {status} to the upload of {target}.") { TransferMayRestart = true };
            }
            if (failures >= _policy.MaxAttempts || clock.Elapsed >= _policy.Budget) return response;
            var delay = _policy.DelayFor(failures, null);
            _log?.Invoke($"{host}: HTTP {status} for {target}; retry {failures} of {_policy.MaxAttempts - 1} in {delay.TotalMilliseconds:0} ms.");
            response.Dispose();
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
    }
}
