using System.Security.Cryptography.X509Certificates;

namespace CseAirgap.PowerShell.Output;

/// <summary>CSE's server configuration as VCD holds it (the vcdKeConfig entity's profiles[0]): what CSE pulls from, and which certificates its VMs trust.</summary>
public sealed class CseServerConfiguration
{
    internal CseServerConfiguration(string server, string entityId, string? etag)
    {
        Server = server;
        EntityId = entityId;
        ETag = etag;
    }

    /// <summary>The VCD (host[:port]).</summary>
    public string Server { get; }

    /// <summary>The registry CSE pulls from (it appends /tkg itself).</summary>
    public string? ContainerRegistryUrl { get; internal set; }

    /// <summary>The certificates the bootstrap VM trusts (bootstrapClusterConfig.certificateAuthorities).</summary>
    public X509Certificate2[] BootstrapCertificates { get; internal set; } = [];

    /// <summary>The certificates every cluster's nodes trust (K8Config.certificateAuthorities).</summary>
    public X509Certificate2[] ClusterCertificates { get; internal set; } = [];

    public string? HttpProxy { get; internal set; }
    public string? HttpsProxy { get; internal set; }
    public string[] NoProxy { get; internal set; } = [];

    /// <summary>The CSE server version recorded in vcdKeInstances, where the entity has it.</summary>
    public string? CseVersion { get; internal set; }
    public string? CapvcdVersion { get; internal set; }
    public string? CpiVersion { get; internal set; }
    public string? CsiVersion { get; internal set; }

    /// <summary>The runtime defined entity's id (urn:vcloud:entity:vmware:VCDKEConfig:...).</summary>
    public string EntityId { get; }

    /// <summary>The entity's ETag when read.</summary>
    public string? ETag { get; }
}
