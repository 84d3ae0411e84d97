using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Vcd;
using CseAirgap.PowerShell.Output;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// Points CSE at the private registry: sets profiles[0].containerRegistryUrl, adds certificates to the bootstrap VM's
/// and the clusters' lists, adds noProxy entries. Validates first, backs the entity up, writes it once with If-Match,
/// merges a concurrent change that touched other fields, and says CSE must be restarted.
/// </summary>
[Cmdlet(VerbsCommon.Set, "CseServerConfiguration", DefaultParameterSetName = CredentialSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(CseServerConfigurationResult))]
public sealed class SetCseServerConfigurationCommand : CseServerCmdlet
{
    private readonly List<X509Certificate2> _certificates = new();

    /// <summary>The registry CSE pulls from: host[:port][/path], no scheme, no trailing /tkg.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? ContainerRegistryUrl { get; set; }

    /// <summary>PEM text, PEM file paths, or X509Certificate2 objects (Get-CseRegistryCertificate's output pipes in).</summary>
    [Parameter(ValueFromPipeline = true)]
    [ValidateNotNullOrEmpty]
    public object[]? Certificate { get; set; }

    /// <summary>Which list the certificates go to: the bootstrap VM's, the clusters', or both.</summary>
    [Parameter]
    public Output.CseCertificateScope CertificateScope { get; set; } = Output.CseCertificateScope.Both;

    /// <summary>Entries to add to the bootstrap VM's noProxy.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? NoProxy { get; set; }

    /// <summary>The folder the entity as read is saved to before the write; the current folder by default.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? BackupPath { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var item in Certificate ?? Array.Empty<object>())
        {
            try
            {
                _certificates.AddRange(ReadCertificates(item));
            }
            catch (CseAirgapException e)
            {
                ThrowTerminatingError(CmdletErrors.From(e, item));
            }
        }
    }

    protected override void EndProcessing()
    {
        VcdClient? client = null;
        try
        {
            if (ContainerRegistryUrl != null) CseConfigurationValidator.CheckRegistryUrl(ContainerRegistryUrl);
            var change = new CseConfigurationChange(ContainerRegistryUrl, _certificates, (Engine.Vcd.CseCertificateScope)(int)CertificateScope, NoProxy);
            if (change.Fields.Count == 0)
                throw new VcdException(VcdErrorKind.InvalidConfiguration, Server, "Nothing to change: give -ContainerRegistryUrl, -Certificate or -NoProxy.");
            var backupFolder = SessionState.Path.GetUnresolvedProviderPathFromPSPath(BackupPath ?? ".");

            client = CreateClient();
            var (read, changes) = Run(async ct =>
            {
                await ConnectAsync(client, ct).ConfigureAwait(false);
                var entity = await client.ReadConfigurationAsync(ct).ConfigureAwait(false);
                var after = entity.Clone();
                var planned = change.ApplyTo(after);
                await new CseConfigurationValidator().ValidateAsync(change, after, ct).ConfigureAwait(false);
                return (entity, planned);
            });
            var server = client.Server.Authority;
            foreach (var c in changes) WriteVerbose($"{server}: {c}");

            var result = new CseServerConfigurationResult(server, read.Id) { ETag = read.ETag };
            if (changes.Count == 0)
            {
                result.NextStep = "Nothing to do: CSE's configuration already holds every value asked for.";
                WriteObject(result);
                return;
            }
            var diff = new StringBuilder($"Change CSE's configuration ({read.Id}) on {server}:");
            foreach (var c in changes) diff.Append(Environment.NewLine).Append("  ").Append(c.Field).Append(": ").Append(c.Before).Append(" -> ").Append(c.After);
            if (!ShouldProcess(diff.ToString(), $"{diff}{Environment.NewLine}CSE must be restarted afterwards. Write it?", "Set-CseServerConfiguration")) return;

            var backup = CseConfigurationWriter.BackupPathFor(backupFolder, client.Server, DateTime.UtcNow);
            var written = Run(ct => CseConfigurationWriter.WriteAsync(client, read, change, backup, VerboseSink, ct));
            result.Changes = written.Changes.Select(c => new CseServerConfigurationChange(c.Field, c.Before, c.After)).ToArray();
            result.ETag = written.ETag;
            result.BackupPath = written.BackupPath;
            result.Merged = written.StaleRetries > 0;
            result.RestartRequired = written.Changes.Count > 0;
            result.NextStep = result.RestartRequired
                ? "Restart the CSE server VM (or its vApp) so CSE reads the new configuration; clusters created before keep their settings. To undo, PUT the backup file's content back to the entity."
                : "Nothing to do: CSE's configuration already holds every value asked for.";
            WriteObject(result);
        }
        catch (CseAirgapException e)
        {
            ThrowTerminatingError(CmdletErrors.From(e, Server));
        }
        finally
        {
            Close(client);
        }
    }

    /// <summary>An X509Certificate2, PEM text, or a PEM file (path or FileInfo).</summary>
    private IEnumerable<X509Certificate2> ReadCertificates(object item)
    {
        var value = item is PSObject pso ? pso.BaseObject : item;
        switch (value)
        {
            case X509Certificate2 certificate:
                return new[] { certificate };
            case FileInfo file:
                return PemCertificates.Parse(ReadFile(file.FullName), file.FullName);
            case string text when text.IndexOf("-----BEGIN", StringComparison.Ordinal) >= 0:
                return PemCertificates.Parse(text, "PEM text");
            case string path:
                var full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
                return PemCertificates.Parse(ReadFile(full), full);
            default:
                throw new VcdException(VcdErrorKind.InvalidConfiguration, value?.ToString() ?? string.Empty,
                    $"-Certificate takes PEM text, a PEM file or an X509Certificate2, not a {value?.GetType().Name ?? "null"}.");
        }
    }

    private static string ReadFile(string path)
    {
        try
        {
            // A certificate file is small; a huge one is a mistake, not a certificate list.
            var info = new FileInfo(path);
            if (info.Exists && info.Length > 1024 * 1024)
                throw new VcdException(VcdErrorKind.InvalidConfiguration, path, $"'{path}' is larger than 1 MiB: it is not a PEM certificate file.");
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            throw new VcdException(VcdErrorKind.InvalidConfiguration, path, $"The certificate file '{path}' cannot be read: {e.Message}", e);
        }
    }
}
