using System;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public sealed class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("1", 1)]
    [InlineData(" 120 ", 120)]
    [InlineData("0", 0)]
    public void DeltaSecondsAreReadAsSeconds(string value, int seconds) =>
        Assert.Equal(TimeSpan.FromSeconds(seconds), RetryPolicy.ParseRetryAfter(value, Now));

    [Fact]
    public void AnHttpDateIsTheTimeLeftUntilIt() =>
        Assert.Equal(TimeSpan.FromSeconds(90), RetryPolicy.ParseRetryAfter("Thu, 26 Nov 2026 10:01:30 GMT", Now));

    [Fact]
    public void ADateInThePastMeansNow() =>
        Assert.Equal(TimeSpan.Zero, RetryPolicy.ParseRetryAfter("Thu, 26 Nov 2026 09:00:00 GMT", Now));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("soon")]
    [InlineData("-5")]
    [InlineData("1.5")]
    public void AnythingElseIsNoRetryAfter(string? value) => Assert.Null(RetryPolicy.ParseRetryAfter(value, Now));

    [Fact]
    public void AnAbsurdDeltaIsCappedAtADay() =>
        Assert.Equal(TimeSpan.FromDays(1), RetryPolicy.ParseRetryAfter("99999999999", Now));

    [Fact]
    public void OnlyA429OrA503WithRetryAfterIsRetriedByTime()
    {
        Assert.True(RetryPolicy.AsksToWait((System.Net.HttpStatusCode)429, null));
        Assert.True(RetryPolicy.AsksToWait(System.Net.HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(1)));
        Assert.False(RetryPolicy.AsksToWait(System.Net.HttpStatusCode.ServiceUnavailable, null));
        Assert.False(RetryPolicy.AsksToWait(System.Net.HttpStatusCode.BadGateway, TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void TheServersWaitWinsOverOurBackoff()
    {
        var policy = new RetryPolicy();
        Assert.Equal(TimeSpan.FromSeconds(7), policy.DelayFor(1, TimeSpan.FromSeconds(7)));
        var own = policy.DelayFor(3, null);
        Assert.InRange(own.TotalMilliseconds, 400, 800);
    }
}
