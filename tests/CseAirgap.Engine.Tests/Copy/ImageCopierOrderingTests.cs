using System.Collections.Concurrent;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>
/// The ordering rules of the one copier, with the interleavings forced by the test (no timing): a blob counts as
/// present in a repository only once it is there, and a mount waits for the upload it mounts from.
/// </summary>
public sealed class ImageCopierOrderingTests
{
    // A guard against a hang in a broken copier, never a synchronisation: every wait below ends by an event.
    private static readonly TimeSpan Hang = TimeSpan.FromSeconds(60);

    private static readonly RetryPolicy NoWaits = new() { MaxAttempts = 2, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };

    private static ImageCopyJob Job(TestImages image, string repository) =>
        new(new ImageReference("source.test", repository, "v1", null), image, new ImageReference("dest.test", repository, "v1", null));

    private static async Task<T> Within<T>(Task<T> task, string what)
    {
        if (await Task.WhenAny(task, Task.Delay(Hang)) != task) throw new TimeoutException($"{what} never happened: the copier is stuck.");
        return await task;
    }

    private static Task Within(Task task, string what) => Within(task.ContinueWith(t => { t.GetAwaiter().GetResult(); return true; }), what);

    [Fact]
    public async Task AManifestIsNotPutBeforeEveryBlobItNamesIsInItsOwnRepositoryWhileThatBlobIsStillOnItsWayIntoAnother()
    {
        var blobs = new ConcurrentDictionary<string, byte[]>();
        var shared = TestImages.Blob(blobs, "layer X, shared by both images");
        var onlyB = TestImages.Blob(blobs, "layer Y, only image B");
        var imageA = TestImages.Image(blobs, TestImages.Blob(blobs, "{\"config\":\"A\"}", "application/vnd.oci.image.config.v1+json"), shared);
        var imageB = TestImages.Image(blobs, TestImages.Blob(blobs, "{\"config\":\"B\"}", "application/vnd.oci.image.config.v1+json"), shared, onlyB);

        var registry = new RecordingRegistry();
        var xIntoAStarted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var releaseXIntoA = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bAskedForX = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var yInB = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        registry.BeforeWriteCompletes = async (store, blob) =>
        {
            if (store == "repo-a" && blob.Digest == shared.Digest)
            {
                // X is on its way into repo-a, and stays so until the test lets it finish.
                xIntoAStarted.TrySetResult(true);
                await releaseXIntoA.Task;
            }
            if (store == "repo-b" && blob.Digest == onlyB.Digest) yInB.TrySetResult(true);
        };
        registry.BeforeHeadAnswered = async (store, blob) =>
        {
            // B looks for X in repo-b only once X's upload into repo-a is in flight: the interleaving of the issue.
            if (store == "repo-b" && blob.Digest == shared.Digest)
            {
                await xIntoAStarted.Task;
                bAskedForX.TrySetResult(true);
            }
        };

        var copier = new ImageCopier(registry, NoWaits, null);
        var outcomes = new ConcurrentQueue<ImageCopyOutcome>();
        var run = copier.RunAsync(new[] { Job(imageA, "repo-a"), Job(imageB, "repo-b") }, 2, new CopyProgress(2), outcomes.Enqueue, CancellationToken.None);

        await Within(bAskedForX.Task, "B looking for X");
        await Within(yInB.Task, "B's own layer arriving");
        Assert.DoesNotContain(registry.Events, e => e == "manifest repo-b");
        releaseXIntoA.SetResult(true);
        await Within(run, "the run");

        Assert.Empty(registry.Refusals);
        Assert.All(outcomes, o => Assert.Equal(CopyStatus.Copied, o.Status));
        var events = registry.Events.ToList();
        var xInB = events.FindIndex(e => e.EndsWith($"{shared.Digest.Hex.Substring(0, 8)} into repo-b"));
        Assert.True(xInB >= 0, "X never reached repo-b: " + string.Join("; ", events));
        Assert.True(xInB < events.IndexOf("manifest repo-b"), "B's manifest went out before X was in repo-b: " + string.Join("; ", events));
        // The mount waited for the upload it mounts from: X was sent once, then mounted (a mount before the upload
        // completed is refused by a registry and would have cost a second upload).
        Assert.Equal(1, registry.Uploads.Where(u => u.Key.Item2 == shared.Digest.Value).Sum(u => u.Value));
        Assert.Contains($"mounted {shared.Digest.Hex.Substring(0, 8)} into repo-b", events);
        var b = outcomes.Single(o => o.Job.Destination.Repository == "repo-b");
        Assert.Equal(shared.Size, b.BytesReused);
    }

