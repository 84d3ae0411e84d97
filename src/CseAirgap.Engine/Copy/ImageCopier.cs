using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Imgpkg;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Copy;

/// <summary>
/// Copies images into one destination (a registry, an OCI layout folder or tar), never leaving a tag that points at
/// something incomplete: a bundle's locked images first, then blobs (each verified), then platform manifests by
/// digest, then the top manifest under its tag. Each blob is sent once per run and mounted where the destination can.
/// </summary>
public sealed class ImageCopier
{
    private readonly IImageDestination _destination;
    private readonly RetryPolicy _retry;
    private readonly Action<string>? _log;
    private readonly Func<ImageReference, IImageSource>? _lockSources;
    private readonly SemaphoreSlim _transfers;

    // (blob store, digest): completes once the blob is in that store, and only then. Every image that needs the
    // blob there awaits it before writing a manifest, so no manifest goes out ahead of a blob it names.
    private readonly OncePerKey<(string Store, string Digest), bool> _present = new();

    // digest -> the store its first upload of the run went into; other stores mount from there once it is complete.
    private readonly OncePerKey<string, string> _firstUpload = new();

    /// <param name="lockSources">Where to read the images an imgpkg bundle's lock names; null to copy bundles as plain images.</param>
    public ImageCopier(IImageDestination destination, RetryPolicy retry, Action<string>? log, Func<ImageReference, IImageSource>? lockSources = null)
    {
        _destination = destination;
        _retry = retry;
        _log = log;
        _lockSources = lockSources;
        _transfers = new SemaphoreSlim(Math.Max(1, destination.MaxParallelBlobs));
    }

