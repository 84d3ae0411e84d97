using System.Collections.Concurrent;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Imgpkg;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Tests.Copy;

/// <summary>
/// A destination that behaves as a registry does where it matters here: blobs live per repository, a mount succeeds
/// only for a blob complete in the repository it is mounted from, and a manifest naming a blob its repository lacks
/// is refused (distribution's MANIFEST_BLOB_UNKNOWN). It records what happened, in order; hooks let a test hold
/// a write or a HEAD at a chosen point.
/// </summary>
internal sealed class RecordingRegistry : IImageDestination
{
    private readonly object _gate = new();
    private readonly Dictionary<string, HashSet<string>> _complete = new();

    public ConcurrentQueue<string> Events { get; } = new();
    public ConcurrentQueue<string> Refusals { get; } = new();
    public ConcurrentDictionary<(string, string), int> Uploads { get; } = new();
    public ConcurrentDictionary<(string, string), int> Heads { get; } = new();

    /// <summary>Manifest PUTs by (repository, tag or digest).</summary>
    public ConcurrentDictionary<(string, string), int> ManifestPuts { get; } = new();

    /// <summary>Runs before a manifest PUT is answered, with the destination and the reference it goes under.</summary>
    public Action<ImageReference, string>? OnManifestPut { get; set; }

    /// <summary>Declines every mount, as a registry does across projects it will not link.</summary>
    public bool DeclineMounts { get; set; }

    /// <summary>Runs before a blob write of (store, digest) completes; may wait, may throw.</summary>
    public Func<string, Descriptor, Task>? BeforeWriteCompletes { get; set; }

    /// <summary>Runs before a HEAD of (store, digest) is answered.</summary>
    public Func<string, Descriptor, Task>? BeforeHeadAnswered { get; set; }

    public string Location => "recording";
    public string BlobStoreOf(string repository) => repository;
    public bool CanMount => true;
    public int MaxParallelBlobs => 6;
    public bool CanWriteMore => true;

    public bool Holds(string store, Digest digest)
    {
        lock (_gate) return _complete.TryGetValue(store, out var set) && set.Contains(digest.Value);
    }

    /// <summary>Puts a blob into a store before the run, as an earlier run would have.</summary>
    public void Seed(string store, Digest digest) => Add(store, digest, "seeded");

    private void Add(string store, Digest digest, string how)
    {
        lock (_gate)
        {
            if (!_complete.TryGetValue(store, out var set)) _complete[store] = set = new HashSet<string>();
            set.Add(digest.Value);
        }
        Events.Enqueue($"{how} {digest.Hex.Substring(0, 8)} into {store}");
    }

    public Task<Exception?> PrepareAsync(IReadOnlyList<ImageReference> destinations, CancellationToken ct) => Task.FromResult<Exception?>(null);

    public Task<string?> ManifestDigestAsync(ImageReference destination, CancellationToken ct) => Task.FromResult<string?>(null);

    public async Task<bool> HasBlobAsync(string store, Descriptor blob, CancellationToken ct)
    {
        Heads.AddOrUpdate((store, blob.Digest.Value), 1, (_, n) => n + 1);
        if (BeforeHeadAnswered != null) await BeforeHeadAnswered(store, blob);
        return Holds(store, blob.Digest);
    }

    public Task<bool> TryMountBlobAsync(string store, Descriptor blob, string fromStore, CancellationToken ct)
    {
        if (DeclineMounts || !Holds(fromStore, blob.Digest)) return Task.FromResult(false);
        Add(store, blob.Digest, "mounted");
        return Task.FromResult(true);
    }

    public async Task WriteBlobAsync(string store, Descriptor blob, Func<CancellationToken, Task<Stream>> open, CancellationToken ct)
    {
        Uploads.AddOrUpdate((store, blob.Digest.Value), 1, (_, n) => n + 1);
        using (var body = await open(ct))
            await body.CopyToAsync(Stream.Null, 81920, ct); // the verifying stream checks the digest at the end
        if (BeforeWriteCompletes != null) await BeforeWriteCompletes(store, blob);
        Add(store, blob.Digest, "uploaded");
    }

    public Task<bool> PutManifestAsync(ImageReference destination, string reference, ManifestDocument manifest, CancellationToken ct)
    {
        var missing = manifest.Blobs.Where(b => !Holds(destination.Repository, b.Digest)).ToList();
        if (missing.Count > 0)
        {
            var refusal = $"manifest {reference} of {destination.Repository} names {missing[0].Digest.Hex.Substring(0, 8)}, not in {destination.Repository}";
            Refusals.Enqueue(refusal);
            throw new RegistryException(RegistryErrorKind.ProtocolError, destination.ToString(), "MANIFEST_BLOB_UNKNOWN: " + refusal);
        }
        Events.Enqueue($"manifest {destination.Repository}");
        ManifestPuts.AddOrUpdate((destination.Repository, reference), 1, (_, n) => n + 1);
        OnManifestPut?.Invoke(destination, reference);
        return Task.FromResult(true);
    }

    public ImageReference LockedImageDestination(ImageReference bundle, ImageReference locked) => locked;

    public Task RecordBundleAsync(ImageReference bundle, ManifestDocument manifest, IReadOnlyList<LockedImage> images, CancellationToken ct) => Task.CompletedTask;

    public void Complete() { }
}