    [Fact]
    public async Task ABlobWhoseFirstUploadFailedIsSentByTheNextImageThatNeedsItInsteadOfFailingThatImageToo()
    {
        var blobs = new ConcurrentDictionary<string, byte[]>();
        var shared = TestImages.Blob(blobs, "layer X");
        var imageA = TestImages.Image(blobs, TestImages.Blob(blobs, "{\"config\":\"A\"}", "application/vnd.oci.image.config.v1+json"), shared);
        var imageB = TestImages.Image(blobs, TestImages.Blob(blobs, "{\"config\":\"B\"}", "application/vnd.oci.image.config.v1+json"), shared);

        var registry = new RecordingRegistry();
        var xIntoAStarted = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var bWaits = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        registry.BeforeWriteCompletes = async (store, blob) =>
        {
            if (store != "repo-a" || blob.Digest != shared.Digest) return;
            xIntoAStarted.TrySetResult(true);
            await bWaits.Task;
            // Not worth a retry (a refusal): the first upload of X fails for good.
            throw new RegistryException(RegistryErrorKind.PushDenied, "repo-a", "push denied on repo-a");
        };
        registry.BeforeHeadAnswered = async (store, blob) =>
        {
            if (store != "repo-b" || blob.Digest != shared.Digest) return;
            await xIntoAStarted.Task;
            bWaits.TrySetResult(true);
        };

        var outcomes = new ConcurrentQueue<ImageCopyOutcome>();
        await Within(new ImageCopier(registry, NoWaits, null).RunAsync(new[] { Job(imageA, "repo-a"), Job(imageB, "repo-b") }, 2, new CopyProgress(2), outcomes.Enqueue, CancellationToken.None), "the run");

        Assert.Equal(CopyStatus.Failed, outcomes.Single(o => o.Job.Destination.Repository == "repo-a").Status);
        // The image whose own upload failed does not send the blob again on top of its retry policy's verdict.
        Assert.Equal(1, registry.Uploads[("repo-a", shared.Digest.Value)]);
        var b = outcomes.Single(o => o.Job.Destination.Repository == "repo-b");
        Assert.Equal(CopyStatus.Copied, b.Status);
        Assert.True(registry.Holds("repo-b", shared.Digest));
        Assert.Empty(registry.Refusals);
    }

    [Fact]
    public async Task ManyImagesInOneRepositorySendASharedBlobOnceAndNoneOfThemPutsItsManifestBeforeTheBlobIsThere()
    {
        var blobs = new ConcurrentDictionary<string, byte[]>();
        var shared = TestImages.Blob(blobs, "layer X");
        var release = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var registry = new RecordingRegistry
        {
            BeforeWriteCompletes = async (store, blob) =>
            {
                if (blob.Digest != shared.Digest) return;
                started.TrySetResult(true);
                await release.Task;
            },
        };
        var jobs = Enumerable.Range(0, 5).Select(i => new ImageCopyJob(
            new ImageReference("source.test", "repo", $"v{i}", null),
            TestImages.Image(blobs, TestImages.Blob(blobs, $"{{\"config\":{i}}}", "application/vnd.oci.image.config.v1+json"), shared),
            new ImageReference("dest.test", "repo", $"v{i}", null))).ToList();
        var outcomes = new ConcurrentQueue<ImageCopyOutcome>();
        var run = new ImageCopier(registry, NoWaits, null).RunAsync(jobs, 5, new CopyProgress(5), outcomes.Enqueue, CancellationToken.None);
        await Within(started.Task, "the upload of X");
        Assert.DoesNotContain(registry.Events, e => e.StartsWith("manifest"));
        release.SetResult(true);
        await Within(run, "the run");

        Assert.Empty(registry.Refusals);
        Assert.Equal(5, outcomes.Count(o => o.Status == CopyStatus.Copied));
        Assert.Equal(1, registry.Uploads[("repo", shared.Digest.Value)]);
        Assert.Equal(shared.Size, outcomes.Sum(o => o.BytesCopied) - outcomes.Sum(o => o.Job.From is TestImages t ? t.Manifest.Blobs[0].Size : 0));
    }
}
