using System.Net;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>The redirect layer alone: which redirects it follows, what a hop carries, and where it stops.</summary>
public sealed class RedirectHandlerTests
{
    [Fact]
    public async Task AHopToAnotherOriginCarriesNeitherTheCredentialsNorTheirHeader()
    {
        var inner = new ScriptedHandler((r, _) => r.RequestUri!.Host == "storage.test" ? ScriptedHandler.Status(200)
            : ScriptedHandler.Status(307, location: "https://storage.test/bucket/blob?X-Amz-Signature=abc"));
        var request = ScriptedHandler.Request(HttpMethod.Get, "https://registry.test/v2/lib/app/blobs/sha256:ab");
        request.Headers.TryAddWithoutValidation("Authorization", "Basic YWxpY2U6czNjcmV0");
        request.Headers.TryAddWithoutValidation("Accept", "application/octet-stream");
        using var response = await inner.Under(new RedirectHandler(5)).SendAsync(request, CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hop = inner.Seen.Last();
        Assert.Equal("storage.test", hop.Uri.Host);
        Assert.Null(hop.Authorization);
        Assert.Contains("application/octet-stream", hop.Message.Headers.Accept.Select(a => a.MediaType));
        Assert.Same(RegistryRequest.Of(request), RegistryRequest.Of(hop.Message));
    }

    [Fact]
    public async Task AStepDownFromHttpsToHttpIsNotFollowed()
    {
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(302, location: "http://storage.test/blob"));
        using var response = await inner.Under(new RedirectHandler(5)).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "https://registry.test/v2/x"), CancellationToken.None);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Single(inner.Seen);
    }

    [Fact]
    public async Task ARedirectOfAPutIsNotFollowed()
    {
        var inner = new ScriptedHandler((_, _) => ScriptedHandler.Status(307, location: "/elsewhere"));
        using var response = await inner.Under(new RedirectHandler(5)).SendAsync(
            ScriptedHandler.Request(HttpMethod.Put, "https://registry.test/v2/lib/app/manifests/v1", content: new ByteArrayContent(new byte[] { 1 })), CancellationToken.None);
        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Single(inner.Seen);
    }

    [Fact]
    public async Task ARelativeLocationIsResolvedAgainstTheHopThatGaveIt()
    {
        var inner = new ScriptedHandler((r, _) => r.RequestUri!.AbsolutePath == "/moved/blob" ? ScriptedHandler.Status(200) : ScriptedHandler.Status(302, location: "/moved/blob"));
        using var response = await inner.Under(new RedirectHandler(5)).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test:5000/v2/x"), CancellationToken.None);
        Assert.Equal(new Uri("http://registry.test:5000/moved/blob"), inner.Seen.Last().Uri);
    }

    [Fact]
    public async Task MoreRedirectsThanTheLimitFailAfterFollowingExactlyTheLimit()
    {
        var inner = new ScriptedHandler((r, n) => ScriptedHandler.Status(302, location: $"/hop/{n}"));
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            inner.Under(new RedirectHandler(3)).SendAsync(ScriptedHandler.Request(HttpMethod.Get, "http://registry.test/v2/x"), CancellationToken.None));
        Assert.Equal("RegistryProtocolError", error.ErrorId);
        Assert.Contains("more than 3 times", error.Message);
        Assert.Equal(4, inner.Seen.Count);
    }
}
