using System.Collections.Generic;
using CseAirgap.Engine.Registry;

namespace CseAirgap.Engine.Images;

/// <summary>
/// The tags under which artefacts of an image are found. cosign stores a signature, an attestation and an SBOM of the
/// image with digest sha256:&lt;hex&gt; at the tags sha256-&lt;hex&gt;.sig, .att and .sbom of the image's repository
/// (imgpkg copy --cosign-signatures looks for the .sig tag only); OCI distribution 1.1's referrers tag schema stores the
/// referrers list of a registry without the referrers API as an index at the tag sha256-&lt;hex&gt;.
/// </summary>
public static class AttachmentTags
{
    /// <summary>cosign's suffixes: signature, attestation, SBOM.</summary>
    public static readonly IReadOnlyList<string> CosignSuffixes = new[] { "sig", "att", "sbom" };

    /// <summary>cosign's tags for the image with that digest.</summary>
    public static IEnumerable<string> Cosign(Digest subject)
    {
        // A tag holds at most 128 characters: a sha512 digest has no cosign tag.
        foreach (var suffix in CosignSuffixes)
            if (subject.TagForm.Length + 1 + suffix.Length <= 128) yield return subject.TagForm + "." + suffix;
    }

    /// <summary>The OCI 1.1 referrers tag schema: &lt;alg&gt;-&lt;hex&gt; (the spec limits the hex to 64 characters).</summary>
    public static string Referrers(Digest subject) => subject.Algorithm + "-" + (subject.Hex.Length > 64 ? subject.Hex.Substring(0, 64) : subject.Hex);

    /// <summary>Every tag an artefact of that image may be stored under.</summary>
    public static IEnumerable<string> All(Digest subject)
    {
        foreach (var tag in Cosign(subject)) yield return tag;
        yield return Referrers(subject);
    }
}
