using System;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tls;

namespace CseAirgap.PowerShell.Commands;

/// <summary>The TLS chain a registry presents, leaf first, with whether it is self-signed and trusted here; -AsPem for CSE's settings.</summary>
[Cmdlet(VerbsCommon.Get, "CseRegistryCertificate")]
[OutputType(typeof(X509Certificate2), typeof(string))]
public sealed class GetCseRegistryCertificateCommand : AsyncCmdlet
{

    /// <summary>host[:port] (443 by default); a base with a path or https:// is accepted too.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = null!;

    /// <summary>The chain as PEM text, the form CSE's "cluster certificates" and bootstrap VM settings take.</summary>
    [Parameter]
    public SwitchParameter AsPem { get; set; }

    protected override void ProcessRecord()
    {
        RegistryAddress address;
        try
        {
            address = RegistryAddress.Parse(Registry);
            if (!address.UseHttps) throw new FormatException($"'{Registry}' is written http://: a plain-HTTP registry has no certificate.");
        }
        catch (Exception e) when (e is FormatException || e is RegistryException)
        {
            WriteError(new ErrorRecord(new PSArgumentException(e.Message, e), "InvalidRegistry", ErrorCategory.InvalidArgument, Registry));
            return;
        }
        var colon = address.Host.LastIndexOf(':');
        var host = colon > 0 ? address.Host.Substring(0, colon) : address.Host;
        var port = colon > 0 && int.TryParse(address.Host.Substring(colon + 1), out var p) ? p : 443;

        TlsProbeResult probe;
        try
        {
            probe = Run(ct => TlsProbe.ProbeAsync(host, port, null, TimeSpan.FromSeconds(15), ct));
        }
        catch (RegistryException e)
        {
            WriteError(RegistryErrors.ToErrorRecord(e, Registry));
            return;
        }

        if (AsPem)
        {
            WriteObject(string.Concat(probe.Chain.Select(TlsProbe.ToPem)));
            return;
        }
        foreach (var certificate in probe.Chain)
        {
            var item = PSObject.AsPSObject(certificate);
            item.Properties.Add(new PSNoteProperty("Registry", address.Host));
            item.Properties.Add(new PSNoteProperty("IsSelfSigned", TlsProbe.IsSelfSigned(certificate)));
            item.Properties.Add(new PSNoteProperty("IsTrusted", probe.TrustedByMachine));
            WriteObject(item);
        }
    }
}
