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
    private readonly CopyLimits _limits;
    private readonly bool _carryAttachments;

    // (blob store, digest): completes once the blob is in that store, and only then. Every image that needs the
    // blob there awaits it before writing a manifest, so no manifest goes out ahead of a blob it names.
    private readonly OncePerKey<(string Store, string Digest), bool> _present = new();

    // digest -> the store its first upload of the run went into; other stores mount from there once it is complete.
    private readonly OncePerKey<string, string> _firstUpload = new();

    // (destination, digest) of an image a bundle's lock names: copied once per run however many locks (or entries of
    // one lock) name it; every bundle that needs it awaits that one copy.
    private readonly OncePerKey<(string Destination, string Digest), ImageCopyOutcome> _lockedCopies = new();

    /// <param name="lockSources">Where to read the images an imgpkg bundle's lock names; null to copy bundles as plain images.</param>
    /// <param name="limits">How far one image may fan out; null for the defaults.</param>
    /// <param name="carryAttachments">
    /// Also copy each image's cosign signature, attestation and SBOM tags and its OCI referrers, where the source has
    /// them (imgpkg copy --cosign-signatures carries the .sig tag).
    /// </param>
    public ImageCopier(IImageDestination destination, RetryPolicy retry, Action<string>? log, Func<ImageReference, IImageSource>? lockSources = null, CopyLimits? limits = null,
        bool carryAttachments = false)
    {
        _carryAttachments = carryAttachments;
        _destination = destination;
        _retry = retry;
        _log = log;
        _lockSources = lockSources;
        _limits = limits ?? new CopyLimits();
        _transfers = new SemaphoreSlim(Math.Max(1, destination.MaxParallelBlobs));
    }

    /// <summary>Copies every job, <paramref name="throttleLimit"/> images at a time; each outcome is reported as soon as it is known.</summary>
    public async Task RunAsync(IReadOnlyList<ImageCopyJob> jobs, int throttleLimit, CopyProgress progress, Action<ImageCopyOutcome> onOutcome, CancellationToken ct)
    {
        // One token request per registry for many repositories, instead of one per repository and end.
        var destinationReady = _destination.PrepareAsync(jobs.Select(j => j.Destination).ToList(), ct);
        await Task.WhenAll(RegistryImageSource.PrepareReadsAsync(jobs.Select(j => j.From), ct), destinationReady).ConfigureAwait(false);
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

        // The command's images and every bundle's locked images share these slots (see ImageSlots for why that cannot deadlock).
        using var slots = new ImageSlots(throttleLimit);
        await Task.WhenAll(jobs.Select(async job =>
        {
            using var slot = await slots.TakeAsync(ct).ConfigureAwait(false);
            var outcome = await CopyAsync(job, new Place(slots, slot, 1, Array.Empty<string>()), progress, ct).ConfigureAwait(false);
            progress.ImageDone();
            onOutcome(outcome);
        })).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        _destination.Complete();
    }

    /// <summary>
    /// Where one copy stands in the run: the shared image slots and the one it holds, its bundle level (1 for an image
    /// the command names, 2 for an image its lock names, ...) and the digests of the bundles above it.
    /// </summary>
    private sealed class Place
    {
        public Place(ImageSlots slots, ImageSlots.Slot slot, int level, IReadOnlyCollection<string> bundlesAbove)
        {
            Slots = slots;
            Slot = slot;
            Level = level;
            BundlesAbove = bundlesAbove;
        }

        public ImageSlots Slots { get; }
        public ImageSlots.Slot Slot { get; }
        public int Level { get; }
        public IReadOnlyCollection<string> BundlesAbove { get; }
    }

    /// <param name="attached">An artefact attached to another image: copied as it is, never read as a bundle, nothing carried with it.</param>
    private async Task<ImageCopyOutcome> CopyAsync(ImageCopyJob job, Place place, CopyProgress progress, CancellationToken ct, bool attached = false)
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
            if (!attached && _lockSources != null && !top.IsIndex && top.Blobs.Count > 0 && top.Blobs[0].Size > ImageFiles.ConfigReadLimit)
                _log?.Invoke($"{job.Source}: its config is {top.Blobs[0].Size} bytes, more than the {ImageFiles.ConfigReadLimit / (1024 * 1024)} MiB read " +
                    "for imgpkg's bundle label; it is copied as a plain image, the config streamed like any blob.");
            var isBundle = !attached && _lockSources != null && await ImgpkgBundle.IsBundleAsync(job.From, top, ct).ConfigureAwait(false);
            if (await checking.ConfigureAwait(false) == top.Digest)
            {
                // The image is there; what is attached to it may not be yet (a run without -IncludeSignature, a new signature).
                var (present, sent) = attached ? (Array.Empty<string>(), false) : await CarryAttachmentsAsync(job, top, place, tally, progress, ct).ConfigureAwait(false);
                return new ImageCopyOutcome(job, sent ? CopyStatus.Copied : CopyStatus.AlreadyPresent, digest, tally.Copied, tally.Reused, clock.Elapsed,
                    top.Children.Select(c => c.Digest.Value).Distinct().Count(), null, isBundle, attachments: present);
            }

            // A bundle's images go first (into the bundle's own repository in a registry, imgpkg's relocation rule),
            // so the bundle is never tagged before everything it names is there.
            var locked = isBundle ? await CopyBundleImagesAsync(job, top, place, tally, progress, ct).ConfigureAwait(false) : new List<(LockedImage, ImageCopyOutcome)>();

            var children = await CollectChildrenAsync(job, top, ct).ConfigureAwait(false);
            var blobs = new[] { top }.Concat(children).SelectMany(m => m.Blobs)
                .GroupBy(b => b.Digest).Select(g => g.First())
                .OrderByDescending(b => b.Size) // the longest transfers start first
                .ToList();
            await Task.WhenAll(blobs.Select(b => EnsureBlobAsync(job, b, tally, progress, ct))).ConfigureAwait(false);

            // An index's manifests first, so every manifest is written after what it points at.
            var wrote = false;
            foreach (var child in children)
                wrote |= await _destination.PutManifestAsync(job.Destination, child.Digest, child, ct).ConfigureAwait(false);
            wrote |= await _destination.PutManifestAsync(job.Destination, job.Destination.ManifestReference, top, ct).ConfigureAwait(false);
            if (isBundle) await _destination.RecordBundleAsync(job.Destination, top, locked.Select(l => l.Item1).ToList(), ct).ConfigureAwait(false);
            // Only now, with the image tagged: an attachment's tag is written after what it signs is there.
            var (carried, _) = attached ? (Array.Empty<string>(), false) : await CarryAttachmentsAsync(job, top, place, tally, progress, ct).ConfigureAwait(false);
            var status = wrote || tally.Copied > 0 ? CopyStatus.Copied : CopyStatus.AlreadyPresent;
            return new ImageCopyOutcome(job, status, digest, tally.Copied, tally.Reused, clock.Elapsed, children.Count, null, isBundle,
                locked.Sum(l => 1 + l.Item2.BundleImages), carried);
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            return new ImageCopyOutcome(job, CopyStatus.Failed, digest, tally.Copied, tally.Reused, clock.Elapsed, 0, e);
        }
    }

    /// <summary>
    /// With -IncludeSignature: copies what the source has attached to the image (cosign's .sig/.att/.sbom tags, OCI
    /// referrers), each as an image of its own, digest unchanged, under its own tag (or digest) in the image's destination
    /// repository. Returns the destinations carried and whether any bytes or manifests were written for them.
    /// </summary>
    private async Task<(IReadOnlyList<string> Carried, bool Sent)> CarryAttachmentsAsync(ImageCopyJob job, ManifestDocument top, Place place, ByteTally tally, CopyProgress progress, CancellationToken ct)
    {
        if (!_carryAttachments || !(job.From is IAttachmentSource source)) return (Array.Empty<string>(), false);
        var found = await source.FindAttachmentsAsync(top.Digest, _limits.MaxManifestsPerImage, ct).ConfigureAwait(false);
        var carried = new List<string>();
        var sent = false;
        foreach (var attachment in found)
        {
            var destination = new ImageReference(job.Destination.Registry, job.Destination.Repository, attachment.Tag, attachment.Tag == null ? attachment.Digest.Value : null);
            var named = new ImageReference(job.Source.Registry, job.Source.Repository, attachment.Tag, attachment.Tag == null ? attachment.Digest.Value : null);
            var outcome = await CopyAsync(new ImageCopyJob(named, attachment.From, destination), place, progress, ct, attached: true).ConfigureAwait(false);
            if (outcome.Status == CopyStatus.Failed) throw new AttachmentFailedException(job.Source.ToString(), named.ToString(), outcome.Error!);
            // Its digest is what the source named it by: the copy read it by that digest, so nothing else can have landed.
            tally.AddCopied(outcome.BytesCopied);
            tally.AddReusedQuietly(outcome.BytesReused);
            sent |= outcome.Status == CopyStatus.Copied;
            carried.Add(destination.ToString());
            _log?.Invoke($"{job.Source}: carried {attachment.Name} ({attachment.Digest}) to {destination} ({(outcome.Status == CopyStatus.Copied ? "copied" : "already there")}).");
        }
        return (carried, sent);
    }

    private async Task<List<(LockedImage, ImageCopyOutcome)>> CopyBundleImagesAsync(ImageCopyJob bundle, ManifestDocument top, Place place, ByteTally tally, CopyProgress progress, CancellationToken ct)
    {
        if (place.Level > _limits.MaxBundleNesting) throw ImageTreeRefusedException.BundlesTooDeep(bundle.Source.ToString(), _limits.MaxBundleNesting);
        var named = await ImagesLock.ReadAsync(bundle.From, top, bundle.Source.ToString(), _limits.MaxLockEntries, ct).ConfigureAwait(false);
        // A lock naming a bundle above it (only a forged digest could) is skipped as a lock naming itself is: awaiting
        // that bundle's own copy would wait for ever.
        var above = new HashSet<string>(place.BundlesAbove, StringComparer.Ordinal) { top.Digest.Value };
        var images = named.Where(i => !above.Contains(i.Digest!))
            .GroupBy(i => i.ToString(), StringComparer.Ordinal).Select(g => g.First()).ToList();
        _log?.Invoke($"{bundle.Source} is an imgpkg bundle of {images.Count} images; copying them first.");
        var inner = new Place(place.Slots, place.Slot, place.Level + 1, above);
        // The bundle's slot is given back while its images copy, each in a slot of its own (ImageSlots).
        var copies = await place.Slot.SetAsideAsync(
            () => Task.WhenAll(images.Select(image => CopyLockedImageAsync(bundle, image, inner, progress, ct))), ct).ConfigureAwait(false);
        var failed = copies.Select(c => c.Outcome).FirstOrDefault(o => o.Status == CopyStatus.Failed);
        if (failed != null)
            throw new BundleImageFailedException(bundle.Source.ToString(), failed.Job.Source.ToString(), failed.Error!);
        foreach (var (outcome, mine) in copies)
        {
            // A copy another bundle ran (or an earlier entry of this lock) is counted once, by whoever ran it.
            if (mine) tally.AddCopied(outcome.BytesCopied);
            tally.AddReusedQuietly(mine ? outcome.BytesReused : outcome.BytesCopied + outcome.BytesReused);
        }
        return images.Zip(copies, (image, c) => (new LockedImage(image, c.Outcome.IsBundle), c.Outcome)).ToList();
    }

    /// <summary>One image of a lock, copied in a slot of its own, once per run for its destination and digest.</summary>
    private Task<(ImageCopyOutcome Outcome, bool Mine)> CopyLockedImageAsync(ImageCopyJob bundle, ImageReference image, Place inner, CopyProgress progress, CancellationToken ct)
    {
        var destination = _destination.LockedImageDestination(bundle.Destination, image);
        return _lockedCopies.RunAsync((destination.ToString(), image.Digest!), async () =>
        {
            using var slot = await inner.Slots.TakeAsync(ct).ConfigureAwait(false);
            var job = new ImageCopyJob(image, BesideBundleFirst(bundle, image), destination);
            return await CopyAsync(job, new Place(inner.Slots, slot, inner.Level, inner.BundlesAbove), progress, ct).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// imgpkg's relocation rule: a locked image is looked for in the repository its bundle was really read from
    /// (by digest) before the place the lock names, as `imgpkg copy` reads a relocated bundle. That repository is read
    /// with the bundle's own client, so it gets exactly the credential the bundle was read with; the place the lock
    /// names goes through <see cref="_lockSources"/> and its origin rule as before.
    /// </summary>
    private IImageSource BesideBundleFirst(ImageCopyJob bundle, ImageReference image)
    {
        var named = _lockSources!(image);
        if (image.Digest == null) return named;
        var beside = bundle.From.Beside(image.Digest);
        if (beside == null || beside.SharesRepositoryWith(named)) return named;
        return new FirstFoundImageSource(image.ToString(), new[]
        {
            new ImageCandidate(beside, $"{image}: read beside its bundle, at {beside.Location} (imgpkg's relocation rule)."),
            new ImageCandidate(named),
        }, _log);
    }

    /// <summary>
    /// The manifests an index lists, each once (by digest), fetched under the blob transfer limit. Only image manifests:
    /// an index inside an index is refused. OCI's image-spec lets an index list an index ("SHOULD support" a nested
    /// index), but Docker's manifest list names image manifests only, and buildx's attestations are plain image manifests
    /// inside the one index (annotated vnd.docker.reference.type: attestation-manifest); registries serve the images CSE
    /// needs (VMware's, registry.k8s.io, Docker Hub) in those shapes. Refusing nesting is what bounds the requests an
    /// index can cost: one GET per distinct manifest it lists, at most <see cref="CopyLimits.MaxManifestsPerImage"/>.
    /// </summary>
    private async Task<List<ManifestDocument>> CollectChildrenAsync(ImageCopyJob job, ManifestDocument parent, CancellationToken ct)
    {
        if (!parent.IsIndex) return new List<ManifestDocument>();
        var target = job.Source.ToString();
        var distinct = parent.Children.GroupBy(c => c.Digest.Value, StringComparer.Ordinal).Select(g => g.First()).ToList();
        if (distinct.Count > _limits.MaxManifestsPerImage) throw ImageTreeRefusedException.TooManyManifests(target, distinct.Count, _limits.MaxManifestsPerImage);
        var declared = distinct.FirstOrDefault(c => MediaTypes.IsIndex(c.MediaType));
        if (declared != null) throw ImageTreeRefusedException.NestedIndex(target, parent.Digest.Value, declared.Digest.Value);
        long held = 0;
        var fetched = await Task.WhenAll(distinct.Select(async c =>
        {
            await _transfers.WaitAsync(ct).ConfigureAwait(false);
            ManifestDocument child;
            try
            {
                // Checked against the size the index gives too (the digest is checked by the source, in its algorithm).
                child = (await job.From.GetManifestAsync(c.Digest, ct).ConfigureAwait(false))
                    .VerifiedAgainst(c.Digest, c.Size, job.Source.ToString(), "the source altered it");
            }
            finally
            {
                _transfers.Release();
            }
            // The descriptor said manifest; what came back is what counts.
            if (child.IsIndex) throw ImageTreeRefusedException.NestedIndex(target, parent.Digest.Value, c.Digest.Value);
            if (Interlocked.Add(ref held, child.Bytes.Length) > _limits.MaxManifestBytesPerImage)
                throw ImageTreeRefusedException.TooManyManifestBytes(target, _limits.MaxManifestBytesPerImage);
            return child;
        })).ConfigureAwait(false);
        return fetched.ToList();
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
