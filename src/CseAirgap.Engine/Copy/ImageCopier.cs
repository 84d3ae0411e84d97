using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tkg;

namespace CseAirgap.Engine.Copy;

/// <summary>
/// Copies images into one destination registry, never leaving a tag that points at something incomplete:
/// blobs first (each verified), then platform manifests by digest, then the top manifest under its tag.
/// A blob needed by several images is sent once and mounted into the other repositories.
/// </summary>
public sealed class ImageCopier
{
    private readonly RegistryClient _destination;
    private readonly SemaphoreSlim _transfers;
    private readonly RetryPolicy _retry;
    private readonly Action<string>? _log;

    // digest -> the destination repository that received it first in this run.
    private readonly ConcurrentDictionary<string, Lazy<Task<string>>> _placements = new();

    private readonly Func<ImageReference, IImageSource>? _lockSources;

    /// <param name="lockSources">Where to read the images an imgpkg bundle's lock names; null to copy bundles as plain images.</param>
    public ImageCopier(RegistryClient destination, int maxBlobTransfers, RetryPolicy retry, Action<string>? log, Func<ImageReference, IImageSource>? lockSources = null)
    {
        _lockSources = lockSources;
        _destination = destination;
        _transfers = new SemaphoreSlim(Math.Max(1, maxBlobTransfers));
        _retry = retry;
        _log = log;
    }

    /// <summary>Copies every job, <paramref name="throttleLimit"/> images at a time; each outcome is reported as soon as it is known.</summary>
    public async Task RunAsync(IReadOnlyList<ImageCopyJob> jobs, int throttleLimit, CopyProgress progress, Action<ImageCopyOutcome> onOutcome, CancellationToken ct)
    {
        // One token request per registry for many repositories, instead of one per repository and end.
        var destinationReady = _destination.PrepareTokensAsync(jobs.Select(j => RegistryScope.Push(j.Destination.Repository)), ct);
        await Task.WhenAll(jobs.Select(j => j.From).OfType<RegistryImageSource>().GroupBy(s => s.Client)
            .Select(g => g.Key.PrepareTokensAsync(g.Select(s => RegistryScope.Pull(s.Fetch.Repository)), ct))
            .Concat(new[] { destinationReady })).ConfigureAwait(false);
        var unusable = await destinationReady.ConfigureAwait(false);
        if (unusable != null && (unusable.Kind == RegistryErrorKind.Unreachable || unusable.Kind == RegistryErrorKind.CertificateUntrusted))
        {
            // No image can land: say so once per image now, rather than after every image's own retries.
            foreach (var job in jobs)
            {
                progress.ImageDone();
                onOutcome(new ImageCopyOutcome(job, CopyStatus.Failed, null, 0, 0, TimeSpan.Zero, 0, unusable));
            }
            return;
        }

        using var images = new SemaphoreSlim(Math.Max(1, throttleLimit));
        var running = jobs.Select(async job =>
        {
            await images.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var outcome = await CopyAsync(job, progress, ct).ConfigureAwait(false);
                progress.ImageDone();
                onOutcome(outcome);
            }
            finally
            {
                images.Release();
            }
        }).ToList();
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    public async Task<ImageCopyOutcome> CopyAsync(ImageCopyJob job, CopyProgress progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var tally = new ByteTally();
        string? digest = null;
        try
        {
            var destRepo = job.Destination.Repository;
            // Both ends at once: on a re-run this pair is all the work an image needs.
            var fetching = job.From.GetTopManifestAsync(ct);
            var checking = _destination.HeadManifestAsync(destRepo, job.Destination.ManifestReference, RegistryScope.Push(destRepo), ct);
            await Task.WhenAll(fetching, checking).ConfigureAwait(false);
            var top = await fetching.ConfigureAwait(false);
            var present = await checking.ConfigureAwait(false);
            digest = top.Digest;
            var isBundle = _lockSources != null && !top.IsIndex &&
                           (await ImageFiles.LabelsAsync(job.From, top, ct).ConfigureAwait(false)).ContainsKey(ImagesLock.BundleLabel);
            if (present == top.Digest)
                return new ImageCopyOutcome(job, CopyStatus.AlreadyPresent, digest, 0, 0, clock.Elapsed, top.Children.Count, null, isBundle);

            // A bundle's images go first, into the bundle's own repository (imgpkg's relocation rule), so the bundle
            // is never tagged before everything it names is there.
            var bundleImages = isBundle ? await CopyBundleImagesAsync(job, top, tally, progress, ct).ConfigureAwait(false) : 0;

            var children = await CollectChildrenAsync(job.From, top, ct).ConfigureAwait(false);
            var blobs = new[] { top }.Concat(children).SelectMany(m => m.Blobs)
                .GroupBy(b => b.Digest).Select(g => g.First())
                .OrderByDescending(b => b.Size) // the longest transfers start first
                .ToList();
            await Task.WhenAll(blobs.Select(b => EnsureBlobAsync(job, b, tally, progress, ct))).ConfigureAwait(false);

            // Children were collected deepest first, so every manifest is written after what it points at.
            foreach (var child in children)
                await _destination.PutManifestAsync(destRepo, child.Digest, child, ct).ConfigureAwait(false);
            await _destination.PutManifestAsync(destRepo, job.Destination.ManifestReference, top, ct).ConfigureAwait(false);
            if (isBundle) await _destination.PutManifestAsync(destRepo, ImgpkgTag(top.Digest), top, ct).ConfigureAwait(false);
            return new ImageCopyOutcome(job, CopyStatus.Copied, digest, tally.Copied, tally.Reused, clock.Elapsed, top.Children.Count, null, isBundle, bundleImages);
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            return new ImageCopyOutcome(job, CopyStatus.Failed, digest, tally.Copied, tally.Reused, clock.Elapsed, 0, e);
        }
    }

