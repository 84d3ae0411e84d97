using System.Net;
using System.Net.Sockets;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>The retry layer alone, over a scripted inner handler: what it sends again, how often, and what never twice.</summary>
public sealed class RetryHandlerTests
{
    private DateTimeOffset _now = new(2026, 12, 2, 10, 0, 0, TimeSpan.Zero);

    private static RetryPolicy Fast() => new() { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) };

    private RetryHandler Layer(RetryPolicy? policy = null, HostBackoff? backoff = null) =>
        new(policy ?? Fast(), backoff ?? new HostBackoff(() => _now), new RegistryTrust(null, false), null);

    [Fact]
    public async Task A5xxForEverIsSentTheConfiguredNumberOfTimesAndTheLastAnswerReturned()
    {
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(502));
        using var response = await inner.Under(Layer()).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(new RetryPolicy().MaxAttempts, inner.Seen.Count);
    }

    [Fact]
    public async Task EachAttemptIsANewMessageWithTheSameBodyAndNoOldCredentials()
    {
        var inner = new ScriptedHandler((_, n) => ScriptedHandler.Status(n < 3 ? 500 : 201));
        var request = ScriptedHandler.Request(HttpMethod.Put, "http://registry.test/v2/lib/app/manifests/v1", content: new ByteArrayContent(new byte[] { 7, 8, 9 }));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer stale");
        using var response = await inner.Under(Layer()).SendAsync(request, CancellationToken.None);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var seen = inner.Seen.ToArray();
        Assert.Equal(3, seen.Length);
        Assert.Equal(3, seen.Select(s => s.Message).Distinct().Count());
        Assert.All(seen, s => Assert.Equal(new byte[] { 7, 8, 9 }, s.Body));
        Assert.All(seen.Skip(1), s => Assert.Null(s.Authorization));
    }

    [Fact]
    public async Task AStreamedBodyIsNeverSentTwiceAndItsFailureMayRestartTheTransfer()
    {
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(503));
        var request = ScriptedHandler.Request(HttpMethod.Put, "http://registry.test/upload/1", replayable: false, content: new StreamContent(new MemoryStream(new byte[10])));
        var error = await Assert.ThrowsAsync<RegistryException>(() => inner.Under(Layer()).SendAsync(request, CancellationToken.None));
        Assert.True(error.TransferMayRestart);
        Assert.Equal("RegistryProtocolError", error.ErrorId);
        Assert.Single(inner.Seen);
    }

    [Fact]
    public async Task AConnectionErrorIsTriedAgainAndTheSecondAnswerReturned()
    {
        var inner = new ScriptedHandler((_, n) => n == 1 ? throw new HttpRequestException("reset", new IOException("reset")) : ScriptedHandler.Status(200));
        using var response = await inner.Under(Layer()).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, inner.Seen.Count);
    }

    [Fact]
    public async Task ANameThatDoesNotResolveIsNotTriedAgain()
    {
        var inner = new ScriptedHandler((_, _) => throw new HttpRequestException("no such host", new SocketException((int)SocketError.HostNotFound)));
        var error = await Assert.ThrowsAsync<RegistryException>(() => inner.Under(Layer()).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/"), CancellationToken.None));
        Assert.Equal("RegistryUnreachable", error.ErrorId);
        Assert.Single(inner.Seen);
    }

    [Fact]
    public async Task AWaitLongerThanTheBudgetFailsAtOnceAndSlowsTheHostThatAskedForIt()
    {
        var backoff = new HostBackoff(() => _now);
        var policy = Fast();
        policy.Budget = TimeSpan.FromSeconds(5);
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(429, retryAfter: "600"));
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            inner.Under(Layer(policy, backoff)).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test:5000/v2/"), CancellationToken.None));
        Assert.Equal("RegistryRateLimited", error.ErrorId);
        Assert.Single(inner.Seen);
        Assert.Equal(TimeSpan.FromSeconds(600), backoff.Remaining("registry.test:5000"));
        Assert.Equal(TimeSpan.Zero, backoff.Remaining("other.test"));
    }

    [Fact]
    public async Task WaitsAskedForAreCountedAgainstTimeNotAttempts()
    {
        var inner = new ScriptedHandler((_, n) => ScriptedHandler.Status(n <= 3 * new RetryPolicy().MaxAttempts ? 429 : 200, retryAfter: "0"));
        using var response = await inner.Under(Layer()).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3 * new RetryPolicy().MaxAttempts + 1, inner.Seen.Count);
    }
}
