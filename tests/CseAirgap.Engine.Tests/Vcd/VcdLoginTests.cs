using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CseAirgap.Engine.Vcd;
using Xunit;

namespace CseAirgap.Engine.Tests.Vcd;

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