    /// <summary>The tag imgpkg gives every image it relocates: sha256-&lt;hex&gt;.imgpkg.</summary>
    public static string ImgpkgTag(string digest) => digest.Replace(':', '-') + ".imgpkg";

    private async Task<int> CopyBundleImagesAsync(ImageCopyJob bundle, ManifestDocument top, ByteTally tally, CopyProgress progress, CancellationToken ct)
    {
        var locked = await ImagesLock.ReadAsync(bundle.From, top, bundle.Source.ToString(), ct).ConfigureAwait(false);
        _log?.Invoke($"{bundle.Source} is an imgpkg bundle of {locked.Count} images; copying them into {bundle.Destination.Registry}/{bundle.Destination.Repository} first.");
        var outcomes = await Task.WhenAll(locked.Select(image => CopyAsync(new ImageCopyJob(image, _lockSources!(image),
            new ImageReference(bundle.Destination.Registry, bundle.Destination.Repository, ImgpkgTag(image.Digest!), null)), progress, ct))).ConfigureAwait(false);
        var failed = outcomes.FirstOrDefault(o => o.Status == CopyStatus.Failed);
        if (failed != null)
            throw new RegistryException(RegistryErrorKind.NotFound, bundle.Source.ToString(),
                $"The bundle {bundle.Source} was not tagged: its image {failed.Job.Source} could not be copied ({failed.Error?.Message})", failed.Error);
        foreach (var o in outcomes)
        {
            tally.AddCopied(o.BytesCopied);
            tally.AddReusedQuietly(o.BytesReused);
        }
        return outcomes.Sum(o => 1 + o.BundleImages);
    }

    /// <summary>Every manifest below an index, deepest first, so each is written after what it points at.</summary>
    public static async Task<List<ManifestDocument>> CollectChildrenAsync(IImageSource source, ManifestDocument parent, CancellationToken ct)
    {
        var result = new List<ManifestDocument>();
        if (!parent.IsIndex) return result;
        var fetched = await Task.WhenAll(parent.Children.Select(c => source.GetManifestAsync(c.Digest, ct))).ConfigureAwait(false);
        foreach (var child in fetched)
        {
            result.AddRange(await CollectChildrenAsync(source, child, ct).ConfigureAwait(false));
            result.Add(child);
        }
        return result;
    }

