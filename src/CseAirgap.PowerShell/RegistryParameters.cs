using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using CseAirgap.Engine.Images;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell;

/// <summary>A cmdlet with the transport settings -RetryBudgetSec and -StallTimeoutSec.</summary>
internal interface ITransportParameters
{
    int RetryBudgetSec { get; }
    int StallTimeoutSec { get; }
}

/// <summary>A cmdlet with a destination (-Registry): -SkipCertificateCheck then covers that registry only.</summary>
internal interface IDestinationParameters
{
    string Registry { get; }
}

/// <summary>A cmdlet with a destination that also reads sources: -SourceSkipCertificateCheck covers every other host.</summary>
internal interface ISourceTrustParameters
{
    SwitchParameter SourceSkipCertificateCheck { get; }
}

/// <summary>Turns the registry parameters several cmdlets share (-CaCertificate, -SkipCertificateCheck, -SourceMirror) into engine settings.</summary>
internal static class RegistryParameters
{
    public static RegistrySessionOptions SessionOptions(PSCmdlet cmdlet, string[]? caCertificate, bool skipCertificateCheck, Action<string> log)
    {
        var files = new List<string>();
        foreach (var p in caCertificate ?? Array.Empty<string>()) files.Add(cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(p));
        var sourceSkip = cmdlet is ISourceTrustParameters s && s.SourceSkipCertificateCheck.IsPresent;
        // With a destination, -SkipCertificateCheck is about it alone; without one, about the registries read.
        var trust = cmdlet is IDestinationParameters d && !string.IsNullOrWhiteSpace(d.Registry)
            ? new RegistryTrust(files, RegistryAddress.Parse(d.Registry).BaseUri.Authority, skipCertificateCheck, sourceSkip)
            : new RegistryTrust(files, skipCertificateCheck || sourceSkip);
        var options = new RegistrySessionOptions { Trust = trust, Log = log };
        if (cmdlet is ITransportParameters t)
        {
            options.Retry.Budget = TimeSpan.FromSeconds(t.RetryBudgetSec);
            options.StallTimeout = TimeSpan.FromSeconds(t.StallTimeoutSec);
        }
        return options;
    }

    public static SourceMirrors Mirrors(object? value)
    {
        var raw = value is PSObject pso ? pso.BaseObject : value;
        switch (raw)
        {
            case null:
                return SourceMirrors.None;
            case string every:
                return new SourceMirrors(every, null);
            case IDictionary map:
                var byHost = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (DictionaryEntry entry in map) byHost[entry.Key.ToString()!] = entry.Value?.ToString() ?? string.Empty;
                return new SourceMirrors(null, byHost);
            default:
                throw new PSArgumentException("-SourceMirror takes a string (one mirror for every source host) or a hashtable of source host to mirror, such as @{ 'projects.registry.vmware.com' = 'https://mirror.corp.local' }.");
        }
    }

    /// <summary>The credential for a registry: the one given, else the Docker config file's, else none.</summary>
    public static System.Net.NetworkCredential? CredentialFor(PSCredential? given, string host) =>
        given?.GetNetworkCredential() ?? DockerConfigCredentials.Find(host);

    /// <summary>
    /// The session settings and mirrors of a command, or a terminating error naming what is wrong with them
    /// (a missing CA file, a mirror that is not a registry address).
    /// </summary>
    public static (RegistrySessionOptions Options, SourceMirrors Mirrors) Create(PSCmdlet cmdlet, Action<string> log, string[]? caCertificate, bool skipCertificateCheck, object? sourceMirror)
    {
        try
        {
            return (SessionOptions(cmdlet, caCertificate, skipCertificateCheck, log), Mirrors(sourceMirror));
        }
        catch (Exception e) when (e is RegistryException || e is FormatException || e is PSArgumentException)
        {
            cmdlet.ThrowTerminatingError(SettingsError(e, sourceMirror ?? (object?)caCertificate));
            throw; // not reached: ThrowTerminatingError throws
        }
    }

    /// <summary>Where a source image is read: its mirror when there is one, with the source credential or the Docker config's.</summary>
    public static Func<ImageReference, IImageSource> SourceOpener(RegistrySession session, SourceMirrors mirrors, PSCredential? credential) => reference =>
    {
        var (address, fetch) = mirrors.Resolve(reference);
        return new RegistryImageSource(session.For(address, CredentialFor(credential, address.Host)), fetch);
    };

    /// <summary>A terminating error for settings that stop everything before any work.</summary>
    public static ErrorRecord SettingsError(Exception e, object? target) =>
        e is RegistryException || e is FormatException || e is PSArgumentException
            ? RegistryErrors.ToErrorRecord(e is PSArgumentException ? new RegistryException(RegistryErrorKind.InvalidInput, target?.ToString() ?? string.Empty, e.Message, e) : e, target ?? string.Empty)
            : new ErrorRecord(e, "InvalidSettings", ErrorCategory.InvalidArgument, target);
}
