using CseAirgap.Engine.Tkg;
using Xunit;

namespace CseAirgap.Engine.Tests.Tkg;

/// <summary>BOMs in tanzu-framework's shape, as isolated-cluster's test data has them (a staging host in imageConfig).</summary>
public sealed class BomDocumentTests
{
    private const string Bom = """
        apiVersion: run.tanzu.vmware.com/v1alpha2
        release:
          version: v2.5.0
        imageConfig:
          imageRepository: projects-stg.registry.vmware.com/tkg
        components:
          coredns:
          - version: v1.10.1+vmware.1
            images:
              coredns:
                imagePath: coredns
                imageRepository: projects-stg.registry.vmware.com/tkg-override
                tag: v1.10.1_vmware.1
          kubernetes:
          - version: v1.28.7+vmware.1
            images:
              pause:
                imagePath: pause
                tag: "3.9"
          telemetry:
          - version: v2.5.0
            metadata:
              note: no images
        tkr-bom:
          imagePath: tkr-bom
        tkr-compatibility:
          imagePath: tkr-compatibility
        tkr-package-repo:
          vsphere-nonparavirt: tkr-repository-vsphere-nonparavirt
        """;

    [Fact]
    public void Every_image_comes_from_the_source_repository_whatever_host_the_bom_names()
    {
        var bom = BomDocument.Parse(Bom, "tkg-bom:v2.5.0");
        Assert.Equal("projects-stg.registry.vmware.com/tkg", bom.ImageRepository);
        Assert.Equal(new[] { "mirror.corp.local/tkg/coredns:v1.10.1_vmware.1", "mirror.corp.local/tkg/pause:3.9" },
            bom.Images("mirror.corp.local/tkg/").OrderBy(i => i));
        Assert.Equal("tkr-compatibility", bom.ImagePathOr("tkr-compatibility", "x"));
        Assert.Equal("fallback", bom.ImagePathOr("missing", "fallback"));
        Assert.Equal(new[] { "tkr-repository-vsphere-nonparavirt" }, bom.MapValues("tkr-package-repo"));
    }

    [Fact]
    public void The_compatibility_list_gives_the_releases_of_one_tkg_version()
    {
        const string text = "version: v2\nmanagementClusterVersions:\n- version: v2.4.0\n  supportedKubernetesVersions:\n  - v1.27.5+vmware.1-tkg.1\n" +
            "- version: v2.5.0\n  supportedKubernetesVersions:\n  - v1.28.7+vmware.1-tkg.1\n  - v1.27.11+vmware.1-tkg.2\n";
        Assert.Equal(new[] { "v1.28.7+vmware.1-tkg.1", "v1.27.11+vmware.1-tkg.2" }, CompatibilityDocument.SupportedKubernetesVersions(text, "2.5.0", "c"));
        Assert.Empty(CompatibilityDocument.SupportedKubernetesVersions(text, "2.3.1", "c"));
    }
}
