namespace CseAirgap.Engine.Plugins;

/// <summary>
/// What an operator runs after the plug-ins and the rebuilt inventory landed, so the Tanzu CLI discovers plug-ins in the
/// private registry. Facts from vmware-tanzu/tanzu-cli: `tanzu plugin source update default --uri &lt;image&gt;` points the
/// default discovery source at an OCI inventory image (cmd/plugin_source.go, whose air-gapped example is exactly this
/// form); TANZU_CLI_PLUGIN_DISCOVERY_IMAGE_SIGNATURE_VERIFICATION_SKIP_LIST is "a comma separated list of discovery
/// image urls" (pkg/constants/env_variables.go) whose cosign signature is not checked, compared with the URI as given,
/// and `tanzu config set env.&lt;NAME&gt; &lt;value&gt;` keeps such a variable in the CLI's own configuration
/// (docs/plugindev). The rebuilt inventory is not signed by VMware, so without the skip list the CLI refuses it.
/// </summary>
public sealed class TanzuCliNextSteps
{
    public const string SignatureSkipListVariable = "TANZU_CLI_PLUGIN_DISCOVERY_IMAGE_SIGNATURE_VERIFICATION_SKIP_LIST";

    /// <param name="inventoryImage">The inventory as the CLI will name it: host[:port]/path/plugin-inventory:latest, no scheme.</param>
    public TanzuCliNextSteps(string inventoryImage)
    {
        InventoryImage = inventoryImage;
    }

    public string InventoryImage { get; }

    /// <summary>Points the CLI's default discovery source at the private inventory.</summary>
    public string PluginSourceCommand => $"tanzu plugin source update default --uri {InventoryImage}";

    /// <summary>The skip list's value: the inventory image exactly as given to --uri (an existing list is extended with a comma).</summary>
    public string SignatureSkipListValue => InventoryImage;

    /// <summary>Keeps the skip list in the CLI's configuration, on any shell.</summary>
    public string SignatureSkipListCommand => $"tanzu config set env.{SignatureSkipListVariable} {InventoryImage}";
}
