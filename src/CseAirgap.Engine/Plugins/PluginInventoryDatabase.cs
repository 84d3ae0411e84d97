using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.Data.Sqlite;

namespace CseAirgap.Engine.Plugins;

/// <summary>What Publish-CseTanzuPlugin takes from an inventory: plug-in group rows and the binaries they need.</summary>
public sealed class PluginSelection
{
    public PluginSelection(IReadOnlyList<PluginGroupRow> groups, IReadOnlyList<PluginBinaryRow> binaries)
    {
        Groups = groups;
        Binaries = binaries;
    }

    public IReadOnlyList<PluginGroupRow> Groups { get; }
    public IReadOnlyList<PluginBinaryRow> Binaries { get; }
}

/// <summary>
/// The Tanzu CLI plug-in inventory (plugin_inventory.db, tanzu-cli's schema: PluginBinaries and PluginGroups) and its
/// metadata database. Databases from outside are opened as <see cref="UntrustedSqlite"/> and only read, column by
/// named column; databases written here take the module's own <see cref="InventorySchema"/>.
/// </summary>
public static class PluginInventoryDatabase
{
    public const string InventoryFile = "plugin_inventory.db";
    public const string MetadataFile = "plugin_inventory_metadata.db";

    /// <summary>The group every Tanzu CLI installs on its own; download-bundle always adds its newest version.</summary>
    public const string EssentialsGroup = "vmware-tanzucli/essentials";

    /// <summary>
    /// The vmware-tkg/default group at each TKG version asked for ("2.5.0" exactly, "2.5" any 2.5.x) and the newest
    /// vmware-tanzucli/essentials, hidden versions included (download-bundle takes them on purpose: a group is hidden
    /// while its plug-ins migrate), and the binaries they name.
    /// </summary>
    public static PluginSelection Select(string database, IReadOnlyList<string> tkgVersions, IReadOnlyCollection<string>? operatingSystems,
        IReadOnlyCollection<string>? architectures, string target, Action<string>? log = null)
    {
        List<PluginGroupRow> allGroups;
        List<PluginBinaryRow> binaries;
        using (var connection = UntrustedSqlite.Open(database, readOnly: true))
        {
            allGroups = ReadGroups(connection, target);
            binaries = ReadBinaries(connection, target);
        }
        var tkg = allGroups.Where(g => g.IsGroup("vmware", "tkg", "default") && tkgVersions.Any(v => VersionMatches(g.GroupVersion, v))).ToList();
        if (tkg.Count == 0)
        {
            var known = allGroups.Where(g => g.IsGroup("vmware", "tkg", "default")).Select(g => g.GroupVersion).Distinct().OrderBy(v => v, VersionComparer.Instance).ToList();
            throw new PluginGroupNotFoundException(target,
                $"The plug-in inventory has no vmware-tkg/default group at TKG {string.Join(", ", tkgVersions)}" +
                (known.Count == 0 ? "." : $"; it has {string.Join(", ", known)}."));
        }
        var essentials = allGroups.Where(g => g.IsGroup("vmware", "tanzucli", "essentials")).ToList();
        var newestEssentials = essentials.Select(g => g.GroupVersion).OrderByDescending(v => v, VersionComparer.Instance).FirstOrDefault();
        if (newestEssentials == null) log?.Invoke($"The plug-in inventory has no {EssentialsGroup} group; only vmware-tkg/default is taken.");
        var groups = tkg.Concat(essentials.Where(g => g.GroupVersion == newestEssentials)).ToList();

        var chosen = new List<PluginBinaryRow>();
        foreach (var group in groups)
        {
            var candidates = binaries.Where(b => b.Plugin == group.Plugin).ToList();
            // A group may name a shortened version (v0.30): the newest binary version it matches is the one used.
            var version = candidates.Select(b => b.Version).Where(v => VersionMatches(v, group.PluginVersion)).OrderByDescending(v => v, VersionComparer.Instance).FirstOrDefault();
            if (version == null)
            {
                log?.Invoke($"{group.Id} names {group.PluginName} {group.PluginVersion} ({group.Target}), which the inventory has no binary of.");
                continue;
            }
            chosen.AddRange(candidates.Where(b => b.Version == version &&
                (operatingSystems == null || operatingSystems.Contains(b.OS, StringComparer.OrdinalIgnoreCase)) &&
                (architectures == null || architectures.Contains(b.Architecture, StringComparer.OrdinalIgnoreCase))));
        }
        var distinct = chosen.GroupBy(b => b.Key).Select(g => g.First()).ToList();
        return new PluginSelection(groups, distinct);
    }

