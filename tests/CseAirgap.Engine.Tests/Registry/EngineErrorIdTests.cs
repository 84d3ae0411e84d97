using CseAirgap.Engine.Export;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tests.Export;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>Engine failures are CseAirgapExceptions with the stable ID the cmdlets map in one place.</summary>
public sealed class EngineErrorIdTests
{
    [Theory]
    [InlineData("ftp://harbor.corp.local")]
    [InlineData("")]
    [InlineData("harbor.corp.local/CSE")]
    [InlineData("user@harbor.corp.local")]
    public void ARegistryWrittenWronglyIsInvalidRegistry(string text)
    {
        CseAirgapException error = Assert.IsType<RegistryException>(Record.Exception(() => RegistryAddress.Parse(text)));
        Assert.Equal("InvalidRegistry", error.ErrorId);
        Assert.Equal(FailureCategory.InvalidArgument, error.Category);
    }

    [Fact]
    public void ADigestMismatchIsAnEngineErrorWithItsId()
    {
        CseAirgapException error = new DigestMismatchException("sha256:a", "sha256:b", 3);
        Assert.Equal("DigestMismatch", error.ErrorId);
        Assert.Equal(FailureCategory.InvalidData, error.Category);
        Assert.Equal("sha256:a", error.Target);
    }

    [Fact]
    public void AFolderWithoutAnOciLayoutFileIsExportFileInvalid()
    {
        using var scratch = new ScratchFolder();
        File.Delete(Path.Combine(scratch.Export, "oci-layout"));
        var error = Assert.Throws<ExportFileInvalidException>(() => OciLayoutReader.Open(scratch.Export));
        Assert.Equal("ExportFileInvalid", error.ErrorId);
        Assert.Equal(scratch.Export, error.Target);
    }

    [Fact]
    public void ATarExportThatDoesNotExistIsExportFileInvalid()
    {
        using var scratch = new ScratchFolder();
        var error = Assert.Throws<ExportFileInvalidException>(() => OciLayoutReader.Open(Path.Combine(scratch.Root, "missing.tar")));
        Assert.Equal("ExportFileInvalid", error.ErrorId);
    }

    [Fact]
    public void AnUnreadableIndexIsExportFileInvalid()
    {
        using var scratch = new ScratchFolder();
        File.WriteAllText(Path.Combine(scratch.Export, "index.json"), "{\"manifests\": 42");
        Assert.Equal("ExportFileInvalid", Assert.Throws<ExportFileInvalidException>(() => OciLayoutReader.Open(scratch.Export)).ErrorId);
    }

    [Theory]
    [InlineData("example.test/App:v1")]
    [InlineData("example.test/app:bad tag")]
    [InlineData("example.test/app@sha256:nothex")]
    public void AnIndexNamingAnImageWronglyIsRefusedByEveryReader(string name)
    {
        using var scratch = new ScratchFolder();
        const string digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        File.WriteAllText(Path.Combine(scratch.Export, "index.json"),
            "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + digest +
            "\",\"size\":10,\"annotations\":{\"io.containerd.image.name\":\"" + name + "\"}}]}");

        var opened = Assert.Throws<ExportFileInvalidException>(() => OciLayoutReader.Open(scratch.Export));
        Assert.Contains(name, opened.Message);
        // Test-CseExport's verifier reads the same index and refuses it with the same ID.
        var refused = new List<CseAirgapException>();
        ExportVerifier.Verify(scratch.Export, CancellationToken.None, refused.Add);
        Assert.Equal("ExportFileInvalid", Assert.Single(refused).ErrorId);
    }
}
