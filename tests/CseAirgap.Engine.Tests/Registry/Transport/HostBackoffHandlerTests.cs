using System.Net;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>The back-off layer alone, on a clock the test moves: a slowed host waits, others do not.</summary>
public sealed class HostBackoffHandlerTests
{
    private long _ticks = new DateTimeOffset(2026, 12, 2, 10, 0, 0, TimeSpan.Zero).UtcTicks;

    private DateTimeOffset Now() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    [Fact]
    public async Task ARequestToASlowedHostIsHeldUntilItsClockRunsOutWhileOtherHostsGoAtOnce()
    {
        var backoff = new HostBackoff(Now);
        backoff.Slow("slow.test", TimeSpan.FromMilliseconds(20));
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(200));
        var invoker = inner.Under(new HostBackoffHandler(backoff));

        var held = invoker.SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://slow.test/v2/"), CancellationToken.None);
        using (var other = await invoker.SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://fast.test/v2/"), CancellationToken.None))
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        // The clock has not moved: however long the test ran, the slowed host cannot have been asked.
        Assert.False(held.IsCompleted);
        Assert.DoesNotContain(inner.Seen, s => s.Uri.Host == "slow.test");

        Interlocked.Add(ref _ticks, TimeSpan.FromSeconds(1).Ticks);
        using var released = await held.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
        Assert.Contains(inner.Seen, s => s.Uri.Host == "slow.test");
    }

    [Fact]
    public async Task AHeldRequestEndsWhenCancelled()
    {
        var backoff = new HostBackoff(Now);
        backoff.Slow("slow.test", TimeSpan.FromMinutes(10));
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(200));
        using var cancel = new CancellationTokenSource();
        var held = inner.Under(new HostBackoffHandler(backoff)).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://slow.test/v2/"), cancel.Token);
        cancel.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(inner.Seen);
    }
}
