using System.Net;
using System.Text;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>
/// A moved host's reference is asked at the new host first, and at the old one only when the new one answers "not
/// found"; a refused login, a server error or an unreachable host is the answer, not a reason to look elsewhere.
/// </summary>
public sealed class RelocationTests
{
    private const string Manifest =
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"," +
        "\"digest\":\"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\",\"size\":2},\"layers\":[]}";

    private static ScriptedAnswers Answering(HttpStatusCode status, string? code = null) => new(_ =>
    {
        if (status == HttpStatusCode.OK)
        {
            var ok = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(Manifest)) };
            ok.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/vnd.oci.image.manifest.v1+json");
            return ok;
        }
        var refused = ScriptedAnswers.Json(code == null ? "{}" : "{\"errors\":[{\"code\":\"" + code + "\"}]}", status);
        if (status == HttpStatusCode.Unauthorized) refused.Headers.WwwAuthenticate.ParseAdd("Basic realm=\"registry\"");
        return refused;
    });

    private static FirstFoundImageSource NewThenOld(ScriptedAnswers newHost, ScriptedAnswers oldHost, List<string>? log = null) =>
        new("projects.registry.vmware.com/tkg/app:v1", new[]
        {
            new ImageCandidate(new RegistryImageSource(newHost.Client(), ImageReference.Parse("projects.packages.broadcom.com/tkg/app:v1")), "moved"),
            new ImageCandidate(new RegistryImageSource(oldHost.Client(), ImageReference.Parse("projects.registry.vmware.com/tkg/app:v1"))),
        }, log == null ? null : log.Add);

    [Theory]
    [InlineData("MANIFEST_UNKNOWN")]
    [InlineData("NAME_UNKNOWN")]
    public async Task ANotFoundAtTheNewHostFallsBackToTheOldHost(string code)
    {
        var newHost = Answering(HttpStatusCode.NotFound, code);
        var oldHost = Answering(HttpStatusCode.OK);
        var source = NewThenOld(newHost, oldHost);

        await source.GetTopManifestAsync(CancellationToken.None);

        Assert.Single(newHost.Seen);
        Assert.Single(oldHost.Seen);
        Assert.Equal("projects.registry.vmware.com/tkg/app:v1", source.Location);
    }

    [Fact]
    public async Task AnImageAtTheNewHostNeverAsksTheOldHostAndSaysSo()
    {
        var newHost = Answering(HttpStatusCode.OK);
        var oldHost = Answering(HttpStatusCode.OK);
        var log = new List<string>();
        var source = NewThenOld(newHost, oldHost, log);

        await source.GetTopManifestAsync(CancellationToken.None);

        Assert.Empty(oldHost.Seen);
        Assert.Equal("projects.packages.broadcom.com/tkg/app:v1", source.Location);
        Assert.Equal(new[] { "moved" }, log);
    }

    [Theory]
    [InlineData(HttpStatusCode.Unauthorized, "RegistryAuthentication")]
    [InlineData(HttpStatusCode.Forbidden, "Registry")]
    [InlineData(HttpStatusCode.InternalServerError, "Registry")]
    [InlineData(HttpStatusCode.ServiceUnavailable, "Registry")]
    public async Task ARefusalOrServerErrorAtTheNewHostIsTheAnswerAndTheOldHostIsNotAsked(HttpStatusCode status, string idStart)
    {
        var newHost = Answering(status, status == HttpStatusCode.Unauthorized ? "UNAUTHORIZED" : null);
        var oldHost = Answering(HttpStatusCode.OK);
        var source = NewThenOld(newHost, oldHost);

        var error = await Assert.ThrowsAsync<RegistryException>(() => source.GetTopManifestAsync(CancellationToken.None));

        Assert.Empty(oldHost.Seen);
        Assert.StartsWith(idStart, error.ErrorId);
        Assert.NotEqual("ManifestNotFound", error.ErrorId);
    }

    [Fact]
    public async Task NotFoundEverywhereNamesTheImageAndEveryPlaceAsked()
    {
        var source = NewThenOld(Answering(HttpStatusCode.NotFound, "MANIFEST_UNKNOWN"), Answering(HttpStatusCode.NotFound, "NAME_UNKNOWN"));

        var error = await Assert.ThrowsAsync<RegistryException>(() => source.GetTopManifestAsync(CancellationToken.None));

        Assert.Equal("ManifestNotFound", error.ErrorId);
        Assert.Equal("projects.registry.vmware.com/tkg/app:v1", error.Target);
        Assert.Contains("projects.packages.broadcom.com/tkg/app:v1", error.Message);
        Assert.Contains("projects.registry.vmware.com/tkg/app:v1", error.Message);
    }

    [Fact]
    public void TheDefaultTableMovesVmwaresRegistryToBroadcomsUnderTheSamePath()
    {
        var moved = HostRelocations.Default.Relocate(ImageReference.Parse("projects.registry.vmware.com/tkg/packages/core/antrea:v1.2@sha256:" + new string('a', 64)));
        Assert.Equal("projects.packages.broadcom.com/tkg/packages/core/antrea:v1.2@sha256:" + new string('a', 64), moved!.ToString());
        Assert.Null(HostRelocations.Default.Relocate(ImageReference.Parse("registry.k8s.io/pause:3.9")));
        Assert.Null(HostRelocations.None.Relocate(ImageReference.Parse("projects.registry.vmware.com/tkg/app:v1")));
    }

    private static string[] Places(SourceMirrors mirrors, HostRelocations relocations, string reference) =>
        new SourceRoutes(mirrors, relocations).For(ImageReference.Parse(reference)).Select(r => r.Address.Host + " " + r.Fetch).ToArray();

    [Fact]
    public void WithoutMirrorsTheNewHostIsAskedBeforeTheOld()
    {
        Assert.Equal(new[] { "projects.packages.broadcom.com projects.packages.broadcom.com/tkg/app:v1", "projects.registry.vmware.com projects.registry.vmware.com/tkg/app:v1" },
            Places(SourceMirrors.None, HostRelocations.Default, "projects.registry.vmware.com/tkg/app:v1"));
        Assert.Equal(new[] { "projects.registry.vmware.com projects.registry.vmware.com/tkg/app:v1" },
            Places(SourceMirrors.None, HostRelocations.None, "projects.registry.vmware.com/tkg/app:v1"));
    }

    [Fact]
    public void AMirrorOfTheNewHostTakesItsTurnAndTheOldHostStaysTheFallback()
    {
        var mirrors = new SourceMirrors(null, new Dictionary<string, string> { ["projects.packages.broadcom.com"] = "https://mirror.local:5000/vmw" });
        Assert.Equal(new[] { "mirror.local:5000 mirror.local:5000/vmw/tkg/app:v1", "projects.registry.vmware.com projects.registry.vmware.com/tkg/app:v1" },
            Places(mirrors, HostRelocations.Default, "projects.registry.vmware.com/tkg/app:v1"));
    }

    [Fact]
    public void AMirrorOfTheOldHostAloneWinsOverTheTable()
    {
        var mirrors = new SourceMirrors(null, new Dictionary<string, string> { ["projects.registry.vmware.com"] = "https://mirror.local:5000" });
        Assert.Equal(new[] { "mirror.local:5000 mirror.local:5000/tkg/app:v1" }, Places(mirrors, HostRelocations.Default, "projects.registry.vmware.com/tkg/app:v1"));
    }

    [Fact]
    public void OneMirrorForEveryHostIsAskedOnce()
    {
        Assert.Equal(new[] { "mirror.local:5000 mirror.local:5000/tkg/app:v1" },
            Places(new SourceMirrors("https://mirror.local:5000", null), HostRelocations.Default, "projects.registry.vmware.com/tkg/app:v1"));
    }
}
