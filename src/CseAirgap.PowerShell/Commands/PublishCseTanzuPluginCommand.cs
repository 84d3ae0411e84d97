using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Plugins;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Completion;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// Step 5 of the procedure: the Tanzu CLI plug-ins of some TKG versions to &lt;base&gt;/tanzu_cli/plugins/, then, last,
/// an inventory listing exactly what is there (merged with what the registry had).
/// </summary>
[Cmdlet(VerbsData.Publish, "CseTanzuPlugin", SupportsShouldProcess = true)]
[OutputType(typeof(CsePublishResult))]
public sealed class PublishCseTanzuPluginCommand : SourceRegistryCmdlet, IDestinationParameters, ISourceTrustParameters
{
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(TkgVersionCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] TkgVersion { get; set; } = null!;

    [Parameter(Mandatory = true)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = null!;

    /// <summary>Accept any TLS certificate from the sources and mirrors (-SkipCertificateCheck covers -Registry only).</summary>
    [Parameter]
    public SwitchParameter SourceSkipCertificateCheck { get; set; }

    [Parameter]
    [ValidateSet("linux", "windows", "darwin")]
    public string[]? OperatingSystem { get; set; }

    [Parameter]
    [ValidateSet("amd64", "arm64")]
    public string[]? Architecture { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateRange(1, 64)]
    public int ThrottleLimit { get; set; } = 8;

    protected override void EndProcessing()
    {
        RegistryAddress @base;
        try
        {
            @base = RegistryAddress.Parse(Registry);
        }
        catch (Exception e) when (e is FormatException || e is RegistryException)
        {
            ThrowTerminatingError(new ErrorRecord(new PSArgumentException(e.Message, e), "InvalidRegistry", ErrorCategory.InvalidArgument, Registry));
            return;
        }
        var plan = TanzuPluginPlanning.Create(this, TkgVersion, OperatingSystem, Architecture, SourceMirror, SourceCredential, CaCertificate, SkipCertificateCheck, out var session);
        using (session)
        using (plan)
        {
            if (plan == null || session == null) return;
            var prefix = @base.PathPrefix == null ? TanzuPluginPlan.PluginsFolder : @base.PathPrefix + "/" + TanzuPluginPlan.PluginsFolder;
            var jobs = new List<(ImageCopyJob Job, PluginImage Plugin)>();
            var open = RegistryParameters.SourceOpener(session, RegistryParameters.Mirrors(SourceMirror), SourceCredential);
            foreach (var image in plan.Images)
            {
                var destination = ImageReference.Parse($"{@base.Host}/{prefix}/{image.Uri}");
                if (ShouldProcess(destination.ToString(), $"Copy the plug-in {image.Binary.PluginName} {image.Binary.Version} ({image.Binary.OS}/{image.Binary.Architecture})"))
                    jobs.Add((new ImageCopyJob(image.Image, open(image.Image), destination), image));
            }
            var inventoryTarget = $"{@base.Host}/{prefix}/plugin-inventory:latest";
            if (!ShouldProcess(inventoryTarget, $"Write the plug-in inventory for TKG {string.Join(", ", TkgVersion)}")) return;

            var destinationClient = session.For(@base, RegistryParameters.CredentialFor(Credential, @base.Host));
            var copier = new ImageCopier(new RegistryDestination(destinationClient), session.Options.Retry, session.Options.Log);
            var progress = new CopyProgress(jobs.Count);
            var landed = new List<PluginImage>();
            var byJob = jobs.ToDictionary(j => j.Job, j => j.Plugin);
            string? inventoryDigest;
            try
            {
                inventoryDigest = Run<string?>(async ct =>
                {
                    await copier.RunAsync(jobs.Select(j => j.Job).ToList(), ThrottleLimit, progress, o =>
                    {
                        if (o.Status != CopyStatus.Failed) lock (landed) landed.Add(byJob[o.Job]);
                        Post(() => PublishResults.Write(this, o));
                    }, ct).ConfigureAwait(false);
                    // Last: the inventory never lists a plug-in whose image is not there.
                    if (landed.Count == 0) return null;
                    return await plan.PublishInventoryAsync(destinationClient, @base, landed, ct).ConfigureAwait(false);
                }, () => new ProgressRecord(4, $"Publishing Tanzu CLI plug-ins to {@base}",
                    $"{progress.ImagesDone} of {progress.TotalImages} images; {progress.BytesCopied / 1048576.0:0.0} MB sent"));
            }
            catch (CseAirgapException e)
            {
                WriteError(RegistryErrors.ToErrorRecord(e, inventoryTarget));
                return;
            }
            if (inventoryDigest != null)
                WriteObject(new CsePublishResult(TanzuPluginPlan.InventoryReference, inventoryTarget, inventoryDigest, CsePublishStatus.Copied, 0, 0, TimeSpan.Zero, 0, kind: "Inventory"));
        }
    }

}
