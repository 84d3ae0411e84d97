using System;
using System.Collections.Generic;
using System.Management.Automation;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// The base of every cmdlet that talks to registries: trust (-CaCertificate, -SkipCertificateCheck) and transport
/// (-RetryBudgetSec, -StallTimeoutSec) are declared here once and turned once, in BeginProcessing, into the
/// <see cref="Settings"/> every session of the command uses; a -Registry is parsed there once too. So is the proxy
/// (-Proxy, -ProxyCredential, -NoProxy): every cmdlet that talks to a registry reaches it the same way.
/// </summary>
public abstract class RegistryCmdlet : AsyncCmdlet
{
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string[]? CaCertificate { get; set; }

    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>How long one request may keep being told to wait (429, 503 with Retry-After) before it fails.</summary>
    [Parameter]
    [ValidateRange(1, 86400)]
    public int RetryBudgetSec { get; set; } = 300;

    /// <summary>The longest silence of a registry: for an answer to begin, and between the bytes of a body.</summary>
    [Parameter]
    [ValidateRange(1, 3600)]
    public int StallTimeoutSec { get; set; } = 60;

    /// <summary>
    /// The HTTP proxy for every registry request (http://host:port). Without it the system's proxy is used: HTTPS_PROXY,
    /// HTTP_PROXY and NO_PROXY on Linux and macOS; on Windows, PowerShell 7 reads those variables and then the user's
    /// WinINET (Internet Options) settings, Windows PowerShell 5.1 the WinINET settings. Loopback addresses never go
    /// through a proxy.
    /// </summary>
    [Parameter]
    [ValidateNotNull]
    public Uri? Proxy { get; set; }

    /// <summary>The proxy's own account (a 407 asks for it); it goes only to the proxy, never to a registry.</summary>
    [Parameter]
    [Credential]
    [ValidateNotNull]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>Connect directly, ignoring any system proxy.</summary>
    [Parameter]
    public SwitchParameter NoProxy { get; set; }

    /// <summary>The session settings of the command, made in BeginProcessing.</summary>
    protected RegistrySessionOptions Settings { get; private set; } = null!;

    /// <summary>The -Registry of a cmdlet that has one, parsed; null for one that has none.</summary>
    protected RegistryAddress? TargetRegistry { get; private set; }

    /// <summary>
    /// The -Registry as written, for a cmdlet that writes to or checks one: -SkipCertificateCheck then covers that
    /// registry alone. Null (the default) when the cmdlet only reads.
    /// </summary>
    protected virtual string? RegistryArgument => null;

    /// <summary>Whether certificates of every host other than -Registry go unchecked (-SourceSkipCertificateCheck).</summary>
    protected virtual bool SkipSourceCertificateCheck => false;

    /// <summary>Whether this invocation talks to registries at all (Expand-CseArtifact -Path does not): no settings are made otherwise.</summary>
    protected virtual bool UsesRegistries => true;

    protected override void BeginProcessing()
    {
        if (!UsesRegistries) return;
        RefuseInvalidProxy();
        if (RegistryArgument != null) TargetRegistry = ParseRegistry(RegistryArgument);
        try
        {
            Settings = CreateSettings(TargetRegistry);
        }
        catch (Exception e) when (e is CseAirgapException || e is PSArgumentException)
        {
            ThrowTerminatingError(CmdletErrors.Settings(e, CaCertificate));
        }
    }

    /// <summary>
    /// Refuses, before any work, a base parameter the current parameter set has no use for: parameters declared on a
    /// base bind in every set of a cmdlet, so a set they mean nothing in says so by name rather than ignoring them.
    /// </summary>
    protected void RefuseUnusedParameters(IEnumerable<string> names, string errorId, string why)
    {
        foreach (var name in names)
            if (MyInvocation.BoundParameters.ContainsKey(name))
                ThrowTerminatingError(CmdletErrors.InvalidArgument(errorId, $"-{name} {why}: leave -{name} out.", name));
    }

    private void RefuseInvalidProxy()
    {
        if (NoProxy && (Proxy != null || ProxyCredential != null))
            ThrowTerminatingError(CmdletErrors.InvalidArgument(CmdletErrors.InvalidProxy,
                "-NoProxy connects directly: leave out -Proxy and -ProxyCredential, or -NoProxy.", nameof(NoProxy)));
        if (Proxy != null && (!Proxy.IsAbsoluteUri || Proxy.Scheme != Uri.UriSchemeHttp || !string.IsNullOrEmpty(Proxy.UserInfo)))
            ThrowTerminatingError(CmdletErrors.InvalidArgument(CmdletErrors.InvalidProxy,
                "-Proxy takes an HTTP proxy's address, such as http://proxy.example:3128, with no user name in it (pass -ProxyCredential).", nameof(Proxy)));
    }

    /// <summary>A -Registry value as an address, or the command's terminating InvalidRegistry error.</summary>
    protected RegistryAddress ParseRegistry(string text)
    {
        try
        {
            return RegistryAddress.Parse(text);
        }
        catch (Exception e) when (e is FormatException || e is CseAirgapException)
        {
            // FormatException today; an engine InvalidRegistry failure once the engine raises its own: one ID either way.
            ThrowTerminatingError(CmdletErrors.InvalidArgument(CmdletErrors.InvalidRegistry, e.Message, text, e));
            throw; // not reached: ThrowTerminatingError throws
        }
    }

    /// <summary>The destination's credential: the one given, else the Docker config file's login for its host, else none.</summary>
    protected static System.Net.NetworkCredential? DestinationCredential(PSCredential? given, RegistryAddress destination) =>
        given?.GetNetworkCredential() ?? DockerConfigCredentials.Find(destination.Host);

    /// <summary>
    /// The settings for a registry this command learns of only while it works (Test-CseRegistryLayout -FromServer reads
    /// it from CSE's configuration): -SkipCertificateCheck then covers that registry alone, as if it had been -Registry.
    /// </summary>
    protected RegistrySessionOptions SettingsFor(RegistryAddress target) => CreateSettings(target);

    private RegistrySessionOptions CreateSettings(RegistryAddress? target)
    {
        var files = new List<string>();
        foreach (var p in CaCertificate ?? Array.Empty<string>()) files.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(p));
        // With a destination, -SkipCertificateCheck is about it alone; without one, about the registries read.
        var trust = target != null
            ? new RegistryTrust(files, target.BaseUri.Authority, SkipCertificateCheck, SkipSourceCertificateCheck)
            : new RegistryTrust(files, SkipCertificateCheck || SkipSourceCertificateCheck);
        var options = new RegistrySessionOptions { Trust = trust, Log = VerboseSink };
        options.Retry.Budget = TimeSpan.FromSeconds(RetryBudgetSec);
        options.StallTimeout = TimeSpan.FromSeconds(StallTimeoutSec);
        options.Proxy = Proxy;
        options.NoProxy = NoProxy;
        options.ProxyCredential = ProxyCredential?.GetNetworkCredential();
        return options;
    }
}
