using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CseAirgap.Engine.Vcd;
using Xunit;

namespace CseAirgap.Engine.Tests.Vcd;

public sealed class VcdKeConfigEntityTests
{
    // Written here by hand, shaped as terraform-provider-vcd's vcdkeconfig.json.template, with fields the module does
    // not know and numbers whose text a re-serialisation would change.
    private const string Fixture = """
        {"id":"urn:vcloud:entity:vmware:VCDKEConfig:1","entityType":"urn:vcloud:type:vmware:VCDKEConfig:1.1.0","name":"vcdKeConfig",
         "entity":{"profiles":[{"name":"production","active":true,
           "vcdKeInstances":[{"name":"vcd-container-service-extension","version":"4.2.3"}],
           "K8Config":{"certificateAuthorities":[],"cpi":{"version":"1.6.1"},"csi":[{"version":"1.6.1"}]},
           "bootstrapClusterConfig":{"certificateAuthorities":[],"proxyConfig":{"noProxy":"localhost,.svc","httpProxy":"","httpsProxy":""},
             "capiEcosystem":{"infraProvider":{"version":"v1.3.2"}}},
           "containerRegistryUrl":"projects.registry.vmware.com",
           "future":{"ratio":1.10,"lease":3600,"scale":1e3,"serial":12345678901234567890,"text":"a\u00e9b"}}]},
         "state":"RESOLVED","org":{"name":"System"}}
        """;

    private static VcdKeConfigEntity Read(string json = Fixture) => VcdKeConfigEntity.Parse(Encoding.UTF8.GetBytes(json), "\"1\"", "vcd");

    private static X509Certificate2 NewCertificate(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static string Canonical(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal).Select(p => p.Name + ":" + Canonical(p.Value))) + "}",
        JsonValueKind.Array => "[" + string.Join(",", e.EnumerateArray().Select(Canonical)) + "]",
        JsonValueKind.String => JsonSerializer.Serialize(e.GetString()),
        _ => e.GetRawText(),
    };

    private static string Without(byte[] json, params string[] paths)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)!;
        foreach (var path in paths)
        {
            var steps = path.Split('.');
            var parent = node;
            foreach (var step in steps[..^1]) parent = int.TryParse(step, out var i) ? parent![i] : parent![step];
            parent!.AsObject().Remove(steps[^1]);
        }
        using var document = JsonDocument.Parse(node.ToJsonString());
        return Canonical(document.RootElement);
    }

    [Fact]
    public void ReadsTheFieldsCseUses()
    {
        var entity = Read();
        Assert.Equal("urn:vcloud:entity:vmware:VCDKEConfig:1", entity.Id);
        Assert.Equal("projects.registry.vmware.com", entity.GetString(CseConfigurationField.ContainerRegistryUrl));
        Assert.Equal("4.2.3", entity.GetString(CseConfigurationField.CseVersion));
        Assert.Equal("v1.3.2", entity.GetString(CseConfigurationField.CapvcdVersion));
        Assert.Equal("1.6.1", entity.GetString(CseConfigurationField.CsiVersion));
    }

    [Fact]
    public void AChangeTouchesOnlyItsFieldsAndKeepsNumberTextAndUnknownFields()
    {
        var entity = Read();
        var ca = NewCertificate("registry-ca");
        var change = new CseConfigurationChange("harbor.corp.local/cse", [ca], CseCertificateScope.Both, ["harbor.corp.local"]);
        var changes = change.ApplyTo(entity);
        Assert.Equal(4, changes.Count);
        var written = entity.ToJson();
        var text = Encoding.UTF8.GetString(written);
        Assert.Contains("\"ratio\":1.10", text);
        Assert.Contains("\"lease\":3600", text);
        Assert.Contains("\"scale\":1e3", text);
        Assert.Contains("\"serial\":12345678901234567890", text);
        var changed = new[]
        {
            "entity.profiles.0.containerRegistryUrl", "entity.profiles.0.K8Config.certificateAuthorities",
            "entity.profiles.0.bootstrapClusterConfig.certificateAuthorities", "entity.profiles.0.bootstrapClusterConfig.proxyConfig.noProxy",
        };
        Assert.Equal(Without(Encoding.UTF8.GetBytes(Fixture), changed), Without(written, changed));
        Assert.Equal("localhost,.svc,harbor.corp.local", entity.GetString(CseConfigurationField.NoProxy));
        var stored = entity.GetStrings(CseConfigurationField.ClusterCertificates);
        Assert.Equal(ca.Thumbprint, X509Certificate2.CreateFromPem(stored.Single()).Thumbprint);
    }

    [Fact]
    public void ACertificateAlreadyPresentOrGivenTwiceIsAddedOnce()
    {
        var entity = Read();
        var ca = NewCertificate("once");
        Assert.Equal(2, new CseConfigurationChange(null, [ca, ca], CseCertificateScope.Both, null).ApplyTo(entity).Count);
        Assert.Empty(new CseConfigurationChange(null, [ca], CseCertificateScope.Both, null).ApplyTo(entity));
        Assert.Single(entity.GetStrings(CseConfigurationField.BootstrapCertificates));
    }

    [Fact]
    public void TheScopeChoosesTheList()
    {
        var entity = Read();
        new CseConfigurationChange(null, [NewCertificate("boot")], CseCertificateScope.Bootstrap, null).ApplyTo(entity);
        Assert.Single(entity.GetStrings(CseConfigurationField.BootstrapCertificates));
        Assert.Empty(entity.GetStrings(CseConfigurationField.ClusterCertificates));
    }

    [Fact]
    public void AnotherWritersChangeToAnotherFieldIsNoConflictButToOurFieldIs()
    {
        var original = Read();
        var change = new CseConfigurationChange("harbor.corp.local", null, CseCertificateScope.Both, null);
        var elsewhere = Read(Fixture.Replace("\"active\":true", "\"active\":false"));
        CseConfigurationWriter.CheckNoConflict("vcd", original, elsewhere, change);
        var ours = Read(Fixture.Replace("projects.registry.vmware.com", "other.corp.local"));
        var e = Assert.Throws<CseConfigurationConflictException>(() => CseConfigurationWriter.CheckNoConflict("vcd", original, ours, change));
        Assert.Equal("CseConfigurationConflict", e.ErrorId);
        Assert.Equal("other.corp.local", e.Theirs);
        Assert.Equal("harbor.corp.local", e.Wanted);
    }

    [Fact]
    public void AnEntityWithoutProfilesIsRefused()
    {
        var e = Assert.Throws<VcdException>(() => Read("""{"id":"x","entity":{"profiles":[]}}"""));
        Assert.Equal("InvalidCseConfiguration", e.ErrorId);
    }
}

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

