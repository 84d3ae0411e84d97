using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Images;
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
        var plan = TanzuPluginPlanning.Create(this, TkgVersion, OperatingSystem, Architecture, SourceMirror, SourceCredential, CaCertificate, SkipCertificateCheck, out var session);
        using (session)
        using (plan)
        {
            if (plan == null) return;
            foreach (var image in plan.Images)
                WriteObject(TanzuPluginPlanning.ToOutput(image));
        }
    }

}

/// <summary>The planning step both plug-in cmdlets share: settings, then the inventory read and the selection.</summary>
internal static class TanzuPluginPlanning
{
    public static TanzuPluginPlan? Create(AsyncCmdlet cmdlet, string[] tkgVersions, string[]? os, string[]? arch, object? sourceMirror,
        PSCredential? sourceCredential, string[]? caCertificate, bool skipCertificateCheck, out RegistrySession? session)
    {
        session = null;
        var (options, mirrors) = RegistryParameters.Create(cmdlet, cmdlet.VerboseSink, caCertificate, skipCertificateCheck, sourceMirror);
        var created = new RegistrySession(options);
        session = created;
        var open = RegistryParameters.SourceOpener(created, mirrors, sourceCredential);
        try
        {
            return cmdlet.Run(ct => TanzuPluginPlan.CreateAsync(open, tkgVersions, os, arch, options.Log, ct));
        }
        catch (CseAirgapException e)
        {
            cmdlet.WriteError(RegistryErrors.ToErrorRecord(e, string.Join(",", tkgVersions)));
            return null;
        }
    }

    public static CseTanzuPlugin ToOutput(PluginImage image) => new(image.Binary.PluginName, image.Binary.Target, image.Binary.Version,
        image.Binary.OS, image.Binary.Architecture, image.Image.ToString(), image.Uri, image.Groups);
}