    private async Task EnsureBlobAsync(ImageCopyJob job, Descriptor blob, ByteTally tally, CopyProgress progress, CancellationToken ct)
    {
        var destRepo = job.Destination.Repository;
        var mine = new Lazy<Task<string>>(() => PlaceAsync(job, blob, tally, progress, ct));
        var placement = _placements.GetOrAdd(blob.Digest, mine);
        string holder;
        try
        {
            holder = await placement.Value.ConfigureAwait(false);
        }
        catch when (ReferenceEquals(placement, mine))
        {
            // Let a later image try this blob afresh rather than inherit our failure.
            _placements.TryRemove(blob.Digest, out _);
            throw;
        }
        if (ReferenceEquals(placement, mine)) return;
        if (holder == destRepo)
        {
            tally.AddReused(blob.Size, progress);
            return;
        }
        var (mounted, session) = await _destination.TryMountBlobAsync(destRepo, blob.Digest, holder, ct).ConfigureAwait(false);
        if (mounted)
        {
            tally.AddReused(blob.Size, progress);
            return;
        }
        _log?.Invoke($"{_destination.Address.Host} would not mount {blob.Digest} from {holder} into {destRepo}; uploading it.");
        await UploadAsync(job, blob, session, tally, progress, ct).ConfigureAwait(false);
    }

    private async Task<string> PlaceAsync(ImageCopyJob job, Descriptor blob, ByteTally tally, CopyProgress progress, CancellationToken ct)
    {
        var destRepo = job.Destination.Repository;
        var size = await _destination.HeadBlobAsync(destRepo, blob.Digest, RegistryScope.Push(destRepo), ct).ConfigureAwait(false);
        // Present means present with the right size (a registry that answers without Content-Length is taken at its word).
        if (size != null && (size == blob.Size || size < 0))
            tally.AddReused(blob.Size, progress);
        else
            await UploadAsync(job, blob, null, tally, progress, ct).ConfigureAwait(false);
        return destRepo;
    }

    /// <summary>Streams one blob from source to destination, verified on the way; a failed attempt restarts with a new session.</summary>
    private async Task UploadAsync(ImageCopyJob job, Descriptor blob, Uri? session, ByteTally tally, CopyProgress progress, CancellationToken ct)
    {
        var destRepo = job.Destination.Repository;
        long sent = 0;
        try
        {
            await _retry.RunAsync(async () =>
            {
                // The transfer slot is held for one attempt, not through the backoff that follows a failure.
                await _transfers.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    sent = 0;
                    var location = session ?? await _destination.StartUploadAsync(destRepo, ct).ConfigureAwait(false);
                    session = null;
                    var body = await job.From.OpenBlobAsync(blob, ct).ConfigureAwait(false);
                    using var verified = new VerifyingStream(body, blob.Digest, blob.Size, n =>
                    {
                        sent += n;
                        progress.AddCopied(n);
                    });
                    await _destination.UploadBlobAsync(location, destRepo, blob.Digest, blob.Size, verified, ct).ConfigureAwait(false);
                    return true;
                }
                finally
                {
                    _transfers.Release();
                }
            }, RetryPolicy.IsWorthRetryingTransfer, (e, attempt, delay) =>
            {
                progress.AddCopied(-sent);
                _log?.Invoke($"{job.Source}: blob {blob.Digest} failed ({e.Message}); restarting it in {delay.TotalMilliseconds:0} ms (attempt {attempt + 1} of {_retry.MaxAttempts}).");
            }, ct).ConfigureAwait(false);
        }
        catch (DigestMismatchException m)
        {
            progress.AddCopied(-sent);
            throw new RegistryException(RegistryErrorKind.DigestMismatch, job.Source.ToString(),
                $"The blob {blob.Digest} of {job.Source} arrived corrupt ({m.Message}) {_retry.MaxAttempts} times; nothing was tagged. Check the source or any proxy in between.", m);
        }
        catch (Exception e) when (!(e is OperationCanceledException))
        {
            progress.AddCopied(-sent);
            throw;
        }
        tally.AddCopied(blob.Size);
    }

    private sealed class ByteTally
    {
        private long _copied;
        private long _reused;
        public long Copied => Interlocked.Read(ref _copied);
        public long Reused => Interlocked.Read(ref _reused);
        public void AddCopied(long bytes) => Interlocked.Add(ref _copied, bytes);

        public void AddReusedQuietly(long bytes) => Interlocked.Add(ref _reused, bytes);

        public void AddReused(long bytes, CopyProgress progress)
        {
            Interlocked.Add(ref _reused, bytes);
            progress.AddReused(bytes);
        }
    }
}
