using System;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public sealed class HostBackoffTests
{
    private DateTimeOffset _now = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void OneWaitSlowsEveryRequestToThatHostUntilItEnds()
    {
        var backoff = new HostBackoff(() => _now);
        backoff.Slow("registry.example:5000", TimeSpan.FromSeconds(3));
        Assert.Equal(TimeSpan.FromSeconds(3), backoff.Remaining("registry.example:5000"));
        _now = _now.AddSeconds(1);
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Remaining("REGISTRY.example:5000"));
        _now = _now.AddSeconds(2);
        Assert.Equal(TimeSpan.Zero, backoff.Remaining("registry.example:5000"));
    }

    [Fact]
    public void OtherHostsAreNotSlowed()
    {
        var backoff = new HostBackoff(() => _now);
        backoff.Slow("a.example", TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, backoff.Remaining("b.example"));
        Assert.Equal(TimeSpan.Zero, backoff.Remaining("a.example:8443"));
    }

    [Fact]
    public void TheLaterOfTwoWaitsWins()
    {
        var backoff = new HostBackoff(() => _now);
        backoff.Slow("a.example", TimeSpan.FromSeconds(10));
        backoff.Slow("a.example", TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(10), backoff.Remaining("a.example"));
        _now = _now.AddSeconds(9);
        backoff.Slow("a.example", TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.FromSeconds(5), backoff.Remaining("a.example"));
    }
}
