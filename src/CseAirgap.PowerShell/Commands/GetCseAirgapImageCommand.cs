using System.Linq;
using System.Management.Automation;
using CseAirgap.Engine.Catalog;
using CseAirgap.PowerShell.Completion;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>Step 1 of the procedure: which getting-started-airgapped image serves a CSE version.</summary>
[Cmdlet(VerbsCommon.Get, "CseAirgapImage")]
[OutputType(typeof(CseAirgapImage))]
public sealed class GetCseAirgapImageCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(CseVersionCompleter))]
    [ValidateNotNullOrEmpty]
    public string[]? CseVersion { get; set; }

    protected override void ProcessRecord()
    {
        if (CseVersion == null)
        {
            foreach (var entry in AirgapImageCatalog.All) WriteObject(ToOutput(entry));
            return;
        }
        foreach (var version in CseVersion)
        {
            if (AirgapImageCatalog.TryFind(version, out var entry))
            {
                WriteObject(ToOutput(entry));
                continue;
            }
            var known = string.Join(", ", AirgapImageCatalog.KnownVersions.Select(v => v.EndsWith(".0") ? $"{v.Substring(0, v.Length - 2)} ({v})" : v));
            WriteError(CmdletErrors.InvalidArgument("UnknownCseVersion", $"CSE version '{version}' is not one this module knows. Known versions: {known}.", version));
        }
    }

    private static CseAirgapImage ToOutput(AirgapImageEntry e) => new(e.CseVersion, e.Reference, e.Registry, e.Repository, e.Tag);
}
