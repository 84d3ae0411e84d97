using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using CseAirgap.Engine.Copy;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Plugins;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// Step 5 of the procedure: the Tanzu CLI plug-ins of some TKG versions to &lt;base&gt;/tanzu_cli/plugins/, then, last,
/// an inventory listing exactly what is there (merged with what the registry had).
/// </summary>
[Cmdlet(VerbsData.Publish, "CseTanzuPlugin", SupportsShouldProcess = true)]
[OutputType(typeof(CsePublishResult))]
public sealed class PublishCseTanzuPluginCommand : PublishingCmdlet, IDynamicParameters
{
    private readonly TanzuPluginSelection _selection = new();

    /// <summary>-TkgVersion, -OperatingSystem and -Architecture (see <see cref="TanzuPluginSelection"/>).</summary>
    public object GetDynamicParameters() => _selection;

    protected override void EndProcessing()
    {
        using var session = new RegistrySession(Settings);
        var sources = CreateSourceAccess(session);
        using var plan = _selection.Plan(this, sources);
        if (plan == null) return;
        var prefix = Base.PathPrefix == null ? TanzuPluginPlan.PluginsFolder : Base.PathPrefix + "/" + TanzuPluginPlan.PluginsFolder;
        var planned = new Dictionary<ImageCopyJob, PluginImage>();
        foreach (var image in plan.Images)
        {
            var destination = ImageReference.Parse($"{Base.Host}/{prefix}/{image.Uri}");
            if (ShouldProcess(destination.ToString(), $"Copy the plug-in {image.Binary.PluginName} {image.Binary.Version} ({image.Binary.OS}/{image.Binary.Architecture})"))
                planned.Add(new ImageCopyJob(image.Image, sources.Open(image.Image), destination), image);
        }
        var inventoryTarget = $"{Base.Host}/{prefix}/plugin-inventory:latest";
        if (!ShouldProcess(inventoryTarget, $"Write the plug-in inventory for TKG {string.Join(", ", _selection.TkgVersion)}")) return;

        var destinationClient = DestinationClient(session);
        var landed = new List<PluginImage>();
        string? inventoryDigest = null;
        try
        {
            Copy(new RegistryDestination(destinationClient), planned.Keys.ToList(), sources.Open, $"Publishing Tanzu CLI plug-ins to {Base}",
                landed: o =>
                {
                    if (o.Status != CopyStatus.Failed) lock (landed) landed.Add(planned[o.Job]);
                },
                // Last: the inventory never lists a plug-in whose image is not there.
                then: async ct => inventoryDigest = landed.Count == 0 ? null : await plan.PublishInventoryAsync(destinationClient, Base, landed, ct).ConfigureAwait(false));
        }
        catch (CseAirgapException e)
        {
            WriteError(CmdletErrors.From(e, inventoryTarget));
            return;
        }
        if (inventoryDigest == null) return;
        var next = new TanzuCliNextSteps(inventoryTarget);
        WriteObject(new CsePublishResult(TanzuPluginPlan.InventoryReference, inventoryTarget, inventoryDigest, CsePublishStatus.Copied, 0, 0, System.TimeSpan.Zero, 0, kind: "Inventory")
        {
            PluginSourceCommand = next.PluginSourceCommand,
            SignatureSkipListVariable = TanzuCliNextSteps.SignatureSkipListVariable,
            SignatureSkipListValue = next.SignatureSkipListValue,
            SignatureSkipListCommand = next.SignatureSkipListCommand,
        });
        WriteVerbose($"Next, so the Tanzu CLI uses this inventory: '{next.PluginSourceCommand}' and '{next.SignatureSkipListCommand}' (or set {TanzuCliNextSteps.SignatureSkipListVariable}={next.SignatureSkipListValue}).");
    }
}
