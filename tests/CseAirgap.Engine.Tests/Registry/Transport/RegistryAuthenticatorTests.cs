using System.Net;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Registry.Transport;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry.Transport;

/// <summary>
/// A registry client's credentials through the whole stack over a scripted registry and token service: where they
/// go, how tokens are cached, and which token realm gets none.
/// </summary>
public sealed class RegistryAuthenticatorTests
{
    private static readonly NetworkCredential Login = new("alice", "s3cret");

    private static (RegistryAuthenticator Auth, RegistryTransport Transport) Stack(ScriptedHandler platform, string registry, NetworkCredential? credential = null)
    {
        var options = new RegistrySessionOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) } };
        var transport = RegistryTransport.Compose(platform, options, new HostBackoff());
        var address = RegistryAddress.Parse(registry);
        return (new RegistryAuthenticator(address, credential ?? Login, options, transport, address.BaseUri.ToString(), () => { }), transport);
    }

    private static HttpRequestMessage Get(RegistryAuthenticator auth, string url, RegistryScope scope)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        RegistryRequest.Attach(request, new RegistryRequest(url, new Uri(url).Authority, auth.For(scope, url), true, "k"));
        return request;
    }

    /// <summary>A token registry: 401 Bearer without a token, tokens from tokens.test for a Basic login.</summary>
    private static ScriptedHandler TokenRegistry(string realm) => new((r, _) =>
    {
        if (r.RequestUri!.Host == "tokens.test")
            return r.Headers.Authorization?.Scheme == "Basic"
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("{\"token\":\"tok\",\"expires_in\":300}") }
                : ScriptedHandler.Status(401);
        if (r.Headers.Authorization?.ToString() == "Bearer tok") return ScriptedHandler.Status(200);
        var challenge = ScriptedHandler.Status(401);
        challenge.Headers.WwwAuthenticate.ParseAdd($"Bearer realm=\"{realm}\",service=\"registry\"");
        return challenge;
    });

    [Fact]
    public async Task ATokenIsFetchedOncePerScopeAndReused()
    {
        var platform = TokenRegistry("https://tokens.test/token");
        var (auth, transport) = Stack(platform, "registry.test");
        foreach (var _ in Enumerable.Range(0, 3))
            using (var response = await transport.SendAsync(Get(auth, "https://registry.test/v2/lib/app/manifests/v1", RegistryScope.Pull("lib/app")), CancellationToken.None))
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(platform.Seen, s => s.Uri.Host == "tokens.test");
        Assert.Contains("scope=repository%3Alib%2Fapp%3Apull", platform.Seen.Single(s => s.Uri.Host == "tokens.test").Uri.Query);
        Assert.Equal(3, platform.Seen.Count(s => s.Authorization == "Bearer tok"));
    }

    [Fact]
    public async Task TheLoginGoesToTheTokenRealmOnlyAndTheTokenToTheRegistryOnly()
    {
        var platform = TokenRegistry("https://tokens.test/token");
        var (auth, transport) = Stack(platform, "registry.test");
        using (var response = await transport.SendAsync(Get(auth, "https://registry.test/v2/lib/app/manifests/v1", RegistryScope.Pull("lib/app")), CancellationToken.None))
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using (await transport.SendAsync(Get(auth, "https://storage.test/blob", RegistryScope.Pull("lib/app")), CancellationToken.None)) { }
        Assert.All(platform.Seen.Where(s => s.Authorization?.StartsWith("Basic") == true), s => Assert.Equal("tokens.test", s.Uri.Host));
        Assert.All(platform.Seen.Where(s => s.Authorization?.StartsWith("Bearer") == true), s => Assert.Equal("registry.test", s.Uri.Host));
        Assert.Null(platform.Seen.Single(s => s.Uri.Host == "storage.test").Authorization);
    }

    [Fact]
    public async Task A401FromAnotherOriginDoesNotSteerTheCredentials()
    {
        var platform = TokenRegistry("https://tokens.test/token");
        var (auth, transport) = Stack(platform, "registry.test");
        // storage.test is scripted like the registry: it answers 401 with a challenge. It is not the registry's origin.
        using (var response = await transport.SendAsync(Get(auth, "https://storage.test/v2/x", RegistryScope.Pull("lib/app")), CancellationToken.None))
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(auth.Challenge);
        Assert.DoesNotContain(platform.Seen, s => s.Uri.Host == "tokens.test");
    }

    [Fact]
    public async Task AnHttpsRegistryNamingAPlainHttpRealmIsRefusedWithoutSendingTheLogin()
    {
        var platform = TokenRegistry("http://tokens.test/token");
        var (auth, transport) = Stack(platform, "registry.test");
        var error = await Assert.ThrowsAsync<RegistryException>(() =>
            transport.SendAsync(Get(auth, "https://registry.test/v2/lib/app/manifests/v1", RegistryScope.Pull("lib/app")), CancellationToken.None));
        Assert.Equal("RegistryInsecureTokenRealm", error.ErrorId);
        Assert.DoesNotContain(platform.Seen, s => s.Uri.Host == "tokens.test");
    }
}
