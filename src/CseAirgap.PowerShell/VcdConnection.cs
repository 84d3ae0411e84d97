using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using System.Security;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Vcd;

namespace CseAirgap.PowerShell;

/// <summary>
/// How a cmdlet reaches VMware Cloud Director: a client with the registry cmdlets' trust rules, and the login made from
/// a PSCredential or an API token. Shared by the CSE server cmdlets and Test-CseRegistryLayout -FromServer.
/// </summary>
internal static class VcdConnection
{
    /// <param name="caFiles">-CaCertificate, already resolved to file-system paths.</param>
    public static VcdClient CreateClient(string server, IEnumerable<string> caFiles, bool skipCertificateCheck, System.Action<string> log) =>
        new(VcdServerAddress.Parse(server), new RegistryTrust(caFiles, skipCertificateCheck), log);

    /// <summary>How to log in; the secret leaves its SecureString here, for the login request only.</summary>
    public static VcdLogin CreateLogin(PSCredential? credential, SecureString? apiToken) =>
        apiToken != null
            ? VcdLogin.FromApiToken(new NetworkCredential(string.Empty, apiToken).Password)
            // The name as typed: GetNetworkCredential() would split "user@System" into a user and a Windows domain.
            : VcdLogin.FromCredential(new NetworkCredential(credential!.UserName, credential.GetNetworkCredential().Password));
}
