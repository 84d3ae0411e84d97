using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CseAirgap.Engine.Checks;
using CseAirgap.Engine.Tls;
using Xunit;

namespace CseAirgap.Engine.Tests.Checks;

/// <summary>
/// CSE's certificate lists against what a registry presents. The certificates are made by .NET's own
/// CertificateRequest (not by the module): a CA, a registry certificate it signs, and an unrelated CA.
/// </summary>
public sealed class ConfiguredRegistryInspectorTests
{
    private static readonly (X509Certificate2 Ca, X509Certificate2 Leaf, X509Certificate2 OtherCa) Pki = MakePki();

    [Fact]
    public void AListHoldingTheCaThatSignedTheRegistryPasses()
    {
        var result = Check(presentedChain: new[] { Pki.Leaf }, configured: new[] { Pem(Pki.Ca) });
        Assert.Equal(CheckStatus.Passed, result.Status);
        Assert.Contains("Registry Test CA", result.Detail);
    }

    [Fact]
    public void AListHoldingTheRegistrysOwnCertificatePasses()
    {
        Assert.Equal(CheckStatus.Passed, Check(new[] { Pki.Leaf }, new[] { Pem(Pki.Leaf) }).Status);
    }

    [Fact]
    public void AListHoldingOnlyAnotherCaFailsNamingTheIssuerAndTheFix()
    {
        var result = Check(new[] { Pki.Leaf }, new[] { Pem(Pki.OtherCa) });
        Assert.Equal(CheckStatus.Failed, result.Status);
        Assert.Contains("Registry Test CA", result.Detail);
        Assert.Contains(Pki.Leaf.Thumbprint, result.Detail);
        Assert.Contains("Set-CseServerConfiguration -CertificateScope Cluster", result.Detail);
    }

    [Fact]
    public void AnEmptyListFailsForAPrivateCaAndPassesForAPubliclyTrustedRegistry()
    {
        Assert.Equal(CheckStatus.Failed, Check(new[] { Pki.Leaf }, new string[0]).Status);
        var trusted = new TlsProbeResult(new[] { Pki.Leaf }, trustedByMachine: true, trustedWithExtraCas: true, SslPolicyErrors.None);
        Assert.Equal(CheckStatus.Passed, ConfiguredRegistryInspector.CheckCertificates("Cluster", "f", "r:443", trusted, new string[0]).Status);
    }

    [Theory]
    [InlineData(null, CheckStatus.Failed)]
    [InlineData("https://harbor.corp.local/cse", CheckStatus.Failed)]
    [InlineData("harbor.corp.local/cse/tkg", CheckStatus.Failed)]
    [InlineData("harbor.corp.local/cse", CheckStatus.Passed)]
    public void TheUrlIsCheckedAsCseReadsIt(string? url, CheckStatus expected)
    {
        Assert.Equal(expected, ConfiguredRegistryInspector.CheckUrl("vcd.corp.local", url).Status);
    }

    private static CheckResult Check(X509Certificate2[] presentedChain, string[] configured) =>
        ConfiguredRegistryInspector.CheckCertificates("Cluster", "profiles[0].K8Config.certificateAuthorities", "127.0.0.1:5000",
            new TlsProbeResult(presentedChain, trustedByMachine: false, trustedWithExtraCas: false, SslPolicyErrors.RemoteCertificateChainErrors), configured);

    private static string Pem(X509Certificate2 c) =>
        "-----BEGIN CERTIFICATE-----\n" + Convert.ToBase64String(c.RawData, Base64FormattingOptions.InsertLineBreaks) + "\n-----END CERTIFICATE-----\n";

    private static (X509Certificate2, X509Certificate2, X509Certificate2) MakePki()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=Registry Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));

        using var leafKey = RSA.Create(2048);
        var leafRequest = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        leafRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var leaf = leafRequest.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), new byte[] { 1, 2, 3, 4 });

        using var otherKey = RSA.Create(2048);
        var otherRequest = new CertificateRequest("CN=Some Other CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        otherRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var other = otherRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        return (X509CertificateLoader.LoadCertificate(ca.RawData), X509CertificateLoader.LoadCertificate(leaf.RawData), X509CertificateLoader.LoadCertificate(other.RawData));
    }
}
