using System.Management.Automation;
using CseAirgap.Engine.Plugins;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Completion;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>The Tanzu CLI plug-ins (and images) of the vmware-tkg/default group at some TKG versions and of the essentials group, as Publish-CseTanzuPlugin would publish them.</summary>
[Cmdlet(VerbsCommon.Get, "CseTanzuPlugin")]
[OutputType(typeof(CseTanzuPlugin))]
public sealed class GetCseTanzuPluginCommand : SourceRegistryCmdlet
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

    protected override void EndProcessing()
    {
        using var session = new RegistrySession(Settings);
        var sources = CreateSourceAccess(session);
        if (!TryRun(ct => TanzuPluginPlanning.CreateAsync(sources, TkgVersion, OperatingSystem, Architecture, Settings.Log, ct), string.Join(",", TkgVersion), out TanzuPluginPlan plan))
            return;
        using (plan)
            foreach (var image in plan.Images)
                WriteObject(TanzuPluginPlanning.ToOutput(image));
    }
}
