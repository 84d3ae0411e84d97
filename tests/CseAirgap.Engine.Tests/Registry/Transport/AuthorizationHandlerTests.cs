using System.Net;
using System.Net.Http.Headers;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>The authorization layer alone, with an authorization the test scripts: when it is asked, and how often it renews.</summary>
public sealed class AuthorizationHandlerTests
{
    /// <summary>Hands out "Bearer t1", "Bearer t2", ... to registry.test only, and renews whenever asked.</summary>
    private sealed class CountingAuthorization : IRequestAuthorization
    {
        public int Issued;
        public int Renewals;

        public Task AuthorizeAsync(HttpRequestMessage request, CancellationToken ct)
        {
            if (request.RequestUri!.Host == "registry.test")
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "t" + Interlocked.Increment(ref Issued));
            return Task.CompletedTask;
        }

        public bool Renew(HttpRequestMessage request, HttpResponseMessage unauthorized)
        {
            Renewals++;
            return true;
        }
    }

    [Fact]
    public async Task A401IsRenewedOnceAndTheRequestSentAgainWithTheNewCredentials()
    {
        var auth = new CountingAuthorization();
        var inner = new ScriptedHandler((r, _) => ScriptedHandler.Status(r.Headers.Authorization?.Parameter == "t2" ? 200 : 401));
        using var response = await inner.Under(new AuthorizationHandler()).SendAsync(
            ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/", authorization: auth), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new[] { "Bearer t1", "Bearer t2" }, inner.Seen.Select(s => s.Authorization));
        Assert.Equal(1, auth.Renewals);
    }

    [Fact]
    public async Task ASecond401IsReturnedNotRenewedAgain()
    {
        var auth = new CountingAuthorization();
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(401));
        using var response = await inner.Under(new AuthorizationHandler()).SendAsync(
            ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/", authorization: auth), CancellationToken.None);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(2, inner.Seen.Count);
        Assert.Equal(1, auth.Renewals);
    }

    [Fact]
    public async Task AHeaderSetBeforeTheLayerIsDroppedWhenTheOriginGetsNone()
    {
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(200));
        var request = ScriptedHandler.Request(HttpMethod.Get, "http://storage.test/blob", authorization: new CountingAuthorization());
        request.Headers.TryAddWithoutValidation("Authorization", "Basic YWxpY2U6czNjcmV0");
        using var response = await inner.Under(new AuthorizationHandler()).SendAsync(request, CancellationToken.None);
        Assert.Null(Assert.Single(inner.Seen).Authorization);
    }

    [Fact]
    public async Task AStreamedUploadAnswered401IsNotSentAgainButMayRestart()
    {
        var auth = new CountingAuthorization();
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(401));
        var request = ScriptedHandler.Request(HttpMethod.Put, "http://registry.test/upload/1", replayable: false, authorization: auth,
            content: new StreamContent(new MemoryStream(new byte[5])));
        var error = await Assert.ThrowsAsync<RegistryException>(() => inner.Under(new AuthorizationHandler()).SendAsync(request, CancellationToken.None));
        Assert.True(error.TransferMayRestart);
        Assert.Single(inner.Seen);
    }
}
