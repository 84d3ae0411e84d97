using System;
using System.Collections.Concurrent;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;

namespace CseAirgap.Engine.Registry.Transport;

/// <summary>
/// A cap on requests in flight per registry (Harbor suffers under unbounded parallel pushes). A slot is held until
/// the answer's headers are in; the body is read outside it. A redirect hop counts against the registry it came from.
/// </summary>
internal sealed class ConcurrencyLimitHandler : DelegatingHandler
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _slots = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _limit;

    public ConcurrencyLimitHandler(int limit)
    {
        if (limit < 1) throw new ArgumentOutOfRangeException(nameof(limit), "At least one request must be allowed in flight.");
        _limit = limit;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        var context = RegistryRequest.Of(request);
        var slots = _slots.GetOrAdd(context.ConcurrencyKey, _ => new SemaphoreSlim(_limit));
        await slots.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            context.OnSent?.Invoke();
            return await base.SendAsync(request, ct).ConfigureAwait(false);
        }
        finally
        {
            slots.Release();
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            foreach (var slots in _slots.Values) slots.Dispose();
        base.Dispose(disposing);
    }
}
