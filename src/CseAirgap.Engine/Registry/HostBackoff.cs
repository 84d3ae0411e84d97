using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry;

/// <summary>
/// One clock per host, shared by every client of a session: when the host asks one request to wait (429, or 503
/// with Retry-After), every request to that host waits too, instead of each discovering the limit on its own and
/// keeping the storm going.
/// </summary>
public sealed class HostBackoff
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _notBefore = new(StringComparer.OrdinalIgnoreCase);
    private readonly Func<DateTimeOffset> _now;

    public HostBackoff(Func<DateTimeOffset>? clock = null) => _now = clock ?? (() => DateTimeOffset.UtcNow);

    /// <summary>Nothing is sent to <paramref name="host"/> for <paramref name="wait"/> from now (a later instant already set wins).</summary>
    public void Slow(string host, TimeSpan wait)
    {
        var until = _now() + wait;
        _notBefore.AddOrUpdate(host, until, (_, current) => current > until ? current : until);
    }

    /// <summary>How long a request to <paramref name="host"/> must still wait; zero when it may go.</summary>
    public TimeSpan Remaining(string host)
    {
        if (!_notBefore.TryGetValue(host, out var until)) return TimeSpan.Zero;
        var left = until - _now();
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }

    /// <summary>Waits until the host may be asked again (re-reading the clock: another request may have pushed it later).</summary>
    public async Task WaitAsync(string host, CancellationToken ct)
    {
        for (var left = Remaining(host); left > TimeSpan.Zero; left = Remaining(host))
            await Task.Delay(left, ct).ConfigureAwait(false);
    }
}
