using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace CseAirgap.Engine.Vcd;

/// <summary>
/// A field of CSE's configuration this module reads or writes, by its path inside the vcdKeConfig entity's
/// <c>entity</c> object (CSE 4.1/4.2, type vmware:VCDKEConfig:1.1.0; terraform-provider-vcd's
/// vcdkeconfig.json.template and vcdkeconfig-type-schema-v1.1.0.json name them). CSE reads profiles[0] only.
/// </summary>
public sealed class CseConfigurationField
{
    private CseConfigurationField(string name, params object[] path)
    {
        Name = name;
        Path = path;
    }

    /// <summary>The dotted path admins see in messages and diffs: profiles[0].containerRegistryUrl.</summary>
    public string Name { get; }

    /// <summary>Property names (string) and array indexes (int) under entity.</summary>
    public IReadOnlyList<object> Path { get; }

    public static readonly CseConfigurationField ContainerRegistryUrl = new("profiles[0].containerRegistryUrl", "profiles", 0, "containerRegistryUrl");
    public static readonly CseConfigurationField BootstrapCertificates = new("profiles[0].bootstrapClusterConfig.certificateAuthorities", "profiles", 0, "bootstrapClusterConfig", "certificateAuthorities");
    public static readonly CseConfigurationField ClusterCertificates = new("profiles[0].K8Config.certificateAuthorities", "profiles", 0, "K8Config", "certificateAuthorities");
    public static readonly CseConfigurationField HttpProxy = new("profiles[0].bootstrapClusterConfig.proxyConfig.httpProxy", "profiles", 0, "bootstrapClusterConfig", "proxyConfig", "httpProxy");
    public static readonly CseConfigurationField HttpsProxy = new("profiles[0].bootstrapClusterConfig.proxyConfig.httpsProxy", "profiles", 0, "bootstrapClusterConfig", "proxyConfig", "httpsProxy");
    public static readonly CseConfigurationField NoProxy = new("profiles[0].bootstrapClusterConfig.proxyConfig.noProxy", "profiles", 0, "bootstrapClusterConfig", "proxyConfig", "noProxy");
    public static readonly CseConfigurationField CseVersion = new("profiles[0].vcdKeInstances[0].version", "profiles", 0, "vcdKeInstances", 0, "version");
    public static readonly CseConfigurationField CapvcdVersion = new("profiles[0].bootstrapClusterConfig.capiEcosystem.infraProvider.version", "profiles", 0, "bootstrapClusterConfig", "capiEcosystem", "infraProvider", "version");
    public static readonly CseConfigurationField CpiVersion = new("profiles[0].K8Config.cpi.version", "profiles", 0, "K8Config", "cpi", "version");
    public static readonly CseConfigurationField CsiVersion = new("profiles[0].K8Config.csi[0].version", "profiles", 0, "K8Config", "csi", 0, "version");

    /// <summary>The node at this path under <paramref name="entity"/>, or null where any step is missing.</summary>
    public JsonNode? Find(JsonNode? entity)
    {
        var node = entity;
        foreach (var step in Path)
        {
            node = step switch
            {
                string name when node is JsonObject o => o.TryGetPropertyValue(name, out var child) ? child : null,
                int index when node is JsonArray a => index < a.Count ? a[index] : null,
                _ => null,
            };
            if (node == null) return null;
        }
        return node;
    }

    /// <summary>
    /// Sets the value at this path, creating missing objects on the way (never arrays: profiles[0] must exist).
    /// The parent's other properties are untouched, in their order.
    /// </summary>
    internal void Set(JsonNode entity, JsonNode? value)
    {
        JsonNode node = entity;
        for (var i = 0; i < Path.Count - 1; i++)
        {
            var step = Path[i];
            JsonNode? next = step switch
            {
                string name when node is JsonObject o => o.TryGetPropertyValue(name, out var child) ? child : null,
                int index when node is JsonArray a => index < a.Count ? a[index] : null,
                _ => null,
            };
            if (next == null)
            {
                if (step is not string name || node is not JsonObject parent || Path[i + 1] is int)
                    throw new VcdException(VcdErrorKind.InvalidConfiguration, Name, $"CSE's configuration has no {Name}'s parent; it is not a CSE 4.1/4.2 vcdKeConfig entity.");
                next = new JsonObject();
                parent[name] = next;
            }
            node = next;
        }
        if (node is not JsonObject last || Path[Path.Count - 1] is not string property)
            throw new VcdException(VcdErrorKind.InvalidConfiguration, Name, $"CSE's configuration has no object holding {Name}.");
        last[property] = value;
    }

    public override string ToString() => Name;
}
