using System.Collections.Concurrent;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>
/// What the copier asks of a destination for a blob another image of the run has already uploaded: a mount, with no
/// HEAD before it; and where the registry declines the mount, a look before any upload, so nothing is sent twice.
/// </summary>
public sealed class ImageCopierRequestTests
{
    private static readonly RetryPolicy NoWaits = new() { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };

    private readonly ConcurrentDictionary<string, byte[]> _blobs = new();
    private readonly Descriptor _shared;
    private readonly TestImages _imageA;
    private readonly TestImages _imageB;

    public ImageCopierRequestTests()
    {
        _shared = TestImages.Blob(_blobs, "layer X, shared by both images");
        _imageA = TestImages.Image(_blobs, TestImages.Blob(_blobs, "{\"config\":\"A\"}", "application/vnd.oci.image.config.v1+json"), _shared);
        _imageB = TestImages.Image(_blobs, TestImages.Blob(_blobs, "{\"config\":\"B\"}", "application/vnd.oci.image.config.v1+json"), _shared);
    }

    private static ImageCopyJob Job(TestImages image, string repository) =>
        new(new ImageReference("source.test", repository, "v1", null), image, new ImageReference("dest.test", repository, "v1", null));

    /// <summary>Image A, then (its upload of X complete) image B, through one copier as one run's images are.</summary>
    private static async Task<ImageCopyOutcome> CopyAThenBAsync(RecordingRegistry registry, TestImages a, TestImages b)
    {
        var copier = new ImageCopier(registry, NoWaits, null);
        var outcomes = new ConcurrentQueue<ImageCopyOutcome>();
        await copier.RunAsync(new[] { Job(a, "repo-a") }, 1, new CopyProgress(1), outcomes.Enqueue, CancellationToken.None);
        await copier.RunAsync(new[] { Job(b, "repo-b") }, 1, new CopyProgress(1), outcomes.Enqueue, CancellationToken.None);
        Assert.All(outcomes, o => Assert.Equal(CopyStatus.Copied, o.Status));
        return outcomes.Single(o => o.Job.Destination.Repository == "repo-b");
    }

    [Fact]
    public async Task ABlobThisRunHasUploadedIsMountedIntoAnotherRepositoryWithNoHeadBeforeIt()
    {
        var registry = new RecordingRegistry();
        var b = await CopyAThenBAsync(registry, _imageA, _imageB);

        Assert.False(registry.Heads.ContainsKey(("repo-b", _shared.Digest.Value)), "B asked for X before mounting it");
        Assert.Contains($"mounted {_shared.Digest.Hex.Substring(0, 8)} into repo-b", registry.Events);
        Assert.Equal(1, registry.Uploads.Where(u => u.Key.Item2 == _shared.Digest.Value).Sum(u => u.Value));
        Assert.Equal(_shared.Size, b.BytesReused);
        // B's own config was never uploaded by anyone: that one is looked for first, as always.
        Assert.Equal(1, registry.Heads[("repo-b", _imageB.Manifest.Blobs[0].Digest.Value)]);
        Assert.Empty(registry.Refusals);
    }

    [Fact]
    public async Task WhereTheRegistryDeclinesTheMountTheBlobIsLookedForAndThenSent()
    {
        var registry = new RecordingRegistry { DeclineMounts = true };
        var b = await CopyAThenBAsync(registry, _imageA, _imageB);

        Assert.Equal(1, registry.Heads[("repo-b", _shared.Digest.Value)]);
        Assert.Equal(1, registry.Uploads[("repo-b", _shared.Digest.Value)]);
        Assert.True(registry.Holds("repo-b", _shared.Digest));
        Assert.Equal(_shared.Size + _imageB.Manifest.Blobs[0].Size, b.BytesCopied);
        Assert.Empty(registry.Refusals);
    }

    [Fact]
    public async Task WhereTheRegistryDeclinesTheMountABlobTheRepositoryHoldsAlreadyIsNotSentAgain()
    {
        var registry = new RecordingRegistry { DeclineMounts = true };
        registry.Seed("repo-b", _shared.Digest);
        var b = await CopyAThenBAsync(registry, _imageA, _imageB);

        Assert.False(registry.Uploads.ContainsKey(("repo-b", _shared.Digest.Value)), "X was sent into repo-b, which had it");
        Assert.Equal(_shared.Size, b.BytesReused);
        Assert.Empty(registry.Refusals);
    }
}
