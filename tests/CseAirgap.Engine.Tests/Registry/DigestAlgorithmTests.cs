using CseAirgap.Engine.Failures;
using System.Net;
using System.Text;
using CseAirgap.Engine.Export;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>
/// Content named by a sha512 digest is checked with sha512, and a digest of an algorithm the module cannot compute is
/// refused. The sha512 digests here were computed by Python's hashlib (independently of the module), not by the code
/// under test.
/// </summary>
public sealed class DigestAlgorithmTests
{
    private const string Hex64 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// <summary>An OCI image manifest; its sha512 (hashlib) is <see cref="ChildSha512"/>, its length 246.</summary>
    private const string Child =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"," +
        "\"digest\":\"sha256:" + Hex64 + "\",\"size\":2},\"layers\":[]}";

    private const string ChildSha512 =
        "sha512:71c48faa1be74f0fda2ff89ff2c2339125aff87c03b2a4f46b39cfe5970b74f48d1e7bb32169a47d465ba1900c4e6929e241fb5f34bcb6864c6ad7a90186054d";

    /// <summary>Another manifest, what a hostile mirror answers instead.</summary>
    private const string Substitute =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"," +
        "\"digest\":\"sha256:" + Hex64 + "\",\"size\":3},\"layers\":[]}";

    /// <summary>"a blob named by sha512\n" and its sha512 (hashlib).</summary>
    private const string BlobText = "a blob named by sha512\n";
    private const string BlobSha512 =
        "sha512:e307e24aa0ae5b65f5cec5d609394f9f3d3ae8945784012b8e43a8392b501f633184f737b47f12f4c4010b7ab050703a3c62b7be91b60d581e7f1f2c4aecbb11";

    private static ScriptedAnswers Mirror(string body) => new(_ =>
    {
        // No Docker-Content-Digest: nothing but the bytes themselves to check against.
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        response.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
        return response;
    });

    private static Descriptor ChildDescriptor(long size = 246) =>
        new("application/vnd.oci.image.manifest.v1+json", Digest.Parse(ChildSha512, "test"), size, "linux/amd64");

    [Fact]
    public async Task AChildNamedBySha512IsRefusedWhenTheMirrorSubstitutesIt()
    {
        var client = Mirror(Substitute).Client();
        var byDescriptor = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("lib/app", ChildDescriptor(), CancellationToken.None));
        Assert.Equal("DigestMismatch", byDescriptor.ErrorId);
        // The copy and export path asks by digest alone (IImageSource): refused the same way.
        var byDigest = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("lib/app", ChildSha512, CancellationToken.None));
        Assert.Equal("DigestMismatch", byDigest.ErrorId);
    }

    [Fact]
    public async Task AChildNamedBySha512IsAcceptedWhenItsBytesMatchAndKeepsThatName()
    {
        var client = Mirror(Child).Client();
        var document = await client.GetManifestAsync("lib/app", ChildDescriptor(), CancellationToken.None);
        Assert.Equal(ChildSha512, document.Digest.Value);
        Assert.Equal(Child, Encoding.UTF8.GetString(document.Bytes));
        Assert.Equal(ChildSha512, (await client.GetManifestAsync("lib/app", ChildSha512, CancellationToken.None)).Digest.Value);
    }

    [Fact]
    public async Task AManifestOfAnotherSizeThanItsDescriptorIsRefused()
    {
        var refusal = await Assert.ThrowsAsync<RegistryException>(() => Mirror(Child).Client().GetManifestAsync("lib/app", ChildDescriptor(size: 245), CancellationToken.None));
        Assert.Equal("DigestMismatch", refusal.ErrorId);
    }

    [Theory]
    [InlineData("sha384:" + Hex64 + "0123456789abcdef0123456789abcdef")]
    [InlineData("blake3:" + Hex64)]
    public async Task ADigestOfAnAlgorithmTheModuleCannotComputeIsRefusedBeforeAnyRequest(string digest)
    {
        var mirror = Mirror(Substitute);
        var refusal = await Assert.ThrowsAsync<UnsupportedDigestAlgorithmException>(() => mirror.Client().GetManifestAsync("lib/app", digest, CancellationToken.None));
        Assert.Equal("UnsupportedDigestAlgorithm", refusal.ErrorId);
        Assert.Equal(digest.Split(':')[0], refusal.Algorithm);
        Assert.Empty(mirror.Seen);
    }

    [Fact]
    public void AManifestNamingALayerByAnUnsupportedAlgorithmIsRefusedWhenParsed()
    {
        var json = Child.Replace("\"sha256:" + Hex64 + "\"", "\"sha384:" + Hex64 + "0123456789abcdef0123456789abcdef\"");
        Assert.Throws<UnsupportedDigestAlgorithmException>(() => ManifestDocument.Parse(Encoding.UTF8.GetBytes(json), null, "evil"));
    }

    [Fact]
    public void ABlobNamedBySha512IsVerifiedWithSha512()
    {
        var bytes = Encoding.UTF8.GetBytes(BlobText);
        using (var good = new VerifyingStream(new MemoryStream(bytes), BlobSha512, bytes.Length, null))
            Assert.Equal(BlobText, new StreamReader(good).ReadToEnd());

        var altered = Encoding.UTF8.GetBytes(BlobText.ToUpperInvariant());
        using var bad = new VerifyingStream(new MemoryStream(altered), BlobSha512, altered.Length, null);
        Assert.Throws<DigestMismatchException>(() => new StreamReader(bad).ReadToEnd());
    }

    [Fact]
    public void AnExportManifestNamedBySha512IsVerifiedWithSha512()
    {
        using var scratch = new Export.ScratchFolder();
        Directory.CreateDirectory(Path.Combine(scratch.Export, "blobs", "sha512"));
        scratch.WriteIndex(ChildSha512, 246);
        var blob = Path.Combine(scratch.Export, "blobs", "sha512", ChildSha512.Substring("sha512:".Length));

        File.WriteAllText(blob, Child);
        var reader = OciLayoutReader.Open(scratch.Export);
        Assert.Equal(ChildSha512, reader.ReadManifest(reader.Images[0].Manifest).Digest.Value);

        // The same name over other bytes (of the same length, so only the hash can tell).
        File.WriteAllText(blob, Substitute);
        var refusal = Assert.Throws<RegistryException>(() => OciLayoutReader.Open(scratch.Export).ReadManifest(reader.Images[0].Manifest));
        Assert.Equal("DigestMismatch", refusal.ErrorId);
    }
}
