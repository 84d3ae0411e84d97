using System.Net;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>
/// How a registry source finds what is attached to an image (-IncludeSignature): cosign's .sig/.att/.sbom tags by HEAD
/// (404 is "none", as imgpkg treats its .sig), then OCI 1.1 referrers: the API, else (on its 404, as the distribution
/// spec requires) the referrers tag schema. A registry played by the test, for answers the suite's distribution 2.8
/// cannot give (it has no referrers API).
/// </summary>
public sealed class AttachmentLookupTests
{
    private static readonly Digest Subject = Digest.Parse("sha256:" + new string('a', 64), "test");
    private static readonly string SigDigest = "sha256:" + new string('5', 64);
    private static readonly string ReferrerDigest = "sha256:" + new string('e', 64);
    private static readonly string ListDigest = "sha256:" + new string('1', 64);

    private static HttpResponseMessage Head(string digest)
    {
        var r = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(Array.Empty<byte>()) };
        r.Headers.Add("Docker-Content-Digest", digest);
        return r;
    }

    private static string Index(params string[] digests) =>
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[" +
        string.Join(",", digests.Select(d => "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + d + "\",\"size\":10,\"artifactType\":\"application/spdx+json\"}")) + "]}";

    private static Task<IReadOnlyList<ImageAttachment>> FindAsync(ScriptedAnswers registry, int most = 100) =>
        new RegistryImageSource(registry.Client(), new ImageReference("registry.test:5000", "team/app", "v1", null)).FindAttachmentsAsync(Subject, most, CancellationToken.None);

    [Fact]
    public async Task CosignTagsAreFoundByTheirTagsAndReferrersFromTheApiByDigestEachOnce()
    {
        var registry = new ScriptedAnswers(request => request.RequestUri!.AbsolutePath switch
        {
            var p when p.EndsWith($"/manifests/{Subject.TagForm}.sig") => Head(SigDigest),
            var p when p.EndsWith($"/referrers/{Subject}") => ScriptedAnswers.Json(Index(ReferrerDigest, SigDigest)),
            _ => new HttpResponseMessage(HttpStatusCode.NotFound),
        });

        var found = await FindAsync(registry);

        Assert.Equal(new[] { $"{Subject.TagForm}.sig", ReferrerDigest }, found.Select(f => f.Name));
        Assert.Null(found[1].Tag);
        Assert.Equal($"registry.test:5000/team/app@{SigDigest}", found[0].From.Location);
        Assert.DoesNotContain(registry.Seen, u => u.AbsolutePath.EndsWith("/manifests/" + Subject.TagForm));
    }

    [Fact]
    public async Task WithoutAReferrersApiTheReferrersTagIsReadAndNothingFoundIsNoError()
    {
        var withList = new ScriptedAnswers(request => request.RequestUri!.AbsolutePath.EndsWith("/manifests/" + Subject.TagForm)
            ? Head(ListDigest) : new HttpResponseMessage(HttpStatusCode.NotFound));
        var found = Assert.Single(await FindAsync(withList));
        Assert.Equal(Subject.TagForm, found.Tag);
        Assert.Equal(ListDigest, found.Digest.Value);

        var bare = new ScriptedAnswers(_ => ScriptedAnswers.Json("{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}", HttpStatusCode.NotFound));
        Assert.Empty(await FindAsync(bare));
        Assert.Contains(bare.Seen, u => u.AbsolutePath.EndsWith($"/manifests/{Subject.TagForm}.att"));
        Assert.Contains(bare.Seen, u => u.AbsolutePath.EndsWith($"/manifests/{Subject.TagForm}.sbom"));
    }

    [Fact]
    public async Task AFailureOtherThanNotFoundIsAnError()
    {
        var registry = new ScriptedAnswers(request => request.RequestUri!.AbsolutePath.EndsWith($"/manifests/{Subject.TagForm}.sig")
            ? new HttpResponseMessage(HttpStatusCode.Forbidden) : new HttpResponseMessage(HttpStatusCode.NotFound));
        await Assert.ThrowsAsync<RegistryException>(() => FindAsync(registry));
    }

    [Fact]
    public async Task AReferrersListLongerThanTheLimitIsRefused()
    {
        var registry = new ScriptedAnswers(request => request.RequestUri!.AbsolutePath.Contains("/referrers/")
            ? ScriptedAnswers.Json(Index(ReferrerDigest, SigDigest, ListDigest)) : new HttpResponseMessage(HttpStatusCode.NotFound));
        var refusal = await Assert.ThrowsAsync<RegistryException>(() => FindAsync(registry, most: 2));
        Assert.Equal(RegistryErrorKind.PagingLimit, refusal.Kind);
    }
}
