using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Vcd;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>Reads CSE's server configuration (the vcdKeConfig entity) from VMware Cloud Director as a provider.</summary>
[Cmdlet(VerbsCommon.Get, "CseServerConfiguration", DefaultParameterSetName = CredentialSet)]
[OutputType(typeof(CseServerConfiguration))]
public sealed class GetCseServerConfigurationCommand : CseServerCmdlet
{
    protected override void EndProcessing()
    {
        VcdClient? client = null;
        try
        {
            client = CreateClient();
            var entity = Run(async ct =>
            {
                await ConnectAsync(client, ct).ConfigureAwait(false);
                return await client.ReadConfigurationAsync(ct).ConfigureAwait(false);
            });
            WriteObject(ToOutput(client.Server.Authority, entity, line => WriteVerbose(line)));
        }
        catch (CseAirgapException e)
        {
            WriteError(CmdletErrors.From(e, Server));
        }
        finally
        {
            Close(client);
        }
    }

    internal static CseServerConfiguration ToOutput(string server, VcdKeConfigEntity entity, System.Action<string> log) => new(server, entity.Id, entity.ETag)
    {
        ContainerRegistryUrl = entity.GetString(CseConfigurationField.ContainerRegistryUrl),
        BootstrapCertificates = Certificates(entity, CseConfigurationField.BootstrapCertificates, log),
        ClusterCertificates = Certificates(entity, CseConfigurationField.ClusterCertificates, log),
        HttpProxy = entity.GetString(CseConfigurationField.HttpProxy),
        HttpsProxy = entity.GetString(CseConfigurationField.HttpsProxy),
        NoProxy = CseConfigurationChange.SplitNoProxy(entity.GetString(CseConfigurationField.NoProxy)).ToArray(),
        CseVersion = entity.GetString(CseConfigurationField.CseVersion),
        CapvcdVersion = entity.GetString(CseConfigurationField.CapvcdVersion),
        CpiVersion = entity.GetString(CseConfigurationField.CpiVersion),
        CsiVersion = entity.GetString(CseConfigurationField.CsiVersion),
    };

    private static X509Certificate2[] Certificates(VcdKeConfigEntity entity, CseConfigurationField field, System.Action<string> log)
    {
        var found = new List<X509Certificate2>();
        var index = 0;
        foreach (var pem in entity.GetStrings(field))
        {
            var parsed = PemCertificates.TryParseOne(pem);
            if (parsed != null) found.Add(parsed);
            else log($"{field.Name}[{index}] is not one PEM certificate; CSE's VMs will not trust it as meant. Fix it in CSE Management.");
            index++;
        }
        return found.ToArray();
    }
}
