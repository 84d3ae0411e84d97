using System.Net;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>The cap on requests in flight alone: an inner handler that holds every answer until the test lets it go.</summary>
public sealed class ConcurrencyLimitHandlerTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private sealed class Gate
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly SemaphoreSlim _entered = new(0);
        public int Inside;

        public ScriptedHandler Handler() => ScriptedHandler.Awaiting(async (_, _) =>
        {
            Interlocked.Increment(ref Inside);
            _entered.Release();
            await _open.Task;
            Interlocked.Decrement(ref Inside);
            return ScriptedHandler.Status(200);
        });

        public async Task EnteredAsync(int count)
        {
            for (var i = 0; i < count; i++) Assert.True(await _entered.WaitAsync(Bound), "a request that had a slot never reached the registry");
        }

        public void Open() => _open.TrySetResult();
    }

    [Fact]
    public async Task NoMoreThanTheCapAreInFlightForOneRegistryAndTheNextGoesWhenOneEnds()
    {
        var gate = new Gate();
        var inner = gate.Handler();
        var sent = 0;
        var invoker = inner.Under(new ConcurrencyLimitHandler(2));
        var requests = Enumerable.Range(0, 3)
            .Select(_ => invoker.SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/", onSent: () => Interlocked.Increment(ref sent)), CancellationToken.None))
            .ToList();
        await gate.EnteredAsync(2);
        // Two hold the slots and cannot end before the gate opens, so the third cannot have been let in.
        Assert.Equal(2, Volatile.Read(ref gate.Inside));
        Assert.Equal(2, inner.Seen.Count);
        Assert.Equal(2, Volatile.Read(ref sent));

        gate.Open();
        foreach (var response in await Task.WhenAll(requests).WaitAsync(Bound)) response.Dispose();
        Assert.Equal(3, inner.Seen.Count);
        Assert.Equal(3, Volatile.Read(ref sent));
    }

    [Fact]
    public async Task AnotherRegistryIsNotHeldByAFullOne()
    {
        var gate = new Gate();
        var inner = gate.Handler();
        var invoker = inner.Under(new ConcurrencyLimitHandler(1));
        var busy = invoker.SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/", concurrencyKey: "http://registry.test"), CancellationToken.None);
        await gate.EnteredAsync(1);
        var other = invoker.SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://mirror.test/v2/", concurrencyKey: "http://mirror.test"), CancellationToken.None);
        await gate.EnteredAsync(1);
        Assert.Equal(2, Volatile.Read(ref gate.Inside));
        gate.Open();
        foreach (var response in await Task.WhenAll(busy, other).WaitAsync(Bound)) Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
