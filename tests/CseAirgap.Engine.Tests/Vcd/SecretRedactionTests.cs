using System.Text;
using CseAirgap.Engine.Vcd;
using Xunit;

namespace CseAirgap.Engine.Tests.Vcd;

public sealed class SecretRedactionTests
{
    [Fact]
    public void ABackupHoldsNoSecretAndKeepsEveryOtherValueAndItsNumberText()
    {
        var json = """
            {"id":"urn:vcloud:entity:vmware:VCDKEConfig:1","name":"vcdKeConfig","entity":{"profiles":[{
              "githubConfig":{"githubPersonalAccessToken":"ghp_secret123"},
              "vcdConfig":{"sysLogger":{"host":"","port":""}},
              "proxy":{"password":"p4ss","tokenLifetimeSeconds":3600},
              "mhc":{"maxUnhealthyNodes":100.0,"ratio":1.10},
              "containerRegistryUrl":"harbor.corp.local/cse"}]}}
            """;
        var entity = VcdKeConfigEntity.Parse(Encoding.UTF8.GetBytes(json), "\"1\"", "test");
        var (backup, removed) = SecretRedaction.Redact(entity);
        var text = Encoding.UTF8.GetString(backup);
        Assert.Equal(2, removed);
        Assert.DoesNotContain("ghp_secret123", text);
        Assert.DoesNotContain("p4ss", text);
        Assert.Contains("\"tokenLifetimeSeconds\":3600", text.Replace(" ", ""));
        Assert.Contains("\"maxUnhealthyNodes\":100.0", text.Replace(" ", ""));
        Assert.Contains("\"ratio\":1.10", text.Replace(" ", ""));
        Assert.Contains("harbor.corp.local/cse", text);
    }
}
