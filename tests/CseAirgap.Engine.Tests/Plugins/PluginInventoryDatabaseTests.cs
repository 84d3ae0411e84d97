using System.Diagnostics;
using CseAirgap.Engine.Plugins;
using Xunit;

namespace CseAirgap.Engine.Tests.Plugins;

/// <summary>
/// The inventory databases come from a registry: they are written here with the sqlite3 command (not the module),
/// hostile ones included, and what the module writes is read back with sqlite3 too.
/// </summary>
public sealed class PluginInventoryDatabaseTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "cseairgap-inventory-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public PluginInventoryDatabaseTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private const string Schema =
        "CREATE TABLE PluginBinaries (PluginName TEXT NOT NULL, Target TEXT NOT NULL, RecommendedVersion TEXT NOT NULL, Version TEXT NOT NULL, Hidden TEXT NOT NULL, " +
        "Description TEXT NOT NULL, Publisher TEXT NOT NULL, Vendor TEXT NOT NULL, OS TEXT NOT NULL, Architecture TEXT NOT NULL, Digest TEXT NOT NULL, URI TEXT NOT NULL, " +
        "PRIMARY KEY(PluginName, Target, Version, OS, Architecture));" +
        "CREATE TABLE PluginGroups (Vendor TEXT NOT NULL, Publisher TEXT NOT NULL, GroupName TEXT NOT NULL, GroupVersion TEXT NOT NULL, Description TEXT NOT NULL, " +
        "PluginName TEXT NOT NULL, Target TEXT NOT NULL, PluginVersion TEXT NOT NULL, Mandatory TEXT NOT NULL, Hidden TEXT NOT NULL, " +
        "PRIMARY KEY(Vendor, Publisher, GroupName, GroupVersion, PluginName, Target));";

    private const string Rows =
        "INSERT INTO PluginBinaries VALUES ('cluster','kubernetes','','v0.30.1','false','d','tkg','vmware','linux','amd64','ab','vmware/tkg/linux/amd64/kubernetes/cluster:v0.30.1');" +
        "INSERT INTO PluginBinaries VALUES ('telemetry','global','','v0.30.2','true','d','tkg','vmware','linux','amd64','cd','vmware/tkg/linux/amd64/global/telemetry:v0.30.2');" +
        "INSERT INTO PluginBinaries VALUES ('telemetry','global','','v0.30.0','false','d','tkg','vmware','linux','amd64','ef','vmware/tkg/linux/amd64/global/telemetry:v0.30.0');" +
        "INSERT INTO PluginBinaries VALUES ('context','global','','v1.1.0','false','d','tanzucli','vmware','linux','amd64','01','vmware/tanzucli/linux/amd64/global/context:v1.1.0');" +
        "INSERT INTO PluginBinaries VALUES ('context','global','','v1.0.0','false','d','tanzucli','vmware','linux','amd64','02','vmware/tanzucli/linux/amd64/global/context:v1.0.0');" +
        "INSERT INTO PluginGroups VALUES ('vmware','tkg','default','v2.5.1','d','cluster','kubernetes','v0.30.1','true','true');" +
        "INSERT INTO PluginGroups VALUES ('vmware','tkg','default','v2.5.1','d','telemetry','global','v0.30','true','true');" +
        "INSERT INTO PluginGroups VALUES ('vmware','tanzucli','essentials','v1.0.0','d','context','global','v1.0.0','true','false');" +
        "INSERT INTO PluginGroups VALUES ('vmware','tanzucli','essentials','v1.1.0','d','context','global','v1.1.0','true','false');";

    private static string Sqlite(string database, string sql)
    {
        var start = new ProcessStartInfo("sqlite3") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-separator");
        start.ArgumentList.Add("|");
        start.ArgumentList.Add(database);
        using var process = Process.Start(start)!;
        process.StandardInput.Write(sql);
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"sqlite3 failed: {error}");
        return output.Trim();
    }

    private string Database(string name, string sql)
    {
        var path = Path.Combine(_folder, name);
        Sqlite(path, sql);
        return path;
    }

    [UnixOnlyFact]
    public void Hidden_tkg_groups_and_the_newest_essentials_group_are_taken_with_their_binaries()
    {
        var db = Database("inventory.db", Schema + Rows);
        var selection = PluginInventoryDatabase.Select(db, new[] { "2.5.1" }, null, null, "inventory");
        Assert.Equal(new[] { "vmware-tanzucli/essentials:v1.1.0", "vmware-tkg/default:v2.5.1" }, selection.Groups.Select(g => g.Id).Distinct().OrderBy(i => i));
        Assert.Equal(new[] { "cluster:v0.30.1", "context:v1.1.0", "telemetry:v0.30.2" },
            selection.Binaries.Select(b => $"{b.PluginName}:{b.Version}").OrderBy(i => i));
        Assert.Equal("true", selection.Binaries.Single(b => b.PluginName == "telemetry").Hidden);
    }

    [UnixOnlyFact]
    public void A_missing_group_version_is_a_typed_error_that_lists_the_versions_there()
    {
        var db = Database("inventory.db", Schema + Rows);
        var error = Assert.IsType<PluginGroupNotFoundException>(Record.Exception(() => PluginInventoryDatabase.Select(db, new[] { "2.3.1" }, null, null, "inventory")));
        Assert.Equal("PluginGroupNotFound", error.ErrorId);
        Assert.Contains("v2.5.1", error.Message);
    }

    [UnixOnlyFact]
    public void A_missing_column_is_an_error_that_names_it()
    {
        var db = Database("inventory.db", Schema.Replace("Digest TEXT NOT NULL, ", "") + Rows.Replace("'ab',", "").Replace("'cd',", "").Replace("'ef',", "").Replace("'01',", "").Replace("'02',", ""));
        var error = Assert.IsType<PluginInventoryException>(Record.Exception(() => PluginInventoryDatabase.ReadBinaries(db, "inventory")));
        Assert.Equal("InvalidPluginInventory", error.ErrorId);
        Assert.Contains("Digest", error.Message);
    }

    [UnixOnlyFact]
    public void A_view_in_place_of_a_table_is_refused_rather_than_run()
    {
        var db = Database("inventory.db", Schema.Replace("CREATE TABLE PluginBinaries", "CREATE TABLE RealBinaries") + Rows.Replace("INTO PluginBinaries", "INTO RealBinaries") +
            "CREATE VIEW PluginBinaries AS SELECT * FROM RealBinaries;");
        var error = Assert.IsType<PluginInventoryException>(Record.Exception(() => PluginInventoryDatabase.ReadBinaries(db, "inventory")));
        Assert.Contains("no PluginBinaries table", error.Message);
    }

    [UnixOnlyFact]
    public void Sql_in_the_source_schema_is_never_run_and_the_written_schema_is_the_modules_own()
    {
        var attached = Path.Combine(_folder, "attached-by-the-source.db");
        // A schema row whose text goes on after its CREATE: executing it (as the module once did) attaches and writes a file anywhere.
        var hostile = Database("hostile.db", Schema + Rows + "CREATE TABLE t(x);" +
            "PRAGMA writable_schema=ON;" +
            $"UPDATE sqlite_master SET sql = 'CREATE TABLE t(x); ATTACH DATABASE ''{attached}'' AS a; CREATE TABLE a.t(y TEXT)' WHERE name = 't';");
        Assert.False(File.Exists(attached));

        var selection = PluginInventoryDatabase.Select(hostile, new[] { "2.5.1" }, null, null, "hostile");
        var output = Path.Combine(_folder, "published.db");
        PluginInventoryDatabase.WriteInventory(output, hostile, selection.Binaries, selection.Groups, "earlier");

        Assert.False(File.Exists(attached), "the ATTACH target was created");
        var tables = Sqlite(output, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name;");
        Assert.Equal("PluginBinaries\nPluginGroups", tables.Replace("\r", ""));
        Assert.DoesNotContain("ATTACH", Sqlite(output, "SELECT group_concat(sql) FROM sqlite_master;"));
        Assert.Equal("5", Sqlite(output, "SELECT COUNT(*) FROM PluginBinaries;"));
    }

    [UnixOnlyFact]
    public void A_metadata_database_keeps_the_form_of_the_source_one()
    {
        var withoutVersion = Database("meta.db",
            "CREATE TABLE AvailablePluginBinaries (PluginName TEXT NOT NULL, Target TEXT NOT NULL, Version TEXT NOT NULL, PRIMARY KEY(PluginName, Target, Version));" +
            "CREATE TABLE AvailablePluginGroups (Vendor TEXT NOT NULL, Publisher TEXT NOT NULL, GroupName TEXT NOT NULL, PRIMARY KEY(Vendor, Publisher, GroupName));");
        var db = Database("inventory.db", Schema + Rows);
        var selection = PluginInventoryDatabase.Select(db, new[] { "2.5" }, null, null, "inventory");
        var output = Path.Combine(_folder, "meta-out.db");
        PluginInventoryDatabase.WriteMetadata(output, withoutVersion, null, selection.Binaries, selection.Groups, "meta");
        Assert.Equal("vmware|tanzucli|essentials\nvmware|tkg|default", Sqlite(output, "SELECT * FROM AvailablePluginGroups ORDER BY Publisher;").Replace("\r", ""));
    }
}

public sealed class FileImageNameTests
{
    [UnixOnlyTheory]
    [InlineData("plugin_inventory.db", "plugin_inventory.db")]
    [InlineData("./central_config.yaml", "central_config.yaml")]
    [InlineData("a/b.txt", "a/b.txt")]
    [InlineData("../x", null)]
    [InlineData("a/../../x", null)]
    [InlineData("/etc/passwd", null)]
    [InlineData("a\\b", null)]
    [InlineData("a//b", null)]
    [InlineData("./", null)]
    public void Only_plain_relative_names_are_kept(string name, string? expected) => Assert.Equal(expected, FileImage.PlainName(name));
}
