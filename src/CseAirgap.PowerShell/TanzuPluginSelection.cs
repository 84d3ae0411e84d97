using System.Management.Automation;
using CseAirgap.Engine.Plugins;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Completion;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell;

/// <summary>
/// Which plug-ins Get-CseTanzuPlugin lists and Publish-CseTanzuPlugin copies, and the plan of them, made one way for
/// both: the inventory of the plug-in repository, read through the command's sources, narrowed to some TKG versions,
/// systems and architectures. The two cmdlets stand on different bases (one reads, one copies into a registry), so
/// they take -TkgVersion, -OperatingSystem and -Architecture as this object through IDynamicParameters: PowerShell's
/// way to share one parameter declaration between cmdlets that share no base class.
/// </summary>
public sealed class TanzuPluginSelection
{
    [Parameter(Mandatory = true, Position = 0)]
    [ArgumentCompleter(typeof(TkgVersionCompleter))]
    [ValidateNotNullOrEmpty]
    public string[] TkgVersion { get; set; } = null!;

    [Parameter]
    [ValidateSet("linux", "windows", "darwin")]
    public string[]? OperatingSystem { get; set; }

    [Parameter]
    [ValidateSet("amd64", "arm64")]
    public string[]? Architecture { get; set; }

    /// <summary>The plan, read on <paramref name="cmdlet"/>'s work task; null when it failed (the error is written).</summary>
    internal TanzuPluginPlan? Plan(AsyncCmdlet cmdlet, SourceAccess sources)
    {
        // The plug-in repository is the command's source, as a reference the user gave would be.
        sources.Name(ImageReference.Parse(TanzuPluginPlan.InventoryReference));
        return cmdlet.TryRun(ct => TanzuPluginPlan.CreateAsync(sources.Open, TkgVersion, OperatingSystem, Architecture, cmdlet.VerboseSink, ct),
            string.Join(",", TkgVersion), out TanzuPluginPlan plan) ? plan : null;
    }

    internal static CseTanzuPlugin ToOutput(PluginImage image) => new(image.Binary.PluginName, image.Binary.Target, image.Binary.Version,
        image.Binary.OS, image.Binary.Architecture, image.Image.ToString(), image.Uri, image.Groups);
}
