using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Registry;
using System.Collections.Generic;

namespace CseAirgap.Engine.Export;

/// <summary>
/// Copies images into an export (an OCI image layout on disk): every blob once, checked against its digest, then
/// platform manifests, then the image's top manifest, and only then its entry in index.json.
/// </summary>
public sealed class DependencyExporter
{
    private readonly IExportTarget _target;
    private readonly RetryPolicy _retry;
    private readonly Action<string>? _log;
    private readonly ConcurrentDictionary<string, Lazy<Task<bool>>> _blobs = new(StringComparer.Ordinal);

    private readonly Func<ImageReference, IImageSource>? _lockSources;

    /// <param name="lockSources">Where to read the images an imgpkg bundle's lock names, so the export carries them too.</param>
    public DependencyExporter(IExportTarget target, RetryPolicy retry, Action<string>? log, Func<ImageReference, IImageSource>? lockSources = null)
    {
        _lockSources = lockSources;
        _target = target;
        _retry = retry;
        _log = log;
    }

    public async Task RunAsync(IReadOnlyList<ImageCopyJob> jobs, int throttleLimit, CopyProgress progress, Action<ImageCopyOutcome> onOutcome, CancellationToken ct)
    {
        await Task.WhenAll(jobs.Select(j => j.From).OfType<RegistryImageSource>().GroupBy(s => s.Client)
            .Select(g => g.Key.PrepareTokensAsync(g.Select(s => RegistryScope.Pull(s.Fetch.Repository)), ct))).ConfigureAwait(false);
        using var images = new SemaphoreSlim(Math.Max(1, throttleLimit));
        await Task.WhenAll(jobs.Select(async job =>
        {
            await images.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                var outcome = await ExportAsync(job, progress, ct).ConfigureAwait(false);
                progress.ImageDone();
                onOutcome(outcome);
            }
            finally
            {
                images.Release();
            }
        })).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        _target.Complete();
    }

    private async Task<ImageCopyOutcome> ExportAsync(ImageCopyJob job, CopyProgress progress, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        long written = 0, reused = 0;
        string? digest = null;
        try
        {
            var top = await job.From.GetTopManifestAsync(ct).ConfigureAwait(false);
            digest = top.Digest;
            var bundleImages = 0;
            var isBundle = _lockSources != null && !top.IsIndex &&
                           (await Tkg.ImageFiles.LabelsAsync(job.From, top, ct).ConfigureAwait(false)).ContainsKey(Tkg.ImagesLock.BundleLabel);
            if (isBundle)
            {
                // The images a bundle's lock names travel in the same export, each recorded under its own reference.
                var locked = await Tkg.ImagesLock.ReadAsync(job.From, top, job.Source.ToString(), ct).ConfigureAwait(false);
                var outcomes = await Task.WhenAll(locked.Select(i => ExportAsync(new ImageCopyJob(i, _lockSources!(i), i), progress, ct))).ConfigureAwait(false);
                var failed = outcomes.FirstOrDefault(o => o.Status == CopyStatus.Failed);
                if (failed != null)
                    throw new RegistryException(RegistryErrorKind.NotFound, job.Source.ToString(), $"The bundle {job.Source} was not exported: its image {failed.Job.Source} failed ({failed.Error?.Message})", failed.Error);
                foreach (var o in outcomes)
                {
                    Interlocked.Add(ref written, o.BytesCopied);
                    Interlocked.Add(ref reused, o.BytesReused);
                }
                bundleImages = outcomes.Sum(o => 1 + o.BundleImages);
            }
            var children = await ImageCopier.CollectChildrenAsync(job.From, top, ct).ConfigureAwait(false);
            var blobs = new[] { top }.Concat(children).SelectMany(m => m.Blobs)
                .GroupBy(b => b.Digest).Select(g => g.First()).OrderByDescending(b => b.Size).ToList();
            using var parallel = new SemaphoreSlim(_target.MaxParallelBlobs);
            await Task.WhenAll(blobs.Select(async blob =>
            {
                await parallel.WaitAsync(ct).ConfigureAwait(false);
                try
                {
                    if (await EnsureBlobAsync(job, blob, progress, ct).ConfigureAwait(false)) Interlocked.Add(ref written, blob.Size);
                    else
                    {
                        Interlocked.Add(ref reused, blob.Size);
                        progress.AddReused(blob.Size);
                    }
                }
                finally
                {
                    parallel.Release();
                }
            })).ConfigureAwait(false);
            foreach (var manifest in children.Concat(new[] { top }))
            {
                var descriptor = new Descriptor(manifest.MediaType, manifest.Digest, manifest.Bytes.Length, null);
                if (!_target.HasBlob(descriptor))
                    await _target.WriteBlobAsync(descriptor, _ => Task.FromResult<Stream>(new MemoryStream(manifest.Bytes, writable: false)), ct).ConfigureAwait(false);
            }
            _target.AddImage(new LayoutImage(job.Source.ToString(), new Descriptor(top.MediaType, top.Digest, top.Bytes.Length, null)));
            return new ImageCopyOutcome(job, written > 0 ? CopyStatus.Copied : CopyStatus.AlreadyPresent, digest, written, reused, clock.Elapsed, top.Children.Count, null, isBundle, bundleImages);
        }
        catch (Exception e) when (!(e is OperationCanceledException && ct.IsCancellationRequested))
        {
            return new ImageCopyOutcome(job, CopyStatus.Failed, digest, written, reused, clock.Elapsed, 0, e);
        }
    }

    /// <summary>Writes a blob once per run, whichever image asks first; true when this call wrote it.</summary>
    private async Task<bool> EnsureBlobAsync(ImageCopyJob job, Descriptor blob, CopyProgress progress, CancellationToken ct)
    {
        if (_target.HasBlob(blob)) return false;
        var mine = new Lazy<Task<bool>>(() => WriteWithRetriesAsync(job, blob, progress, ct));
        var task = _blobs.GetOrAdd(blob.Digest, mine);
        try
        {
            await task.Value.ConfigureAwait(false);
        }
        catch when (ReferenceEquals(task, mine))
        {
            _blobs.TryRemove(blob.Digest, out _);
            throw;
        }
        return ReferenceEquals(task, mine);
    }

    private async Task<bool> WriteWithRetriesAsync(ImageCopyJob job, Descriptor blob, CopyProgress progress, CancellationToken ct)
    {
        long sent = 0;
        try
        {
            return await _retry.RunAsync(async () =>
            {
                sent = 0;
                await _target.WriteBlobAsync(blob, async token =>
                {
                    var raw = await job.From.OpenBlobAsync(blob, token).ConfigureAwait(false);
                    return new VerifyingStream(raw, blob.Digest, blob.Size, n =>
                    {
                        sent += n;
                        progress.AddCopied(n);
                    });
                }, ct).ConfigureAwait(false);
                return true;
            },
            // A tar that failed midway holds half an entry: nothing may be appended, so no retry there.
            e => RetryPolicy.IsWorthRetryingTransfer(e) && !(_target is TarExportTarget t && t.IsBroken),
            (e, _, delay) =>
            {
                progress.AddCopied(-sent);
                _log?.Invoke($"{job.Source}: blob {blob.Digest} failed ({e.Message}); writing it again in {delay.TotalMilliseconds:0} ms.");
            }, ct).ConfigureAwait(false);
        }
        catch (DigestMismatchException m)
        {
            throw new RegistryException(RegistryErrorKind.DigestMismatch, job.Source.ToString(),
                $"The blob {blob.Digest} of {job.Source} arrived corrupt ({m.Message}); it was not kept.", m);
        }
    }
}