public sealed class VcdLoginTests
{
    [Theory]
    [InlineData("administrator", "administrator", "System", true)]
    [InlineData("administrator@System", "administrator", "System", true)]
    [InlineData("admin@system", "admin", "system", true)]
    [InlineData("bob@acme", "bob", "acme", false)]
    public void AUserWithoutAnOrganisationIsASystemUser(string name, string user, string org, bool provider)
    {
        var login = VcdLogin.FromCredential(new NetworkCredential(name, "p4ss-word"));
        Assert.Equal(user, login.User);
        Assert.Equal(org, login.Org);
        Assert.Equal(provider, login.IsProviderUser);
        Assert.DoesNotContain("p4ss-word", login.ToString());
    }

    [Fact]
    public void ACredentialSplitIntoUserAndDomainIsPutBackTogether()
    {
        // PSCredential.GetNetworkCredential() parses "bob@acme" as a UPN: user bob, domain acme.
        var login = VcdLogin.FromCredential(new NetworkCredential("bob", "pw", "acme"));
        Assert.Equal("bob", login.User);
        Assert.Equal("acme", login.Org);
        Assert.False(login.IsProviderUser);
    }

    [Fact]
    public void AnApiTokenNeverShowsInItsDescription() =>
        Assert.DoesNotContain("tok3n", VcdLogin.FromApiToken("tok3n").ToString());
}

public sealed class VcdApiVersionsTests
{
    [Fact]
    public void TheHighestListedVersionFrom35OnIsChosen()
    {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <SupportedVersions xmlns="http://www.vmware.com/vcloud/versions">
              <VersionInfo deprecated="true"><Version>33.0</Version></VersionInfo>
              <VersionInfo deprecated="false"><Version>38.0</Version></VersionInfo>
              <VersionInfo deprecated="false"><Version>37.2</Version></VersionInfo>
              <VersionInfo deprecated="false"><Version>39.0.0-alpha</Version></VersionInfo>
            </SupportedVersions>
            """;
        var listed = VcdApiVersions.Parse(Encoding.UTF8.GetBytes(xml), "application/vnd.vmware.vcloud.versions+xml");
        Assert.Equal(4, listed.Count);
        Assert.Equal("38.0", VcdApiVersions.Choose(listed));
    }

    [Fact]
    public void NoVersionFrom35OnIsNone() => Assert.Null(VcdApiVersions.Choose(["31.0", "34.0", "junk"]));

    [Fact]
    public void TheJsonFormIsReadToo()
    {
        var json = """{"versionInfo":[{"version":"36.0","deprecated":false},{"version":"35.0"}]}""";
        Assert.Equal("36.0", VcdApiVersions.Choose(VcdApiVersions.Parse(Encoding.UTF8.GetBytes(json), "application/json")));
    }

    [Fact]
    public void AnXmlVersionListWithADtdIsRefused()
    {
        var xml = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><SupportedVersions><VersionInfo><Version>&e;</Version></VersionInfo></SupportedVersions>""";
        Assert.Throws<System.Xml.XmlException>(() => VcdApiVersions.Parse(Encoding.UTF8.GetBytes(xml), "application/xml"));
    }
}

public sealed class VcdServerAddressTests
{
    [Theory]
    [InlineData("vcd.corp.local", "https://vcd.corp.local/")]
    [InlineData("https://vcd.corp.local/provider", "https://vcd.corp.local/")]
    [InlineData("vcd.corp.local:8443", "https://vcd.corp.local:8443/")]
    public void AServerIsAnHttpsOrigin(string text, string origin) => Assert.Equal(origin, VcdServerAddress.Parse(text).BaseUri.ToString());

    [Fact]
    public void PlainHttpIsRefused() =>
        Assert.Equal("InsecureVcdConnection", Assert.Throws<VcdException>(() => VcdServerAddress.Parse("http://vcd.corp.local")).ErrorId);
}
