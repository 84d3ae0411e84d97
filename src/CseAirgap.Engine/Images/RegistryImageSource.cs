using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>An image in a registry repository (the source host, or a mirror of it).</summary>
public sealed class RegistryImageSource : IImageSource, IAttachmentSource
{
    // A copy reads an image's config twice: once for imgpkg's bundle label (ImageFiles), once to send it. The label
    // reader hands its verified bytes back, and the next read of that blob takes them instead of asking the source
    // again. Each is served once and then dropped, and only a small blob is kept (a config is a few KB).
    private const int KeptBlobMaxBytes = 64 * 1024;
    private readonly ConcurrentDictionary<string, byte[]> _kept = new();

    public RegistryImageSource(RegistryClient client, ImageReference fetch)
    {
        Client = client;
        Fetch = fetch;
    }

    public RegistryClient Client { get; }
    public ImageReference Fetch { get; }
    public string Location => Fetch.ToString();

    public Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct) => Client.GetManifestAsync(Fetch.Repository, Fetch.ManifestReference, ct);

    public Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct) => Client.GetManifestAsync(Fetch.Repository, digest, ct);

    public async Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct)
    {
        if (_kept.TryRemove(blob.Digest.Value, out var kept)) return new MemoryStream(kept, writable: false);
        // A large blob in ranges over several connections, any blob resumed where a cut left it (RangedBlobFetch).
        return await RangedBlobFetch.OpenAsync(Client, Fetch.Repository, blob, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// cosign's .sig, .att and .sbom tags of the image (found by HEAD, as imgpkg looks for its .sig: a 404 is "none"), then its
    /// OCI 1.1 referrers: the referrers API where the registry has one, else the referrers tag schema's index. Each is read
    /// from this repository by the digest found, so what is copied is what was found.
    /// </summary>
    public async Task<IReadOnlyList<ImageAttachment>> FindAttachmentsAsync(Digest subject, int most, CancellationToken ct)
    {
        var repository = Fetch.Repository;
        var scope = RegistryScope.Pull(repository);
        var found = new List<ImageAttachment>();
        foreach (var tag in AttachmentTags.Cosign(subject))
        {
            var digest = await Client.HeadManifestAsync(repository, tag, scope, ct).ConfigureAwait(false);
            if (digest != null) found.Add(new ImageAttachment(tag, Digest.Parse(digest, $"{Client.Address.Host}/{repository}:{tag}"), At(digest)));
        }
        var referrers = await Client.GetReferrersAsync(repository, subject, most, ct).ConfigureAwait(false);
        if (referrers == null)
        {
            var tag = AttachmentTags.Referrers(subject);
            var digest = await Client.HeadManifestAsync(repository, tag, scope, ct).ConfigureAwait(false);
            if (digest != null) found.Add(new ImageAttachment(tag, Digest.Parse(digest, $"{Client.Address.Host}/{repository}:{tag}"), At(digest)));
        }
        else
        {
            // A cosign tag cosign also made a referrer of (its OCI 1.1 mode) is copied once, under its tag.
            var tagged = new HashSet<string>(found.Select(f => f.Digest.Value));
            foreach (var referrer in referrers.GroupBy(r => r.Digest.Value).Select(g => g.First()).Where(r => !tagged.Contains(r.Digest.Value)))
                found.Add(new ImageAttachment(null, referrer.Digest, At(referrer.Digest.Value)));
        }
        return found;
    }

    private RegistryImageSource At(string digest) => new(Client, new ImageReference(Fetch.Registry, Fetch.Repository, null, digest));

    /// <summary>Bytes of <paramref name="blob"/> a reader has already checked against its digest, for the next read of it.</summary>
    public void KeepForNextRead(Descriptor blob, byte[] verified)
    {
        if (verified.Length <= KeptBlobMaxBytes) _kept[blob.Digest.Value] = verified;
    }

    public string? ResolvedFrom(string digest) => $"{Fetch.Registry}/{Fetch.Repository}@{digest}";

    public RetryPolicy ReadRetry => Client.Retry;

    public IImageSource? Beside(string digest) => At(digest);

    public bool SharesRepositoryWith(IImageSource other) => other switch
    {
        RegistryImageSource registry => registry.Client == Client && registry.Fetch.Repository == Fetch.Repository,
        FirstFoundImageSource { Chosen: { } chosen } => SharesRepositoryWith(chosen),
        _ => false,
    };

    public Task<string?> FindTopDigestAsync(CancellationToken ct) =>
        Client.HeadManifestAsync(Fetch.Repository, Fetch.ManifestReference, RegistryScope.Pull(Fetch.Repository), ct);

    public Task VisitTagsAsync(System.Action<string> visit, CancellationToken ct) => Client.VisitTagsAsync(Fetch.Repository, visit, ct);

    /// <summary>
    /// One token request per registry for many repositories, instead of one per repository and end: the pull scopes of
    /// every registry place among <paramref name="sources"/>, asked of each client at once (other sources need none).
    /// </summary>
    public static Task PrepareReadsAsync(IEnumerable<IImageSource> sources, CancellationToken ct) =>
        Task.WhenAll(sources.OfType<RegistryImageSource>().GroupBy(s => s.Client)
            .Select(g => (Task)g.Key.PrepareTokensAsync(g.Select(s => RegistryScope.Pull(s.Fetch.Repository)), ct)));
}
