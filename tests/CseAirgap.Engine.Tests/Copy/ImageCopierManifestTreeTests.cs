using System.Collections.Concurrent;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>
/// What an index costs (issue 26, item 3): each manifest it lists fetched and written once, under the blob transfer
/// limit; an index inside an index refused; a cap on the manifests of one image.
/// </summary>
public sealed class ImageCopierManifestTreeTests
{
    private static readonly RetryPolicy NoWaits = new() { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    private static string Index(IEnumerable<string> descriptors) =>
        $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.OciIndex}\",\"manifests\":[{string.Join(",", descriptors)}]}}";

    private static string Platform(string os, string arch) => $",\"platform\":{{\"os\":\"{os}\",\"architecture\":\"{arch}\"}}";

    private static async Task<ImageCopyOutcome> CopyAsync(MemorySource source, string top, RecordingRegistry registry)
    {
        var job = new ImageCopyJob(new ImageReference("source.test", "app", "v1", null), source.Image(top), new ImageReference("dest.test", "app", "v1", null));
        var outcomes = new ConcurrentQueue<ImageCopyOutcome>();
        var run = new ImageCopier(registry, NoWaits, null).RunAsync(new[] { job }, 4, new CopyProgress(1), outcomes.Enqueue, CancellationToken.None);
        if (await Task.WhenAny(run, Task.Delay(Hang)) != run) throw new TimeoutException("the copy never ended");
        await run;
        return Assert.Single(outcomes);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task AnIndexListingAnIndex300TimesWhichListsAManifest300TimesIsRefusedAsNestedAfterAtMostTwoManifestGets(bool descriptorSaysIndex)
    {
        var source = new MemorySource();
        var leaf = source.AddPlainImage("leaf");
        var inner = source.AddManifest(Index(Enumerable.Repeat(MemorySource.DescriptorJson(MediaTypes.OciManifest, leaf.Digest, leaf.Size, Platform("linux", "amd64")), 300)), MediaTypes.OciIndex);
        // A lying index calls its child a manifest: what is served decides, not what the descriptor says.
        var childType = descriptorSaysIndex ? MediaTypes.OciIndex : MediaTypes.OciManifest;
        var top = source.AddManifest(Index(Enumerable.Repeat(MemorySource.DescriptorJson(childType, inner.Digest, inner.Size, Platform("linux", "amd64")), 300)), MediaTypes.OciIndex);
        var registry = new RecordingRegistry();

        var outcome = await CopyAsync(source, top.Digest, registry);

        Assert.Equal(CopyStatus.Failed, outcome.Status);
        var refusal = Assert.IsType<ImageTreeRefusedException>(outcome.Error);
        Assert.Equal("NestedIndexRefused", refusal.ErrorId);
        Assert.Contains(inner.Digest, refusal.Message);
        Assert.Contains("source.test/app:v1", refusal.Message);
        Assert.Equal(descriptorSaysIndex ? 1 : 2, source.TotalManifestGets);
        Assert.False(source.ManifestGets.ContainsKey(leaf.Digest));
        Assert.Empty(registry.ManifestPuts);
    }

    [Fact]
    public async Task AnIndexListingOneManifest300TimesBesideAnAttestationFetchesAndPutsEachDistinctManifestOnce()
    {
        var source = new MemorySource();
        var amd64 = source.AddPlainImage("amd64");
        var arm64 = source.AddPlainImage("arm64");
        // buildx's attestation: a plain image manifest inside the index, platform unknown/unknown.
        var attestation = source.AddPlainImage("attestation");
        var descriptors = Enumerable.Repeat(MemorySource.DescriptorJson(MediaTypes.OciManifest, amd64.Digest, amd64.Size, Platform("linux", "amd64")), 300)
            .Append(MemorySource.DescriptorJson(MediaTypes.OciManifest, arm64.Digest, arm64.Size, Platform("linux", "arm64")))
            .Append(MemorySource.DescriptorJson(MediaTypes.OciManifest, attestation.Digest, attestation.Size,
                Platform("unknown", "unknown") + $",\"annotations\":{{\"vnd.docker.reference.type\":\"attestation-manifest\",\"vnd.docker.reference.digest\":\"{amd64.Digest}\"}}"));
        var top = source.AddManifest(Index(descriptors), MediaTypes.OciIndex);
        var registry = new RecordingRegistry();

        var outcome = await CopyAsync(source, top.Digest, registry);

        Assert.Null(outcome.Error);
        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.Equal(3, outcome.Platforms);
        foreach (var child in new[] { amd64, arm64, attestation })
        {
            Assert.Equal(1, source.ManifestGets[child.Digest]);
            Assert.Equal(1, registry.ManifestPuts[("app", child.Digest)]);
        }
        Assert.Equal(1, registry.ManifestPuts[("app", "v1")]);
        Assert.Equal(4, registry.ManifestPuts.Values.Sum());
        Assert.Empty(registry.Refusals);
    }

    [Fact]
    public async Task AnIndexListingMoreDistinctManifestsThanTheCapIsRefusedBeforeAnyOfThemIsFetched()
    {
        var source = new MemorySource();
        // 1,025 distinct digests that no one serves: the cap must stop the copy before it asks for any.
        var descriptors = Enumerable.Range(0, 1025).Select(i => MemorySource.DescriptorJson(MediaTypes.OciManifest,
            MemorySource.Sha256(BitConverter.GetBytes(i)), 500, Platform("linux", "amd64")));
        var top = source.AddManifest(Index(descriptors), MediaTypes.OciIndex);
        var registry = new RecordingRegistry();

        var outcome = await CopyAsync(source, top.Digest, registry);

        Assert.Equal(CopyStatus.Failed, outcome.Status);
        var refusal = Assert.IsType<ImageTreeRefusedException>(outcome.Error);
        Assert.Equal("ManifestLimitExceeded", refusal.ErrorId);
        Assert.Equal(Failures.FailureCategory.LimitsExceeded, refusal.Category);
        Assert.Contains("1025 distinct manifests, more than 1024", refusal.Message);
        Assert.Equal(1, source.TotalManifestGets);
        Assert.Empty(registry.ManifestPuts);
    }

    [Fact]
    public async Task AnIndexsManifestsAreFetchedNoMoreAtOnceThanTheBlobTransferLimit()
    {
        var source = new MemorySource();
        var images = Enumerable.Range(0, 20).Select(i => source.AddPlainImage($"platform {i}")).ToList();
        var top = source.AddManifest(Index(images.Select(i => MemorySource.DescriptorJson(MediaTypes.OciManifest, i.Digest, i.Size, Platform("linux", "amd64")))), MediaTypes.OciIndex);
        var registry = new RecordingRegistry();
        var gated = new GatedSource(source, top.Digest);

        var job = new ImageCopyJob(new ImageReference("source.test", "app", "v1", null), gated, new ImageReference("dest.test", "app", "v1", null));
        var outcomes = new ConcurrentQueue<ImageCopyOutcome>();
        var run = new ImageCopier(registry, NoWaits, null).RunAsync(new[] { job }, 1, new CopyProgress(1), outcomes.Enqueue, CancellationToken.None);
        // Every request that could start without another finishing has started by now (the copier runs synchronously
        // until something waits); from here on each that finishes lets the next in.
        gated.Open();
        if (await Task.WhenAny(run, Task.Delay(Hang)) != run) throw new TimeoutException("the copy never ended");
        await run;

        Assert.Equal(CopyStatus.Copied, Assert.Single(outcomes).Status);
        Assert.InRange(gated.MostAtOnce, 1, registry.MaxParallelBlobs);
        Assert.All(images, i => Assert.Equal(1, source.ManifestGets[i.Digest]));
    }

    /// <summary>
    /// Holds each child manifest request until the test opens the gate, and records the most in flight at once: a
    /// copier that asks for all at once shows all of them.
    /// </summary>
    private sealed class GatedSource(MemorySource source, string top) : Images.IImageSource
    {
        private readonly Images.IImageSource _inner = source.Image(top);
        private readonly TaskCompletionSource<bool> _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _most;

        public int MostAtOnce => Volatile.Read(ref _most);
        public string Location => _inner.Location;
        public Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct) => _inner.GetTopManifestAsync(ct);
        public Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct) => _inner.OpenBlobAsync(blob, ct);
        public string? ResolvedFrom(string digest) => _inner.ResolvedFrom(digest);
        public void KeepForNextRead(Descriptor blob, byte[] verified) => _inner.KeepForNextRead(blob, verified);
        public RetryPolicy ReadRetry => _inner.ReadRetry;
        public Images.IImageSource? Beside(string digest) => _inner.Beside(digest);
        public bool SharesRepositoryWith(Images.IImageSource other) => _inner.SharesRepositoryWith(other);
        public Task<string?> FindTopDigestAsync(CancellationToken ct) => _inner.FindTopDigestAsync(ct);
        public Task VisitTagsAsync(Action<string> visit, CancellationToken ct) => _inner.VisitTagsAsync(visit, ct);

        public void Open() => _open.TrySetResult(true);

        public async Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct)
        {
            var now = Interlocked.Increment(ref _inFlight);
            int most;
            while (now > (most = Volatile.Read(ref _most)) && Interlocked.CompareExchange(ref _most, now, most) != most) { }
            await _open.Task;
            try
            {
                return await _inner.GetManifestAsync(digest, ct);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
