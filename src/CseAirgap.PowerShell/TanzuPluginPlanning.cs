using System;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Plugins;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell;

/// <summary>
/// What Get-CseTanzuPlugin lists and Publish-CseTanzuPlugin copies, planned one way for both: the inventory of the
/// plug-in repository, read through the command's sources, narrowed to some TKG versions, systems and architectures.
/// </summary>
internal static class TanzuPluginPlanning
{
    public static Task<TanzuPluginPlan> CreateAsync(SourceAccess sources, string[] tkgVersions, string[]? os, string[]? arch, Action<string>? log, CancellationToken ct)
    {
        // The plug-in repository is the command's source, as a reference the user gave would be.
        sources.Name(ImageReference.Parse(TanzuPluginPlan.InventoryReference));
        return TanzuPluginPlan.CreateAsync(sources.Open, tkgVersions, os, arch, log, ct);
    }

    public static CseTanzuPlugin ToOutput(PluginImage image) => new(image.Binary.PluginName, image.Binary.Target, image.Binary.Version,
        image.Binary.OS, image.Binary.Architecture, image.Image.ToString(), image.Uri, image.Groups);
}
