using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>One place an image may be read, and what -Verbose says when it is the one that served it.</summary>
public sealed class ImageCandidate
{
    public ImageCandidate(IImageSource source, string? whenChosen = null)
    {
        Source = source;
        WhenChosen = whenChosen;
    }

    public IImageSource Source { get; }
    public string? WhenChosen { get; }
}

/// <summary>
/// An image that may be in several places (a moved host's new and old names; a bundle's own repository and the place
/// its lock names), asked in order. The next place is asked only when one answers "not found" (404: MANIFEST_UNKNOWN,
/// NAME_UNKNOWN): a login refused, a server error or an unreachable host is the answer, because falling through on
/// those would hide the failure the user has to fix and read the image from somewhere they did not expect.
/// The place whose top manifest answered serves every later read of the image.
/// </summary>
public sealed class FirstFoundImageSource : IImageSource, IAttachmentSource
{
    private readonly string _target;
    private readonly IReadOnlyList<ImageCandidate> _candidates;
    private readonly Action<string>? _log;
    private IImageSource? _chosen;

    public FirstFoundImageSource(string target, IReadOnlyList<ImageCandidate> candidates, Action<string>? log)
    {
        if (candidates.Count == 0) throw new ArgumentException("An image needs at least one place to be read from.", nameof(candidates));
        _target = target;
        _candidates = candidates;
        _log = log;
    }

    /// <summary>The place that served the image, once its top manifest was read; null before.</summary>
    public IImageSource? Chosen => _chosen;

    public IReadOnlyList<ImageCandidate> Candidates => _candidates;

    public string Location => (_chosen ?? _candidates[0].Source).Location;

    /// <summary>Whether <paramref name="e"/> says the image is not at that place (and only that).</summary>
    public static bool MeansNotThere(Exception e) =>
        e is RegistryException { Kind: RegistryErrorKind.NotFound or RegistryErrorKind.TagListNotFound };

    public async Task<ManifestDocument> GetTopManifestAsync(CancellationToken ct)
    {
        var missedAt = new List<string>();
        for (var i = 0; ; i++)
        {
            var candidate = _candidates[i];
            try
            {
                var top = await candidate.Source.GetTopManifestAsync(ct).ConfigureAwait(false);
                _chosen = candidate.Source;
                if (candidate.WhenChosen != null) _log?.Invoke(RemoteText.Escape(candidate.WhenChosen));
                return top;
            }
            catch (RegistryException e) when (MeansNotThere(e))
            {
                missedAt.Add(candidate.Source.Location);
                if (i + 1 < _candidates.Count) continue;
                if (missedAt.Count == 1) throw;
                throw new RegistryException(e.Kind, _target,
                    $"{RemoteText.Escape(_target)} was not found at any place it may be: {string.Join(", ", missedAt.Select(RemoteText.Escape))}. " +
                    "Check that the image exists at one of them (copy it there, or give -SourceMirror where it is mirrored).", e);
            }
        }
    }

    public async Task<ManifestDocument> GetManifestAsync(Digest digest, CancellationToken ct) =>
        await (await ChosenAsync(ct).ConfigureAwait(false)).GetManifestAsync(digest, ct).ConfigureAwait(false);

    public async Task<Stream> OpenBlobAsync(Descriptor blob, CancellationToken ct) =>
        await (await ChosenAsync(ct).ConfigureAwait(false)).OpenBlobAsync(blob, ct).ConfigureAwait(false);

    /// <summary>
    /// The attachments (signatures, referrers) of the place that served the image: they live beside it, so a relocated
    /// image's signatures are read at the new host. A place that cannot hold attachments has none.
    /// </summary>
    public async Task<IReadOnlyList<ImageAttachment>> FindAttachmentsAsync(Digest subject, int most, CancellationToken ct) =>
        await ChosenAsync(ct).ConfigureAwait(false) is IAttachmentSource attachments
            ? await attachments.FindAttachmentsAsync(subject, most, ct).ConfigureAwait(false)
            : Array.Empty<ImageAttachment>();

    private async Task<IImageSource> ChosenAsync(CancellationToken ct)
    {
        if (_chosen == null) await GetTopManifestAsync(ct).ConfigureAwait(false);
        return _chosen!;
    }

    public string? ResolvedFrom(string digest) => _chosen?.ResolvedFrom(digest);

    public void KeepForNextRead(Descriptor blob, byte[] verified) => _chosen?.KeepForNextRead(blob, verified);

    public RetryPolicy ReadRetry => _chosen?.ReadRetry ?? new RetryPolicy();

    public IImageSource? Beside(string digest) => _chosen?.Beside(digest);

    public bool SharesRepositoryWith(IImageSource other) => _chosen?.SharesRepositoryWith(other) ?? false;

    /// <summary>The digest at the place that served the image, or before one did, at the first place that has it (in order, as a read would find it).</summary>
    public async Task<string?> FindTopDigestAsync(CancellationToken ct)
    {
        if (_chosen != null) return await _chosen.FindTopDigestAsync(ct).ConfigureAwait(false);
        foreach (var candidate in _candidates)
            if (await candidate.Source.FindTopDigestAsync(ct).ConfigureAwait(false) is { } digest) return digest;
        return null;
    }

    /// <summary>The tags where the image was read, or before then at the first place it is asked (a moved host's new name).</summary>
    public Task VisitTagsAsync(Action<string> visit, CancellationToken ct) => (_chosen ?? _candidates[0].Source).VisitTagsAsync(visit, ct);
}
