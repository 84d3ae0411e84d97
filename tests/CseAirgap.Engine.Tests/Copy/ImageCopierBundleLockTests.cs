using System.Collections.Concurrent;
using System.Text;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>
/// What an imgpkg bundle's lock costs (issue 26, item 4): each image it names copied once, under the command's image
/// limit at every depth without deadlock, the lock's length and the nesting of bundles capped, a large config streamed.
/// </summary>
public sealed class ImageCopierBundleLockTests
{
    private static readonly RetryPolicy NoWaits = new() { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    internal static string Locked(string repository, (string Digest, long Size) image) => $"source.test/{repository}@{image.Digest}";

    internal static Task<List<ImageCopyOutcome>> CopyAsync(MemorySource source, RecordingRegistry registry, int throttle, params (string Digest, long Size)[] images) =>
        CopyAsync(source, registry, throttle, null, images);

    /// <param name="started">Runs once the run has started every copy it can start without another ending.</param>
    private static async Task<List<ImageCopyOutcome>> CopyAsync(MemorySource source, RecordingRegistry registry, int throttle, Action? started, params (string Digest, long Size)[] images)
    {
        var jobs = images.Select((image, i) => new ImageCopyJob(new ImageReference("source.test", $"bundle{i}", "v1", null), source.Image(image.Digest),
            new ImageReference("dest.test", $"bundle{i}", "v1", null))).ToList();
        var outcomes = new ConcurrentQueue<ImageCopyOutcome>();
        var run = new ImageCopier(registry, NoWaits, null, source.Image).RunAsync(jobs, throttle, new CopyProgress(jobs.Count), outcomes.Enqueue, CancellationToken.None);
        // The copier runs synchronously until something waits: by now every copy that needs no other to end has begun.
        started?.Invoke();
        if (await Task.WhenAny(run, Task.Delay(Hang)) != run) throw new TimeoutException("the copy never ended: a bundle waits for a slot no one gives back");
        await run;
        return outcomes.ToList();
    }

    private static ImageTreeRefusedException Innermost(Exception? error)
    {
        for (var e = error; e != null; e = e.InnerException)
            if (e is ImageTreeRefusedException refusal) return refusal;
        throw new Xunit.Sdk.XunitException("no refusal in " + error);
    }

    [Fact]
    public async Task ALockNamingOneImage40TimesCopiesThatImageOnce()
    {
        var source = new MemorySource();
        var image = source.AddPlainImage("named 40 times");
        var bundle = source.AddBundle(Enumerable.Repeat(Locked("img", image), 40));
        var registry = new RecordingRegistry();

        var outcome = Assert.Single(await CopyAsync(source, registry, 4, bundle));

        Assert.Null(outcome.Error);
        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.True(outcome.IsBundle);
        Assert.Equal(1, outcome.BundleImages);
        Assert.Equal(1, source.ManifestGets[image.Digest]);
        Assert.Equal(1, registry.ManifestPuts[("img", image.Digest)]);
        Assert.Empty(registry.Refusals);
    }

    [Fact]
    public async Task ABundleLabelledImageWhoseConfigIsLargerThan4MiBIsCopiedAsAPlainImageWithoutReadingItsLock()
    {
        var source = new MemorySource();
        var image = source.AddPlainImage("never read");
        var bundle = source.AddBundle(new[] { Locked("img", image) }, configPadding: 4 * 1024 * 1024);
        var registry = new RecordingRegistry();

        var outcome = Assert.Single(await CopyAsync(source, registry, 2, bundle));

        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.False(outcome.IsBundle);
        Assert.False(source.ManifestGets.ContainsKey(image.Digest));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task LockedImagesAtEveryDepthShareTheCommandsImageLimitAndTheRunEnds(int throttle)
    {
        var source = new MemorySource();
        var leaves = new HashSet<string>();
        (string, long) Leaf(string name)
        {
            var image = source.AddPlainImage(name);
            leaves.Add(image.Digest);
            return image;
        }
        var nested = source.AddBundle(Enumerable.Range(0, 8).Select(i => Locked("n", Leaf($"nested {i}"))));
        var bundleA = source.AddBundle(Enumerable.Range(0, 8).Select(i => Locked("a", Leaf($"a {i}"))).Append(Locked("nested", nested)));
        var bundleB = source.AddBundle(Enumerable.Range(0, 8).Select(i => Locked("b", Leaf($"b {i}"))));

        // A leaf image is in flight from the request for its manifest to the PUT of it, both inside its slot. Each waits
        // at a gate the test opens once the run has started all it can, so a copier that starts every locked image at
        // once (or has a limit per bundle) shows more than the limit.
        var inFlight = 0;
        var most = 0;
        var gate = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        source.BeforeTopManifest = async digest =>
        {
            if (!leaves.Contains(digest)) return;
            var now = Interlocked.Increment(ref inFlight);
            lock (leaves) most = Math.Max(most, now);
            await gate.Task;
        };
        var registry = new RecordingRegistry
        {
            OnManifestPut = (destination, reference) =>
            {
                if (leaves.Contains(reference)) Interlocked.Decrement(ref inFlight);
            },
        };

        var outcomes = await CopyAsync(source, registry, throttle, () => gate.TrySetResult(true), bundleA, bundleB);

        Assert.All(outcomes, o => Assert.Null(o.Error));
        Assert.All(outcomes, o => Assert.Equal(CopyStatus.Copied, o.Status));
        Assert.Equal(8 + 1 + 8, outcomes.Single(o => o.Job.Source.Repository == "bundle0").BundleImages);
        Assert.InRange(most, 1, throttle);
        Assert.Equal(leaves.Count, leaves.Count(l => registry.ManifestPuts.Keys.Any(k => k.Item2 == l)));
        Assert.Empty(registry.Refusals);
    }

    [Fact]
    public async Task ALockListingMoreEntriesThanTheCapIsRefusedAsBundleLockLimitExceeded()
    {
        var source = new MemorySource();
        var image = source.AddPlainImage("named 4097 times");
        var bundle = source.AddBundle(Enumerable.Repeat(Locked("img", image), 4097));
        var registry = new RecordingRegistry();

        var outcome = Assert.Single(await CopyAsync(source, registry, 4, bundle));

        Assert.Equal(CopyStatus.Failed, outcome.Status);
        var refusal = Assert.IsType<ImageTreeRefusedException>(outcome.Error);
        Assert.Equal("BundleLockLimitExceeded", refusal.ErrorId);
        Assert.Equal(FailureCategory.LimitsExceeded, refusal.Category);
        Assert.Contains("more than 4096 images", refusal.Message);
        Assert.False(source.ManifestGets.ContainsKey(image.Digest));
        Assert.Empty(registry.ManifestPuts);
    }

    [Theory]
    [InlineData(4, false)]
    [InlineData(5, true)]
    public async Task BundlesNestedDeeperThanFourAreRefusedAsBundleNestingLimitExceeded(int levels, bool refused)
    {
        var source = new MemorySource();
        var image = source.AddPlainImage("at the bottom");
        var current = source.AddBundle(new[] { Locked("img", image) });
        for (var level = levels - 1; level >= 1; level--) current = source.AddBundle(new[] { Locked($"level{level + 1}", current) });
        var registry = new RecordingRegistry();

        var outcome = Assert.Single(await CopyAsync(source, registry, 2, current));

        if (!refused)
        {
            Assert.Equal(CopyStatus.Copied, outcome.Status);
            Assert.Equal(levels, outcome.BundleImages);
            return;
        }
        Assert.Equal(CopyStatus.Failed, outcome.Status);
        Assert.Equal("BundleImageFailed", ((CseAirgapException)outcome.Error!).ErrorId);
        var refusal = Innermost(outcome.Error);
        Assert.Equal("BundleNestingLimitExceeded", refusal.ErrorId);
        Assert.Contains("more than 4 bundles deep", refusal.Message);
        Assert.False(source.ManifestGets.ContainsKey(image.Digest));
        Assert.Empty(registry.ManifestPuts);
    }
}
