using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CseAirgap.Engine.Vcd;
using Xunit;

namespace CseAirgap.Engine.Tests.Vcd;

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
