using System;
using CseAirgap.Engine.Failures;

namespace CseAirgap.Engine.Copy;

/// <summary>
/// A signature, attestation, SBOM or referrer of an image (-IncludeSignature) was found but could not be copied. The
/// image itself is in place; its inner error stays attached and its ID is named, so a script can tell why.
/// </summary>
public sealed class AttachmentFailedException : CseAirgapException
{
    public AttachmentFailedException(string image, string attachment, Exception inner)
        : base("SignatureCopyFailed", inner is CseAirgapException known ? known.Category : FailureCategory.NotSpecified, image,
            $"{image} was copied, but {attachment}, which is attached to it (a signature, attestation, SBOM or referrer), was not " +
            $"({(inner is CseAirgapException k ? k.ErrorId : inner.GetType().Name)}: {inner.Message}). Fix what that error names and run the command again " +
            "with -IncludeSignature; what is already there is not sent twice.", inner)
    {
        Attachment = attachment;
    }

    /// <summary>The attached artefact that failed, as the source names it.</summary>
    public string Attachment { get; }
}
