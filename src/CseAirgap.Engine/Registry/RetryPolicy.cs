using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// Bounded retries with exponential backoff and full jitter, for connection errors, 5xx and 429.
/// A Retry-After from the server wins over our own backoff (capped, so a hostile value cannot stall a run).
/// </summary>
public sealed class RetryPolicy
{
    private static readonly ThreadLocal<Random> Jitter = new(() => new Random(Guid.NewGuid().GetHashCode()));

    public int MaxAttempts { get; set; } = 5;
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);

    public static bool IsTransient(HttpStatusCode status) =>
        (int)status == 429 || (int)status >= 500 && status != HttpStatusCode.NotImplemented && status != HttpStatusCode.HttpVersionNotSupported;

    public static bool IsTransient(Exception e)
    {
        // A name that does not resolve will not resolve in a second either: say so at once.
        for (var x = e; x != null; x = x.InnerException)
            if (x is SocketException s && (s.SocketErrorCode == SocketError.HostNotFound || s.SocketErrorCode == SocketError.NoData)) return false;
        return e is HttpRequestException || e is IOException || e is TimeoutException ||
               e is TaskCanceledException || e is DigestMismatchException;
    }

    /// <summary>
    /// Whether a whole blob transfer (or read) is worth starting again: a connection lost, a corrupt body, a server
    /// error. Refusals (auth, not found) are not.
    /// </summary>
    public static bool IsWorthRetryingTransfer(Exception e) =>
        e is DigestMismatchException ||
        e is RegistryException r && (r.Kind == RegistryErrorKind.Unreachable || r.Kind == RegistryErrorKind.ProtocolError) ||
        IsTransient(e);

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

    public TimeSpan DelayFor(int attempt, TimeSpan? retryAfter)
    {
        if (retryAfter.HasValue) return retryAfter.Value < MaxDelay ? retryAfter.Value : MaxDelay;
        var ceiling = Math.Min(MaxDelay.TotalMilliseconds, BaseDelay.TotalMilliseconds * Math.Pow(2, attempt - 1));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Jitter.Value!.NextDouble() * ceiling / 2);
    }

    public static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header == null) return null;
        if (header.Delta.HasValue) return header.Delta;
        if (header.Date.HasValue)
        {
            var wait = header.Date.Value - DateTimeOffset.UtcNow;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }
        return null;
    }
}

/// <summary>Bytes that arrived did not hash to the digest that named them: a corrupt transfer, worth one more try.</summary>
public sealed class DigestMismatchException : IOException
{
    public DigestMismatchException(string expected, string actual, long bytes)
        : base($"expected {expected} but the {bytes} bytes received hash to {actual}")
    {
        Expected = expected;
        Actual = actual;
    }

    public string Expected { get; }
    public string Actual { get; }
}
