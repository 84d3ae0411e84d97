using System.Collections.Concurrent;
using System.Text;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using Xunit;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>
/// -IncludeSignature in the copier: what a source has attached to an image is copied after the image's own tag, under
/// its own tag in the image's destination repository, only when asked; a failure to look, or to copy one, fails the image.
/// </summary>
public sealed class ImageCopierAttachmentTests
{
    private static readonly RetryPolicy NoWaits = new() { MaxAttempts = 1, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero };

    /// <summary>An image of the memory source that says what is attached to it, and counts the questions.</summary>
    private sealed class Attached(IImageSource image, Func<Digest, IReadOnlyList<ImageAttachment>> find) : IImageSource, IAttachmentSource
    {
        public int Asked;
        public string Location => image.Location;
        public string? ResolvedFrom(string digest) => image.ResolvedFrom(digest);
        public void KeepForNextRead(Descriptor blob, byte[] verified) => image.KeepForNextRead(blob, verified);
        public RetryPolicy ReadRetry => image.ReadRetry;
        public IImageSource? Beside(string digest) => image.Beside(digest);
        public bool SharesRepositoryWith(IImageSource other) => image.SharesRepositoryWith(other);
        public Task<string?> FindTopDigestAsync(CancellationToken ct) => image.FindTopDigestAsync(ct);
        public Task VisitTagsAsync(Action<string> visit, CancellationToken ct) => image.VisitTagsAsync(visit, ct);
        public Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct) => image.GetTopManifestAsync(ct);
        public Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct) => image.GetManifestAsync(digest, ct);
        public Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct) => image.OpenBlobAsync(blob, ct);

        public Task<IReadOnlyList<ImageAttachment>> FindAttachmentsAsync(Digest subject, int most, CancellationToken ct)
        {
            Interlocked.Increment(ref Asked);
            return Task.FromResult(find(subject));
        }
    }

    private static async Task<ImageCopyOutcome> CopyAsync(RecordingRegistry registry, IImageSource from, bool carry)
    {
        var job = new ImageCopyJob(new ImageReference("source.test", "team/app", "v1", null), from, new ImageReference("dest.test", "base/team/app", "v1", null));
        var outcomes = new ConcurrentQueue<ImageCopyOutcome>();
        await new ImageCopier(registry, NoWaits, null, null, carryAttachments: carry).RunAsync(new[] { job }, 2, new CopyProgress(1), outcomes.Enqueue, CancellationToken.None);
        return Assert.Single(outcomes);
    }

    [Fact]
    public async Task ASignatureIsTaggedAfterTheImageInItsRepositoryWithItsDigestUnchanged()
    {
        var source = new MemorySource();
        var image = source.AddPlainImage("signed");
        var signature = source.AddImage(Encoding.UTF8.GetBytes("{}"), Encoding.UTF8.GetBytes("{\"critical\":{}}"));
        string? sigTag = null;
        var from = new Attached(source.Image(image.Digest), subject =>
        {
            sigTag = subject.TagForm + ".sig";
            return new[] { new ImageAttachment(sigTag, Digest.Parse(signature.Digest, "test"), source.Image(signature.Digest)) };
        });
        var registry = new RecordingRegistry();
        var puts = new ConcurrentQueue<string>();
        registry.OnManifestPut = (destination, reference) => puts.Enqueue($"{destination.Repository}:{reference}");

        var outcome = await CopyAsync(registry, from, carry: true);

        Assert.Null(outcome.Error);
        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.Equal(Digest.Parse(image.Digest, "test").TagForm + ".sig", sigTag);
        Assert.Equal(new[] { "base/team/app:v1", $"base/team/app:{sigTag}" }, puts);
        Assert.Equal(new[] { $"dest.test/base/team/app:{sigTag}" }, outcome.Attachments);
        Assert.Empty(registry.Refusals);
    }

    [Fact]
    public async Task WithoutTheSwitchNothingIsAskedOrCopied()
    {
        var source = new MemorySource();
        var image = source.AddPlainImage("signed");
        var from = new Attached(source.Image(image.Digest), _ => throw new InvalidOperationException("not to be asked"));
        var registry = new RecordingRegistry();

        var outcome = await CopyAsync(registry, from, carry: false);

        Assert.Equal(CopyStatus.Copied, outcome.Status);
        Assert.Equal(0, from.Asked);
        Assert.Empty(outcome.Attachments);
    }

    [Fact]
    public async Task AnAttachmentThatCannotBeCopiedFailsTheImageNamingIt()
    {
        var source = new MemorySource();
        var image = source.AddPlainImage("signed");
        var missing = Digest.Parse("sha256:" + new string('9', 64), "test");
        var from = new Attached(source.Image(image.Digest), subject =>
            new[] { new ImageAttachment(subject.TagForm + ".att", missing, source.Image(missing.Value)) });

        var outcome = await CopyAsync(new RecordingRegistry(), from, carry: true);

        Assert.Equal(CopyStatus.Failed, outcome.Status);
        var failure = Assert.IsType<AttachmentFailedException>(outcome.Error);
        Assert.Equal("SignatureCopyFailed", failure.ErrorId);
        Assert.EndsWith(".att", failure.Attachment);
    }
}
