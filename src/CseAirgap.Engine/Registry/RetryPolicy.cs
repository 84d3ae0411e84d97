using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// How long and how often to try again. Two layers use it, each for what only it can retry:
/// the transport (its retry layer, <see cref="Transport.RetryHandler"/>) repeats a request that failed before its answer was read
/// (connection errors and 5xx: <see cref="MaxAttempts"/>; 429, or 503 with Retry-After: until
/// <see cref="Budget"/> is spent); the transfer layer (<see cref="RunAsync{T}"/>) starts a whole blob again
/// only when its body was cut or stalled midway or hashed wrong, which the transport cannot repeat.
/// </summary>
public sealed class RetryPolicy
{
    private static readonly ThreadLocal<Random> Jitter = new(() => new Random(Guid.NewGuid().GetHashCode()));

    /// <summary>Attempts for a failure that has no time of its own (a connection error, a 5xx without Retry-After), and for a whole transfer.</summary>
    public int MaxAttempts { get; set; } = 5;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// How long one request may keep being asked to wait (429, 503 with Retry-After) before it fails: rate limits
    /// last minutes, so a count of tries would give up while the registry is still asking for patience.
    /// </summary>
    public TimeSpan Budget { get; set; } = TimeSpan.FromMinutes(5);

    public static bool IsTransient(HttpStatusCode status) =>
        (int)status == 429 || (int)status >= 500 && status != HttpStatusCode.NotImplemented && status != HttpStatusCode.HttpVersionNotSupported;

    /// <summary>A status that asks the client to wait and is therefore retried by time, not by count.</summary>
    public static bool AsksToWait(HttpStatusCode status, TimeSpan? retryAfter) =>
        (int)status == 429 || status == HttpStatusCode.ServiceUnavailable && retryAfter.HasValue;

    public static bool IsTransient(Exception e)
    {
        // A name that does not resolve will not resolve in a second either: say so at once (either framework's shape).
        if (Transport.FrameworkExceptionShapes.IsUnknownHost(e)) return false;
        return e is HttpRequestException || e is IOException || e is TimeoutException || e is TaskCanceledException;
    }

    /// <summary>
    /// Whether a whole blob transfer (or read) is worth starting again: only what the transport could not repeat
    /// itself, a body that hashed wrong or was cut or stalled midway. What the transport already retried (and
    /// refusals, and names that do not resolve) fails at once: retrying it here would multiply the attempts.
    /// </summary>
    public static bool IsWorthRetryingTransfer(Exception e)
    {
        for (Exception? x = e; x != null; x = x.InnerException)
        {
            if (x is DigestMismatchException) return true;
            if (x is RegistryException r) return r.TransferMayRestart;
        }
        return false;
    }

    /// <summary>
    /// Runs a transfer that cannot resume midway, starting it afresh after a failure worth retrying, bounded and with
    /// backoff. <paramref name="onRetry"/> hears of each failure before the wait (to undo progress, to log).
    /// </summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> attempt, Func<Exception, bool> worthRetrying, Action<Exception, int, TimeSpan>? onRetry, CancellationToken ct)
    {
        for (var number = 1; ; number++)
        {
            try
            {
                return await attempt().ConfigureAwait(false);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && number < MaxAttempts && worthRetrying(e))
            {
                var delay = DelayFor(number, null);
                onRetry?.Invoke(e, number, delay);
                await Task.Delay(delay, ct).ConfigureAwait(false);
            }
        }
    }

    /// <summary>Our own backoff (exponential, half of it jitter), or the server's Retry-After when it gave one.</summary>
    public TimeSpan DelayFor(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter.HasValue) return retryAfter.Value < TimeSpan.Zero ? TimeSpan.Zero : retryAfter.Value;
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(30, attempt - 1)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Jitter.Value!.NextDouble() * ceiling / 2);
    }

    public static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Retry-After", out var values) ? ParseRetryAfter(string.Join(",", values), DateTimeOffset.UtcNow) : null;

    /// <summary>
    /// Retry-After as delta-seconds or an HTTP date (RFC 9110 10.2.3); null when absent or unreadable, never negative.
    /// </summary>
    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value)) return null;
        var text = value!.Trim();
        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds))
            return TimeSpan.FromSeconds(Math.Min(seconds, (long)TimeSpan.FromDays(1).TotalSeconds));
        if (DateTimeOffset.TryParseExact(text, "r", System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}
