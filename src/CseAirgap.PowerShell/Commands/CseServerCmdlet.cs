using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Vcd;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// The parameters and the session handling of the cmdlets that read or change CSE's configuration in VMware Cloud
/// Director: -Server, -Credential or -ApiToken, and TLS trust with the registry cmdlets' rules (-CaCertificate,
/// -SkipCertificateCheck). A session is opened per call and always logged out at the end.
/// </summary>
public abstract class CseServerCmdlet : AsyncCmdlet
{
    protected const string CredentialSet = "Credential";
    protected const string ApiTokenSet = "ApiToken";

    /// <summary>The VCD: host[:port] or https://host; http:// is refused (a password or token would go in clear).</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Server { get; set; } = null!;

    /// <summary>A System organisation user: "user" or "user@System".</summary>
    [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
    [Credential]
    public PSCredential Credential { get; set; } = null!;

    /// <summary>A System administrator's API token (VCD: User preferences, Access tokens).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ApiTokenSet)]
    public SecureString ApiToken { get; set; } = null!;

    /// <summary>PEM files of CAs to trust for VCD's TLS certificate, beside the machine's store.</summary>
    [Parameter]
    public string[]? CaCertificate { get; set; }

    /// <summary>Accept any TLS certificate from VCD (a lab only).</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>A client for -Server with this command's trust.</summary>
    protected VcdClient CreateClient()
    {
        var files = new List<string>();
        foreach (var p in CaCertificate ?? Array.Empty<string>()) files.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(p));
        return VcdConnection.CreateClient(Server, files, SkipCertificateCheck.IsPresent, VerboseSink);
    }

    /// <summary>How to log in, from -Credential or -ApiToken.</summary>
    protected VcdLogin CreateLogin() => VcdConnection.CreateLogin(ParameterSetName == ApiTokenSet ? null : Credential, ParameterSetName == ApiTokenSet ? ApiToken : null);

    /// <summary>Opens a provider session (the work's token is the cmdlet's).</summary>
    protected Task ConnectAsync(VcdClient client, CancellationToken ct) => client.ConnectAsync(CreateLogin(), ct);

    /// <summary>Logs out and disposes the client; never throws (a stopped pipeline, a dead network: the session expires on its own).</summary>
    protected void Close(VcdClient? client)
    {
        if (client == null) return;
        try
        {
            if (client.IsLoggedIn) Run(ct => client.LogoutAsync(ct));
        }
        catch (Exception e) when (e is PipelineStoppedException || e is OperationCanceledException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }
}
