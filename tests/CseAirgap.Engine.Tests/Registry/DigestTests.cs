using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

public sealed class DigestTests
{
    private const string Hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    [Theory]
    [InlineData("sha256:" + Hex64)]
    [InlineData("sha512:" + Hex64 + Hex64)]
    public void AWellFormedDigestParsesAndKeepsItsText(string text)
    {
        var digest = Digest.Parse(text, "test");
        Assert.Equal(text, digest.Value);
        Assert.Equal(text.Replace(':', '-'), digest.TagForm);
    }

    [Theory]
    [InlineData("sha256:../../../X")]
    [InlineData("sha256:../../../../dev/zero")]
    [InlineData("sha256:" + "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef")]
    [InlineData("sha256:" + Hex64 + "0")]
    [InlineData("sha256:")]
    [InlineData("sha512:" + Hex64)]
    [InlineData(Hex64)]
    [InlineData("")]
    [InlineData(null)]
    public void AnythingElseIsRefusedAsInvalidDigest(string? text)
    {
        var refusal = Assert.Throws<InvalidDigestException>(() => Digest.Parse(text, "the manifest of x"));
        Assert.Equal("InvalidDigest", refusal.ErrorId);
        Assert.Equal("the manifest of x", refusal.Target);
    }

    [Theory]
    [InlineData("md5:0123456789abcdef0123456789abcdef", "md5")]
    [InlineData("sha384:" + Hex64 + "0123456789abcdef0123456789abcdef", "sha384")]
    public void AWellFormedDigestOfAnotherAlgorithmIsRefusedAsUnverifiable(string text, string algorithm)
    {
        var refusal = Assert.Throws<UnsupportedDigestAlgorithmException>(() => Digest.Parse(text, "the manifest of x"));
        Assert.Equal("UnsupportedDigestAlgorithm", refusal.ErrorId);
        Assert.Equal(algorithm, refusal.Algorithm);
    }

    [Fact]
    public void AManifestNamingAPathAsALayerDigestIsRefusedWhenParsed()
    {
        var json = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," +
                   "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + Hex64 + "\",\"size\":2}," +
                   "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:../../../X\",\"size\":1}]}";
        Assert.Throws<InvalidDigestException>(() => ManifestDocument.Parse(System.Text.Encoding.UTF8.GetBytes(json), null, "evil"));
    }
}
