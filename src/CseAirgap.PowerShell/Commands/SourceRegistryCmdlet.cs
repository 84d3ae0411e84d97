using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using CseAirgap.Engine.Failures;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell.Commands;

/// <summary>
/// The base of every cmdlet that reads source images: -SourceMirror, -SourceCredential (one credential, or one per
/// host) and -NoRelocation (which turns off the table of moved hosts, <see cref="HostRelocations"/>), declared once,
/// and the <see cref="SourceAccess"/> that binds each credential to the origins it belongs to.
/// </summary>
public abstract class SourceRegistryCmdlet : RegistryCmdlet
{
    private readonly List<string> _mirrorHosts = new();

    /// <summary>A mirror for every source host (string), or a hashtable of source host to mirror.</summary>
    [Parameter]
    public object? SourceMirror { get; set; }

    /// <summary>
    /// The login for sources: one credential, for every source host and mirror the user named; or a hashtable of host to
    /// credential, each for that host alone, e.g. @{ 'projects.packages.broadcom.com' = (Get-Credential) } (a mirrored
    /// host's entry is its mirror's host). Hosts without one use the Docker config's login (docker login, credential
    /// helpers). Virtual so that one cmdlet can add an alias.
    /// </summary>
    [Parameter]
    [SourceCredentialTransformation]
    public virtual object? SourceCredential { get; set; }

    /// <summary>The parsed -SourceCredential, made in BeginProcessing.</summary>
    internal SourceCredentials SourceCredentials { get; private set; } = SourceCredentials.None;

    /// <summary>
    /// Read every reference only where it points: no asking a moved host's new name first (for a site that mirrors the
    /// old host's content itself, or to prove what an old reference still resolves to).
    /// </summary>
    [Parameter]
    public SwitchParameter NoRelocation { get; set; }

    /// <summary>The moved hosts the command follows: the built-in table, or none under -NoRelocation.</summary>
    protected HostRelocations Relocations => NoRelocation ? HostRelocations.None : HostRelocations.Default;

    /// <summary>The parsed -SourceMirror, made in BeginProcessing.</summary>
    protected SourceMirrors Mirrors { get; private set; } = SourceMirrors.None;

    /// <summary>Whether a bundle's locked image on an origin the user did not name may use the Docker config's login for it.</summary>
    protected virtual bool AllowLockedImageLoginValue => false;

    protected override void BeginProcessing()
    {
        base.BeginProcessing();
        if (!UsesRegistries) return;
        try
        {
            Mirrors = ParseMirrors(SourceMirror);
        }
        catch (Exception e) when (e is CseAirgapException || e is FormatException || e is PSArgumentException)
        {
            ThrowTerminatingError(CmdletErrors.Settings(e, SourceMirror));
        }
        try
        {
            SourceCredentials = SourceCredentials.Parse(SourceCredential);
        }
        catch (PSArgumentException e)
        {
            // The target names the parameter, not the value: the value holds credentials.
            ThrowTerminatingError(CmdletErrors.InvalidArgument(CmdletErrors.InvalidSourceCredential, e.Message, "-SourceCredential", e));
        }
    }

    /// <summary>Where source images are read through <paramref name="session"/>, and as whom (see <see cref="SourceAccess"/>).</summary>
    internal SourceAccess CreateSourceAccess(RegistrySession session) =>
        new(session, new SourceRoutes(Mirrors, Relocations), _mirrorHosts, SourceCredentials, AllowLockedImageLoginValue, Settings.Log);

    private SourceMirrors ParseMirrors(object? value)
    {
        var raw = value is PSObject pso ? pso.BaseObject : value;
        switch (raw)
        {
            case null:
                return SourceMirrors.None;
            case string every:
                _mirrorHosts.Add(RegistryAddress.Parse(every).Host);
                return new SourceMirrors(every, null);
            case IDictionary map:
                var byHost = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (DictionaryEntry entry in map)
                {
                    var target = entry.Value?.ToString() ?? string.Empty;
                    byHost[entry.Key.ToString()!] = target;
                    _mirrorHosts.Add(RegistryAddress.Parse(target).Host);
                }
                return new SourceMirrors(null, byHost);
            default:
                throw new PSArgumentException("-SourceMirror takes a string (one mirror for every source host) or a hashtable of source host to mirror, such as @{ 'projects.registry.vmware.com' = 'https://mirror.corp.local' }.");
        }
    }
}
