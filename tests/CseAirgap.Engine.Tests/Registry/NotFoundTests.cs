using System.Net;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Registry;

/// <summary>A 404 is named by what was asked for: a manifest, a blob, a tag list, or the target of an upload.</summary>
public sealed class NotFoundTests
{
    private const string Blob = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// <summary>A registry (distribution's answers) that has nothing: every request is a 404 with its error body.</summary>
    private sealed class EmptyRegistry : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            var code = path.Contains("/blobs/uploads/") ? "BLOB_UPLOAD_UNKNOWN" : path.Contains("/blobs/") ? "BLOB_UNKNOWN" : path.EndsWith("/tags/list") ? "NAME_UNKNOWN" : "MANIFEST_UNKNOWN";
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound)
            {
                RequestMessage = request,
                Content = new StringContent("{\"errors\":[{\"code\":\"" + code + "\"}]}"),
            });
        }
    }

    private static RegistryClient Client() => new(new HttpClient(new EmptyRegistry()), RegistryAddress.Parse("http://registry.test:5000"), null,
        new RegistrySessionOptions { Retry = new RetryPolicy { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(2) } });

    [Fact]
    public async Task AMissingManifestIsManifestNotFound()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() => Client().GetManifestAsync("lib/app", "v1", CancellationToken.None));
        Assert.Equal("ManifestNotFound", error.ErrorId);
        Assert.Equal(FailureCategory.ObjectNotFound, error.Category);
    }

    [Fact]
    public async Task AMissingBlobIsBlobNotFound()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() => Client().OpenBlobAsync("lib/app", Blob, CancellationToken.None));
        Assert.Equal("BlobNotFound", error.ErrorId);
        Assert.Equal(FailureCategory.ObjectNotFound, error.Category);
        Assert.Equal("registry.test:5000/lib/app@" + Blob, error.Target);
        Assert.Contains("BLOB_UNKNOWN", error.Message);
    }

    [Fact]
    public async Task TheTagListOfAMissingRepositoryIsTagListNotFound()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() => Client().ListTagsAsync("lib/nothing-here", CancellationToken.None));
        Assert.Equal("TagListNotFound", error.ErrorId);
        Assert.Equal(FailureCategory.ObjectNotFound, error.Category);
        Assert.Contains("lib/nothing-here", error.Message);
    }

    [Fact]
    public async Task AnUploadIntoAMissingRepositoryIsBlobNotFoundNotManifestNotFound()
    {
        var error = await Assert.ThrowsAsync<RegistryException>(() => Client().StartUploadAsync("lib/app", CancellationToken.None));
        Assert.Equal("BlobNotFound", error.ErrorId);
        Assert.Contains("upload", error.Message);
    }
}