    /// <summary>Every PluginBinaries row of a database from outside.</summary>
    public static List<PluginBinaryRow> ReadBinaries(string database, string target)
    {
        using var connection = UntrustedSqlite.Open(database, readOnly: true);
        return ReadBinaries(connection, target);
    }

    /// <summary>
    /// Writes a new inventory from the module's schema: the rows of <paramref name="earlier"/> (the destination's
    /// inventory, merged rather than dropped) and then the new rows, later rows replacing equal keys.
    /// </summary>
    public static void WriteInventory(string output, string? earlier, IReadOnlyList<PluginBinaryRow> binaries, IReadOnlyList<PluginGroupRow> groups, string earlierTarget)
    {
        var keptBinaries = new List<PluginBinaryRow>();
        var keptGroups = new List<PluginGroupRow>();
        if (earlier != null)
            using (var old = UntrustedSqlite.Open(earlier, readOnly: true))
            {
                keptBinaries = ReadBinaries(old, earlierTarget);
                keptGroups = ReadGroups(old, earlierTarget);
            }
        Write(output, InventorySchema.Inventory, connection =>
        {
            foreach (var b in keptBinaries.Concat(binaries))
                Insert(connection, "PluginBinaries", InventorySchema.BinaryColumns,
                    b.PluginName, b.Target, b.RecommendedVersion, b.Version, b.Hidden, b.Description, b.Publisher, b.Vendor, b.OS, b.Architecture, b.Digest, b.URI);
            foreach (var g in keptGroups.Concat(groups))
                Insert(connection, "PluginGroups", InventorySchema.GroupColumns,
                    g.Vendor, g.Publisher, g.GroupName, g.GroupVersion, g.Description, g.PluginName, g.Target, g.PluginVersion, g.Mandatory, g.Hidden);
        });
    }

    /// <summary>
    /// Writes the metadata database (what this registry offers: the CLI hides whatever the inventory has beyond it)
    /// in the form the source's metadata has (with or without GroupVersion), merged with <paramref name="earlier"/>.
    /// </summary>
    public static void WriteMetadata(string output, string sourceMetadata, string? earlier, IReadOnlyList<PluginBinaryRow> binaries, IReadOnlyList<PluginGroupRow> groups, string target)
    {
        bool withVersion;
        using (var source = UntrustedSqlite.Open(sourceMetadata, readOnly: true))
            withVersion = ColumnsOf(source, "AvailablePluginGroups", target).Contains("GroupVersion");
        var groupColumns = InventorySchema.AvailableGroupColumns(withVersion);
        var rows = new List<string[]>();
        var groupRows = new List<string[]>();
        if (earlier != null)
            using (var old = UntrustedSqlite.Open(earlier, readOnly: true))
            {
                rows.AddRange(ReadColumns(old, "AvailablePluginBinaries", InventorySchema.AvailableBinaryColumns, target));
                groupRows.AddRange(ReadColumns(old, "AvailablePluginGroups", groupColumns, target));
            }
        rows.AddRange(binaries.Select(b => new[] { b.PluginName, b.Target, b.Version }));
        groupRows.AddRange(groups.Select(g => withVersion ? new[] { g.Vendor, g.Publisher, g.GroupName, g.GroupVersion } : new[] { g.Vendor, g.Publisher, g.GroupName }));
        Write(output, InventorySchema.Metadata(withVersion), connection =>
        {
            foreach (var r in rows) Insert(connection, "AvailablePluginBinaries", InventorySchema.AvailableBinaryColumns, r);
            foreach (var r in groupRows) Insert(connection, "AvailablePluginGroups", groupColumns, r);
        });
    }

    private static void Write(string output, string schema, Action<SqliteConnection> fill)
    {
        if (File.Exists(output)) File.Delete(output);
        using var connection = UntrustedSqlite.Open(output, readOnly: false);
        using var transaction = connection.BeginTransaction();
        using (var create = connection.CreateCommand())
        {
            create.CommandText = schema;
            create.ExecuteNonQuery();
        }
        fill(connection);
        transaction.Commit();
    }

