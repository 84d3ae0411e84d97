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
