using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using CseAirgap.Engine.Registry;

namespace CseAirgap.PowerShell;

/// <summary>
/// -SourceCredential as given: one PSCredential (for every source host and mirror the user named, see
/// <see cref="SourceAccess"/>), or a hashtable of host → PSCredential, each credential for its own host alone (the
/// host a request really goes to: a mirror's host when -SourceMirror maps the source there). Hosts are compared as
/// the Docker config compares them (host[:port], any scheme or path written around them dropped).
/// </summary>
internal sealed class SourceCredentials
{
    public const string Usage =
        "-SourceCredential takes one credential (for every source host and mirror you named), such as (Get-Credential), or a hashtable " +
        "of host to credential, each used for its host alone, such as @{ 'projects.packages.broadcom.com' = (Get-Credential) }.";

    private readonly Dictionary<string, PSCredential> _byHost = new(StringComparer.OrdinalIgnoreCase);

    private SourceCredentials(PSCredential? every) => Every = every;

    public static SourceCredentials None { get; } = new(null);

    /// <summary>The one credential for every named host, when given so.</summary>
    public PSCredential? Every { get; }

    /// <summary>Whether it was given per host.</summary>
    public bool IsPerHost => _byHost.Count > 0;

    /// <summary>The credential given for <paramref name="host"/> in the per-host form, or null.</summary>
    public PSCredential? ForHost(string host) => _byHost.TryGetValue(DockerConfigCredentials.HostOf(host), out var c) ? c : null;

    /// <summary>The parsed parameter; a PSArgumentException that says what to write for anything else.</summary>
    public static SourceCredentials Parse(object? value)
    {
        switch (Unwrap(value))
        {
            case null:
                return None;
            case PSCredential one:
                return new SourceCredentials(one);
            case IDictionary map:
                var parsed = new SourceCredentials(null);
                foreach (DictionaryEntry entry in map)
                {
                    var host = Unwrap(entry.Key) as string;
                    if (string.IsNullOrWhiteSpace(host))
                        throw new PSArgumentException("A key of -SourceCredential is not a host name. " + Usage);
                    if (Unwrap(entry.Value) is not PSCredential credential)
                        throw new PSArgumentException($"The value for '{host}' in -SourceCredential is not a credential (write (Get-Credential) or a [pscredential]). " + Usage);
                    parsed._byHost[DockerConfigCredentials.HostOf(host!)] = credential;
                }
                return parsed;
            default:
                throw new PSArgumentException($"-SourceCredential was given a {Unwrap(value)!.GetType().Name}. " + Usage);
        }
    }

    private static object? Unwrap(object? value) => value is PSObject pso ? pso.BaseObject : value;
}

/// <summary>
/// Lets -SourceCredential keep [Credential]'s behaviour for a user name or nothing (the prompt), while a PSCredential or a
/// hashtable pass through untouched to be checked by <see cref="SourceCredentials.Parse"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class SourceCredentialTransformationAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
    {
        var raw = inputData is PSObject pso ? pso.BaseObject : inputData;
        return raw is string ? new CredentialAttribute().Transform(engineIntrinsics, inputData) : inputData;
    }
}
