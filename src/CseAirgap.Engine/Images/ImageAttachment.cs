using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>
/// An artefact stored beside an image that names it: a cosign signature, attestation or SBOM under its tag
/// (sha256-&lt;hex&gt;.sig, .att, .sbom), the OCI 1.1 referrers tag (sha256-&lt;hex&gt;, an index), or one referrer the
/// registry's referrers API lists (by digest, no tag). It is copied as an image of its own, into the image's repository.
/// </summary>
public sealed class ImageAttachment
{
    public ImageAttachment(string? tag, Digest digest, IImageSource from)
    {
        Tag = tag;
        Digest = digest;
        From = from;
    }

    /// <summary>The tag it is stored under, or null for a referrer the API lists (kept by digest).</summary>
    public string? Tag { get; }

    public Digest Digest { get; }

    /// <summary>Where its manifest and blobs are read.</summary>
    public IImageSource From { get; }

    /// <summary>For messages: its tag, or its digest.</summary>
    public string Name => Tag ?? Digest.Value;
}

/// <summary>A source that can say what is attached to an image it holds (a registry repository, an export).</summary>
public interface IAttachmentSource
{
    /// <summary>
    /// What is attached to the image whose top manifest has <paramref name="subject"/> as digest; empty when nothing is.
    /// Absent artefacts are not an error; any other failure to look is. More than <paramref name="most"/> is refused.
    /// </summary>
    Task<IReadOnlyList<ImageAttachment>> FindAttachmentsAsync(Digest subject, int most, CancellationToken ct);
}
