using System.Net;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>
/// What .NET Framework's and .NET's platform handlers would do differently, made alike above them: no request asks for
/// 100-continue, a proxy's 407 in either shape is ProxyAuthenticationRequired.
/// </summary>
public sealed class FrameworkParityHandlerTests
{
    private static RegistryTransport Stack(ScriptedHandler platform) =>
        RegistryTransport.Compose(platform, new RegistrySessionOptions
        {
            Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) },
        }, new HostBackoff());

    [Fact]
    public async Task EveryUploadSaysNoToExpectContinueEvenAfterTheRetryLayerCopiedIt()
    {
        // The first answer is a 500, so the message the platform sees the second time is the retry layer's copy.
        var platform = new ScriptedHandler((_, n) => ScriptedHandler.Status(n == 1 ? 500 : 201));
        using var transport = Stack(platform);
        var put = ScriptedHandler.Request(HttpMethod.Put, "http://registry.test/v2/lib/app/manifests/v1", content: new ByteArrayContent(new byte[] { 1, 2, 3 }));
        using var response = await transport.SendAsync(put, CancellationToken.None);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var seen = platform.Seen.ToArray();
        Assert.Equal(2, seen.Length);
        // Explicitly false, not unset: .NET Framework's HttpClientHandler leaves ServicePoint.Expect100Continue at its
        // default (true, so every PUT/PATCH waits for a 100) unless the request says false.
        Assert.All(seen, s => Assert.False(s.Message.Headers.ExpectContinue));
        Assert.All(seen, s => Assert.False(s.Message.Headers.Contains("Expect")));
    }

    [Fact]
    public async Task AProxysAnswer407IsProxyAuthenticationRequiredNamingTheParameter()
    {
        using var transport = Stack(new ScriptedHandler((_, _) => ScriptedHandler.Status(407)));
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            transport.SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test:5000/v2/"), CancellationToken.None));
        Assert.Equal("ProxyAuthenticationRequired", error.ErrorId);
        Assert.Equal(FailureCategory.AuthenticationError, error.Category);
        Assert.Contains("-ProxyCredential", error.Message);
        Assert.Contains("registry.test:5000", error.Message);
    }

    [Fact]
    public async Task ATunnelRefusedWith407IsProxyAuthenticationRequiredAndNotRetried()
    {
        // .NET's shape for an HTTPS registry behind a proxy that refuses the CONNECT.
        var platform = new ScriptedHandler((_, _) =>
            throw new HttpRequestException("The proxy tunnel request to proxy 'http://proxy.test:3128/' failed with status code '407'.", null, HttpStatusCode.ProxyAuthenticationRequired));
        using var transport = Stack(platform);
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            transport.SendAsync(ScriptedHandler.Request(HttpMethod.Get, "https://registry.test/v2/"), CancellationToken.None));
        Assert.Equal("ProxyAuthenticationRequired", error.ErrorId);
        Assert.Single(platform.Seen);
    }
}