    private static List<PluginBinaryRow> ReadBinaries(SqliteConnection connection, string target) =>
        ReadColumns(connection, "PluginBinaries", InventorySchema.BinaryColumns, target)
            .Select(v => new PluginBinaryRow(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11])).ToList();

    private static List<PluginGroupRow> ReadGroups(SqliteConnection connection, string target) =>
        ReadColumns(connection, "PluginGroups", InventorySchema.GroupColumns, target)
            .Select(v => new PluginGroupRow(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9])).ToList();

    /// <summary>The named columns of every row, as text; a table or column that is not there is an error naming it.</summary>
    private static List<string[]> ReadColumns(SqliteConnection connection, string table, IReadOnlyList<string> columns, string target)
    {
        var present = ColumnsOf(connection, table, target);
        var missing = columns.Where(c => !present.Contains(c)).ToList();
        if (missing.Count > 0)
            throw new PluginInventoryException(target,
                $"The {table} table of {target} has no column {string.Join(", ", missing)}: it is not tanzu-cli's plug-in inventory schema, or a release this module does not know.");
        var rows = new List<string[]>();
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT {string.Join(", ", columns.Select(Quote))} FROM {Quote(table)}";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var values = new string[columns.Count];
                for (var i = 0; i < values.Length; i++)
                    values[i] = reader.IsDBNull(i) ? string.Empty : Convert.ToString(reader.GetValue(i), CultureInfo.InvariantCulture) ?? string.Empty;
                rows.Add(values);
            }
        }
        catch (SqliteException e)
        {
            throw new PluginInventoryException(target, $"{target} is not a plug-in inventory this module can read ({e.Message}).", e);
        }
        return rows;
    }

    private static HashSet<string> ColumnsOf(SqliteConnection connection, string table, string target)
    {
        var columns = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            // Only tables: a view would run SQL the source wrote.
            using (var kind = connection.CreateCommand())
            {
                kind.CommandText = "SELECT type FROM sqlite_master WHERE name = $name";
                kind.Parameters.AddWithValue("$name", table);
                if (kind.ExecuteScalar() as string != "table")
                    throw new PluginInventoryException(target, $"{target} has no {table} table: it is not tanzu-cli's plug-in inventory schema.");
            }
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM pragma_table_info($table)";
            command.Parameters.AddWithValue("$table", table);
            using var reader = command.ExecuteReader();
            while (reader.Read()) columns.Add(reader.GetString(0));
        }
        catch (SqliteException e)
        {
            throw new PluginInventoryException(target, $"{target} is not a SQLite database this module can read ({e.Message}).", e);
        }
        return columns;
    }

    private static void Insert(SqliteConnection connection, string table, IReadOnlyList<string> columns, params string[] values)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"INSERT OR REPLACE INTO {Quote(table)} ({string.Join(", ", columns.Select(Quote))}) VALUES ({string.Join(", ", columns.Select((_, i) => "$p" + i))})";
        for (var i = 0; i < columns.Count; i++) command.Parameters.AddWithValue("$p" + i, values[i]);
        command.ExecuteNonQuery();
    }

    /// <summary>Table and column names are the module's own constants; quoted all the same.</summary>
    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"") + "\"";

    /// <summary>"v2.5.0" matches "2.5.0" and "v2.5" (every 2.5.x); versions compare by their numbers.</summary>
    internal static bool VersionMatches(string version, string wanted)
    {
        var v = version.TrimStart('v');
        var w = wanted.TrimStart('v');
        return v == w || v.StartsWith(w + ".", StringComparison.Ordinal);
    }

    internal sealed class VersionComparer : IComparer<string>
    {
        public static readonly VersionComparer Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = (x ?? string.Empty).TrimStart('v').Split('.', '-', '+');
            var b = (y ?? string.Empty).TrimStart('v').Split('.', '-', '+');
            for (var i = 0; i < Math.Max(a.Length, b.Length); i++)
            {
                var pa = i < a.Length ? a[i] : "0";
                var pb = i < b.Length ? b[i] : "0";
                var c = int.TryParse(pa, out var na) && int.TryParse(pb, out var nb) ? na.CompareTo(nb) : string.CompareOrdinal(pa, pb);
                if (c != 0) return c;
            }
            return 0;
        }
    }
}
