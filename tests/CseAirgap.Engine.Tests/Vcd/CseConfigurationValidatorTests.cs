using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CseAirgap.Engine.Vcd;
using Xunit;

namespace CseAirgap.Engine.Tests.Vcd;

public sealed class CseConfigurationValidatorTests
{
    [Theory]
    [InlineData("https://harbor.corp.local", "scheme")]
    [InlineData("harbor.corp.local/tkg", "/tkg")]
    [InlineData("harbor.corp.local/cse/TKG", "/tkg")]
    [InlineData("harbor.corp.local/", "ends with '/'")]
    [InlineData("harbor corp", "spaces")]
    public void ARegistryUrlCseWouldMisreadIsRefused(string url, string why)
    {
        var e = Assert.Throws<VcdException>(() => CseConfigurationValidator.CheckRegistryUrl(url));
        Assert.Equal("InvalidCseConfiguration", e.ErrorId);
        Assert.Contains(why, e.Message);
    }

    [Theory]
    [InlineData("harbor.corp.local", "harbor.corp.local")]
    [InlineData("harbor.corp.local:8443/cse", "harbor.corp.local")]
    [InlineData("10.0.0.5:5000", "10.0.0.5")]
    public void TheHostIsTheAuthorityWithoutItsPort(string url, string host)
    {
        Assert.Equal(url, CseConfigurationValidator.CheckRegistryUrl(url));
        Assert.Equal(host, CseConfigurationValidator.HostOf(url));
    }

    [Theory]
    [InlineData("harbor.corp.local", true)]
    [InlineData(".corp.local", true)]
    [InlineData("*.corp.local", true)]
    [InlineData("harbor.corp.local:443", true)]
    [InlineData("corp.local", false)]
    [InlineData("other.corp.local", false)]
    public void NoProxyEntriesCoverTheHostByNameOrSuffix(string entry, bool covers) =>
        Assert.Equal(covers, CseConfigurationValidator.Covers(entry, "harbor.corp.local", "harbor.corp.local:443"));

    [Fact]
    public async Task AHostTheResolverRuleDoesNotKnowIsRefused()
    {
        var entity = VcdKeConfigEntity.Parse(Encoding.UTF8.GetBytes("""{"id":"x","entity":{"profiles":[{"containerRegistryUrl":"a"}]}}"""), null, "vcd");
        var validator = new CseConfigurationValidator((host, _) => Task.FromResult(host == "known.corp.local"));
        await validator.ValidateAsync(new CseConfigurationChange("known.corp.local/cse", null, CseCertificateScope.Both, null), entity, default);
        var e = await Assert.ThrowsAsync<VcdException>(() => validator.ValidateAsync(new CseConfigurationChange("unknown.corp.local", null, CseCertificateScope.Both, null), entity, default));
        Assert.Contains("does not resolve", e.Message);
    }

    [Fact]
    public async Task ARegistryBehindTheBootstrapProxyMustBeInNoProxy()
    {
        var json = """{"id":"x","entity":{"profiles":[{"bootstrapClusterConfig":{"proxyConfig":{"httpsProxy":"http://proxy:3128","noProxy":"localhost"}}}]}}""";
        var entity = VcdKeConfigEntity.Parse(Encoding.UTF8.GetBytes(json), null, "vcd");
        var validator = new CseConfigurationValidator((_, _) => Task.FromResult(true));
        var change = new CseConfigurationChange("harbor.corp.local", null, CseCertificateScope.Both, null);
        var e = await Assert.ThrowsAsync<VcdException>(() => validator.ValidateAsync(change, entity, default));
        Assert.Contains("-NoProxy 'harbor.corp.local'", e.Message);
        var withNoProxy = new CseConfigurationChange("harbor.corp.local", null, CseCertificateScope.Both, ["harbor.corp.local"]);
        var after = entity.Clone();
        withNoProxy.ApplyTo(after);
        await validator.ValidateAsync(withNoProxy, after, default);
    }
}