    /// <summary>Copies every job, <paramref name="throttleLimit"/> images at a time; each outcome is reported as soon as it is known.</summary>
    public async Task RunAsync(IReadOnlyList<ImageCopyJob> jobs, int throttleLimit, CopyProgress progress, Action<ImageCopyOutcome> onOutcome, CancellationToken ct)
    {
        // One token request per registry for many repositories, instead of one per repository and end.
        var destinationReady = _destination.PrepareAsync(jobs.Select(j => j.Destination).ToList(), ct);
        await Task.WhenAll(jobs.Select(j => j.From).OfType<RegistryImageSource>().GroupBy(s => s.Client)
            .Select(g => (Task)g.Key.PrepareTokensAsync(g.Select(s => RegistryScope.Pull(s.Fetch.Repository)), ct))
            .Concat(new[] { destinationReady })).ConfigureAwait(false);
        var unusable = await destinationReady.ConfigureAwait(false);
        if (unusable != null)
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
        await Task.WhenAll(jobs.Select(async job =>
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
        })).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        _destination.Complete();
    }

    public async Task<ImageCopyOutcome> CopyAsync(ImageCopyJob job, CopyProgress progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var tally = new ByteTally();
        string? digest = null;
        try
        {
            // Both ends at once: on a re-run this pair is all the work an image needs.
            var fetching = job.From.GetTopManifestAsync(ct);
            var checking = _destination.ManifestDigestAsync(job.Destination, ct);
            await Task.WhenAll(fetching, checking).ConfigureAwait(false);
            var top = await fetching.ConfigureAwait(false);
            digest = top.Digest;
            var isBundle = _lockSources != null && await ImgpkgBundle.IsBundleAsync(job.From, top, ct).ConfigureAwait(false);
            if (await checking.ConfigureAwait(false) == top.Digest)
                return new ImageCopyOutcome(job, CopyStatus.AlreadyPresent, digest, 0, 0, clock.Elapsed, top.Children.Count, null, isBundle);

            // A bundle's images go first (into the bundle's own repository in a registry, imgpkg's relocation rule),
            // so the bundle is never tagged before everything it names is there.
            var locked = isBundle ? await CopyBundleImagesAsync(job, top, tally, progress, ct).ConfigureAwait(false) : new List<(LockedImage, ImageCopyOutcome)>();

            var children = await CollectChildrenAsync(job.From, top, ct).ConfigureAwait(false);
            var blobs = new[] { top }.Concat(children).SelectMany(m => m.Blobs)
                .GroupBy(b => b.Digest).Select(g => g.First())
                .OrderByDescending(b => b.Size) // the longest transfers start first
                .ToList();
            await Task.WhenAll(blobs.Select(b => EnsureBlobAsync(job, b, tally, progress, ct))).ConfigureAwait(false);

            // Children were collected deepest first, so every manifest is written after what it points at.
            var wrote = false;
            foreach (var child in children)
                wrote |= await _destination.PutManifestAsync(job.Destination, child.Digest, child, ct).ConfigureAwait(false);
            wrote |= await _destination.PutManifestAsync(job.Destination, job.Destination.ManifestReference, top, ct).ConfigureAwait(false);
            if (isBundle) await _destination.RecordBundleAsync(job.Destination, top, locked.Select(l => l.Item1).ToList(), ct).ConfigureAwait(false);
            var status = wrote || tally.Copied > 0 ? CopyStatus.Copied : CopyStatus.AlreadyPresent;
            return new ImageCopyOutcome(job, status, digest, tally.Copied, tally.Reused, clock.Elapsed, top.Children.Count, null, isBundle,
                locked.Sum(l => 1 + l.Item2.BundleImages));
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            return new ImageCopyOutcome(job, CopyStatus.Failed, digest, tally.Copied, tally.Reused, clock.Elapsed, 0, e);
        }
    }

    private async Task<List<(LockedImage, ImageCopyOutcome)>> CopyBundleImagesAsync(ImageCopyJob bundle, ManifestDocument top, ByteTally tally, CopyProgress progress, CancellationToken ct)
    {
        var locked = await ImagesLock.ReadAsync(bundle.From, top, bundle.Source.ToString(), ct).ConfigureAwait(false);
        _log?.Invoke($"{bundle.Source} is an imgpkg bundle of {locked.Count} images; copying them first.");
        var outcomes = await Task.WhenAll(locked.Select(image => CopyAsync(
            new ImageCopyJob(image, _lockSources!(image), _destination.LockedImageDestination(bundle.Destination, image)), progress, ct))).ConfigureAwait(false);
        var failed = outcomes.FirstOrDefault(o => o.Status == CopyStatus.Failed);
        if (failed != null)
            throw new BundleImageFailedException(bundle.Source.ToString(), failed.Job.Source.ToString(), failed.Error!);
        foreach (var o in outcomes)
        {
            tally.AddCopied(o.BytesCopied);
            tally.AddReusedQuietly(o.BytesReused);
        }
        return outcomes.Select(o => (new LockedImage(o.Job.Source, o.IsBundle), o)).ToList();
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

    /// <summary>Returns once the blob is in the store this image's manifests go to, however it got there.</summary>
    private async Task EnsureBlobAsync(ImageCopyJob job, Descriptor blob, ByteTally tally, CopyProgress progress, CancellationToken ct)
    {
        var store = _destination.BlobStoreOf(job.Destination.Repository);
        var (sent, mine) = await _present.RunAsync((store, blob.Digest.Value), () => PlaceAsync(job, store, blob, progress, ct)).ConfigureAwait(false);
        // The image whose placement sent the bytes counts them; every other image that needs the blob there reuses them.
        if (mine && sent) tally.AddCopied(blob.Size);
        else tally.AddReused(blob.Size, progress);
    }

    /// <summary>Puts one blob into one store; true when its bytes were sent (not found there, not mounted).</summary>
    private async Task<bool> PlaceAsync(ImageCopyJob job, string store, Descriptor blob, CopyProgress progress, CancellationToken ct)
    {
        // A blob this run has already uploaded into another repository is mounted without asking first: a mount also
        // answers for a blob this repository holds already, so the HEAD would be a request spent on nothing.
        if (_destination.CanMount && _firstUpload.TryGetCompleted(blob.Digest.Value, out var uploadedTo))
            return await MountOrSendAsync(job, store, blob, uploadedTo, looked: false, progress, ct).ConfigureAwait(false);
        if (await _destination.HasBlobAsync(store, blob, ct).ConfigureAwait(false)) return false;
        if (!_destination.CanMount)
        {
            await SendAsync(job, store, blob, progress, ct).ConfigureAwait(false);
            return true;
        }
        string holder;
        var sentHere = false;
        try
        {
            var (first, mine) = await _firstUpload.RunAsync(blob.Digest.Value, async () =>
            {
                sentHere = true;
                await SendAsync(job, store, blob, progress, ct).ConfigureAwait(false);
                return store;
            }).ConfigureAwait(false);
            if (mine) return true;
            holder = first;
        }
        catch (Exception e) when (!sentHere && !(e is OperationCanceledException))
        {
            // The first upload (another image's) failed: this image tries the blob itself.
            _log?.Invoke($"{job.Source}: {blob.Digest} did not arrive for another image ({e.Message}); sending it for this one.");
            await SendAsync(job, store, blob, progress, ct).ConfigureAwait(false);
            return true;
        }
        // The holder's upload has completed: only now is there something to mount.
        return await MountOrSendAsync(job, store, blob, holder, looked: true, progress, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Mounts a blob from the store this run uploaded it into; where the registry declines, sends it, unless a look
    /// not yet taken finds it there already. True when its bytes were sent.
    /// </summary>
    private async Task<bool> MountOrSendAsync(ImageCopyJob job, string store, Descriptor blob, string holder, bool looked, CopyProgress progress, CancellationToken ct)
    {
        if (await _destination.TryMountBlobAsync(store, blob, holder, ct).ConfigureAwait(false)) return false;
        // A declined mount may have opened an upload session; left unused when the blob is there, the registry
        // expires it as it does any abandoned upload.
        if (!looked && await _destination.HasBlobAsync(store, blob, ct).ConfigureAwait(false)) return false;
        _log?.Invoke($"{_destination.Location} would not mount {blob.Digest} from {holder} into {store}; uploading it.");
        await SendAsync(job, store, blob, progress, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Streams one blob from the source into the destination, verified on the way; a failed attempt starts afresh.</summary>
    private async Task SendAsync(ImageCopyJob job, string store, Descriptor blob, CopyProgress progress, CancellationToken ct)
    {
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
                    await _destination.WriteBlobAsync(store, blob, async token =>
                    {
                        var body = await job.From.OpenBlobAsync(blob, token).ConfigureAwait(false);
                        return new VerifyingStream(body, blob.Digest, blob.Size, n =>
                        {
                            sent += n;
                            progress.AddCopied(n);
                        });
                    }, ct).ConfigureAwait(false);
                    return true;
                }
                finally
                {
                    _transfers.Release();
                }
            },
            // A tar that failed midway holds half an entry: nothing may be appended, so no retry there.
            e => RetryPolicy.IsWorthRetryingTransfer(e) && _destination.CanWriteMore,
            (e, attempt, delay) =>
            {
                progress.AddCopied(-sent);
                _log?.Invoke($"{job.Source}: blob {blob.Digest} failed ({e.Message}); restarting it in {delay.TotalMilliseconds:0} ms (attempt {attempt + 1} of {_retry.MaxAttempts}).");
            }, ct).ConfigureAwait(false);
        }
        catch (DigestMismatchException m)
        {
            progress.AddCopied(-sent);
            throw new RegistryException(RegistryErrorKind.DigestMismatch, job.Source.ToString(),
                $"The blob {blob.Digest} of {job.Source} arrived corrupt ({m.Message}); it was not kept and nothing was tagged. Check the source or any proxy in between.", m);
        }
        catch (Exception e) when (!(e is OperationCanceledException))
        {
            progress.AddCopied(-sent);
            throw;
        }
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
