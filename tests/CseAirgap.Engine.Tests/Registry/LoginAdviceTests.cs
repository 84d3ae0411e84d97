using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public sealed class LoginAdviceTests
{
    [Fact]
    public void ASourceIsToldItsOwnHostsEntryOfSourceCredentialAndDockerLogin()
    {
        var text = LoginAdvice.Source.LoginRequired("projects.packages.broadcom.com", "tkg/kube-rbac-proxy", push: false);
        Assert.Contains("-SourceCredential @{ 'projects.packages.broadcom.com' = (Get-Credential) }", text);
        Assert.Contains("'tkg/kube-rbac-proxy'", text);
        Assert.Contains("docker login projects.packages.broadcom.com", text);
        Assert.DoesNotContain("-Credential,", text);
    }

    [Fact]
    public void TheDestinationIsToldCredential()
    {
        var text = LoginAdvice.Destination.LoginRequired("harbor.corp.local", "cse/tkg/pause", push: true);
        Assert.Contains("Pass -Credential", text);
        Assert.Contains("pushing to the repository 'cse/tkg/pause'", text);
        Assert.DoesNotContain("SourceCredential", text);
    }

    [Fact]
    public void AScopeNamesItsFirstRepositoryEvenWithAColonInIt()
    {
        Assert.Equal("tkg/pause", RegistryScope.Pull("tkg/pause").Repository);
        Assert.Equal("a/b", RegistryScope.PushWithMount("a/b", "c/d").Repository);
        Assert.Null(RegistryScope.Catalog().Repository);
    }
}
