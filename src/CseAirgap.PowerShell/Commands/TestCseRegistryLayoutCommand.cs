using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using CseAirgap.Engine.Checks;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;
using CseAirgap.Engine.Tls;
using CseAirgap.Engine.Vcd;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>Proof that a registry is ready for CSE: layout, plug-in inventory, every dependency present, identical and pullable.</summary>
/// <remarks>
/// With -FromServer the registry is the one CSE is configured to use (its vcdKeConfig entity in VMware Cloud Director):
/// the URL as CSE reads it, and both of CSE's certificate lists against the certificate the registry presents, are
/// checked before the layout itself, so what is proven is exactly what CSE will pull.
/// Not a <see cref="PublishingCmdlet"/>: it copies nothing, and its -Registry is positional (the registry is what it
/// tests) where the publishers' is not; a parameter's position is part of its one declaration, so it declares -Registry,
/// -Credential and -SourceSkipCertificateCheck itself and hands -Registry to the base to parse.
/// </remarks>
[Cmdlet(VerbsDiagnostic.Test, "CseRegistryLayout", DefaultParameterSetName = RegistrySet)]
[OutputType(typeof(CseCheckResult), typeof(bool))]
public sealed class TestCseRegistryLayoutCommand : SourceRegistryCmdlet
{
    private const string RegistrySet = "Registry";
    private const string ServerCredentialSet = "FromServerCredential";
    private const string ServerApiTokenSet = "FromServerApiToken";
    private readonly List<ImageReference> _dependencies = new();

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = RegistrySet)]
    [ValidateNotNullOrEmpty]
    public string Registry { get; set; } = null!;

    /// <summary>The VMware Cloud Director whose CSE configuration names the registry to check (host[:port] or https://host).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ServerCredentialSet)]
    [Parameter(Mandatory = true, ParameterSetName = ServerApiTokenSet)]
    [ValidateNotNullOrEmpty]
    public string FromServer { get; set; } = null!;

    /// <summary>A System organisation user of -FromServer ("user" or "user@System").</summary>
    [Parameter(Mandatory = true, ParameterSetName = ServerCredentialSet)]
    [Credential]
    public PSCredential ServerCredential { get; set; } = null!;

    /// <summary>A System administrator's API token for -FromServer.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ServerApiTokenSet)]
    public System.Security.SecureString ServerApiToken { get; set; } = null!;

    /// <summary>Accept any TLS certificate from the sources and mirrors (-SkipCertificateCheck covers -Registry only).</summary>
    [Parameter]
    public SwitchParameter SourceSkipCertificateCheck { get; set; }

    [Parameter(ValueFromPipeline = true)]
    [DependencyTransformation]
    public CseDependency[]? Dependency { get; set; }

    [Parameter]
    [Credential]
    public PSCredential? Credential { get; set; }

    protected override string? RegistryArgument => ParameterSetName == RegistrySet ? Registry : null;

    protected override bool SkipSourceCertificateCheck => SourceSkipCertificateCheck;

    /// <summary>Only $true (nothing failed) or $false.</summary>
    [Parameter]
    public SwitchParameter Quiet { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var d in Dependency ?? Array.Empty<CseDependency>())
            if (d.Enabled) _dependencies.Add(d.ToImageReference());
    }

    protected override void EndProcessing()
    {
        var checks = new List<CheckResult>();
        RegistryAddress address;
        RegistrySessionOptions settings;
        if (ParameterSetName == RegistrySet)
        {
            address = TargetRegistry!;
            settings = Settings;
        }
        else
        {
            var configured = ReadServerConfiguration(checks);
            if (configured == null)
            {
                Write(checks);
                return;
            }
            address = configured;
            settings = SettingsFor(address);
        }

        using var session = new RegistrySession(settings);
        using var anonymous = new RegistrySession(settings);
        var sources = CreateSourceAccess(session);
        foreach (var dependency in _dependencies) sources.Name(dependency);
        var inspector = new LayoutInspector(address,
            session.For(address, DestinationCredential(Credential, address)),
            anonymous.For(address, null),
            sources.OpenFirst);
        try
        {
            checks.AddRange(Run(ct => inspector.InspectAsync(_dependencies.Distinct().ToList(), ct)));
        }
        catch (CseAirgap.Engine.Failures.CseAirgapException e)
        {
            // The registry itself misbehaved (a paging loop, an oversized answer): no check result can stand for that.
            ThrowTerminatingError(CmdletErrors.From(e, address.ToString()));
            return;
        }
        Write(checks);
    }

    private void Write(IReadOnlyList<CheckResult> checks)
    {
        var results = CheckResults.ToOutput(checks);
        if (Quiet) WriteObject(results.All(r => r.Status != CseCheckStatus.Failed));
        else WriteObject(results, enumerateCollection: true);
    }

    /// <summary>
    /// Reads CSE's configuration from -FromServer and adds the rows about it (the URL, both certificate lists against
    /// what the registry presents); the registry to check, or null when the configuration names none usable.
    /// </summary>
    private RegistryAddress? ReadServerConfiguration(List<CheckResult> checks)
    {
        var files = new List<string>();
        foreach (var p in CaCertificate ?? Array.Empty<string>()) files.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(p));
        VcdClient? client = null;
        VcdKeConfigEntity entity;
        try
        {
            client = VcdConnection.CreateClient(FromServer, files, SkipCertificateCheck.IsPresent, VerboseSink);
            var login = VcdConnection.CreateLogin(ParameterSetName == ServerCredentialSet ? ServerCredential : null, ParameterSetName == ServerApiTokenSet ? ServerApiToken : null);
            entity = Run(async ct =>
            {
                try
                {
                    await client.ConnectAsync(login, ct).ConfigureAwait(false);
                    return await client.ReadConfigurationAsync(ct).ConfigureAwait(false);
                }
                finally
                {
                    // A session is never left open: a runbook may call this every night.
                    if (client.IsLoggedIn) await client.LogoutAsync(CancellationToken.None).ConfigureAwait(false);
                }
            });
        }
        catch (CseAirgap.Engine.Failures.CseAirgapException e)
        {
            ThrowTerminatingError(CmdletErrors.From(e, FromServer));
            return null;
        }
        finally
        {
            client?.Dispose();
        }

        var server = client.Server.Authority;
        var url = entity.GetString(CseConfigurationField.ContainerRegistryUrl);
        var urlCheck = ConfiguredRegistryInspector.CheckUrl(server, url);
        checks.Add(urlCheck);
        if (urlCheck.Status == CheckStatus.Failed) return null;
        var address = ParseRegistry(url!);
        WriteVerbose($"CSE on {server} pulls from {address}.");
        if (!address.BaseUri.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase)) return address;

        TlsProbeResult presented;
        try
        {
            presented = Run(ct => TlsProbe.ProbeAsync(address.BaseUri.Host, address.BaseUri.Port, null, TimeSpan.FromSeconds(StallTimeoutSec), ct));
        }
        catch (CseAirgap.Engine.Failures.CseAirgapException e)
        {
            ThrowTerminatingError(CmdletErrors.From(e, address.ToString()));
            return null;
        }
        var authority = address.BaseUri.Authority;
        checks.Add(ConfiguredRegistryInspector.CheckCertificates("Bootstrap", CseConfigurationField.BootstrapCertificates.Name, authority, presented,
            entity.GetStrings(CseConfigurationField.BootstrapCertificates)));
        checks.Add(ConfiguredRegistryInspector.CheckCertificates("Cluster", CseConfigurationField.ClusterCertificates.Name, authority, presented,
            entity.GetStrings(CseConfigurationField.ClusterCertificates)));
        return address;
    }
}
