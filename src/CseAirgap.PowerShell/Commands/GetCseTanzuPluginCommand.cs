using System.Management.Automation;
using CseAirgap.Engine.Plugins;
using CseAirgap.Engine.Registry;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>The Tanzu CLI plug-ins (and images) of the vmware-tkg/default group at some TKG versions and of the essentials group, as Publish-CseTanzuPlugin would publish them.</summary>
[Cmdlet(VerbsCommon.Get, "CseTanzuPlugin")]
[OutputType(typeof(CseTanzuPlugin))]
public sealed class GetCseTanzuPluginCommand : SourceRegistryCmdlet, IDynamicParameters
{
    private readonly TanzuPluginSelection _selection = new();

    /// <summary>-TkgVersion, -OperatingSystem and -Architecture (see <see cref="TanzuPluginSelection"/>).</summary>
    public object GetDynamicParameters() => _selection;

    protected override void EndProcessing()
    {
        using var session = new RegistrySession(Settings);
        using var plan = _selection.Plan(this, CreateSourceAccess(session));
        if (plan == null) return;
        foreach (var image in plan.Images) WriteObject(TanzuPluginSelection.ToOutput(image));
    }
}
