using System.Management.Automation;
using CseAirgap.Engine.Copy;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell;

/// <summary>One copy outcome as the cmdlets report it: an error record when it failed, and the result object.</summary>
internal static class PublishResults
{
    public static void Write(PSCmdlet cmdlet, ImageCopyOutcome o, string? destination = null)
    {
        if (o.Error != null) cmdlet.WriteError(RegistryErrors.ToErrorRecord(o.Error, o.Job.Source.ToString()));
        var status = o.Status switch
        {
            CopyStatus.Copied => CsePublishStatus.Copied,
            CopyStatus.AlreadyPresent => CsePublishStatus.AlreadyPresent,
            _ => CsePublishStatus.Failed,
        };
        cmdlet.WriteObject(new CsePublishResult(o.Job.Source.ToString(), destination ?? o.Job.Destination.ToString(), o.Digest, status,
            o.BytesCopied, o.BytesReused, o.Duration, o.Platforms, o.IsBundle, o.BundleImages));
    }
}
