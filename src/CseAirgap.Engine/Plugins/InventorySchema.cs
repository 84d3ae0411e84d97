namespace CseAirgap.Engine.Plugins;

/// <summary>
/// The module's own statements for the two databases it writes, the tables and keys of tanzu-cli's
/// pkg/plugininventory/data/sqlite create_tables.sql and plugin_inventory_metadata_tables.sql. A new database is
/// always made from these: SQL found inside a database that came from a registry is never run (a schema row can
/// carry ATTACH and write anywhere the user can).
/// </summary>
internal static class InventorySchema
{
    public static readonly string[] BinaryColumns =
        { "PluginName", "Target", "RecommendedVersion", "Version", "Hidden", "Description", "Publisher", "Vendor", "OS", "Architecture", "Digest", "URI" };

    public static readonly string[] GroupColumns =
        { "Vendor", "Publisher", "GroupName", "GroupVersion", "Description", "PluginName", "Target", "PluginVersion", "Mandatory", "Hidden" };

    public static readonly string[] AvailableBinaryColumns = { "PluginName", "Target", "Version" };

    /// <summary>Newer tanzu-cli releases key available groups by version too; older ones do not.</summary>
    public static string[] AvailableGroupColumns(bool withVersion) =>
        withVersion ? new[] { "Vendor", "Publisher", "GroupName", "GroupVersion" } : new[] { "Vendor", "Publisher", "GroupName" };

    public const string Inventory =
        "CREATE TABLE IF NOT EXISTS \"PluginBinaries\" (" + "\n" +
        "  \"PluginName\" TEXT NOT NULL, \"Target\" TEXT NOT NULL, \"RecommendedVersion\" TEXT NOT NULL, \"Version\" TEXT NOT NULL," + "\n" +
        "  \"Hidden\" TEXT NOT NULL, \"Description\" TEXT NOT NULL, \"Publisher\" TEXT NOT NULL, \"Vendor\" TEXT NOT NULL," + "\n" +
        "  \"OS\" TEXT NOT NULL, \"Architecture\" TEXT NOT NULL, \"Digest\" TEXT NOT NULL, \"URI\" TEXT NOT NULL," + "\n" +
        "  PRIMARY KEY(\"PluginName\", \"Target\", \"Version\", \"OS\", \"Architecture\"));" + "\n" +
        "CREATE TABLE IF NOT EXISTS \"PluginGroups\" (" + "\n" +
        "  \"Vendor\" TEXT NOT NULL, \"Publisher\" TEXT NOT NULL, \"GroupName\" TEXT NOT NULL, \"GroupVersion\" TEXT NOT NULL," + "\n" +
        "  \"Description\" TEXT NOT NULL, \"PluginName\" TEXT NOT NULL, \"Target\" TEXT NOT NULL, \"PluginVersion\" TEXT NOT NULL," + "\n" +
        "  \"Mandatory\" TEXT NOT NULL, \"Hidden\" TEXT NOT NULL," + "\n" +
        "  PRIMARY KEY(\"Vendor\", \"Publisher\", \"GroupName\", \"GroupVersion\", \"PluginName\", \"Target\"));";

    public static string Metadata(bool groupsWithVersion) =>
        "CREATE TABLE IF NOT EXISTS \"AvailablePluginBinaries\" (" + "\n" +
        "  \"PluginName\" TEXT NOT NULL, \"Target\" TEXT NOT NULL, \"Version\" TEXT NOT NULL," + "\n" +
        "  PRIMARY KEY(\"PluginName\", \"Target\", \"Version\"));" + "\n" +
        "CREATE TABLE IF NOT EXISTS \"AvailablePluginGroups\" (" + "\n" +
        "  \"Vendor\" TEXT NOT NULL, \"Publisher\" TEXT NOT NULL, \"GroupName\" TEXT NOT NULL," +
        (groupsWithVersion ? " \"GroupVersion\" TEXT NOT NULL," + "\n" + "  PRIMARY KEY(\"Vendor\", \"Publisher\", \"GroupName\", \"GroupVersion\"));"
                           : "\n" + "  PRIMARY KEY(\"Vendor\", \"Publisher\", \"GroupName\"));");
}
